"""Benchmark: how the Pub/Sub batch window shapes `POST /executions`, against the emulator.

    .venv/bin/python -m tests.bench.bench_publish

`POST /executions` answers 202 only once the broker holds the message, so the publisher's
batch window (`shared.storage.pubsub.BATCH_MAX_LATENCY_SECONDS`) is time every reporter
waits. This publishes 600-byte messages and waits for each acknowledgement, one at a time
and from 32 threads, with our window and the library's default, in alternating rounds; it
prints messages per second and the ratio of ours to the default's within each round.
BENCH_ROUNDS (default 3) sizes the run.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from typing import Any

from infra.local.emulators import start_pubsub
from infra.local.pubsub import wire
from shared.storage.pubsub import BATCH_MAX_LATENCY_SECONDS
from tests.bench.bench_resolve import LOGS

PROJECT = "demo-bench-publish"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LIBRARY_DEFAULT_SECONDS = 0.01
SEQUENTIAL = 150
THREADS, PER_THREAD = 32, 30


def _rates(pubsub_v1: Any, path: str, window: float) -> dict[str, float]:
    client = pubsub_v1.PublisherClient(
        batch_settings=pubsub_v1.types.BatchSettings(max_messages=100, max_latency=window)
    )
    try:
        client.publish(path, b"warm").result()
        started = time.perf_counter()
        for _ in range(SEQUENTIAL):
            client.publish(path, b"x" * 600).result()
        sequential = SEQUENTIAL / (time.perf_counter() - started)

        def publish_some() -> None:
            for _ in range(PER_THREAD):
                client.publish(path, b"x" * 600).result()

        threads = [threading.Thread(target=publish_some) for _ in range(THREADS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        concurrent = THREADS * PER_THREAD / (time.perf_counter() - started)
        return {"sequential": sequential, "threads_32": concurrent}
    finally:
        client.stop()


def main() -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    emulator = start_pubsub(LOGS, PROJECT)
    try:
        os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host
        from google.cloud import pubsub_v1

        topic = f"bench-publish-{uuid.uuid4().hex[:8]}"
        wire(emulator.host, PROJECT, record_url=None, rollup_url=None, executions_topic=topic)
        path = f"projects/{PROJECT}/topics/{topic}"
        rounds = []
        for _ in range(ROUNDS):
            ours = _rates(pubsub_v1, path, BATCH_MAX_LATENCY_SECONDS)
            default = _rates(pubsub_v1, path, LIBRARY_DEFAULT_SECONDS)
            rounds.append({"ours": ours, "library_default": default})
    finally:
        emulator.stop()
    summary = {
        mode: {
            "ours_per_s": statistics.median(r["ours"][mode] for r in rounds),
            "default_per_s": statistics.median(r["library_default"][mode] for r in rounds),
            "ratio": statistics.median(
                r["ours"][mode] / r["library_default"][mode] for r in rounds
            ),
        }
        for mode in ("sequential", "threads_32")
    }
    print(
        json.dumps({"window_s": BATCH_MAX_LATENCY_SECONDS, "rounds": rounds, **summary}, indent=2)
    )
    for mode, row in summary.items():
        print(
            f"{mode}: {row['ours_per_s']:.0f}/s at {BATCH_MAX_LATENCY_SECONDS * 1000:g} ms vs "
            f"{row['default_per_s']:.0f}/s at {LIBRARY_DEFAULT_SECONDS * 1000:g} ms: "
            f"ratio {row['ratio']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
