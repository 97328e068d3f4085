"""Resolution against the real Firestore emulator: the chain, the cache, and the case file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.audit.model import Actor
from shared.errors import AppError
from shared.storage.template_admin import TemplateAdminStore
from shared.storage.templates import FirestoreTemplateStore
from shared.templates.model import PromptTemplate
from shared.templates.resolver import Resolver
from tests.support import FakeClock, seed_versions

pytestmark = pytest.mark.emulator


def _env_value(env: Any) -> dict[str, str]:
    if env is None:
        return {}
    raw = env if isinstance(env, str) else json.dumps(env)
    return {"CUSTOM_TEMPLATES_JSON": raw}


def test_resolution_case(resolution_case, make_settings, clean_firestore):
    settings = make_settings(**_env_value(resolution_case["env"]))
    store = seed_versions(settings, resolution_case["store"])
    resolver = Resolver(store=store, settings=settings)
    request, expect = resolution_case["request"], resolution_case["expect"]

    if "error" in expect:
        with pytest.raises(AppError) as raised:
            resolver.resolve(
                request["name"], label=request.get("label"), version=request.get("version")
            )
        assert raised.value.slug == expect["error"]
        assert raised.value.status == expect["status"]
        return

    result = resolver.resolve(
        request["name"], label=request.get("label"), version=request.get("version")
    )
    assert result.source == expect["source"]
    for key in ("version", "label", "fallback_reason"):
        if key in expect:
            assert getattr(result, key) == expect[key], key
    if "template" in expect:
        assert result.template.template == expect["template"]
    for key in ("temperature", "model_name"):
        if key in expect:
            assert getattr(result.template.generation, key) == expect[key]
    if "variables" in expect:
        assert result.template.variables == expect["variables"]


def _greet(text: str) -> PromptTemplate:
    return PromptTemplate(name="greet", template=text)


def test_cache_hit_reads_nothing_and_says_cache(make_settings, clean_firestore):
    settings = make_settings()
    store = FirestoreTemplateStore(settings)
    store.create_version(_greet("v1"), author="t", labels=("production",))
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
    store = FirestoreTemplateStore(settings)
    store.create_version(_greet("v1"), author="t", labels=("production",))
    store.create_version(_greet("v2"), author="t")
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("greet").version == 1

    TemplateAdminStore(settings).move_label(
        "greet", "production", 2, actor=Actor("tests", "r"), if_match=None
    )
    clock.advance(59)
    assert resolver.resolve("greet").version == 1  # still fresh: the TTL is the contract
    clock.advance(2)
    moved = resolver.resolve("greet")
    assert (moved.version, moved.source, moved.template.template) == (2, "firestore", "v2")


def test_refresh_reuses_immutable_versions(make_settings, clean_firestore):
    settings = make_settings()
    store = FirestoreTemplateStore(settings)
    store.create_version(_greet("v1"), author="t", labels=("production",))
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    resolver.resolve("greet")
    reads = store.reads
    clock.advance(61)
    assert resolver.resolve("greet").source == "firestore"
    assert store.reads == reads + 1  # only the head: version 1 is immutable and cached


def test_unmigrated_database_costs_one_read_per_ttl(make_settings, clean_firestore):
    settings = make_settings()
    store = FirestoreTemplateStore(settings)
    resolver = Resolver(store=store, settings=settings, clock=FakeClock())
    results = [resolver.resolve("clarification_gemini_25") for _ in range(20)]
    assert {r.source for r in results} == {"default"}
    assert store.reads == 1


def test_seeding_after_start_is_picked_up_after_the_ttl(make_settings, clean_firestore):
    settings = make_settings()
    store = FirestoreTemplateStore(settings)
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("script_generation_gemini_25").source == "default"

    store.create_version(
        PromptTemplate(name="script_generation_gemini_25", template="migrated {{topic}}"),
        author="migration",
        labels=("production",),
    )
    clock.advance(61)
    after = resolver.resolve("script_generation_gemini_25")
    assert (after.source, after.version) == ("firestore", 1)
