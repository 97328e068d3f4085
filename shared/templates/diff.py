"""A reviewer's diff between two template versions: unified text diff plus field changes."""

from __future__ import annotations

import difflib
from typing import Any

from shared.templates.model import PromptTemplate


def _text(template: PromptTemplate) -> list[str]:
    # Lines without their ends: a text whose last line has no newline (most prompts) would
    # otherwise run into the next line of the diff ("-old+new").
    if template.template is not None:
        return template.template.splitlines()
    lines: list[str] = []
    for message in template.messages or []:
        lines.append(f"[{message.role}]")
        lines.extend(message.content.splitlines())
    return lines


def diff_versions(old: PromptTemplate, new: PromptTemplate) -> dict[str, Any]:
    text = "".join(
        line + "\n"
        for line in difflib.unified_diff(
            _text(old),
            _text(new),
            fromfile=f"v{old.version}",
            tofile=f"v{new.version}",
            lineterm="",
        )
    )
    changes = []
    before, after = old.generation.model_dump(mode="json"), new.generation.model_dump(mode="json")
    for field in before:
        if before[field] != after[field]:
            changes.append(
                {"field": f"model_config.{field}", "from": before[field], "to": after[field]}
            )
    if old.description != new.description:
        changes.append({"field": "description", "from": old.description, "to": new.description})
    if old.variables != new.variables:
        changes.append({"field": "variables", "from": old.variables, "to": new.variables})
    kind_old = "text" if old.template is not None else "chat"
    kind_new = "text" if new.template is not None else "chat"
    if kind_old != kind_new:
        changes.append({"field": "kind", "from": kind_old, "to": kind_new})
    return {
        "name": new.name,
        "from_version": old.version,
        "to_version": new.version,
        "text_diff": text,
        "changes": changes,
        "identical": not text and not changes,
    }
