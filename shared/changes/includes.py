"""Which templates a change to one template concerns: the template itself and every prompt
that includes it (composition), directly or through others.

The index answers one level (`TemplateRepository.includers`: the live templates whose head
lists the name in `includes`, the union of what their versions include); this walks it
breadth-first, each name asked once, so a cycle of includes ends and a chain is cut at
`MAX_DEPTH` levels. Without an index the expansion is the identity.
"""

from __future__ import annotations

from typing import Protocol


class IncludersIndex(Protocol):
    """Names of the templates that include `name` directly."""

    def includers(self, name: str) -> set[str]: ...


# Composition resolves at most `composition.MAX_DEPTH` (5) levels; a deeper chain of heads
# can exist (each written alone) but cannot resolve, so a few levels more is plenty.
MAX_DEPTH = 16


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
