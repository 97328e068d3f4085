"""20 parallel label moves and 20 parallel version creations: invariants hold, nothing lost.

The emulator is slow under contention (DESIGN.md): the counts are what is asserted, never
the time. Requests that lose every retry get a 409 to retry, never a 500.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.audit.model import Actor
from shared.errors import Conflict
from shared.storage.template_admin import TemplateAdminStore
from shared.templates.model import PromptTemplate

pytestmark = pytest.mark.emulator

N = 20


def _run_all(work, count: int) -> tuple[list, list[Exception]]:
    results, failures = [], []
    with ThreadPoolExecutor(max_workers=count) as pool:
        for future in [pool.submit(work, i) for i in range(count)]:
            try:
                results.append(future.result(timeout=300))
            except Conflict as exc:
                failures.append(exc)
    return results, failures


def _audit_count(store: TemplateAdminStore, action: str, target: str) -> int:
    return sum(
        1
        for s in store.client.collection("audit_log").stream()
        if (s.to_dict() or {}).get("action") == action and s.to_dict().get("target") == target
    )


def test_parallel_label_moves_keep_one_version_per_label_and_lose_no_update(
    make_settings, clean_firestore
):
    store = TemplateAdminStore(make_settings())
    actor = Actor("tests", "r")
    store.create(PromptTemplate(name="hot", template="v1"), actor=actor, commit_message="")
    for text in ("v2", "v3"):
        store.add_version(
            "hot",
            lambda _parent, text=text: PromptTemplate(name="hot", template=text),
            actor=actor,
            commit_message="",
            if_match=None,
        )

    moves, failures = _run_all(
        lambda i: store.move_label(
            "hot", "production", i % 3 + 1, actor=Actor(f"mover-{i}", f"r{i}"), if_match=None
        ),
        N,
    )
    assert len(moves) + len(failures) == N
    assert moves  # contention never starves everyone
    head = store.head("hot")
    history = store.label_history("hot", "production", limit=100)
    assert len(history) == len(moves)  # every applied move is in the history, exactly once
    assert head["update_count"] == 3 + len(moves)  # no lost update
    assert head["labels"]["production"] == history[0]["to_version"]  # the last move won
    chain = sorted(history, key=lambda h: h["revision"])
    assert [h["revision"] for h in chain] == sorted({h["revision"] for h in chain})  # unique
    for earlier, later in itertools.pairwise(chain):  # each move saw the one before
        assert later["from_version"] == earlier["to_version"]
    assert _audit_count(store, "label.move", "templates/hot/labels/production") == len(moves)


def test_parallel_version_creations_get_distinct_contiguous_numbers(make_settings, clean_firestore):
    store = TemplateAdminStore(make_settings())
    actor = Actor("tests", "r")
    store.create(PromptTemplate(name="busy", template="base"), actor=actor, commit_message="")

    created, failures = _run_all(
        lambda i: store.add_version(
            "busy",
            lambda _parent: PromptTemplate(name="busy", template=f"variant {i}"),
            actor=actor,
            commit_message=str(i),
            if_match=None,
        ),
        N,
    )
    assert len(created) + len(failures) == N
    numbers = sorted(t.version for t in created)
    assert numbers == list(range(2, 2 + len(created)))  # distinct, no gaps
    head = store.head("busy")
    assert head["latest_version"] == 1 + len(created)
    assert head["update_count"] == 1 + len(created)
    stored = store.versions("busy", before=None, limit=100)
    assert len(stored) == 1 + len(created)
    assert len({v["content_hash"] for v in stored}) == len(stored)
