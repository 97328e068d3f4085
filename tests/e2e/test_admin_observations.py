"""Executions and analytics read endpoints, over documents in the shape the audit pipeline
writes (seeded directly here; the pipeline is tested in test_audit_pipeline.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.storage.firestore import firestore_client
from tests.e2e.conftest import ADMIN_SOURCE as ADMIN

pytestmark = pytest.mark.emulator
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def seeded(load_function):
    client, module = load_function(source=ADMIN, target="admin", role="viewer")
    db = firestore_client(module.settings)
    for i in range(5):
        db.collection("executions").document(f"exec-{i}").set(
            {
                "execution_id": f"exec-{i}",
                "template": "nlu" if i < 4 else "other",
                "version": 1 if i < 2 else 2,
                "success": i != 3,
                "error_class": "Timeout" if i == 3 else None,
                "latency_ms": 100.0 * (i + 1),
                "cost_usd": "0.0012",
                "input_tokens": 10,
                "output_tokens": 20,
                "finished_at": NOW - timedelta(minutes=10 * (i + 1)),
            }
        )
    hour = NOW.replace(minute=0, second=0) - timedelta(hours=1)
    rollups = [
        ("nlu", 1, None, None, 10, 9, {"Timeout": 1}, 1000.0, 110000.0, 1500),
        ("nlu", 2, "exp-1", "short", 4, 4, {}, 200.0, 10000.0, 500),
        ("nlu", 2, "exp-1", "short", 6, 5, {"RateLimited": 1}, 300.0, 15000.0, 700),
    ]
    for index, (
        template,
        version,
        experiment,
        variant,
        count,
        ok,
        errors,
        lat,
        latsq,
        micros,
    ) in enumerate(rollups):
        db.collection("analytics_hourly").document(f"r{index}").set(
            {
                "template": template,
                "version": version,
                "experiment_id": experiment,
                "variant": variant,
                "hour": hour - timedelta(hours=index),
                "count": count,
                "successes": ok,
                "errors": errors,
                "input_tokens": count * 10,
                "output_tokens": count * 20,
                "cost_micros": micros,
                "latency_ms_sum": lat,
                "latency_ms_sumsq": latsq,
            }
        )
    return client


def test_executions_filter_page_and_read_one(seeded):
    everything = seeded.get("/v1/executions").get_json()
    assert [e["execution_id"] for e in everything["items"]] == [f"exec-{i}" for i in range(5)]
    page = seeded.get("/v1/executions?template=nlu&limit=2").get_json()
    assert [e["execution_id"] for e in page["items"]] == ["exec-0", "exec-1"]
    rest = seeded.get(
        f"/v1/executions?template=nlu&limit=2&cursor={page['next_cursor']}"
    ).get_json()
    assert [e["execution_id"] for e in rest["items"]] == ["exec-2", "exec-3"]
    v2 = seeded.get("/v1/executions?template=nlu&version=2").get_json()
    assert [e["execution_id"] for e in v2["items"]] == ["exec-2", "exec-3"]
    start = (NOW - timedelta(minutes=25)).isoformat()
    recent = seeded.get("/v1/executions", query_string={"from": start}).get_json()
    assert [e["execution_id"] for e in recent["items"]] == ["exec-0", "exec-1"]
    one = seeded.get("/v1/executions/exec-3").get_json()
    assert (one["success"], one["error_class"], one["cost_usd"]) == (False, "Timeout", "0.0012")
    assert seeded.get("/v1/executions/nope").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "version=2",
        "from=yesterday",
        "from=2026-01-01T00:00:00",
        "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
    ],
)
def test_bad_execution_queries_are_400(seeded, query):
    response = seeded.get(f"/v1/executions?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)


def test_analytics_sum_rollups_exactly(seeded):
    overview = seeded.get("/v1/analytics").get_json()["items"]
    by_version = {(f["template"], f["version"]): f for f in overview}
    v2 = by_version[("nlu", 2)]
    assert (v2["executions"], v2["successes"], v2["errors"]) == (10, 9, {"RateLimited": 1})
    assert v2["success_rate"] == pytest.approx(0.9)
    assert v2["avg_response_time_ms"] == pytest.approx(50.0)
    assert v2["cost_usd"] == "0.0012"  # 500 + 700 micro-dollars, exact
    detail = seeded.get("/v1/analytics/nlu").get_json()["items"]
    assert {(f["version"], f["variant"]) for f in detail} == {(1, None), (2, "short")}
    v1 = next(f for f in detail if f["version"] == 1)
    assert v1["stddev_latency_ms"] == pytest.approx(((110000 / 10) - 100**2) ** 0.5)
