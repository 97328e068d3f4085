"""Change events: one versioned CloudEvent per committed admin change that alters what a
caller would get, written to an outbox in the change's own transaction and drained to the
`prompt-changes` topic (see `shared.changes.outbox`)."""
