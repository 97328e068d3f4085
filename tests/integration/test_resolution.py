"""Resolution against the real Firestore emulator: the chain, the cache, and the case file."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from google.api_core import exceptions as api_exceptions

from shared.audit.model import Actor
from shared.errors import AppError, StoreUnavailable, TemplateDeleted
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate
from shared.templates.resolver import Resolver
from tests.support import FakeClock, put_version, seed_versions

pytestmark = pytest.mark.emulator


def _env_value(env: Any) -> dict[str, str]:
    if env is None:
        return {}
    raw = env if isinstance(env, str) else json.dumps(env)
    return {"CUSTOM_TEMPLATES_JSON": raw}


class OutageStore:
    """The real store, with a switch that makes every read fail the way `kind` says:
    fault injection, since the emulator cannot be told to miss a deadline on demand."""

    def __init__(self, store: TemplateRepository) -> None:
        self._store = store
        self.down: str | None = None

    @property
    def reads(self) -> int:
        return self._store.reads

    def _check(self) -> None:
        if self.down == "deadline_exceeded":
            raise StoreUnavailable("Firestore read failed") from api_exceptions.DeadlineExceeded(
                "x"
            )
        if self.down is not None:
            raise StoreUnavailable("Firestore read failed") from api_exceptions.ServiceUnavailable(
                "x"
            )

    def read_head(self, name: str, *, timeout: float):
        self._check()
        return self._store.read_head(name, timeout=timeout)

    def read_version(self, name: str, version: int, *, timeout: float):
        self._check()
        return self._store.read_version(name, version, timeout=timeout)


def _soft_delete(settings, name: str) -> None:
    """Delete the way an admin must: labels removed first, then the soft delete."""
    admin, actor = TemplateRepository(settings), Actor("tests", "r")
    for label in (admin.head(name) or {}).get("labels") or {}:
        admin.remove_label(name, label, actor=actor, if_match=None)
    admin.delete(name, actor=actor, if_match=None, blocker=None)


def _resolve(resolver: Resolver, request: dict[str, Any]):
    return resolver.resolve(
        request["name"], label=request.get("label"), version=request.get("version")
    )


def test_resolution_case(resolution_case, make_settings, clean_firestore):
    settings = make_settings(**_env_value(resolution_case["env"]))
    store = OutageStore(seed_versions(settings, resolution_case["store"]))
    for name in resolution_case.get("deleted", ()):
        _soft_delete(settings, name)
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    for warm in resolution_case.get("warm", ()):
        with contextlib.suppress(AppError):  # a cached 404 is as much a warm entry as a hit
            _resolve(resolver, warm)
    if outage := resolution_case.get("outage"):
        clock.advance(settings.template_cache_ttl_seconds + 1)  # every entry is past its TTL
        store.down = outage
        if outage == "breaker_open":
            for _ in range(settings.breaker_failure_threshold):
                resolver.breaker.record_failure()
    request, expect = resolution_case["request"], resolution_case["expect"]

    if "error" in expect:
        with pytest.raises(AppError) as raised:
            _resolve(resolver, request)
        assert raised.value.slug == expect["error"]
        assert raised.value.status == expect["status"]
        assert raised.value.extra.get("deleted", False) == expect.get("deleted", False)
        return

    result = _resolve(resolver, request)
    assert result.source == expect["source"]
    for key in ("version", "label", "fallback_reason", "stale"):
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
