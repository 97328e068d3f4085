"""The resolution service's graph, shared by the resolve function and `get_template()`:
the resolver, guardrail and experiment loaders over their Firestore stores, all behind one
circuit breaker.

Apart from `resolve.py` so that `shared.templates.compat` builds it without importing the
HTTP layer. The stores import their Google clients on first use, so this module is cheap
to import.
"""

from __future__ import annotations

from shared.bootstrap.guardrails import guardrail_loader
from shared.changes.poll import ChangePoller
from shared.config import Settings
from shared.experiments.live import ExperimentLoader
from shared.resilience import CircuitBreaker
from shared.storage.audit import AuditLogStore
from shared.storage.experiments import ExperimentStore
from shared.storage.firestore import import_client_library
from shared.storage.templates import TemplateRepository
from shared.templates.resolver import Resolver
from shared.templates.service import ResolutionService


def resolution_service(settings: Settings, *, preload_clients: bool = False) -> ResolutionService:
    """`preload_clients` imports the Firestore client now, for callers that build the
    service outside any request (`get_template()`'s first call). The resolve function keeps
    it lazy: its import time is its cold start."""
    if preload_clients:
        import_client_library()
    # One breaker for every Firestore read of the resolve path: once templates found
    # Firestore down, experiments and guardrails stop trying too (and vice versa).
    breaker = CircuitBreaker.for_firestore(settings)
    return ResolutionService(
        Resolver(store=TemplateRepository(settings), settings=settings, breaker=breaker),
        guardrail_loader(settings, breaker=breaker),
        ExperimentLoader(store=ExperimentStore(settings), settings=settings, breaker=breaker),
        max_rendered_bytes=settings.max_rendered_bytes,
        # Changes committed elsewhere are re-read within CHANGE_POLL_SECONDS, not the TTL.
        changes=ChangePoller(AuditLogStore(settings), interval=settings.change_poll_seconds),
    )
