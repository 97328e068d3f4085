"""What a change event says, built from the audit entry of the write that caused it.

The store calls `change_event` inside the write's transaction (from the one audit path,
`shared.storage.audit.record`), so an event exists exactly when its change committed. The
audit action decides whether the change is one callers care about (`EVENT_TYPES`); draft
edits of experiments and webhook configuration are audited but send no event.

Every event carries the CloudEvents 1.0 attributes (`id`, `source`, `type`, `subject`,
`time`, `specversion`); `data` holds who, what, before/after (versions, content hashes,
label), the audit entry's id and the subject's revision: the same number as the ETag of the
template (or guardrail, experiment), strictly increasing per subject, so a receiver can
drop an event older than one it already applied.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCHEMA_VERSION = 1
SPEC_VERSION = "1.0"

# audit action -> event type (CloudEvents `type`); actions absent here send no event.
EVENT_TYPES: dict[str, str] = {
    "template.create": "template.version.created",
    "template.version": "template.version.created",
    "label.move": "template.label.moved",
    "label.remove": "template.label.removed",
    "label.rollback": "template.label.rolled_back",
    "template.delete": "template.deleted",
    "template.restore": "template.restored",
    "guardrail.create": "guardrail.changed",
    "guardrail.replace": "guardrail.changed",
    "guardrail.delete": "guardrail.changed",
    "guardrail.activate": "guardrail.activated",
    "guardrail.deactivate": "guardrail.deactivated",
    "experiment.start": "experiment.started",
    "experiment.stop": "experiment.stopped",
}
ALL_TYPES: tuple[str, ...] = tuple(sorted(set(EVENT_TYPES.values())))


@dataclass(frozen=True)
class ChangeFacts:
    """What the store knows beyond the audit entry: the template the change concerns (an
    experiment's template too), the subject's new revision, the label, and content hashes
    of the versions before and after."""

    revision: int
    template: str | None = None
    label: str | None = None
    before_hash: str | None = None
    after_hash: str | None = None


def event_type(action: str) -> str | None:
    return EVENT_TYPES.get(action)


def change_event(
    entry: dict[str, Any], *, audit_entry_id: str, facts: ChangeFacts, source: str
) -> dict[str, Any] | None:
    """The outbox document of the change `entry` audits (None: not a change event). The
    commit time is added by the store (`time`, filled from the outbox's commit stamp)."""
    kind = event_type(str(entry.get("action", "")))
    if kind is None:
        return None
    before = _with_hash(entry.get("before"), facts.before_hash)
    after = _with_hash(entry.get("after"), facts.after_hash)
    return {
        "id": uuid.uuid4().hex,
        "specversion": SPEC_VERSION,
        "source": source,
        "type": kind,
        "subject": entry["target"],
        "data": {
            "schema_version": SCHEMA_VERSION,
            "action": entry["action"],
            "subject": entry["target"],
            "template": facts.template,
            "label": facts.label,
            "revision": facts.revision,
            "actor": entry.get("actor"),
            "request_id": entry.get("request_id"),
            "audit_entry_id": audit_entry_id,
            "before": before,
            "after": after,
        },
    }


def _with_hash(side: Any, content_hash: str | None) -> Any:
    if content_hash is None:
        return side
    return {**(side if isinstance(side, dict) else {}), "content_hash": content_hash}


def source_for(project_id: str) -> str:
    return f"//prompt-management/projects/{project_id}"


def cloud_event(outbox: dict[str, Any], committed_at: datetime | None) -> dict[str, Any]:
    """The structured CloudEvent (what a webhook body is) from an outbox document."""
    event: dict[str, Any] = {
        key: outbox[key]
        for key in ("specversion", "id", "source", "type", "subject")
        if key in outbox
    }
    event["time"] = committed_at.isoformat() if committed_at is not None else None
    event["datacontenttype"] = "application/json"
    event["data"] = {**outbox.get("data", {}), "occurred_at": event["time"]}
    return event


def pubsub_attributes(event: dict[str, Any]) -> dict[str, str]:
    """CloudEvents' Pub/Sub binding (binary mode): `ce-` attributes beside the data, plus
    `template` so that subscriptions may filter on it."""
    attributes = {
        f"ce-{key}": str(event[key])
        for key in ("specversion", "id", "source", "type", "subject", "time")
        if event.get(key) is not None
    }
    attributes["content-type"] = "application/json"
    template = (event.get("data") or {}).get("template")
    if template:
        attributes["template"] = str(template)
    return attributes


def from_pubsub(data: Any, attributes: dict[str, str]) -> dict[str, Any] | None:
    """The structured CloudEvent from a Pub/Sub message (None: not one of ours)."""
    required = ("ce-id", "ce-type", "ce-source", "ce-specversion")
    if not isinstance(data, dict) or any(not attributes.get(key) for key in required):
        return None
    event: dict[str, Any] = {
        key.removeprefix("ce-"): value for key, value in attributes.items() if key.startswith("ce-")
    }
    event["datacontenttype"] = "application/json"
    event["data"] = data
    return event
