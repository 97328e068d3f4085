"""Summing hourly rollups into per-template/version figures (pure).

A rollup document (`analytics_hourly/{id}`, written by the audit pipeline) holds, for one
template, version, experiment variant and hour: `count`, `successes`, `errors` (class ->
count), `input_tokens`, `output_tokens`, `cost_micros` (integer micro-dollars, so sums are
exact), `latency_ms_sum` and `latency_ms_sumsq`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

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
    mean_latency_ms: float | None
    stddev_latency_ms: float | None
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
        key = (row.get("template"), row.get("version"))
        if by_variant:
            key += (row.get("experiment_id"), row.get("variant"))
        total = groups.setdefault(key, {f: 0 for f in ROLLUP_FIELDS} | {"errors": {}})
        for field in ROLLUP_FIELDS:
            total[field] += row.get(field) or 0
        for error_class, count in (row.get("errors") or {}).items():
            total["errors"][error_class] = total["errors"].get(error_class, 0) + count
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
        mean_latency_ms=mean,
        stddev_latency_ms=math.sqrt(max(variance, 0.0)) if variance is not None else None,
        input_tokens=total["input_tokens"],
        output_tokens=total["output_tokens"],
        cost_usd=str(Decimal(total["cost_micros"]) / Decimal(1_000_000)),
    )
