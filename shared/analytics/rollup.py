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

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shared.analytics.sketches import new_sketch, sketch_to_bytes
from shared.config import Settings
from shared.executions.events import (
    MalformedMessage,
    error_key,
    hour_of,
    message_json,
    pubsub_payload,
)

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
            error_class = error_key(row["error_class"]) if row.get("error_class") else "unknown"
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
    experiments: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hours": [h.isoformat() for h in self.hours],
            "executions": self.executions,
            "documents": self.documents,
            "experiments": sorted(self.experiments),
        }


# Per-user totals of an hour, in this order (a list keeps the documents small).
USER_TOTALS = ("executions", "successes", "latency_ms_sum", "cost_micros", "input_tokens",
               "output_tokens")  # fmt: skip


def experiment_user_hours(
    rows: Iterable[dict[str, Any]], hour: datetime, *, retention: timedelta
) -> dict[str, dict[str, Any]]:
    """`experiment_users/{id}` documents for one hour: per experiment, variant and user, that
    hour's totals under `hours.<YYYYmmddHH>`. Users without a key cannot be analysed per
    user and are left out here (they still count in the hourly rollups). `expire_at` (a TTL
    policy) removes a user's document `retention` after their latest recomputed hour: these
    are per-person records, kept no longer than the executions they come from."""
    users: dict[str, dict[str, Any]] = {}
    label = f"{hour:%Y%m%d%H}"
    for row in rows:
        experiment_id, variant, user_key = (
            row.get("experiment_id"),
            row.get("variant"),
            row.get("user_key"),
        )
        if not (experiment_id and variant and user_key):
            continue
        doc_id = rollup_id(hour, (experiment_id, variant, user_key)).split("-", 1)[1]
        entry = users.get(doc_id)
        if entry is None:
            entry = users[doc_id] = {
                "experiment_id": experiment_id,
                "variant": variant,
                "user_key": user_key,
                "hours": {label: [0, 0, 0.0, 0, 0, 0]},
                "expire_at": hour + retention,
            }
        totals = entry["hours"][label]
        totals[0] += 1
        totals[1] += 1 if row.get("success") else 0
        totals[2] += float(row.get("latency_ms") or 0.0)
        totals[3] += int(row.get("cost_micros") or 0)
        totals[4] += int(row.get("input_tokens") or 0)
        totals[5] += int(row.get("output_tokens") or 0)
    return users


def summarize_experiment(user_documents: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per variant, the sufficient statistics the results need (pure): users, executions,
    successes, token and cost totals, and sums and sums of squares of per-user means."""
    variants: dict[str, dict[str, float]] = {}
    for document in user_documents:
        totals = [0.0] * len(USER_TOTALS)
        for hour_totals in (document.get("hours") or {}).values():
            for index, value in enumerate(hour_totals[: len(USER_TOTALS)]):
                totals[index] += value
        n = totals[0]
        if n <= 0:
            continue
        stats = variants.setdefault(
            document["variant"],
            {key: 0.0 for key in ("users", "executions", "successes", "latency_ms_sum",
                                  "cost_micros", "input_tokens", "output_tokens",
                                  "user_latency_sum", "user_latency_sumsq", "user_cost_sum",
                                  "user_cost_sumsq", "user_success_sum", "user_success_sumsq")},
        )  # fmt: skip
        latency_mean, cost_mean, success_mean = totals[2] / n, totals[3] / 1e6 / n, totals[1] / n
        stats["users"] += 1
        for index, key in enumerate(USER_TOTALS):
            stats[key] += totals[index]
        stats["user_latency_sum"] += latency_mean
        stats["user_latency_sumsq"] += latency_mean * latency_mean
        stats["user_cost_sum"] += cost_mean
        stats["user_cost_sumsq"] += cost_mean * cost_mean
        stats["user_success_sum"] += success_mean
        stats["user_success_sumsq"] += success_mean * success_mean
    return {"variants": variants}


class RollupStore(Protocol):
    """The executions and the rollups made of them (`storage.observations.ObservationStore`
    in production, wired by `shared.bootstrap.events`)."""

    def watermark(self) -> datetime | None: ...
    def set_watermark(self, received_until: datetime) -> None: ...
    def hours_received(self, *, since: datetime, until: datetime) -> set[datetime]: ...
    def executions_of_hour(self, hour: datetime) -> list[dict[str, Any]]: ...
    def replace_rollups_of_hour(
        self, hour: datetime, rollups: dict[str, dict[str, Any]]
    ) -> None: ...
    def merge_experiment_users(self, hour: datetime, users: dict[str, dict[str, Any]]) -> None: ...
    def experiment_users(self, experiment_id: str) -> list[dict[str, Any]]: ...
    def save_experiment_summary(self, experiment_id: str, summary: dict[str, Any]) -> None: ...


class RollupJob:
    def __init__(
        self,
        store: RollupStore,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock

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
        skipped: list[datetime] = []  # its earliest and latest hour, and how many in all
        skipped_count = 0
        for hour in hours:
            if hour < oldest:
                skipped_count += 1
                skipped = [min(hour, skipped[0]), max(hour, skipped[1])] if skipped else [hour] * 2
                continue
            rows = self._store.executions_of_hour(hour)
            rollups = compute_rollups(rows, hour)
            self._store.replace_rollups_of_hour(hour, rollups)
            users = experiment_user_hours(
                rows, hour, retention=timedelta(days=self._settings.execution_retention_days)
            )
            self._store.merge_experiment_users(hour, users)
            run.experiments.update(u["experiment_id"] for u in users.values())
            run.hours.append(hour)
            run.executions += len(rows)
            run.documents += len(rollups)
        if skipped_count:
            # One line for the whole range, never one per hour: a tick over 1970-2026 asked
            # for ~490,000 hours and used to queue as many log records.
            logger.warning(
                "Not recomputing hours older than the execution retention",
                extra={
                    "json_fields": {
                        "skipped_hours": skipped_count,
                        "first_skipped": skipped[0].isoformat(),
                        "last_skipped": skipped[1].isoformat(),
                        "oldest_recomputable": oldest.isoformat(),
                    }
                },
            )
        for experiment_id in sorted(run.experiments):
            summary = summarize_experiment(self._store.experiment_users(experiment_id))
            summary["computed_at"] = self._clock()
            self._store.save_experiment_summary(experiment_id, summary)
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
    try:
        decoded = pubsub_payload(data)
        payload = message_json(decoded) if decoded and decoded.strip() else None
    except MalformedMessage:
        return {"unreadable": True}
    return payload or None  # `{}` (what Cloud Scheduler sends) is the scheduled pass
