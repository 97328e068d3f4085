"""The placeholder language: `{{ name }}` and nothing else.

Why not `str.format`, Jinja or Mustache: `str.format` follows `{user.__class__}` and
`{x[0]}` (attribute and index access) and needs every literal brace doubled, which breaks the
JSON examples prompts are full of; Jinja executes expressions; Mustache HTML-escapes by
default. Prompts need none of that, so the grammar is deliberately tiny:

- `{{name}}` or `{{ name }}` (spaces or tabs inside) where `name` matches
  `[A-Za-z_][A-Za-z0-9_]*` is a placeholder. Nothing else is: `{{ user.__class__ }}`,
  `{{0}}`, `{name}`, `{"a": {"b": 1}}` are literal text and come out byte-for-byte.
- `\\{{` is an escaped `{{`: it renders as a literal `{{` (so `\\{{name}}` -> `{{name}}`).
- String values are inserted as they are (never HTML-escaped); numbers, booleans, null,
  lists and objects are inserted as compact JSON (`true`, `3.5`, `["a","b"]`).

One regex scan, linear in the template length, no backtracking hazards.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prompt_client.placeholders import PLACEHOLDER_TOKEN as _TOKEN
from prompt_client.placeholders import to_format_string

from shared.errors import FieldError, RenderedTooLarge, RenderError

# The token and the `str.format` translation are the client distribution's (it hands out the
# seed's form without this package); rendering here uses the very same token.
__all__ = ["RenderedText", "format_value", "placeholder_names", "render_text", "to_format_string"]


@dataclass(frozen=True)
class RenderedText:
    text: str
    used: frozenset[str]
    size: int  # UTF-8 bytes of `text`
    # [start, end) of each non-empty substituted value in `text`; the rest is template text.
    spans: tuple[tuple[int, int], ...] = ()


def placeholder_names(text: str) -> list[str]:
    """Placeholder names in order of first use, each once."""
    return list(_parsed(text).names)


def format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def render_text(
    text: str,
    variables: Mapping[str, Any],
    *,
    where: str = "template",
    max_bytes: int | None = None,
) -> RenderedText:
    """Substitute placeholders; every missing variable is named in one `RenderError`.

    With `max_bytes`, the output's size is computed from the pieces first, so a template
    that repeats a large value thousands of times is refused (`RenderedTooLarge`) without
    the large string ever being built."""
    parsed = _parsed(text)
    missing = [name for name in parsed.names if name not in variables]
    if missing:
        raise RenderError(
            f"missing variables for the {where}: {', '.join(missing)}",
            errors=[
                FieldError(f"variables.{name}", f"required by the {where} but not provided")
                for name in missing
            ],
        )
    values: dict[str, str] = {}
    value_sizes: dict[str, int] = {}
    size = parsed.literal_bytes
    for name in parsed.slots:
        if name is None:
            continue
        if name not in values:
            value = values[name] = _formatted(name, variables[name])
            value_sizes[name] = _utf8_size(value)
        size += value_sizes[name]
    if max_bytes is not None and size > max_bytes:
        raise RenderedTooLarge(
            f"the rendered {where} would be {size} bytes, over the {max_bytes}-byte limit "
            "(MAX_RENDERED_BYTES)",
            errors=[FieldError("variables", f"render at most {max_bytes} bytes")],
            extra={"rendered_bytes": size, "max_rendered_bytes": max_bytes},
        )

    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for literal, name in zip(parsed.literals, parsed.slots, strict=False):
        value = "{{" if name is None else values[name]
        pieces += (literal, value)
        length += len(literal)
        if name is not None and value:
            spans.append((length, length + len(value)))
        length += len(value)
    pieces.append(parsed.literals[-1])
    return RenderedText("".join(pieces), frozenset(values), size, tuple(spans))


@dataclass(frozen=True)
class _Parsed:
    """A template cut at its tokens: literals[i] precedes slots[i] (a placeholder's name,
    or None for an escaped `{{`), and literals[-1] follows the last token."""

    literals: tuple[str, ...]
    slots: tuple[str | None, ...]
    names: tuple[str, ...]  # placeholder names in order of first use, each once
    literal_bytes: int  # UTF-8 bytes of the literals plus 2 per escaped `{{`


# A render cuts the same few template texts again and again (a version's text is
# immutable): the cut is pure, so it is remembered by the text itself. Only texts of a
# typical prompt's size are kept (memory stays under ~256 x 3 x 16 K characters, whatever
# drafts an admin previews); a longer one costs its scan anyway, so it is cut each time.
PARSED_ENTRIES = 256
PARSED_MAX_CHARS = 16_384


def _parsed(text: str) -> _Parsed:
    return _cut(text) if len(text) > PARSED_MAX_CHARS else _remembered_cut(text)


@functools.lru_cache(maxsize=PARSED_ENTRIES)
def _remembered_cut(text: str) -> _Parsed:
    return _cut(text)


def _cut(text: str) -> _Parsed:
    literals: list[str] = []
    slots: list[str | None] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literals.append(text[position : match.start()])
        slots.append(match.group(1))
        position = match.end()
    literals.append(text[position:])
    size = sum(len(literal.encode("utf-8")) for literal in literals)
    size += 2 * sum(1 for name in slots if name is None)
    names = tuple(dict.fromkeys(name for name in slots if name is not None))
    return _Parsed(tuple(literals), tuple(slots), names, size)


def _utf8_size(value: str) -> int:
    # ASCII (most values) is one byte a character; only other text pays to encode.
    return len(value) if value.isascii() else len(value.encode("utf-8"))


def _formatted(name: str, value: Any) -> str:
    try:
        return format_value(value)
    except (TypeError, ValueError) as exc:  # NaN/inf or huge ints from Python callers
        raise RenderError(
            f"variable {name} cannot be written as JSON",
            errors=[FieldError(f"variables.{name}", "a JSON value (finite numbers)")],
        ) from exc
