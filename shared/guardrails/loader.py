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
from typing import Any, Protocol

from pydantic import ValidationError

from shared.cache import CachedSnapshot, Snapshot
from shared.config import Settings
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import GuardrailEngine
from shared.guardrails.model import Guardrail
from shared.resilience import CircuitBreaker

logger = logging.getLogger(__name__)


class GuardrailReader(Protocol):
    """The `guardrails` collection (`storage.guardrails.FirestoreGuardrailStore` in
    production, wired by `shared.bootstrap`)."""

    reads: int

    def read_all(self, *, timeout: float) -> list[dict[str, Any]]: ...


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
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._snapshot: CachedSnapshot[GuardrailEngine] = CachedSnapshot.from_firestore(
            self._fetch,
            default=GuardrailEngine(DEFAULT_GUARDRAILS.values()),
            ttl=settings.guardrail_cache_ttl_seconds,
            settings=settings,
            what="guardrails",
            clock=clock,
            breaker=breaker,
        )

    @property
    def store_reads(self) -> int:
        return self._store.reads

    def load(self) -> Snapshot[GuardrailEngine]:
        """The active set as an engine (`value`), with where it came from."""
        return self._snapshot.load()

    def refresh(self) -> bool:
        """Re-read the active set now (the change poll saw a guardrail change)."""
        return self._snapshot.refresh()

    def load_strict(self) -> list[Guardrail]:
        """Every guardrail document as stored (the CLI's `--firestore`); errors propagate."""
        return parse_documents(
            self._store.read_all(timeout=self._settings.firestore_cold_deadline_seconds * 10)
        )

    def _fetch(self, timeout: float) -> GuardrailEngine:
        return GuardrailEngine(
            parse_documents(self._store.read_all(timeout=timeout)) or DEFAULT_GUARDRAILS.values()
        )
