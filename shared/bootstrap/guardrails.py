"""The active guardrails read from Firestore: one wiring for the resolve path (behind its
breaker), the execution recorder and `python -m shared.guardrails --firestore`."""

from __future__ import annotations

from shared.config import Settings
from shared.guardrails.loader import GuardrailLoader
from shared.resilience import CircuitBreaker
from shared.storage.guardrails import FirestoreGuardrailStore


def guardrail_loader(
    settings: Settings, *, breaker: CircuitBreaker | None = None
) -> GuardrailLoader:
    return GuardrailLoader(
        store=FirestoreGuardrailStore(settings), settings=settings, breaker=breaker
    )
