"""Seed the three bundled templates as version 1 under `production`, never overwriting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.templates.defaults import DEFAULT_TEMPLATES

if TYPE_CHECKING:
    from shared.migrations.runner import MigrationContext

DESCRIPTION = "seed templates: the 3 bundled defaults as v1 with the production label"
TOUCHES = ("prompts_collection",)
SEED_NAMES = ("nlu_extraction_gemini_25", "clarification_gemini_25", "script_generation_gemini_25")


def up(ctx: MigrationContext) -> None:
    for name in SEED_NAMES:
        head = ctx.templates.read_head(name, timeout=30)
        if head is not None:
            ctx.note(
                f"{name}: exists (latest version {head.latest_version}, labels {head.labels}); "
                "left untouched"
            )
            continue
        if ctx.dry_run:
            ctx.note(f"{name}: create version 1 and label it production")
            continue
        created = ctx.templates.create_version(
            DEFAULT_TEMPLATES[name],
            author=ctx.seed_author,
            commit_message="seeded from the bundled defaults",
            labels=("production",),
            only_if_new=True,
        )
        ctx.note(
            f"{name}: created version 1, labelled production"
            if created
            else f"{name}: created concurrently by someone else; left untouched"
        )


def down(ctx: MigrationContext) -> None:
    for name in SEED_NAMES:
        if ctx.dry_run:
            head = ctx.templates.read_head(name, timeout=30)
            ctx.note(f"{name}: remove if untouched" if head else f"{name}: absent")
            continue
        kept = ctx.templates.delete_if_untouched(name, author=ctx.seed_author)
        if kept is None:
            ctx.note(f"{name}: removed (untouched seed)")
        elif kept == "absent":
            ctx.note(f"{name}: absent")
        else:
            ctx.note(f"{name}: kept, {kept}")
