"""One audit entry per admin write, stored in `audit_log/{id}` in the same transaction as the
change itself, so a change without its entry (or the reverse) cannot exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who is acting and in which request (for the audit entry)."""

    id: str
    request_id: str


def audit_entry(
    actor: Actor, action: str, target: str, *, before: Any = None, after: Any = None
) -> dict[str, Any]:
    """The entry's fields; the store adds the commit time (`at`)."""
    return {
        "actor": actor.id,
        "action": action,
        "target": target,
        "scope": audit_scope(target),
        "before": before,
        "after": after,
        "request_id": actor.request_id,
    }


def template_target(name: str, *parts: str) -> str:
    """The audit target (and change-event subject) of a template or its parts. A folder
    name's `/` is written `%2F`, as in the API's paths, so that the target still splits into
    kind/id pairs (`templates/team%2Fgreet/labels/production`); names hold no `%`."""
    return "/".join(("templates", name.replace("/", "%2F"), *parts))


def audit_scope(target: str) -> list[str]:
    """The target and every object above it (`templates/x/labels/production` ->
    `templates/x`, `templates/x/labels/production`), so that filtering the log by an object
    also finds the changes made to its parts (a label move is a change to its template)."""
    parts = target.split("/")
    return ["/".join(parts[:end]) for end in range(2, len(parts) + 1, 2)] or [target]
