"""The rollup job against the Firestore emulator: the watermark catches late executions,
re-runs are idempotent, hours past retention are never wiped, and the CLI runs it."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.analytics.__main__ import main as analytics_cli
from shared.analytics.rollup import RollupJob, hours_between
from shared.bootstrap.events import execution_recorder
from shared.bootstrap.guardrails import guardrail_loader
from shared.config import get_settings
from shared.executions.events import ExecutionEvent
from shared.executions.recorder import ExecutionRecorder
from shared.observability import flush_logs
from shared.storage.firestore import firestore_client
from shared.storage.observations import ObservationStore
from tests.conftest import PROJECT

pytestmark = pytest.mark.emulator
NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def record(recorder: ExecutionRecorder, execution_id: str, finished_at: datetime) -> None:
    event = ExecutionEvent.model_validate_json(
        json.dumps(
            {
                "schema_version": 1,
                "execution_id": execution_id,
                "template": "nlu",
                "version": 1,
                "latency_ms": 100.0,
                "success": True,
                "finished_at": finished_at.isoformat(),
            }
        )
    )
    recorder.record(event)


def counts(settings) -> dict[datetime, int]:
    """Rollups of this file's template only: a thread left by an earlier test may still
    commit other rollups into the shared emulator."""
    rows = firestore_client(settings).collection("analytics_hourly").stream()
    return {r.get("hour"): r.get("count") for r in rows if r.get("template") == "nlu"}


def test_watermark_catches_late_executions_and_reruns_are_idempotent(
    make_settings, clean_firestore
):
    settings = make_settings(ROLLUP_LOOKBACK_HOURS="0")
    clock = Clock(NOW)
    store = ObservationStore(settings)
    recorder = ExecutionRecorder(
        settings, store=store, guardrails=guardrail_loader(settings), clock=clock
    )
    job = RollupJob(store, settings, clock=clock)
    record(recorder, "exec-now-00001", NOW - timedelta(minutes=5))
    job.run_tick()
    assert counts(settings) == {datetime(2026, 11, 25, 12, tzinfo=UTC): 1}

    clock.now = NOW + timedelta(minutes=30)
    record(recorder, "exec-late-0001", NOW - timedelta(hours=5))  # arrives five hours late
    record(recorder, "exec-late-0002", NOW - timedelta(hours=5))
    job.run_tick()
    expected = {
        datetime(2026, 11, 25, 12, tzinfo=UTC): 1,
        datetime(2026, 11, 25, 7, tzinfo=UTC): 2,
    }
    assert counts(settings) == expected
    job.run_tick()
    job.recompute([datetime(2026, 11, 25, 7, tzinfo=UTC)])
    assert counts(settings) == expected


def test_hours_past_retention_are_never_recomputed(make_settings, clean_firestore):
    settings = make_settings(EXECUTION_RETENTION_DAYS="30")
    clock = Clock(NOW)
    store = ObservationStore(settings)
    old_hour = datetime(2026, 9, 1, 10, tzinfo=UTC)
    firestore_client(settings).collection("analytics_hourly").document("old").set(
        {"hour": old_hour, "count": 7, "template": "nlu"}
    )
    run = RollupJob(store, settings, clock=clock).recompute([old_hour])
    assert run.hours == []
    assert counts(settings) == {old_hour: 7}


def test_a_range_reaching_past_retention_logs_one_summary_line(
    make_settings, clean_firestore, caplog
):
    settings = make_settings(EXECUTION_RETENTION_DAYS="30")
    job = RollupJob(ObservationStore(settings), settings, clock=Clock(NOW))
    wide = hours_between(datetime(2020, 1, 1, tzinfo=UTC), NOW - timedelta(days=40))
    with caplog.at_level(logging.INFO, logger="shared.analytics.rollup"):
        run = job.recompute(reversed(wide))  # order must not matter
    assert run.hours == []
    skipped = [r for r in caplog.records if r.getMessage().startswith("Not recomputing")]
    assert len(skipped) == 1  # not one record per hour (~60,000 here)
    assert skipped[0].json_fields == {
        "skipped_hours": len(wide),
        "first_skipped": wide[0].isoformat(),
        "last_skipped": wide[-1].isoformat(),
        "oldest_recomputable": "2026-10-27T12:00:00+00:00",
    }


def test_the_cli_recomputes_a_range(make_settings, clean_firestore, monkeypatch, capsys):
    settings = make_settings()
    recorder = execution_recorder(settings)
    recent = datetime.now(UTC) - timedelta(hours=1)
    record(recorder, "exec-cli-00001", recent)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    get_settings.cache_clear()
    start = (recent - timedelta(hours=1)).isoformat()
    end = datetime.now(UTC).isoformat()
    assert analytics_cli(["rollup", "--from", start, "--to", end]) == 0
    # A line logged by another thread (one of an earlier test's, a library's) while the CLI
    # runs goes with the logs on stderr, never into the JSON a script parses from stdout.
    stray = threading.Thread(target=logging.getLogger("tests.stray").warning, args=("stray",))
    stray.start()
    stray.join()
    assert flush_logs()
    printed = capsys.readouterr()
    out = json.loads(printed.out)
    assert '"message": "stray"' in printed.err
    assert out["executions"] == 1
    # It names the database it rolled up, so a shell without the stack's env cannot fool you.
    assert f"rollup: project {PROJECT} at {settings.firestore_emulator_host}" in printed.err
    assert sum(counts(settings).values()) == 1
    with pytest.raises(SystemExit):
        analytics_cli(["rollup", "--from", start])
    get_settings.cache_clear()
