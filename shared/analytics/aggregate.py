"""Summing hourly rollups into per-template/version figures (pure).

A rollup document (`analytics_hourly/{id}`, written by the audit pipeline) holds, for one
template, version, experiment variant and hour: `count`, `successes`, `errors` (class ->
count), `input_tokens`, `output_tokens`, `cost_micros` (integer micro-dollars, so sums are
exact), `latency_ms_sum`, `latency_ms_sumsq` and `latency_sketch` (a serialized DDSketch).
Sketches of the hours in range are merged, so p50/p95/p99 are over the whole range, within
the sketch's 0.5% relative error. `avg_response_time_ms` and `success_rate` keep the seed's
names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from shared.analytics.sketches import sketch_from_bytes
from shared.executions.events import error_key

ROLLUP_FIELDS = (
    "count",
    "successes",
    "input_tokens",
    "output_tokens",
    "cost_micros",
    "latency_ms_sum",
    "latency_ms_sumsq",
)


class Figures(BaseModel):
    template: str
    version: int | None
    experiment_id: str | None = None
    variant: str | None = None
    executions: int
    successes: int
    success_rate: float | None
    errors: dict[str, int]
    avg_response_time_ms: float | None
    stddev_latency_ms: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    p99_latency_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: str


class AnalyticsReport(BaseModel):
    start: str
    end: str
    items: list[Figures]


def summarize(rows: Iterable[dict[str, Any]], *, by_variant: bool) -> list[Figures]:
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        group: tuple[Any, ...] = (row.get("template"), row.get("version"))
        if by_variant:
            group += (row.get("experiment_id"), row.get("variant"))
        total = groups.setdefault(
            group, {f: 0 for f in ROLLUP_FIELDS} | {"errors": {}, "sketch": None}
        )
        for field in ROLLUP_FIELDS:
            total[field] += row.get(field) or 0
        if row.get("latency_sketch"):
            sketch = sketch_from_bytes(row["latency_sketch"])
            if total["sketch"] is None:
                total["sketch"] = sketch
            else:
                total["sketch"].merge(sketch)
        for error_class, count in (row.get("errors") or {}).items():
            # Rollups written before error classes were checked may hold free text as keys.
            error = error_key(error_class)
            total["errors"][error] = total["errors"].get(error, 0) + count
    return [
        _figures(key, total) for key, total in sorted(groups.items(), key=lambda kv: str(kv[0]))
    ]


def _figures(key: tuple[Any, ...], total: dict[str, Any]) -> Figures:
    n = total["count"]
    mean = total["latency_ms_sum"] / n if n else None
    variance = total["latency_ms_sumsq"] / n - mean * mean if n and mean is not None else None
    return Figures(
        template=key[0],
        version=key[1],
        experiment_id=key[2] if len(key) > 2 else None,
        variant=key[3] if len(key) > 3 else None,
        executions=n,
        successes=total["successes"],
        success_rate=total["successes"] / n if n else None,
        errors=total["errors"],
        avg_response_time_ms=mean,
        stddev_latency_ms=math.sqrt(max(variance, 0.0)) if variance is not None else None,
        p50_latency_ms=_quantile(total["sketch"], 0.50),
        p95_latency_ms=_quantile(total["sketch"], 0.95),
        p99_latency_ms=_quantile(total["sketch"], 0.99),
        input_tokens=total["input_tokens"],
        output_tokens=total["output_tokens"],
        cost_usd=str(Decimal(total["cost_micros"]) / Decimal(1_000_000)),
    )


def _quantile(sketch: Any, q: float) -> float | None:
    if sketch is None or sketch.count == 0:
        return None
    value: float | None = sketch.get_quantile_value(q)
    return value
