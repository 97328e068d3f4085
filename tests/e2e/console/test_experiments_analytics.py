"""The console's experiment, analytics and audit-log pages in the browser, over executions
stored by the real recorder and rolled up by the real rollup job on the emulator (the
Pub/Sub delivery in between is tested in tests/e2e/test_audit_pipeline.py)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from shared.bootstrap.events import execution_recorder, rollup_job
from shared.executions.events import ExecutionEvent, hour_of
from tests.e2e.console.conftest import assert_clean, screenshot, sign_in, visit

pytestmark = pytest.mark.emulator


def _two_versions(admin, name: str) -> None:
    admin.call("POST", "/v1/templates", json={"name": name, "template": "Greet {{who}}."})
    admin.call("PUT", f"/v1/templates/{name}", json={"template": "Hi {{who}}!"})
    admin.call("PUT", f"/v1/templates/{name}/labels/production", json={"version": 1})


def _report_and_roll_up(settings, executions: list[dict]) -> None:
    recorder = execution_recorder(settings)
    for fields in executions:
        recorder.record(ExecutionEvent.model_validate({"schema_version": 1, **fields}))
    rollup_job(settings).recompute(sorted({hour_of(e["finished_at"]) for e in executions}))


def _execution(n: int, template: str, version: int, *, ago: timedelta, **extra) -> dict:
    failed = n % 5 == 0
    return {
        "execution_id": f"{template}-{version}-{n:04d}",
        "template": template,
        "version": version,
        "latency_ms": 100.0 + 10 * (n % 7) + 50 * version,
        "input_tokens": 20,
        "output_tokens": 30 + version,
        "cost_usd": "0.00012",
        "success": not failed,
        "error_class": "Timeout" if failed else None,
        "finished_at": datetime.now(UTC) - ago,
        **extra,
    }


def _user(n: int) -> str:
    return "u:" + hashlib.sha256(f"user-{n}".encode()).hexdigest()


def test_create_start_read_results_and_stop_an_experiment(console_admin, make_settings, watched):
    _two_versions(console_admin, "exp_probe")
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/experiments")
    page.get_by_label("Id").fill("greeting-test")
    page.get_by_label("Template").fill("exp_probe")
    page.get_by_label("Coverage (share of users)").fill("1")
    page.get_by_role("button", name="Create (draft)").click()
    status = page.get_by_test_id("experiment-status")
    expect(status).to_have_text("draft")
    seed = console_admin.call("GET", "/v1/experiments/greeting-test")["seed"]
    expect(page.locator("#view code")).to_have_text(seed)  # the seed the API chose
    page.get_by_role("button", name="Start").click()
    expect(status).to_have_text("running")
    assert console_admin.call("GET", "/v1/experiments/greeting-test")["status"] == "running"

    executions = [
        _execution(
            n,
            "exp_probe",
            1 + n % 2,
            ago=timedelta(minutes=5),
            experiment_id="greeting-test",
            variant=("control", "treatment")[n % 2],
            user_key=_user(n),
        )
        for n in range(80)
    ]
    _report_and_roll_up(make_settings(), executions)
    page.reload()
    results = page.get_by_test_id("results")
    expect(results.locator("tbody tr").first).to_contain_text("control (v1, 50%)")
    expect(results.locator("tbody tr").first.locator("td").nth(1)).to_have_text("40")
    # One interval chart per metric and one of the lifts: a dot and a bar per row.
    expect(results.locator("figure svg")).to_have_count(4)
    expect(results.locator("figure svg").first.locator("circle")).to_have_count(2)
    expect(results.get_by_test_id("guidance")).not_to_be_empty()
    screenshot(page, "experiment")

    page.get_by_label("Decision: winner").select_option("treatment")
    page.get_by_label("Note").fill("treatment is faster")
    page.get_by_role("button", name="Stop").click()
    expect(status).to_have_text("stopped")
    stopped = console_admin.call("GET", "/v1/experiments/greeting-test")
    assert stopped["decision"]["winner"] == "treatment"
    assert console_admin.call("GET", "/v1/templates/exp_probe")["labels"]["production"] == 2
    assert_clean(watched)


def test_analytics_compare_versions_over_a_window(console_admin, make_settings, watched):
    _two_versions(console_admin, "analytics_probe")
    executions = [
        _execution(n, "analytics_probe", version, ago=timedelta(hours=n % 3, minutes=5))
        for version in (1, 2)
        for n in range(15 * version)
    ]
    _report_and_roll_up(make_settings(), executions)
    page = watched.page
    sign_in(page, console_admin, "viewer")
    visit(page, console_admin, "#/analytics")
    page.get_by_label("Template").select_option("analytics_probe")
    page.get_by_label("Window").select_option("24h")
    page.get_by_role("button", name="Show").click()
    rows = page.get_by_test_id("analytics-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("v1")
    expect(rows.nth(0).locator("td").nth(3)).to_have_text("15")
    expect(rows.nth(1).locator("td").nth(3)).to_have_text("30")
    # p50 / p95 / p99 in ms: every latency here is 150..310 ms, so three digits each.
    expect(rows.nth(0).locator("td").nth(5)).to_have_text(re.compile(r"^\d{3} / \d{3} / \d{3}$"))
    charts = page.get_by_test_id("line-chart")
    expect(charts).to_have_count(6)
    # uPlot draws on a canvas and lists each version in the chart's legend.
    expect(charts.first.locator("canvas")).to_have_count(1)
    expect(charts.first.locator(".u-legend")).to_contain_text("v1")
    expect(charts.first.locator(".u-legend")).to_contain_text("v2")
    screenshot(page, "analytics")
    assert_clean(watched)


def test_audit_log_newest_first_filtered_and_linked(console_admin, watched):
    _two_versions(console_admin, "audit_probe")
    page = watched.page
    sign_in(page, console_admin, "viewer")
    visit(page, console_admin, "#/audit")
    page.get_by_label("Object").fill("templates/audit_probe")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#view table tbody tr")
    expect(rows).to_have_count(3)  # created, version 2, production moved: newest first
    actions = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)]
    entries = console_admin.call("GET", "/v1/audit-log?target=templates/audit_probe")["items"]
    assert actions == [e["action"] for e in entries]
    assert len(set(actions)) == 3
    screenshot(page, "audit")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="audit_probe", exact=True)).to_be_visible()
    assert_clean(watched)


def test_create_with_weights_coverage_and_a_seed_then_read_srm_p_values_and_guidance(
    console_admin, make_settings, watched
):
    _two_versions(console_admin, "seeded_probe")
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/experiments")
    page.get_by_label("Id").fill("seeded-test")
    page.get_by_label("Template").fill("seeded_probe")
    page.get_by_label("variant 1 weight").fill("0.8")
    page.get_by_label("variant 2 weight").fill("0.2")
    page.get_by_label("Coverage (share of users)").fill("0.9")
    page.get_by_label("Assignment seed (optional)").fill("checkout-2026")
    page.get_by_role("button", name="Create (draft)").click()
    expect(page.get_by_test_id("experiment-status")).to_have_text("draft")
    expect(page.locator("#view code")).to_have_text("checkout-2026")
    stored = console_admin.call("GET", "/v1/experiments/seeded-test")
    assert stored["seed"] == "checkout-2026"
    assert stored["coverage"] == 0.9
    assert [(v["name"], v["version"], v["weight"]) for v in stored["variants"]] == [
        ("control", 1, 0.8),
        ("treatment", 2, 0.2),
    ]
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_test_id("experiment-status")).to_have_text("running")

    # Users split 50/50 against weights of 80/20: the sample-ratio check must object.
    executions = [
        _execution(
            n,
            "seeded_probe",
            1 + n % 2,
            ago=timedelta(minutes=5),
            experiment_id="seeded-test",
            variant=("control", "treatment")[n % 2],
            user_key=_user(n),
        )
        for n in range(100)
    ]
    _report_and_roll_up(make_settings(), executions)
    page.reload()
    results = page.get_by_test_id("results")
    expect(results.get_by_test_id("srm")).to_contain_text("Sample ratio mismatch")
    expect(results.get_by_test_id("guidance")).to_contain_text("sample ratio mismatch")
    progress = results.get_by_test_id("sample-progress").locator("progress")
    expect(progress).to_have_count(2)
    assert progress.first.evaluate("(p) => p.value") == 50
    tests = results.locator("table").nth(1)
    expect(tests.locator("thead")).to_contain_text("p-value")
    expect(tests.locator("thead")).to_contain_text("Always-valid p")
    api = console_admin.call("GET", "/v1/experiments/seeded-test/results")
    rows = tests.locator("tbody tr")
    shown = [
        (m["metric"], m["p_value"], m["always_valid_p_value"])
        for c in api["comparisons"]
        for m in c["metrics"]
    ]
    expect(rows).to_have_count(len(shown))
    for i, (metric, p_value, always_valid) in enumerate(shown):
        cells = rows.nth(i).locator("td")
        expect(cells.nth(1)).to_have_text(metric)
        for cell, value in ((cells.nth(4), p_value), (cells.nth(5), always_valid)):
            if value is None:
                expect(cell).to_have_text("–")
            elif value < 0.0001:
                expect(cell).to_have_text("< 0.0001")
            else:
                assert abs(float(cell.inner_text()) - value) < 1e-4, (metric, value)
    assert any(p is not None for _m, p, _a in shown)
    assert any(a is not None for _m, _p, a in shown)
    # Every interval chart draws a dot and an interval bar per row.
    for chart in results.locator("figure svg").all():
        assert chart.locator("circle").count() >= 2
        assert chart.locator("line").count() >= 2
    assert_clean(watched)
