"""Benchmark: the audit pipeline on the emulators, against writing directly.

    make bench   (runs this after the resolve benchmark; or: .venv/bin/python -m
    tests.bench.bench_audit; sizes via BENCH_PIPELINE_EXECUTIONS, BENCH_ROLLUP_EXECUTIONS)

Prints ratios against baselines measured in the same run, never pass/fail:
1. Executions per second through the whole pipeline (publish -> Pub/Sub emulator -> push ->
   record_execution served by functions-framework -> guardrail redaction -> Firestore
   create) vs writing the same documents directly, one Firestore write each, in one
   thread (what a synchronous in-request audit write costs). Target >= 0.5.
2. Rollup time for BENCH_ROLLUP_EXECUTIONS (default 100,000) stored executions.
3. Relative error of the sketch's p50/p95/p99 vs exact quantiles of the same latencies.
   Target <= 1%.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.dev import serve, wait_until_up
from infra.local.emulators import free_port, start_firestore, start_pubsub, stop_process_group
from infra.local.pubsub import clients, wire
from shared.analytics.aggregate import summarize
from shared.analytics.rollup import RollupJob
from shared.bootstrap.events import execution_recorder
from shared.config import Settings
from shared.executions.events import ExecutionEvent
from shared.storage.firestore import firestore_client
from shared.storage.observations import BATCH_LIMIT, ObservationStore
from tests.bench.bench_resolve import LOGS, ROOT

PROJECT = "demo-bench-audit"
PIPELINE_EXECUTIONS = int(os.environ.get("BENCH_PIPELINE_EXECUTIONS", "1000"))
ROLLUP_EXECUTIONS = int(os.environ.get("BENCH_ROLLUP_EXECUTIONS", "100000"))


def event(index: int, rng: random.Random, finished: datetime) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "execution_id": f"bench-{uuid.uuid4().hex}",
        "template": "nlu_extraction_gemini_25",
        "version": 1 + index % 3,
        "rendered_prompt": f"Student {index} asks why the sky is blue; mail s{index}@example.com",
        "response": '{"topic": "light scattering", "grade_level": 5}',
        "input_tokens": rng.randint(50, 900),
        "output_tokens": rng.randint(10, 300),
        "cost_usd": f"0.{rng.randint(1, 999999):06d}",
        "latency_ms": round(rng.lognormvariate(6, 0.8), 3),
        "success": True,
        "finished_at": finished.isoformat(),
    }


def count(settings: Settings) -> int:
    query = firestore_client(settings).collection("executions").count()
    return int(query.get()[0][0].value)


def wipe(settings: Settings) -> None:
    from infra.local.emulators import clear_firestore

    clear_firestore(settings.firestore_emulator_host or "", PROJECT)


def bench_pipeline(settings: Settings, env: dict[str, str], pubsub_host: str) -> dict[str, Any]:
    rng = random.Random(1)
    now = datetime.now(UTC)
    events = [event(i, rng, now) for i in range(PIPELINE_EXECUTIONS)]
    recorder = execution_recorder(settings)
    documents = [
        recorder.document(ExecutionEvent.model_validate_json(json.dumps(e))) for e in events
    ]
    store = ObservationStore(settings)
    started = time.perf_counter()
    for document in documents:
        store.create_execution(document)
    direct_seconds = time.perf_counter() - started
    wipe(settings)

    # 32 request threads, like the deployed function's concurrency: each delivery mostly
    # waits on Firestore, so one instance serves many at once (functions-framework's local
    # default is 4 per core).
    function = serve("record_execution", free_port(), {**env, "THREADS": "32"}, log_dir=LOGS)
    try:
        wait_until_up(function)
        wiring = wire(pubsub_host, PROJECT, record_url=function.url, rollup_url=None)
        publisher, _ = clients(pubsub_host)
        topic = wiring.topic_path(wiring.executions_topic)
        started = time.perf_counter()
        futures = [publisher.publish(topic, json.dumps(e).encode()) for e in events]
        for future in futures:
            future.result(timeout=60)
        deadline = time.monotonic() + 600
        while count(settings) < len(events) and time.monotonic() < deadline:
            time.sleep(0.05)
        pipeline_seconds = time.perf_counter() - started
        stored = count(settings)
    finally:
        stop_process_group(function.process)
    return {
        "executions": len(events),
        "stored_through_pipeline": stored,
        "direct_writes_per_second": round(len(events) / direct_seconds, 1),
        "pipeline_executions_per_second": round(len(events) / pipeline_seconds, 1),
        "ratio_pipeline_vs_direct": round(direct_seconds / pipeline_seconds, 3),
        "target": ">= 0.5",
    }


def bench_rollup(settings: Settings) -> dict[str, Any]:
    wipe(settings)
    rng = random.Random(2)
    now = datetime.now(UTC)
    recorder = execution_recorder(settings)
    template_event = ExecutionEvent.model_validate_json(json.dumps(event(0, rng, now)))
    base = recorder.document(template_event)
    client = firestore_client(settings)
    collection = client.collection("executions")
    latencies = []
    started = time.perf_counter()
    batch, pending = client.batch(), 0
    for index in range(ROLLUP_EXECUTIONS):
        latency = rng.lognormvariate(6, 0.8)
        latencies.append(latency)
        hour = base["hour"] - timedelta(hours=index % 4)
        document = {
            **base,
            "execution_id": f"r-{index}",
            "version": 1 + index % 3,
            "hour": hour,
            "latency_ms": latency,
        }
        batch.set(collection.document(document["execution_id"]), document)
        pending += 1
        if pending == BATCH_LIMIT:
            batch.commit()
            batch, pending = client.batch(), 0
    if pending:
        batch.commit()
    seed_seconds = time.perf_counter() - started

    job = RollupJob(ObservationStore(settings), settings)
    started = time.perf_counter()
    run = job.run_tick()
    rollup_seconds = time.perf_counter() - started

    rollups = [s.to_dict() for s in client.collection("analytics_hourly").stream()]
    (figures,) = summarize([{**r, "version": 0} for r in rollups], by_variant=False)
    exact = sorted(latencies)
    errors = {}
    for name, q, value in (
        ("p50", 0.50, figures.p50_latency_ms),
        ("p95", 0.95, figures.p95_latency_ms),
        ("p99", 0.99, figures.p99_latency_ms),
    ):
        truth = exact[int(q * (len(exact) - 1))]
        errors[f"{name}_relative_error"] = round(abs((value or 0) - truth) / truth, 5)
    return {
        "executions": ROLLUP_EXECUTIONS,
        "rollup_documents": run.documents,
        "hours_recomputed": len(run.hours),
        "seed_seconds": round(seed_seconds, 2),
        "rollup_seconds": round(rollup_seconds, 2),
        "rollup_executions_per_second": round(ROLLUP_EXECUTIONS / rollup_seconds, 1),
        "executions_counted": figures.executions,
        **errors,
        "quantile_target": "<= 0.01",
    }


def main() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    firestore = start_firestore(LOGS)
    pubsub = start_pubsub(LOGS, PROJECT)
    try:
        env = {
            **os.environ,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "ENVIRONMENT": "test",
            "FIRESTORE_EMULATOR_HOST": firestore.host,
            "PUBSUB_EMULATOR_HOST": pubsub.host,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        settings = Settings.from_env(env)
        report = {
            "pipeline": bench_pipeline(settings, env, pubsub.host),
            "rollup": bench_rollup(settings),
        }
        print(json.dumps(report, indent=2))
    finally:
        pubsub.stop()
        firestore.stop()


if __name__ == "__main__":
    main()
