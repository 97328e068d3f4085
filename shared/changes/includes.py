"""Which templates a change to one template concerns: the template itself and, once a
prompt may include another (composition), every prompt that includes it, transitively.

Composition is not part of this codebase yet, so the expansion is the identity; delivery
already asks this function, so including prompts' subscribers are told as soon as an
`IncludersIndex` that knows the includes is passed in.
"""

from __future__ import annotations

from typing import Protocol


class IncludersIndex(Protocol):
    """Names of the templates that include `name` directly."""

    def includers(self, name: str) -> set[str]: ...


MAX_DEPTH = 16  # composition is depth-limited; a deeper chain cannot resolve anyway


def templates_to_notify(name: str, index: IncludersIndex | None = None) -> set[str]:
    """`name` and every template that includes it, directly or through others."""
    found = {name}
    frontier = {name}
    for _ in range(MAX_DEPTH):
        if index is None or not frontier:
            break
        frontier = {n for f in frontier for n in index.includers(f)} - found
        found |= frontier
    return found
