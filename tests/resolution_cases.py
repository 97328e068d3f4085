"""The resolution case file's runner, shared by the unit tier (an in-memory store) and the
integration tier (the real store on the emulator), so both answer the same cases."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from google.api_core import exceptions as api_exceptions

from shared.config import Settings
from shared.errors import AppError, StoreUnavailable
from shared.templates.model import PromptTemplate
from shared.templates.resolver import Resolver, TemplateReader
from tests.support import FakeClock


def env_value(env: Any) -> dict[str, str]:
    if env is None:
        return {}
    raw = env if isinstance(env, str) else json.dumps(env)
    return {"CUSTOM_TEMPLATES_JSON": raw}


@dataclass
class MemoryHead:
    labels: dict[str, int] = field(default_factory=dict)
    latest_version: int = 0
    deleted: bool = False


class InMemoryTemplates:
    """What the resolver reads (`TemplateReader`), held in dicts: the case file's store
    state without an emulator. Each row becomes the next version of its template."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.reads = 0
        self._heads: dict[str, MemoryHead] = {}
        self._versions: dict[tuple[str, int], PromptTemplate] = {}
        for row in rows:
            data = {k: v for k, v in row.items() if k != "labels"}
            name = data["name"]
            head = self._heads.setdefault(name, MemoryHead())
            number = 1 + sum(1 for n, _ in self._versions if n == name)
            self._versions[(name, number)] = PromptTemplate.model_validate(
                {**data, "version": number}
            )
            head.latest_version = number
            for label in row.get("labels", ()):
                head.labels[label] = number

    def soft_delete(self, name: str) -> None:
        head = self._heads[name]
        head.labels.clear()
        head.deleted = True

    def read_head(self, name: str, *, timeout: float) -> MemoryHead | None:
        self.reads += 1
        return self._heads.get(name)

    def read_version(self, name: str, version: int, *, timeout: float) -> PromptTemplate | None:
        self.reads += 1
        return self._versions.get((name, version))


class OutageStore:
    """A store with a switch that makes every read fail the way `kind` says: fault
    injection, since the emulator cannot be told to miss a deadline on demand."""

    def __init__(self, store: TemplateReader) -> None:
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

    def read_head(self, name: str, *, timeout: float) -> Any:
        self._check()
        return self._store.read_head(name, timeout=timeout)

    def read_version(self, name: str, version: int, *, timeout: float) -> PromptTemplate | None:
        self._check()
        return self._store.read_version(name, version, timeout=timeout)


def _resolve(resolver: Resolver, request: dict[str, Any]) -> Any:
    return resolver.resolve(
        request["name"], label=request.get("label"), version=request.get("version")
    )


def _as_json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def run_case(
    case: dict[str, Any],
    settings: Settings,
    store: TemplateReader,
    soft_delete: Callable[[str], None],
) -> None:
    """Build the case's state, resolve its request, and check the answer it expects."""
    for name in case.get("deleted", ()):
        soft_delete(name)
    outage_store = OutageStore(store)
    clock = FakeClock()
    resolver = Resolver(store=outage_store, settings=settings, clock=clock)
    for warm in case.get("warm", ()):
        with contextlib.suppress(AppError):  # a cached 404 is as much a warm entry as a hit
            _resolve(resolver, warm)
    if outage := case.get("outage"):
        clock.advance(settings.template_cache_ttl_seconds + 1)  # every entry is past its TTL
        outage_store.down = outage
        if outage == "breaker_open":
            for _ in range(settings.breaker_failure_threshold):
                resolver.breaker.record_failure()
    request, expect = case["request"], case["expect"]

    if "error" in expect:
        with pytest.raises(AppError) as raised:
            _resolve(resolver, request)
        assert raised.value.slug == expect["error"]
        assert raised.value.status == expect["status"]
        assert raised.value.extra.get("deleted", False) == expect.get("deleted", False)
        return

    result = _resolve(resolver, request)
    assert result.source == expect["source"]
    for key in ("version", "label", "fallback_reason", "stale", "labels"):
        if key in expect:
            assert _as_json(getattr(result, key)) == expect[key], key
    if "template" in expect:
        assert result.template.template == expect["template"]
    for key in ("temperature", "model_name"):
        if key in expect:
            assert getattr(result.template.generation, key) == expect[key]
    if "variables" in expect:
        assert result.template.variables == expect["variables"]
