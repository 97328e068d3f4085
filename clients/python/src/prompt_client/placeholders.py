"""The placeholder token of the prompt language, and its translation to `str.format` syntax.

The grammar (`{{ name }}`, `\\{{` for a literal `{{`, everything else literal) is described
in `shared.rendering.placeholders`, which renders with this same token; it lives here because
the client hands out the seed's `str.format` form without the server's package.
"""

from __future__ import annotations

import re

# Group 1 is the placeholder's name; a match without it is the escaped `\{{`.
PLACEHOLDER_TOKEN = re.compile(r"\\\{\{|\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}")


def to_format_string(text: str) -> str:
    """The same template in Python `str.format` syntax, for the seed's `get_template()` callers.

    Literal braces are doubled and placeholders become `{name}`, so
    `to_format_string(t).format(**vars) == render_text(t, vars).text` for string values.
    """
    out: list[str] = []
    position = 0
    for match in PLACEHOLDER_TOKEN.finditer(text):
        out.append(_double_braces(text[position : match.start()]))
        name = match.group(1)
        out.append("{{{{" if name is None else "{" + name + "}")
        position = match.end()
    out.append(_double_braces(text[position:]))
    return "".join(out)


def _double_braces(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")
