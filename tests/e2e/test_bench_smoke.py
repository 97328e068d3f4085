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


def run_bench(module: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
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


def test_bench_client_runs_and_cached_calls_send_no_request():
    result = run_bench("tests.bench.bench_client", BENCH_ROUNDS="1", BENCH_CALLS="200")
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    assert report["requests_sent"] == 1  # the priming answer only: cached calls do no I/O
    assert report["us_per_call_median"]["client_cached_get_template"] > 0
    assert report["client_vs_dict_lookup_and_copy"] > 0
    assert "target <= 5.0 us" in result.stdout


def test_bench_langfuse_runs_and_sdk_cache_hits_send_nothing():
    result = run_bench("tests.bench.bench_langfuse", BENCH_SAMPLES="3")
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    assert report["cold_http"]["ratio_p50"] > 0
    assert report["cold_sdk"]["sdk_get_prompt_p50_ms"] > 0
    # A Langfuse SDK cache hit against us costs what it costs against Langfuse: no request.
    assert report["sdk_cache_hit"]["server_log_lines_during_hits"] == 0


def test_bench_wrk_drives_every_endpoint_and_counts_the_log_lines():
    """wrk against the served function: every target answered, and the counted GETs and
    renders left their sampled share of log lines (the run itself fails otherwise)."""
    result = run_bench(
        "tests.bench.bench_wrk", BENCH_ROUNDS="1", BENCH_ROUND_SECONDS="1", BENCH_CONCURRENCY="1,8"
    )
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    for level in ("c1", "c8"):
        targets = ("bare", "bare_like_get", "get", "get_usual", "render", "render_new")
        targets += ("render_unkept", "render_fresh")
        for target in (*targets, "executions"):
            assert report[level][target]["rps"] > 0
            assert report[level][target]["p99_ms"] >= report[level][target]["p50_ms"]
        assert report[level]["render_vs_get"] > 0
        assert report[level]["render_fresh_vs_get"] > 0
        assert report[level]["render_unkept_vs_get"] > 0
        assert report[level]["get_vs_bare_like_get"] > 0
        assert report[level]["get_vs_get_usual"] > 0
    lines = report["log_lines"]
    assert lines["sample_rate"] == 0.01  # as deployed: plain cache hits are sampled
    assert lines["cache_hit_lines_written"] >= lines["expected_at_least"] > 0
    assert "GET/bare" in result.stdout


def test_bench_detectors_times_every_workload_against_a_baseline_tree():
    """Both trees' workers answer every workload (here the baseline is this tree itself)."""
    result = run_bench(
        "tests.bench.bench_detectors", "--baseline", str(ROOT), BENCH_ROUNDS="1", BENCH_CALLS="3"
    )
    report = json.loads(result.stdout)
    for detector in ("toxic", "injection", "pii", "render"):
        for kind in ("new", "fresh", "same"):
            entry = report[f"{detector}_{kind}"]
            assert entry["us"] > 0
            assert entry["baseline_us"] > 0
            assert entry["speedup"] > 0
    assert report["render_first_variable_new"]["us"] > 0


def test_bench_cold_serves_fresh_processes_and_times_every_import():
    result = run_bench("tests.bench.bench_cold", BENCH_COLD_RUNS="1")
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    assert set(report["imports"]) == {
        "framework_import_s",
        "resolve_import_s",
        "admin_import_s",
        "record_execution_import_s",
        "rollup_analytics_import_s",
    }
    served = report["served_resolve"]
    assert served["start_to_first_get_s"] > 0
    assert served["first_get_to_first_render_s"] > 0
    assert served["worker_rss_after_render_mb"] > 10


def test_bench_publish_compares_batch_windows_against_the_emulator():
    result = run_bench("tests.bench.bench_publish", BENCH_ROUNDS="1")
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    assert report["window_s"] == 0.002
    for mode in ("sequential", "threads_32"):
        assert report[mode]["ours_per_s"] > 0
        assert report[mode]["default_per_s"] > 0
