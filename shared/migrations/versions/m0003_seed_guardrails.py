"""Seed the three bundled guardrails, active, never overwriting an existing one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.guardrails.defaults import DEFAULT_GUARDRAILS

if TYPE_CHECKING:
    from shared.migrations.runner import MigrationContext

DESCRIPTION = "seed guardrails: pii_detection, toxic_content_filter, prompt_injection_guard"
TOUCHES = ("guardrails_collection",)


def up(ctx: MigrationContext) -> None:
    for name, guardrail in DEFAULT_GUARDRAILS.items():
        existing = ctx.guardrails.read(name)
        if existing is not None:
            ctx.note(f"{name}: exists (active={existing.get('active')}); left untouched")
        elif ctx.dry_run:
            ctx.note(f"{name}: create, active, action {guardrail.action}")
        elif ctx.guardrails.create_if_absent(guardrail, actor=ctx.seed_author):
            ctx.note(f"{name}: created, active, action {guardrail.action}")
        else:
            ctx.note(f"{name}: created concurrently by someone else; left untouched")


def down(ctx: MigrationContext) -> None:
    for name in DEFAULT_GUARDRAILS:
        if ctx.dry_run:
            ctx.note(f"{name}: remove if untouched")
            continue
        kept = ctx.guardrails.delete_if_untouched(name, actor=ctx.seed_author)
        ctx.note(
            f"{name}: removed (untouched seed)"
            if kept is None
            else f"{name}: {'absent' if kept == 'absent' else 'kept, ' + kept}"
        )
