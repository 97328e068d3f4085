"""Hourly rollups of executions, by batch recompute.

Choice (README, "Audit pipeline", says more): a rollup document is never incremented. A run
recomputes every hour bucket it touches from the stored executions and overwrites that
hour's documents. So rollups are exact under duplicate delivery (an execution is stored
once, keyed by its id), under out-of-order and late delivery (the late execution's hour is
recomputed by the next run) and under re-runs (recomputing is idempotent); and no document
is hot, whatever the traffic: each is written once per run. The alternative, sharded
counters incremented per execution, needs a dedup marker per execution in the same
transaction and still cannot merge quantiles exactly; recompute costs reads, not
correctness.

Which hours a run recomputes: those of executions *received* since the last run's
watermark (minus an overlap, for writes that committed late), plus the last
`ROLLUP_LOOKBACK_HOURS` hours. The watermark moves only after every hour succeeded.

Latency quantiles come from a DDSketch (relative accuracy 0.5%) per document, serialized
with the library's protobuf, so hours merge into days and versions compare.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shared.analytics.sketches import new_sketch, sketch_to_bytes
from shared.config import Settings
from shared.executions.events import hour_of
from shared.storage.observations import ObservationStore

logger = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def rollup_id(hour: datetime, key: tuple[Any, ...]) -> str:
    digest = hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:32]
    return f"{hour:%Y%m%dT%H}-{digest}"


def compute_rollups(rows: Iterable[dict[str, Any]], hour: datetime) -> dict[str, dict[str, Any]]:
    """Every rollup document of one hour, from that hour's executions (pure)."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    sketches: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        key = (
            row.get("template"),
            row.get("version"),
            row.get("experiment_id"),
            row.get("variant"),
        )
        total = groups.get(key)
        if total is None:
            total = groups[key] = {
                "template": key[0],
                "version": key[1],
                "experiment_id": key[2],
                "variant": key[3],
                "hour": hour,
                "count": 0,
                "successes": 0,
                "errors": {},
                "input_tokens": 0,
                "output_tokens": 0,
                "cost_micros": 0,
                "latency_ms_sum": 0.0,
                "latency_ms_sumsq": 0.0,
            }
            sketches[key] = new_sketch()
        latency = float(row.get("latency_ms") or 0.0)
        total["count"] += 1
        if row.get("success"):
            total["successes"] += 1
        else:
            error_class = row.get("error_class") or "unknown"
            total["errors"][error_class] = total["errors"].get(error_class, 0) + 1
        total["input_tokens"] += int(row.get("input_tokens") or 0)
        total["output_tokens"] += int(row.get("output_tokens") or 0)
        total["cost_micros"] += int(row.get("cost_micros") or 0)
        total["latency_ms_sum"] += latency
        total["latency_ms_sumsq"] += latency * latency
        sketches[key].add(latency)
    return {
        rollup_id(hour, key): {**total, "latency_sketch": sketch_to_bytes(sketches[key])}
        for key, total in groups.items()
    }


@dataclass
class RollupRun:
    hours: list[datetime] = field(default_factory=list)
    executions: int = 0
    documents: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "hours": [h.isoformat() for h in self.hours],
            "executions": self.executions,
            "documents": self.documents,
        }


class RollupJob:
    def __init__(
        self,
        store: ObservationStore,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> RollupJob:
        return cls(ObservationStore(settings), settings)

    def run_tick(self) -> RollupRun:
        """What the scheduled tick does: hours touched since the watermark, plus recent ones."""
        now = self._clock()
        watermark = self._store.watermark()
        since = (watermark or EPOCH) - timedelta(
            seconds=self._settings.rollup_watermark_overlap_seconds
        )
        hours = self._store.hours_received(since=since, until=now)
        current = hour_of(now)
        hours |= {
            current - timedelta(hours=back)
            for back in range(self._settings.rollup_lookback_hours + 1)
        }
        run = self.recompute(sorted(hours))
        self._store.set_watermark(now)  # only after every hour succeeded
        return run

    def recompute(self, hours: Iterable[datetime]) -> RollupRun:
        """Recompute exactly these hours (on demand, e.g. after a backfill)."""
        run = RollupRun()
        # Executions older than the retention are gone (TTL): recomputing their hour would
        # wipe rollups that are the only record left, so such hours are never recomputed.
        oldest = hour_of(self._clock()) - timedelta(
            days=self._settings.execution_retention_days - 1
        )
        for hour in hours:
            if hour < oldest:
                logger.warning(
                    "Not recomputing an hour older than the execution retention",
                    extra={"json_fields": {"hour": hour.isoformat()}},
                )
                continue
            rows = self._store.executions_of_hour(hour)
            rollups = compute_rollups(rows, hour)
            self._store.replace_rollups_of_hour(hour, rollups)
            run.hours.append(hour)
            run.executions += len(rows)
            run.documents += len(rollups)
        logger.info("Rollups recomputed", extra={"json_fields": run.as_dict()})
        return run


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    hours, hour = [], hour_of(start)
    while hour < end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


class TickRange(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")


def handle_tick(job: RollupJob, data: Any) -> RollupRun | None:
    """A tick: no data or `{}` runs the scheduled pass; `{"from", "to"}` recomputes that range.
    A tick that cannot be read is logged and acknowledged (the next tick runs anyway)."""
    payload = _tick_payload(data)
    if payload is None:
        return job.run_tick()
    try:
        wanted = TickRange.model_validate(payload)
    except ValidationError as exc:
        logger.error(
            "Malformed analytics tick acknowledged",
            extra={"json_fields": {"errors": exc.error_count()}},
        )
        return None
    return job.recompute(hours_between(wanted.start, wanted.end))


def _tick_payload(data: Any) -> Any:
    message = data.get("message") if isinstance(data, dict) else None
    raw = message.get("data") if isinstance(message, dict) else None
    if not raw:
        return None
    try:
        decoded = base64.b64decode(raw, validate=True)
        payload = json.loads(decoded) if decoded.strip() else None
    except (binascii.Error, ValueError):
        return {"unreadable": True}
    return payload or None  # `{}` (what Cloud Scheduler sends) is the scheduled pass
