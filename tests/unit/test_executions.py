"""The execution event contract, pseudonymization, message decoding, what the recorder
keeps of each body under each policy, and the rollup and sketch arithmetic (pure)."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.analytics.aggregate import summarize
from shared.analytics.rollup import compute_rollups, handle_tick
from shared.analytics.sketches import sketch_from_bytes
from shared.cache import Snapshot
from shared.config import Settings
from shared.errors import ValidationFailed
from shared.executions.events import (
    ExecutionEvent,
    MalformedMessage,
    ReportedExecution,
    decode_pubsub_data,
    hour_of,
    pseudonymize,
)
from shared.executions.recorder import ExecutionRecorder
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import GuardrailEngine

FINISHED = datetime(2026, 11, 25, 10, 42, tzinfo=UTC)


def fields(**overrides: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "execution_id": "exec-00000001",
        "template": "nlu",
        "latency_ms": 12.5,
        "success": True,
        "finished_at": FINISHED.isoformat(),
        **overrides,
    }


def parse(**overrides: Any) -> ExecutionEvent:
    return ExecutionEvent.model_validate_json(json.dumps(fields(**overrides)))


@pytest.mark.parametrize(
    ("cost", "stored"), [("0.000375", "0.000375"), ("1.50", "1.5"), ("0", "0"), ("12", "12")]
)
def test_costs_are_exact_decimal_strings(cost, stored):
    event = parse(cost_usd=cost)
    assert event.cost_usd == stored
    assert event.cost_micros == int(float(stored) * 1_000_000 + 0.5)


@pytest.mark.parametrize(
    "overrides",
    [
        {"cost_usd": 0.1},  # a float: never
        {"cost_usd": "0.0000001"},  # below a micro-dollar
        {"cost_usd": "-1"},
        {"cost_usd": "NaN"},
        {"schema_version": 2},
        {"execution_id": "short"},
        {"execution_id": "has/slash-000"},
        {"finished_at": "2026-11-25T10:42:00"},  # no zone
        {"success": False},  # a failure needs its error_class
        {"success": True, "error_class": "Timeout"},
        {"experiment_id": "exp-1"},  # without its variant
        {"started_at": "2026-11-25T11:00:00Z"},  # after finished_at
        {"finished_at": "2099-01-01T00:00:00Z"},  # a clock far in the future
        {"finished_at": "1999-01-01T00:00:00Z"},
        {"user_key": "student-8812"},  # a raw id is not a user key
        {"unknown_field": 1},
        {"rendered_prompt": "x" * 1_000_001},
    ],
)
def test_invalid_events_are_refused(overrides):
    with pytest.raises(ValueError, match="validation error"):
        parse(**overrides)


def test_pseudonymized_user_keys_are_stable_keyed_and_rotatable():
    a = pseudonymize("u-1", key=b"k" * 32, key_id="k1")
    assert a == pseudonymize("u-1", key=b"k" * 32, key_id="k1")
    assert a != pseudonymize("u-2", key=b"k" * 32, key_id="k1")
    assert a.split(":")[1] != pseudonymize("u-1", key=b"j" * 32, key_id="k1").split(":")[1]
    assert pseudonymize("u-1", key=b"k" * 32, key_id="k2").startswith("k2:")
    reported = ReportedExecution.model_validate({**fields(), "user_id": "u-1"})
    event_fields = reported.to_event_fields(key=b"k" * 32, key_id="k1")
    assert event_fields["user_key"] == a
    assert "user_id" not in event_fields
    with pytest.raises(ValidationFailed):
        reported.to_event_fields(key=None, key_id="k1")


def push(payload: bytes | str) -> dict[str, Any]:
    data = payload if isinstance(payload, str) else base64.b64encode(payload).decode()
    return {"message": {"data": data, "messageId": "m1"}}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"message": {}}, "no message data"),
        (push("%%%"), "not valid base64"),
        (push(b"\xff\xfe"), "not valid JSON"),
        (push(b"[1]"), "not a JSON object"),
        (push(json.dumps(fields(schema_version=9)).encode()), "unsupported schema_version"),
        (push(json.dumps(fields(cost_usd="x")).encode()), "does not validate"),
        (push(b" " * (5 * 1024 * 1024)), "larger than the limit"),
        ("not even a dict", "no message data"),
    ],
)
def test_malformed_messages_say_why_without_echoing_content(data, reason):
    with pytest.raises(MalformedMessage) as raised:
        decode_pubsub_data(data)
    assert reason in raised.value.reason
    assert "fields" not in raised.value.reason  # says why, never echoes the content


class FixedGuardrails:
    def load(self) -> Snapshot[GuardrailEngine]:
        return Snapshot(GuardrailEngine(DEFAULT_GUARDRAILS.values()), "default")


def recorder(**env: str) -> ExecutionRecorder:
    settings = Settings.from_env({"ENVIRONMENT": "test", **env})
    now = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    return ExecutionRecorder(
        settings, store=object(), guardrails=FixedGuardrails(), clock=lambda: now
    )  # type: ignore[arg-type]


PROMPT = "Reach me at ada@example.com, or on +44 7400 123456."


def test_redact_policy_keeps_redacted_text_hash_and_bucket():
    document = recorder().document(parse(rendered_prompt=PROMPT, response="ok"))
    assert document["rendered_prompt"] == "Reach me at <EMAIL>, or on <PHONE>."
    assert document["rendered_prompt_truncated"] is False
    assert len(document["rendered_prompt_sha256"]) == 64
    assert document["redacted_types"] == ["EMAIL", "PHONE"]
    assert document["hour"] == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert document["expire_at"] - document["received_at"] == timedelta(days=90)
    assert "schema_version" in document


def test_hash_and_drop_policies_keep_no_text():
    hashed = recorder(EXECUTION_BODY_POLICY="hash").document(parse(rendered_prompt=PROMPT))
    assert hashed["rendered_prompt"] is None
    assert hashed["rendered_prompt_bytes"] == len("Reach me at <EMAIL>, or on <PHONE>.")  # redacted
    dropped = recorder(EXECUTION_BODY_POLICY="drop").document(parse(rendered_prompt=PROMPT))
    assert dropped["rendered_prompt"] is None
    assert "rendered_prompt_sha256" not in dropped


def test_long_bodies_are_cut_after_redaction():
    text = "ada@example.com " + "é" * 3000
    document = recorder(EXECUTION_BODY_MAX_BYTES="1024").document(parse(response=text))
    assert document["response"].startswith("<EMAIL> ")
    assert len(document["response"].encode()) <= 1024
    assert document["response_truncated"] is True


def test_a_failing_redaction_never_stores_the_text(mocker):
    mocker.patch("shared.guardrails.pii.detect", side_effect=RuntimeError("boom"))
    document = recorder().document(parse(rendered_prompt=PROMPT))
    assert document["rendered_prompt"] is None
    assert document["redacted_types"] == ["GUARDRAIL_ERROR"]


def test_rollups_sum_exactly_and_sketches_hold_quantiles_within_one_percent():
    rng = random.Random(3)
    hour = hour_of(FINISHED)
    rows = [
        {
            "template": "nlu",
            "version": 1 + i % 2,
            "experiment_id": None,
            "variant": None,
            "success": i % 7 != 0,
            "error_class": None if i % 7 else "Timeout",
            "input_tokens": i,
            "output_tokens": 2 * i,
            "cost_micros": 3 * i,
            "latency_ms": rng.lognormvariate(5, 1),
        }
        for i in range(10_000)
    ]
    rollups = list(compute_rollups(rows, hour).values())
    assert sorted(r["version"] for r in rollups) == [1, 2]
    assert sum(r["count"] for r in rollups) == 10_000
    assert sum(r["cost_micros"] for r in rollups) == 3 * sum(range(10_000))
    assert sum(r["errors"].get("Timeout", 0) for r in rollups) == len(range(0, 10_000, 7))
    (figures,) = summarize(
        [{**r, "version": 1} for r in rollups], by_variant=False
    )  # two documents merged: their sketches too
    exact = sorted(row["latency_ms"] for row in rows)
    for q, value in (
        (0.5, figures.p50_latency_ms),
        (0.95, figures.p95_latency_ms),
        (0.99, figures.p99_latency_ms),
    ):
        truth = exact[int(q * (len(exact) - 1))]
        assert abs(value - truth) / truth <= 0.01, (q, value, truth)
    assert figures.avg_response_time_ms == pytest.approx(sum(exact) / len(exact))
    assert sketch_from_bytes(rollups[0]["latency_sketch"]).count == rollups[0]["count"]


class RecordingJob:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def run_tick(self) -> str:
        self.calls.append("tick")
        return "tick"

    def recompute(self, hours: list[datetime]) -> str:
        self.calls.append(hours)
        return "recompute"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, "tick"),
        (b"{}", "tick"),
        (b'{"from": "2026-11-25T08:30:00Z", "to": "2026-11-25T10:00:00Z"}', "recompute"),
        (b'{"from": "yesterday"}', None),
        (b"\xff", None),
    ],
)
def test_ticks_run_the_pass_recompute_a_range_or_are_acknowledged(payload, expected):
    job = RecordingJob()
    data = {"message": {"data": base64.b64encode(payload).decode()}} if payload else {}
    assert handle_tick(job, data) == expected  # type: ignore[arg-type]
    if expected == "recompute":
        assert job.calls == [
            [datetime(2026, 11, 25, 8, tzinfo=UTC), datetime(2026, 11, 25, 9, tzinfo=UTC)]
        ]


def test_per_user_experiment_totals_expire_with_the_retention():
    from shared.analytics.rollup import experiment_user_hours

    hour = hour_of(FINISHED)
    rows = [
        {"experiment_id": "e", "variant": "a", "user_key": "k1:" + "0" * 64, "success": True,
         "latency_ms": 10.0, "cost_micros": 5, "input_tokens": 1, "output_tokens": 2},
        {"experiment_id": "e", "variant": "a", "user_key": None, "success": True},  # no key
    ]  # fmt: skip
    (document,) = experiment_user_hours(rows, hour, retention=timedelta(days=90)).values()
    assert document["expire_at"] == hour + timedelta(days=90)
    assert document["hours"] == {f"{hour:%Y%m%d%H}": [1, 1, 10.0, 5, 1, 2]}
