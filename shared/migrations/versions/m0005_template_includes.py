"""Give template heads written before `includes` existed their list of included prompts, so
that a change to an included prompt reaches the subscribers of the prompts including it
(`shared.changes.includes`). Versions are read, never written: they stay immutable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from shared.templates.composition import included_names
from shared.templates.model import PromptTemplate

if TYPE_CHECKING:
    from shared.migrations.runner import MigrationContext

DESCRIPTION = "template heads gain `includes` (every prompt any of their versions includes)"
TOUCHES = ("prompts_collection",)
_STORED_ONLY = ("content_hash",)


def up(ctx: MigrationContext) -> None:
    for head in ctx.client.collection(ctx.settings.prompts_collection).stream():
        names: set[str] = set()
        for snapshot in head.reference.collection("versions").stream():
            data = snapshot.to_dict() or {}
            try:
                version = PromptTemplate.model_validate(
                    {k: v for k, v in data.items() if k not in _STORED_ONLY}
                )
            except ValidationError:
                ctx.note(f"{head.id}: version {snapshot.id} does not validate; skipped")
                continue
            names |= included_names(version)
        known = set((head.to_dict() or {}).get("includes") or ())
        if names <= known:
            continue
        includes = sorted(known | names)
        ctx.note(f"{head.id}: includes {', '.join(includes)}")
        if not ctx.dry_run:
            # Derived data, not an admin change: no revision bump, no audit entry, so no
            # ETag an admin holds goes stale.
            head.reference.update({"includes": includes})


def down(ctx: MigrationContext) -> None:
    # Derived from the versions and harmless to keep; removing it would only make includers'
    # subscribers miss changes of the prompts they include again.
    ctx.note("includes is derived from the versions: kept")
