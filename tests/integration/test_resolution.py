"""Resolution against the real Firestore emulator: the chain, the cache, and the case file."""

from __future__ import annotations

import pytest

from shared.audit.model import Actor
from shared.errors import TemplateDeleted
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate
from shared.templates.resolver import Resolver
from tests.resolution_cases import env_value, run_case
from tests.support import FakeClock, put_version, seed_versions

pytestmark = pytest.mark.emulator


def _soft_delete(settings, name: str) -> None:
    """Delete the way an admin must: labels removed first, then the soft delete."""
    admin, actor = TemplateRepository(settings), Actor("tests", "r")
    for label in (admin.head(name) or {}).get("labels") or {}:
        admin.remove_label(name, label, actor=actor, if_match=None)
    admin.delete(name, actor=actor, if_match=None, blocker=None)


def test_resolution_case(resolution_case, make_settings, clean_firestore):
    """The same cases as tests/unit/test_resolution_cases.py, on the real store."""
    settings = make_settings(**env_value(resolution_case["env"]))
    store = seed_versions(settings, resolution_case["store"])
    run_case(resolution_case, settings, store, lambda name: _soft_delete(settings, name))


def _greet(text: str) -> PromptTemplate:
    return PromptTemplate(name="greet", template=text)


def test_cache_hit_reads_nothing_and_says_cache(make_settings, clean_firestore):
    settings = make_settings()
    store = TemplateRepository(settings)
    put_version(store, _greet("v1"), author="t", labels=("production",))
    resolver = Resolver(store=store, settings=settings, clock=FakeClock())

    first = resolver.resolve("greet")
    reads_after_first = store.reads
    again = [resolver.resolve("greet") for _ in range(50)]

    assert first.source == "firestore"
    assert {r.source for r in again} == {"cache"}
    assert store.reads == reads_after_first
    assert reads_after_first == 2  # head + version


def test_label_move_is_seen_after_the_ttl(make_settings, clean_firestore):
    settings = make_settings(TEMPLATE_CACHE_TTL_SECONDS="60")
    store = TemplateRepository(settings)
    put_version(store, _greet("v1"), author="t", labels=("production",))
    put_version(store, _greet("v2"), author="t")
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("greet").version == 1

    TemplateRepository(settings).move_label(
        "greet", "production", 2, actor=Actor("tests", "r"), if_match=None
    )
    clock.advance(59)
    assert resolver.resolve("greet").version == 1  # still fresh: the TTL is the contract
    clock.advance(2)
    moved = resolver.resolve("greet")
    assert (moved.version, moved.source, moved.template.template) == (2, "firestore", "v2")


def test_refresh_reuses_immutable_versions(make_settings, clean_firestore):
    settings = make_settings()
    store = TemplateRepository(settings)
    put_version(store, _greet("v1"), author="t", labels=("production",))
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    resolver.resolve("greet")
    reads = store.reads
    clock.advance(61)
    assert resolver.resolve("greet").source == "firestore"
    assert store.reads == reads + 1  # only the head: version 1 is immutable and cached


def test_unmigrated_database_costs_one_read_per_ttl(make_settings, clean_firestore):
    settings = make_settings()
    store = TemplateRepository(settings)
    resolver = Resolver(store=store, settings=settings, clock=FakeClock())
    results = [resolver.resolve("clarification_gemini_25") for _ in range(20)]
    assert {r.source for r in results} == {"default"}
    assert store.reads == 1


def test_seeding_after_start_is_picked_up_after_the_ttl(make_settings, clean_firestore):
    settings = make_settings()
    store = TemplateRepository(settings)
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("script_generation_gemini_25").source == "default"

    put_version(
        store,
        PromptTemplate(name="script_generation_gemini_25", template="migrated {{topic}}"),
        author="migration",
        labels=("production",),
    )
    clock.advance(61)
    after = resolver.resolve("script_generation_gemini_25")
    assert (after.source, after.version) == ("firestore", 1)


def test_deleting_and_restoring_is_seen_on_every_selector_within_the_ttl(
    make_settings, clean_firestore
):
    settings = make_settings(TEMPLATE_CACHE_TTL_SECONDS="60")
    store = TemplateRepository(settings)
    put_version(store, _greet("v1"), author="t", labels=("production",))
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("greet").version == 1
    assert resolver.resolve("greet", version=1).version == 1

    _soft_delete(settings, "greet")
    clock.advance(61)
    for selector in ({}, {"version": 1}, {"label": "staging"}):
        with pytest.raises(TemplateDeleted):
            resolver.resolve("greet", **selector)

    admin = TemplateRepository(settings)
    admin.restore("greet", actor=Actor("tests", "r"))
    admin.move_label("greet", "production", 1, actor=Actor("tests", "r"), if_match=None)
    clock.advance(61)
    assert resolver.resolve("greet").source == "firestore"
    assert resolver.resolve("greet", version=1).template.template == "v1"
