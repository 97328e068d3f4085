"""Benchmark: resolution served from cache vs a bare functions-framework endpoint.

    make bench        (or: .venv/bin/python -m tests.bench.bench_resolve)

Prints ratios against baselines measured in the same run, never absolute pass/fail:
1. requests/s of GET /templates/{name} (cache hits) vs a bare endpoint returning the same
   constant JSON: same server (functions-framework + gunicorn), same client, alternating
   rounds so machine noise hits both alike. Target >= 0.85. Each cache hit logs one INFO
   line (LOG_CACHE_HITS_SAMPLE=1 here; the deployed default samples them); the benchmark
   counts the lines the served worker wrote (to .local/bench-logs/) and fails if they are
   missing, and measures the same requests on a third server at LOG_LEVEL=WARNING (no line)
   to price the line.
2. Firestore reads during the cache-hit rounds (from /healthz). Target 0.
   Beside them, POST /templates/{name}/render with a typical student request (~1.5 KB of
   variables) and the default guardrails on (PII, toxic, injection with its model), in the
   same alternating rounds: render requests/s vs GET requests/s. Target >= 0.70.
3. Uncached resolve against the emulator, p50/p99, vs a bare Firestore document get.
4. Import time of the resolve entry point vs importing functions-framework alone. Target < 0.5 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import free_port, start_firestore, stop_process_group
from shared.auth.credentials import new_api_key
from shared.config import Settings
from shared.storage.firestore import firestore_client
from shared.storage.templates import TemplateRepository
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.resolver import Resolver
from tests.support import put_version

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".local" / "bench-logs"
PROJECT = "demo-bench"
NAME = "nlu_extraction_gemini_25"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "3"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))


def _serve(source: str, target: str, env: dict[str, str], logs: Path = LOGS) -> ServedFunction:
    logs.mkdir(parents=True, exist_ok=True)
    function = serve(target, free_port(), env, source=source, log_dir=logs)
    wait_until_up(function)
    return function


# A typical render's variables: a student's request of about 1.5 KB.
RENDER_BODY = {
    "variables": {
        "grade_level": "8",
        "student_query": (
            "Hi! For my science project I need a short video that explains how plants turn "
            "sunlight into food, what chlorophyll does, and why leaves change colour in autumn. "
        )
        * 9,
    }
}


def _rate(
    session: requests.Session,
    url: str,
    counted: list[int] | None = None,
    body: dict | None = None,
) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < ROUND_SECONDS:
        response = session.get(url) if body is None else session.post(url, json=body)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        count += 1
    if counted is not None:
        counted.append(count)
    return count / (time.perf_counter() - started)


CACHE_HIT_LINE = "Using cached database template"


def _cache_hit_lines(function: ServedFunction, expected: int, seconds: float = 30) -> int:
    """Cache-hit lines the served worker wrote, once `expected` are there (or time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        with function.log_path.open(encoding="utf-8", errors="replace") as log:
            # Gunicorn's own lines are plain text; a line being written has no newline yet.
            written = sum(
                1
                for line in log
                if line.startswith("{") and line.endswith("\n") and CACHE_HIT_LINE in line
            )
        if written >= expected or time.monotonic() > deadline:
            return written
        time.sleep(0.2)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def bench_http(settings_env: dict[str, str]) -> dict[str, float]:
    # Every hit logs its line here (production samples them): this benchmark prices the line.
    settings_env = {**settings_env, "LOG_CACHE_HITS_SAMPLE": "1"}
    resolve = _serve("functions/resolve/main.py", "resolve", settings_env)
    bare = quiet = None
    try:
        template_url = f"{resolve.url}/templates/{NAME}"
        with requests.Session() as session:
            session.headers["X-API-Key"] = settings_env["BENCH_API_KEY"]
            # A cold worker on a loaded machine may answer its first request from a fallback
            # (the 0.8 s cold deadline, by design); measure once Firestore has served.
            for _ in range(20):
                first = session.get(template_url)
                if first.status_code == 200 and first.json()["source"] == "firestore":
                    break
                time.sleep(0.5)
            assert first.json()["source"] == "firestore", first.text
            body = session.get(template_url)
            assert body.json()["source"] == "cache"
            body_file = Path(tempfile.mkstemp(suffix=".json")[1])
            body_file.write_bytes(body.content)
            bare = _serve(
                "tests/bench/bare_function/main.py",
                "bare",
                {**settings_env, "BARE_BODY_PATH": str(body_file)},
            )
            # Same function, same cache hits, no INFO line: what the line costs.
            quiet = _serve(
                "functions/resolve/main.py",
                "resolve",
                {**settings_env, "LOG_LEVEL": "WARNING"},
                logs=LOGS / "quiet",  # its own file: the same name would truncate resolve's
            )
            quiet_url = f"{quiet.url}/templates/{NAME}"
            assert session.get(quiet_url).status_code == 200
            rendered = session.post(f"{template_url}/render", json=RENDER_BODY)
            assert rendered.status_code == 200, rendered.text
            ran = rendered.json()["guardrails"]["ran"]
            assert "prompt_injection_guard" in ran, ran
            # The warm-up GET and render above each logged one cache-hit line.
            lines_before = _cache_hit_lines(resolve, 2)
            reads_before = session.get(f"{resolve.url}/healthz").json()["cache"]["firestore_reads"]
            bare_rates, resolve_rates, quiet_rates, render_rates, served = [], [], [], [], []
            for _ in range(ROUNDS):
                bare_rates.append(_rate(session, f"{bare.url}/"))
                resolve_rates.append(_rate(session, template_url, served))
                quiet_rates.append(_rate(session, quiet_url))
                # A render resolves through the cache too, so it logs the same cache-hit line.
                render_rates.append(
                    _rate(session, f"{template_url}/render", served, body=RENDER_BODY)
                )
            health = session.get(f"{resolve.url}/healthz").json()["cache"]
        lines = _cache_hit_lines(resolve, lines_before + sum(served)) - lines_before
        if lines < sum(served):
            raise RuntimeError(
                f"the served resolve wrote {lines} cache-hit log lines for {sum(served)} "
                f"cache hits; see {resolve.log_path}"
            )
        return {
            "bare_rps": statistics.median(bare_rates),
            "resolve_rps": statistics.median(resolve_rates),
            "ratio": statistics.median(
                r / b for r, b in zip(resolve_rates, bare_rates, strict=True)
            ),
            "cache_hit_requests": sum(served),
            "cache_hit_log_lines_written": lines,
            "firestore_reads_during_hits": health["firestore_reads"] - reads_before,
            "body_bytes": len(body.content),
            "quiet_rps": statistics.median(quiet_rates),
            "quiet_ratio": statistics.median(
                q / b for q, b in zip(quiet_rates, bare_rates, strict=True)
            ),
            "logged_vs_quiet_ratio": statistics.median(
                r / q for r, q in zip(resolve_rates, quiet_rates, strict=True)
            ),
            "render_rps": statistics.median(render_rates),
            "render_vs_get_ratio": statistics.median(
                r / g for r, g in zip(render_rates, resolve_rates, strict=True)
            ),
            "render_variables_bytes": len(json.dumps(RENDER_BODY["variables"]).encode()),
        }
    finally:
        for function in (resolve, bare, quiet):
            if function is not None:
                stop_process_group(function.process)


def bench_uncached(settings: Settings) -> dict[str, float]:
    store = TemplateRepository(settings)
    client = firestore_client(settings)
    raw, label_resolve, cold_resolve = [], [], []
    head = client.collection(settings.prompts_collection).document(NAME)
    uncached = Resolver(
        store=store, settings=settings.model_copy(update={"template_cache_ttl_seconds": 0})
    )
    for _ in range(SAMPLES):
        t = time.perf_counter()
        head.get()
        raw.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert uncached.resolve(NAME).source == "firestore"
        label_resolve.append(time.perf_counter() - t)
        cold = Resolver(store=store, settings=settings)
        t = time.perf_counter()
        cold.resolve(NAME)
        cold_resolve.append(time.perf_counter() - t)
    raw_p50, raw_p99 = _percentiles(raw)
    label_p50, label_p99 = _percentiles(label_resolve)
    cold_p50, cold_p99 = _percentiles(cold_resolve)
    return {
        "firestore_get_p50_ms": raw_p50 * 1e3,
        "firestore_get_p99_ms": raw_p99 * 1e3,
        "label_resolve_p50_ms": label_p50 * 1e3,
        "label_resolve_p99_ms": label_p99 * 1e3,
        "cold_resolve_p50_ms": cold_p50 * 1e3,
        "cold_resolve_p99_ms": cold_p99 * 1e3,
        "label_vs_get_p50_ratio": label_p50 / raw_p50,
        "cold_vs_get_p50_ratio": cold_p50 / raw_p50,
    }


_IMPORT_PROBE = """
import importlib.util, sys, time
t = time.perf_counter()
if sys.argv[1] == "resolve":
    spec = importlib.util.spec_from_file_location("main", "functions/resolve/main.py")
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
else:
    import functions_framework, flask
print(time.perf_counter() - t)
"""


def bench_import(env: dict[str, str], runs: int = 7) -> dict[str, float]:
    def measure(which: str) -> float:
        times = [
            float(
                subprocess.run(
                    [sys.executable, "-c", _IMPORT_PROBE, which],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(runs)
        ]
        return statistics.median(times)

    resolve, framework = measure("resolve"), measure("framework")
    return {
        "resolve_import_s": resolve,
        "framework_import_s": framework,
        "resolve_vs_framework_ratio": resolve / framework,
    }


def bench_environment(firestore_host: str, project: str) -> dict[str, str]:
    """Environment for a served resolve function: a fresh service API key (in
    BENCH_API_KEY), the emulator, long template TTLs, INFO logs (part of the cost)."""
    credentials = LOGS / f"{project}-credentials.json"
    key, digest = new_api_key("bench")
    credentials.write_text(
        json.dumps({"api_keys": [{"id": "bench", "sha256": digest, "roles": ["service"]}]})
    )
    return {
        **os.environ,
        "AUTH_CONFIG_FILE": str(credentials),
        "BENCH_API_KEY": key,
        "GOOGLE_CLOUD_PROJECT": project,
        "ENVIRONMENT": "test",
        "FIRESTORE_EMULATOR_HOST": firestore_host,
        "TEMPLATE_CACHE_TTL_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
    }


def main() -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    emulator = start_firestore(LOGS)
    try:
        env = bench_environment(emulator.host, PROJECT)
        settings = Settings.from_env(env)
        put_version(
            TemplateRepository(settings),
            DEFAULT_TEMPLATES[NAME],
            author="bench",
            labels=("production",),
        )
        results = {
            "http_cache_vs_bare": bench_http(env),
            "uncached_vs_firestore_get": bench_uncached(settings),
            "import": bench_import(env),
        }
    finally:
        emulator.stop()
    print(json.dumps(results, indent=2))
    http = results["http_cache_vs_bare"]
    print(f"\ncache-hit throughput ratio vs bare endpoint: {http['ratio']:.3f} (target >= 0.85)")
    print(
        f"render (default guardrails on) vs GET throughput: {http['render_vs_get_ratio']:.3f} "
        "(target >= 0.70)"
    )
    print(
        f"with one INFO line per hit vs the same server at LOG_LEVEL=WARNING: "
        f"{http['logged_vs_quiet_ratio']:.3f} ({http['cache_hit_log_lines_written']} lines "
        f"written for {http['cache_hit_requests']} cache hits)"
    )
    print(
        f"Firestore reads during {http['cache_hit_requests']} cache hits: "
        f"{http['firestore_reads_during_hits']} (target 0)"
    )
    print(
        f"resolve entry point import: {results['import']['resolve_import_s']:.3f} s "
        "(target < 0.5 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
