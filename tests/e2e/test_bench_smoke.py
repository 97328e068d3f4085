"""The resolve benchmark runs end to end (tiny rounds), cache hits read nothing, and the
served worker writes a log line per hit.

It asserts no timing: only that the benchmark still works and that the zero-reads-per-hit
property it reports holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def run_bench(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )


def test_bench_resolve_runs_and_cache_hits_read_nothing():
    result = run_bench(
        "tests.bench.bench_resolve", BENCH_ROUNDS="1", BENCH_ROUND_SECONDS="0.3", BENCH_SAMPLES="5"
    )
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    http = report["http_cache_vs_bare"]
    assert http["cache_hit_requests"] > 0
    assert http["firestore_reads_during_hits"] == 0
    # The served worker really writes its per-hit lines (it once wrote none under gunicorn).
    assert http["cache_hit_log_lines_written"] == http["cache_hit_requests"]
    assert report["uncached_vs_firestore_get"]["label_resolve_p50_ms"] > 0
    assert "target >= 0.85" in result.stdout
    assert http["render_vs_get_ratio"] > 0
    assert "target >= 0.70" in result.stdout


def test_bench_guardrails_runs_and_reports_every_guardrail():
    result = run_bench("tests.bench.bench_guardrails", BENCH_ROUNDS="1")
    report = json.loads(result.stdout)
    assert set(report["guardrails_ms_per_kb"]) == {
        "pii_detection",
        "toxic_content_filter",
        "prompt_injection_guard",
    }
    ours = report["pii_accuracy_same_set"]["ours"]
    assert ours["tp"] > 300
    assert ours["precision"] >= 0.99
    assert report["pii_short"]["ours_ms_per_text"] > 0
    regions = report["pii_regions"]  # ten regions configured, on the locale set's texts too
    assert len(regions["regions"]) == 10
    assert regions["accuracy_on_locale_set_common_types"]["ours"]["recall"] >= 0.95
    assert regions["ours_dense_1024_kb_ms_per_kb"] > 0
    injection = report["injection_model"]
    assert len(injection["cold_load_seconds"]) == 3
    assert set(injection["ms_per_kb"]) == {"1_kb", "64_kb", "1024_kb"}
    assert injection["typical_render"]["throughput_ratio_default_guardrails_vs_none"] > 0


def test_bench_audit_runs_the_pipeline_and_the_rollup():
    result = run_bench(
        "tests.bench.bench_audit", BENCH_PIPELINE_EXECUTIONS="40", BENCH_ROLLUP_EXECUTIONS="500"
    )
    report = json.loads(result.stdout)
    assert report["pipeline"]["stored_through_pipeline"] == 40
    assert report["rollup"]["executions_counted"] == 500
    assert report["rollup"]["p99_relative_error"] <= 0.01  # the sketch's guarantee, not a time


def test_bench_experiments_assigns_and_serves_the_experiment():
    result = run_bench(
        "tests.bench.bench_experiments",
        BENCH_ROUNDS="1",
        BENCH_ROUND_SECONDS="0.3",
        BENCH_KEYS="2000",
    )
    report = json.loads(result.stdout)
    assert report["assignment"]["unique_keys_us"] > 0
    http = report["http_with_vs_without_experiment"]
    assert http["with_experiment_rps"] > 0
    assert http["without_experiment_rps"] > 0
