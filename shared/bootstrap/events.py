"""The event functions' graphs: the execution recorder and the analytics rollup job (also
what `python -m shared.analytics rollup` runs)."""

from __future__ import annotations

from shared.analytics.rollup import RollupJob
from shared.bootstrap.guardrails import guardrail_loader
from shared.config import Settings
from shared.errors import AppError
from shared.executions.recorder import ExecutionRecorder
from shared.storage.firestore import store_errors
from shared.storage.observations import ObservationStore


def execution_recorder(settings: Settings) -> ExecutionRecorder:
    return ExecutionRecorder(
        settings,
        store=ObservationStore(settings),
        guardrails=guardrail_loader(settings),
    )


def rollup_job(settings: Settings) -> RollupJob:
    return RollupJob(ObservationStore(settings), settings)


def rollup_failures() -> tuple[type[BaseException], ...]:
    """What a rollup raises when it cannot finish: our errors, and what the Firestore client
    raises when Firestore fails (the CLI exits 1 on these, without a traceback)."""
    return (AppError, *store_errors())
