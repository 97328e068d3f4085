"""The active guardrails, read from Firestore and cached like templates.

    fresh cache -> Firestore (deadline, circuit breaker) -> last good copy (on error, however
        old: an admin's last known configuration beats the bundled one) -> DEFAULT_GUARDRAILS

An empty collection means "not migrated yet", so the bundled defaults (the seed's three,
active) apply; deactivate a guardrail rather than deleting every document to turn all off.
A document that no longer validates (edited by hand) is skipped and logged, never fatal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from shared.cache import Cached, SingleFlight, TTLCache
from shared.config import Settings
from shared.errors import CircuitOpen, StoreUnavailable
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import GuardrailEngine
from shared.guardrails.model import Guardrail
from shared.resilience import CircuitBreaker

logger = logging.getLogger(__name__)

_KEY = "guardrails"
Source = Literal["firestore", "cache", "default"]


class GuardrailReader(Protocol):
    reads: int

    def read_all(self, *, timeout: float) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class LoadedGuardrails:
    engine: GuardrailEngine
    source: Source
    stale: bool = False


def parse_documents(documents: list[dict[str, Any]]) -> list[Guardrail]:
    fields = set(Guardrail.model_fields)
    guardrails = []
    for document in documents:
        try:
            guardrails.append(
                Guardrail.model_validate({k: v for k, v in document.items() if k in fields})
            )
        except ValidationError as exc:
            logger.error(
                "Skipping a guardrail document that does not validate",
                extra={
                    "json_fields": {"guardrail": document.get("name"), "errors": exc.error_count()}
                },
            )
    return guardrails


class GuardrailLoader:
    def __init__(
        self,
        *,
        store: GuardrailReader,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._cache: TTLCache[str, GuardrailEngine] = TTLCache(
            ttl=settings.guardrail_cache_ttl_seconds, max_entries=1, clock=clock
        )
        self._flight: SingleFlight[str] = SingleFlight()
        self._breaker = CircuitBreaker(
            failure_threshold=settings.breaker_failure_threshold,
            cooldown=settings.breaker_cooldown_seconds,
            clock=clock,
        )
        self._default_engine = GuardrailEngine(DEFAULT_GUARDRAILS.values())

    @classmethod
    def from_settings(cls, settings: Settings) -> GuardrailLoader:
        from shared.storage.guardrails import FirestoreGuardrailStore

        return cls(store=FirestoreGuardrailStore(settings), settings=settings)

    @property
    def store_reads(self) -> int:
        return self._store.reads

    def load(self) -> LoadedGuardrails:
        cached = self._cache.get(_KEY)
        if cached is not None and cached.fresh:
            return LoadedGuardrails(cached.value, "cache")
        if not self._flight.claim(_KEY):
            return self._while_refreshing(cached)
        try:
            budget = (
                self._settings.firestore_deadline_seconds
                if cached is not None
                else self._settings.firestore_cold_deadline_seconds
            )
            engine = GuardrailEngine(self._fetch(budget) or DEFAULT_GUARDRAILS.values())
        except StoreUnavailable as exc:
            if not isinstance(exc, CircuitOpen):
                logger.warning(
                    "Firestore unavailable for guardrails",
                    extra={"json_fields": {"error": exc.detail}},
                )
            return self._last_good(cached)
        finally:
            self._flight.release(_KEY)
        self._cache.put(_KEY, engine)
        return LoadedGuardrails(engine, "firestore")

    def _while_refreshing(self, cached: Cached[GuardrailEngine] | None) -> LoadedGuardrails:
        if cached is None:  # cold: give the refreshing request a moment to finish
            self._flight.wait(_KEY, self._settings.firestore_cold_deadline_seconds)
            cached = self._cache.get(_KEY)
            if cached is not None:
                return LoadedGuardrails(cached.value, "cache")
        return self._last_good(cached)

    def _last_good(self, cached: Cached[GuardrailEngine] | None) -> LoadedGuardrails:
        if cached is not None:
            return LoadedGuardrails(cached.value, "cache", stale=True)
        return LoadedGuardrails(self._default_engine, "default")

    def load_strict(self) -> list[Guardrail]:
        """Every guardrail document as stored (the CLI's `--firestore`); errors propagate."""
        return parse_documents(
            self._store.read_all(timeout=self._settings.firestore_cold_deadline_seconds * 10)
        )

    def _fetch(self, budget: float) -> list[Guardrail]:
        if not self._breaker.allow():
            raise CircuitOpen("circuit breaker open after repeated Firestore failures")
        try:
            documents = self._store.read_all(timeout=budget)
        except StoreUnavailable:
            self._breaker.record_failure()
            raise
        self._breaker.record_success()
        return parse_documents(documents)
