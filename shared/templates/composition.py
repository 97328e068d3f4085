"""Composition: a prompt includes another with `@@@langfusePrompt:name=X|label=L@@@` (or
`|version=N`), Langfuse's syntax, expanded on the server for both APIs.

Pure: the prompts it includes come from a `Loader` (the resolution service passes one that
resolves through the resolver, so includes are cached and fall back like any lookup). Only
text prompts can be included (into text bodies or chat message contents); an include of an
include is expanded too, up to `MAX_DEPTH` levels; a prompt that includes itself, directly
or through others, is refused (422, or 400 in Langfuse's shape), as is a malformed tag.
The result lists what was included, as Langfuse's `resolutionGraph`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from shared.errors import FieldError, ValidationFailed
from shared.templates.model import INCLUDE_MARKER, PLACEHOLDER_ROLE, PromptTemplate, check_label

MARKER = INCLUDE_MARKER

MAX_DEPTH = 5
_REFERENCE = re.compile(r"@@@langfusePrompt:(.*?)@@@")


class Loader(Protocol):
    def __call__(self, name: str, *, label: str | None, version: int | None) -> PromptTemplate: ...


@dataclass(frozen=True)
class Composed:
    template: PromptTemplate
    graph: dict[str, Any] | None  # None when nothing was included


def includes_prompts(template: PromptTemplate) -> bool:
    return template.includes_prompts  # computed once per (immutable) template


def included_names(template: PromptTemplate) -> set[str]:
    """The names of the prompts `template` includes directly (whatever label or version it
    asks for). A malformed tag includes nothing: `compose` refuses it when the prompt is
    resolved; here it only means there is no include to record."""
    names: set[str] = set()
    for text in template.texts():
        for match in _REFERENCE.finditer(text):
            try:
                names.add(_parse(match.group(1))[0])
            except ValidationFailed:
                continue
    return names


def compose(template: PromptTemplate, load: Loader, *, max_depth: int = MAX_DEPTH) -> Composed:
    if not includes_prompts(template):
        return Composed(template, None)
    root = _node(template)
    dependencies: dict[str, list[dict[str, Any]]] = {}
    expander = _Expander(load, max_depth, dependencies)
    stack = (template.name,)
    data = template.model_dump(by_alias=True, exclude={"variables"})
    if template.template is not None:
        data["template"] = expander.expand(template.template, template, stack)
    else:
        data["messages"] = [
            m.model_dump()
            if m.role == PLACEHOLDER_ROLE
            else {"role": m.role, "content": expander.expand(m.content, template, stack)}
            for m in template.messages or []
        ]
    expanded = PromptTemplate.model_validate(data)  # variables: whatever the result uses
    declared = [v for v in template.variables if v not in expanded.variables]
    if declared:
        expanded = PromptTemplate.model_validate(
            {**data, "variables": [*expanded.variables, *declared]}
        )
    return Composed(expanded, {"root": root, "dependencies": dependencies})


@dataclass
class _Expander:
    load: Loader
    max_depth: int
    dependencies: dict[str, list[dict[str, Any]]]

    def expand(self, text: str, parent: PromptTemplate, stack: tuple[str, ...]) -> str:
        def include(match: re.Match[str]) -> str:
            name, label, version = _parse(match.group(1))
            if name in stack:
                raise _refused(f"prompt '{name}' includes itself: {' -> '.join((*stack, name))}")
            if len(stack) > self.max_depth:
                raise _refused(f"includes nest deeper than {self.max_depth} levels at '{name}'")
            child = self.load(name, label=label, version=version)
            if child.template is None:
                raise _refused(
                    f"prompt '{name}' is a chat prompt; only text prompts can be included"
                )
            node = {**_node(child), **({"label": label} if label else {})}
            edges = self.dependencies.setdefault(_key(parent), [])
            if node not in edges:
                edges.append(node)
            return self.expand(child.template, child, (*stack, name))

        return _REFERENCE.sub(include, text)


def _parse(spec: str) -> tuple[str, str | None, int | None]:
    fields: dict[str, str] = {}
    for part in spec.split("|"):
        key, sep, value = part.partition("=")
        if not sep or key not in {"name", "label", "version"} or key in fields or not value:
            raise _refused(f"malformed include tag '{MARKER}{spec[:100]}@@@'")
        fields[key] = value
    if "name" not in fields or ("label" in fields) == ("version" in fields):
        raise _refused("an include names a prompt and exactly one of label or version")
    version = None
    if "version" in fields:
        if not fields["version"].isdigit() or int(fields["version"]) < 1:
            raise _refused("an include's version must be a positive integer")
        version = int(fields["version"])
    label = check_label(fields["label"], field="include.label") if "label" in fields else None
    return fields["name"], label, version


def _node(template: PromptTemplate) -> dict[str, Any]:
    return {"name": template.name, "version": template.version}


def _key(template: PromptTemplate) -> str:
    return f"{template.name}@{template.version}"


def _refused(detail: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError("prompt", detail)])
