"""The rules of guardrail configuration writes, as pure functions over plain values.

Activation and deactivation have no precondition beyond the caller's If-Match (checked by
`AuditedDocuments.update` before it asks for the change): switching an active guardrail on
again is allowed and still recorded, so the audit log shows every request that set the flag.
Seeding (migration 0003) creates a guardrail only if none of that name exists and reverts
only what it created and nobody changed (`why_seed_touched`).
"""

from __future__ import annotations

from typing import Any


def activation(current: dict[str, Any], active: bool) -> dict[str, Any]:
    """The fields `activate` (True) or `deactivate` (False) sets on `current`."""
    del current  # every state may be switched either way
    return {"active": active}


def why_seed_touched(current: dict[str, Any], author: str) -> str | None:
    """Why a seeded guardrail must stay when its seeding is reverted (None: remove it)."""
    if current.get("created_by") != author:
        return f"not created by {author}"
    if int(current.get("update_count", 0)) != 1:
        return "modified after seeding"
    return None
