"""Index coverage: the emulator enforces none, production Firestore enforces all."""

from __future__ import annotations

import json
import re

import pytest

from shared.storage.queries import QUERIES, QueryShape, covered
from tests.conftest import ROOT

INDEXES = json.loads((ROOT / "firestore.indexes.json").read_text())


def _import_every_shared_module() -> None:
    import importlib
    import pkgutil

    import shared

    for info in pkgutil.walk_packages(shared.__path__, "shared."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def test_every_registered_query_is_covered_by_a_declared_index():
    _import_every_shared_module()
    missing = [q.name for q in QUERIES if not covered(q, INDEXES)]
    assert missing == [], f"add composite indexes to firestore.indexes.json for {missing}"


def test_code_that_filters_or_orders_declares_its_query_shape():
    offenders = []
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        text = path.read_text()
        if re.search(r"\.(where|order_by)\(", text) and "QueryShape(" not in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], "declare these queries with shared.storage.queries.register"


def test_per_person_records_expire_by_ttl_and_the_ttl_field_is_not_indexed():
    ttl = [o for o in INDEXES["fieldOverrides"] if o.get("ttl")]
    assert ttl == [
        {"collectionGroup": "executions", "fieldPath": "expire_at", "ttl": True, "indexes": []},
        {
            "collectionGroup": "experiment_users",
            "fieldPath": "expire_at",
            "ttl": True,
            "indexes": [],
        },
    ]


@pytest.mark.parametrize(
    ("shape", "needed"),
    [
        (QueryShape("by id", "x", equality=("a",)), None),
        (QueryShape("equalities merge", "x", equality=("a", "b")), None),
        (QueryShape("one field ordered", "x", order_by=(("t", "DESCENDING"),)), None),
        (QueryShape("range on one field", "x", range_field="t"), None),
        (
            QueryShape("eq + order", "x", equality=("template",), order_by=(("t", "DESCENDING"),)),
            (("template", "ASCENDING"), ("t", "DESCENDING")),
        ),
        (
            QueryShape("eq + range", "x", equality=("a", "b"), range_field="t"),
            (("a", "ASCENDING"), ("b", "ASCENDING"), ("t", "ASCENDING")),
        ),
    ],
)
def test_required_index_follows_firestores_rules(shape, needed):
    assert shape.required_index() == needed


def test_coverage_detects_a_missing_and_a_wrongly_ordered_index():
    shape = QueryShape("q", "executions", equality=("template",), order_by=(("t", "DESCENDING"),))
    assert not covered(shape, {"indexes": []})
    wrong = {
        "collectionGroup": "executions",
        "queryScope": "COLLECTION",
        "fields": [
            {"fieldPath": "template", "order": "ASCENDING"},
            {"fieldPath": "t", "order": "ASCENDING"},
        ],
    }
    assert not covered(shape, {"indexes": [wrong]})
    right = {**wrong, "fields": [wrong["fields"][0], {"fieldPath": "t", "order": "DESCENDING"}]}
    assert covered(shape, {"indexes": [right]})
