"""Benchmark: cold start, in fresh processes, as a new instance starts.

    make bench        (or: .venv/bin/python -m tests.bench.bench_cold)

1. Import time of each function's entry point (functions/*/main.py) in a fresh interpreter,
   against importing functions-framework and Flask alone (median of BENCH_COLD_RUNS).
2. For the resolve function served by the functions-framework CLI (gunicorn imports the
   module, then forks its worker): process start -> first `GET /templates/{name}` 200, and
   that GET -> the first `POST .../render` 200 with the three default guardrails (the
   first render is the one that loads the guardrail models, unless the import did), plus
   the worker's resident memory (RSS) after that render, each as the median of
   BENCH_COLD_RUNS fresh processes against one Firestore emulator.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from infra.local.dev import serve
from infra.local.emulators import free_port, start_firestore, stop_process_group
from shared.config import Settings
from shared.storage.templates import TemplateRepository
from shared.templates.defaults import DEFAULT_TEMPLATES
from tests.bench.bench_resolve import LOGS, NAME, RENDER_BODY, bench_environment
from tests.support import put_version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "demo-bench-cold"
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
FUNCTIONS = ("resolve", "admin", "record_execution", "rollup_analytics")

_IMPORT_PROBE = """
import importlib.util, sys, time
t = time.perf_counter()
if sys.argv[1] == "framework":
    import functions_framework, flask
else:
    path = f"functions/{sys.argv[1]}/main.py"
    spec = importlib.util.spec_from_file_location("main", path)
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
print(time.perf_counter() - t)
"""


def import_times(env: dict[str, str]) -> dict[str, float]:
    def once(which: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE, which],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return float(out.strip().splitlines()[-1])

    return {
        f"{which}_import_s": round(statistics.median(once(which) for _ in range(RUNS)), 3)
        for which in ("framework", *FUNCTIONS)
    }


def _rss_mb(master_pid: int) -> float:
    """The gunicorn worker's RSS: the one child of the functions-framework master."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    pid = int(children[0]) if children else master_pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def first_requests(env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    function = serve("resolve", free_port(), env, log_dir=LOGS / "cold")
    try:
        headers = {"X-API-Key": env["BENCH_API_KEY"]}
        url = f"{function.url}/templates/{NAME}"
        while True:
            if function.process.poll() is not None:
                raise RuntimeError(f"resolve exited; see {function.log_path}")
            try:
                response = requests.get(url, headers=headers, timeout=30)
            except requests.ConnectionError:
                time.sleep(0.005)
                continue
            if response.status_code != 200 or response.json()["source"] != "firestore":
                raise RuntimeError(f"first GET answered {response.status_code}: {response.text}")
            break
        first_get = time.perf_counter()
        rendered = requests.post(f"{url}/render", json=RENDER_BODY, headers=headers, timeout=30)
        first_render = time.perf_counter()
        if rendered.status_code != 200 or len(rendered.json()["guardrails"]["ran"]) != 3:
            raise RuntimeError(f"first render answered {rendered.status_code}: {rendered.text}")
        return {
            "start_to_first_get_s": first_get - started,
            "first_get_to_first_render_s": first_render - first_get,
            "worker_rss_after_render_mb": _rss_mb(function.process.pid),
        }
    finally:
        stop_process_group(function.process)


def main() -> int:
    (LOGS / "cold").mkdir(parents=True, exist_ok=True)
    emulator = start_firestore(LOGS)
    try:
        env = bench_environment(emulator.host, PROJECT)
        env |= {"FIRESTORE_DEADLINE_SECONDS": "5", "FIRESTORE_COLD_DEADLINE_SECONDS": "10"}
        settings = Settings.from_env(env)
        put_version(
            TemplateRepository(settings),
            DEFAULT_TEMPLATES[NAME],
            author="bench",
            labels=("production",),
        )
        runs = [first_requests(env) for _ in range(RUNS)]
        results: dict[str, Any] = {
            "imports": import_times(env),
            "served_resolve": {
                key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]
            },
            "runs": RUNS,
        }
    finally:
        emulator.stop()
    print(json.dumps(results, indent=2))
    served = results["served_resolve"]
    print(
        f"process start -> first GET 200: {served['start_to_first_get_s']:.3f} s; "
        f"first GET -> first render 200: {served['first_get_to_first_render_s']:.3f} s "
        f"(target <= 0.3 s); worker RSS after a render: "
        f"{served['worker_rss_after_render_mb']:.0f} MB (target <= 100 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
