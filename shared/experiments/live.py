"""Running experiments on the resolve path: cached like templates, assigned in-process.

The running set is one small collection read, cached for TEMPLATE_CACHE_TTL_SECONDS with
the same deadlines, circuit breaker and stale-if-error as everything else on the hot path
(`CachedSnapshot`, sharing the resolve path's breaker and the request's budget): assignment
adds no Firestore read per request, and when Firestore is down the last known experiments
keep running (before any successful read: none). Requests without a user key never look
experiments up (see `ResolutionService.get`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from shared.cache import CachedSnapshot
from shared.config import Settings
from shared.experiments.assignment import Assigner
from shared.experiments.model import ExperimentOut, experiment_from_document
from shared.resilience import CircuitBreaker

logger = logging.getLogger(__name__)

Reason = Literal["assigned", "no_user_key", "not_in_coverage", "variant_unavailable"]


class RunningReader(Protocol):
    """The running experiments (`storage.experiments.ExperimentStore` in production, wired
    by `shared.bootstrap`)."""

    reads: int

    def running(self, *, timeout: float) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class LiveExperiment:
    experiment: ExperimentOut
    assigner: Assigner

    @property
    def control(self) -> int:
        return 0


@dataclass(frozen=True)
class ExperimentChoice:
    """What the answer's `experiment` field says, and which version to serve."""

    id: str
    variant: str | None  # None when the variant's version could not be served
    version: int | None
    in_experiment: bool
    reason: Reason
    hash_scheme: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "variant": self.variant,
            "version": self.version,
            "in_experiment": self.in_experiment,
            "reason": self.reason,
            "hash_scheme": self.hash_scheme,
        }


def live_experiments(documents: list[dict[str, Any]]) -> dict[tuple[str, str], LiveExperiment]:
    live: dict[tuple[str, str], LiveExperiment] = {}
    for document in documents:
        try:
            experiment = experiment_from_document(document)
        except ValidationError as exc:
            logger.error(
                "Skipping a running experiment that does not validate",
                extra={
                    "json_fields": {"experiment": document.get("id"), "errors": exc.error_count()}
                },
            )
            continue
        assigner = Assigner(
            seed=experiment.seed,
            weights=[v.weight for v in experiment.variants],
            coverage=experiment.coverage,
            scheme=experiment.hash_scheme,
        )
        live[(experiment.template, experiment.label)] = LiveExperiment(experiment, assigner)
    return live


def choose(live: LiveExperiment, user_key: str | None) -> ExperimentChoice:
    experiment = live.experiment
    variants = experiment.variants
    reason: Reason
    if user_key is None:
        index, reason, inside = live.control, "no_user_key", False
    else:
        assignment = live.assigner.assign(user_key)
        if assignment.variant is None:
            index, reason, inside = live.control, "not_in_coverage", False
        else:
            index, reason, inside = assignment.variant, "assigned", True
    variant = variants[index]
    return ExperimentChoice(
        experiment.id, variant.name, variant.version, inside, reason, experiment.hash_scheme
    )


class ExperimentLoader:
    def __init__(
        self,
        *,
        store: RunningReader,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._store = store
        self._snapshot: CachedSnapshot[dict[tuple[str, str], LiveExperiment]] = (
            CachedSnapshot.from_firestore(
                lambda timeout: live_experiments(store.running(timeout=timeout)),
                default={},
                ttl=settings.template_cache_ttl_seconds,
                settings=settings,
                what="experiments",
                clock=clock,
                breaker=breaker,
            )
        )

    @property
    def store_reads(self) -> int:
        return self._store.reads

    def refresh(self) -> bool:
        """Re-read the running experiments now (the change poll saw one start or stop)."""
        return self._snapshot.refresh()

    def running(self, template: str, label: str) -> LiveExperiment | None:
        return self._snapshot.load().value.get((template, label))
