"""Benchmark: a cold prompt lookup through the Langfuse-compatible API vs our native GET.

    make bench        (or: .venv/bin/python -m tests.bench.bench_langfuse)

"Cold" is a server-side cache miss: BENCH_SAMPLES distinct prompts are seeded, and each
server (the resolve function and the langfuse function, both served by functions-framework
against one emulator) is asked for each name once, alternating between the two so machine
noise hits both alike. Prints p50/p99 of each and the ratio langfuse/native (the price of the
Langfuse view: Basic auth, the answer's shape). Then the real Langfuse SDK: a cold
`get_prompt` (its cache cleared) vs the same native GET, and the SDK's cache hit, which sends
no request (counted on the server).
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time

import requests
from langfuse import Langfuse

from infra.local.emulators import start_firestore, stop_process_group
from shared.auth.credentials import new_api_key, public_key_of
from shared.config import Settings
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate
from tests.bench.bench_resolve import LOGS, _percentiles, _serve
from tests.support import put_version

PROJECT = "demo-bench-langfuse"
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
ROOT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _environment(firestore_host: str) -> tuple[dict[str, str], str]:
    credentials = LOGS / f"{PROJECT}-credentials.json"
    key, digest = new_api_key("bench")
    entry = {"id": "bench", "sha256": digest, "roles": ["service"]}
    credentials.write_text(json.dumps({"api_keys": [entry]}))
    env = {
        **os.environ,
        "AUTH_CONFIG_FILE": str(credentials),
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ENVIRONMENT": "test",
        "FIRESTORE_EMULATOR_HOST": firestore_host,
        "TEMPLATE_CACHE_TTL_SECONDS": "3600",
        "FIRESTORE_DEADLINE_SECONDS": "5",
        "FIRESTORE_COLD_DEADLINE_SECONDS": "10",
        "LOG_LEVEL": "INFO",
    }
    return env, key


def _timed(session: requests.Session, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = session.get(url, headers=headers, timeout=30)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
    return elapsed * 1000


def main() -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    emulator = start_firestore(LOGS)
    served = []
    try:
        env, key = _environment(emulator.host)
        store = TemplateRepository(Settings.from_env(env))
        # One-segment names: the native GET's path holds no `/` (folder names are the
        # Langfuse API's; the SDK's `%2F` is measured in the e2e tests, not here).
        names = [f"bench-p{i}" for i in range(3 * SAMPLES + 2)]
        for name in names:
            template = PromptTemplate(name=name, template=f"Answer {{{{question}}}} ({name})")
            put_version(store, template, author="bench", labels=("production",))
        native = _serve(os.path.join(ROOT_DIR, "functions/resolve/main.py"), "resolve", env)
        served.append(native)
        langfuse = _serve(os.path.join(ROOT_DIR, "functions/langfuse/main.py"), "langfuse", env)
        served.append(langfuse)
        public = public_key_of("bench")
        basic = base64.b64encode(f"{public}:{key}".encode()).decode()
        session = requests.Session()
        native_headers = {"X-API-Key": key}
        langfuse_headers = {"Authorization": f"Basic {basic}"}
        # Warm-up: both servers open their Firestore channel on a name neither measures.
        _timed(session, f"{native.url}/templates/{names[-1]}", native_headers)
        _timed(session, f"{langfuse.url}/api/public/v2/prompts/{names[-1]}", langfuse_headers)

        http_native, http_langfuse = [], []
        for name in names[:SAMPLES]:
            http_native.append(_timed(session, f"{native.url}/templates/{name}", native_headers))
            http_langfuse.append(
                _timed(session, f"{langfuse.url}/api/public/v2/prompts/{name}", langfuse_headers)
            )
        sdk = Langfuse(
            public_key=public, secret_key=key, base_url=langfuse.url, tracing_enabled=False
        )
        sdk_cold, sdk_native = [], []
        for name in names[SAMPLES : 2 * SAMPLES]:
            sdk.clear_prompt_cache()
            started = time.perf_counter()
            sdk.get_prompt(name)
            sdk_cold.append((time.perf_counter() - started) * 1000)
        for name in names[2 * SAMPLES : 3 * SAMPLES]:
            sdk_native.append(_timed(session, f"{native.url}/templates/{name}", native_headers))
        time.sleep(0.5)  # the last cold lookup's log line is written
        lines_before = len(langfuse.log_path.read_text().splitlines())
        started = time.perf_counter()
        for _ in range(1000):
            sdk.get_prompt(names[2 * SAMPLES - 1])  # the last one fetched: in the SDK's cache
        hit_us = (time.perf_counter() - started) * 1000
        time.sleep(0.5)
        lines_after = len(langfuse.log_path.read_text().splitlines())
        sdk.shutdown()

        native_p50, native_p99 = _percentiles(http_native)
        langfuse_p50, langfuse_p99 = _percentiles(http_langfuse)
        sdk_p50, sdk_p99 = _percentiles(sdk_cold)
        base_p50, _ = _percentiles(sdk_native)
        results = {
            "samples": SAMPLES,
            "cold_http": {
                "native_p50_ms": round(native_p50, 2),
                "native_p99_ms": round(native_p99, 2),
                "langfuse_p50_ms": round(langfuse_p50, 2),
                "langfuse_p99_ms": round(langfuse_p99, 2),
                "ratio_p50": round(langfuse_p50 / native_p50, 3),
                "ratio_mean": round(
                    statistics.fmean(http_langfuse) / statistics.fmean(http_native), 3
                ),
            },
            "cold_sdk": {
                "sdk_get_prompt_p50_ms": round(sdk_p50, 2),
                "sdk_get_prompt_p99_ms": round(sdk_p99, 2),
                "native_p50_ms": round(base_p50, 2),
                "ratio_p50": round(sdk_p50 / base_p50, 3),
            },
            "sdk_cache_hit": {
                "calls": 1000,
                "us_per_call": round(hit_us, 2),  # total ms for 1000 calls = us per call
                "server_log_lines_during_hits": lines_after - lines_before,
            },
        }
    finally:
        for function in served:
            stop_process_group(function.process)
        emulator.stop()
    print(json.dumps(results, indent=2))
    print(f"\ncold lookup, Langfuse API / native GET, p50: {results['cold_http']['ratio_p50']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
