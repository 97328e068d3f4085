"""Record the collection layout this code expects, so tools and `verify` can check it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.migrations.runner import MigrationContext

DESCRIPTION = "collection layout: prompts (+versions), guardrails, _migrations, _meta"
TOUCHES = ("meta_collection",)
LAYOUT_VERSION = 1
LAYOUT_DOCUMENT = "layout"


def _layout(ctx: MigrationContext) -> dict[str, object]:
    settings = ctx.settings
    return {
        "schema_version": LAYOUT_VERSION,
        "collections": {
            settings.prompts_collection: "template heads; subcollection versions/{n} is immutable",
            settings.guardrails_collection: "guardrail configurations",
            settings.migrations_collection: "applied migrations and the migration lease lock",
            settings.meta_collection: "this layout record",
        },
        "created_by": ctx.seed_author,
    }


def up(ctx: MigrationContext) -> None:
    ref = ctx.client.collection(ctx.settings.meta_collection).document(LAYOUT_DOCUMENT)
    current = ref.get()
    if current.exists:
        ctx.note(f"layout record exists (schema_version {current.get('schema_version')}): kept")
        return
    ctx.note(f"record layout schema_version {LAYOUT_VERSION}")
    if not ctx.dry_run:
        ref.set(_layout(ctx))


def down(ctx: MigrationContext) -> None:
    ref = ctx.client.collection(ctx.settings.meta_collection).document(LAYOUT_DOCUMENT)
    current = ref.get()
    if current.exists and (current.to_dict() or {}).get("created_by") == ctx.seed_author:
        ctx.note("remove the layout record")
        if not ctx.dry_run:
            ref.delete()
    else:
        ctx.note("layout record absent or not ours: nothing to remove")
