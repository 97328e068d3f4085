"""Every Firestore query the code issues, declared as a shape, so index coverage is testable.

The emulator serves any query without an index; production Firestore refuses a query that
needs a composite index it does not have. So a module that builds a query declares its
shape here (`register(QueryShape(...))`), and a test checks each shape against
`firestore.indexes.json` (and that no `.where(` / `.order_by(` appears in a module that
declares nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["ASCENDING", "DESCENDING", "CONTAINS"]


@dataclass(frozen=True)
class QueryShape:
    name: str
    collection_group: str
    equality: tuple[str, ...] = ()
    array_contains: str | None = None
    range_field: str | None = None  # at most one field with <, <=, >, >=, != or not-in
    order_by: tuple[tuple[str, Direction], ...] = field(default_factory=tuple)

    def required_index(self) -> tuple[tuple[str, Direction], ...] | None:
        """The composite index this query needs, or None when single-field indexes serve it.

        Firestore serves equality-only queries by merging single-field indexes, and a query on
        one field alone needs nothing more; anything combining equality (or a second field)
        with a range or an ordering needs a composite: equality fields first, then the range
        field, then the remaining order-by fields.
        """
        fields: list[tuple[str, Direction]] = [(f, "ASCENDING") for f in self.equality]
        if self.array_contains:
            fields.append((self.array_contains, "CONTAINS"))
        ordered = list(self.order_by)
        if self.range_field and not any(f == self.range_field for f, _ in ordered):
            ordered.insert(0, (self.range_field, "ASCENDING"))
        fields += [(f, d) for f, d in ordered if f not in self.equality]
        if not ordered or len(fields) < 2:
            return None
        return tuple(fields)


QUERIES: list[QueryShape] = []


def register(shape: QueryShape) -> QueryShape:
    QUERIES.append(shape)
    return shape


def covered(shape: QueryShape, indexes: dict[str, Any]) -> bool:
    needed = shape.required_index()
    if needed is None:
        return True
    for index in indexes.get("indexes", []):
        if index.get("collectionGroup") != shape.collection_group:
            continue
        declared = tuple(
            (f["fieldPath"], f.get("order") or f.get("arrayConfig") or "ASCENDING")
            for f in index["fields"]
        )
        if declared == needed:
            return True
    return False
