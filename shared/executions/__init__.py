"""Execution audit records: one per prompt execution (written by the audit pipeline)."""
