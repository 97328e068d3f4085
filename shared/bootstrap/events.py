"""The event functions' graphs: the execution recorder and the analytics rollup job."""

from __future__ import annotations

from shared.analytics.rollup import RollupJob
from shared.config import Settings
from shared.executions.recorder import ExecutionRecorder
from shared.guardrails.loader import GuardrailLoader
from shared.storage.observations import ObservationStore


def execution_recorder(settings: Settings) -> ExecutionRecorder:
    return ExecutionRecorder(
        settings,
        store=ObservationStore(settings),
        guardrails=GuardrailLoader.from_settings(settings),
    )


def rollup_job(settings: Settings) -> RollupJob:
    return RollupJob(ObservationStore(settings), settings)
