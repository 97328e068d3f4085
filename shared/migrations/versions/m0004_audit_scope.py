"""Give audit entries written before `scope` existed their scope, so filtering the log by
a template also finds its older label moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.audit.model import audit_scope

if TYPE_CHECKING:
    from shared.migrations.runner import MigrationContext

DESCRIPTION = "audit_log entries gain `scope` (target and the objects above it)"
TOUCHES = ("audit_collection",)
BATCH = 400  # under Firestore's 500 writes per batch


def up(ctx: MigrationContext) -> None:
    pending = [
        (snapshot.reference, entry["target"])
        for snapshot in ctx.client.collection(ctx.settings.audit_collection).stream()
        if "scope" not in (entry := snapshot.to_dict() or {}) and entry.get("target")
    ]
    ctx.note(f"add scope to {len(pending)} audit entries")
    if ctx.dry_run:
        return
    for start in range(0, len(pending), BATCH):
        batch = ctx.client.batch()
        for reference, target in pending[start : start + BATCH]:
            batch.update(reference, {"scope": audit_scope(target)})
        batch.commit()


def down(ctx: MigrationContext) -> None:
    # The field is derived from `target` and harmless to keep; removing it would only make
    # the template filter miss label moves again.
    ctx.note("scope is derived from target: kept")
