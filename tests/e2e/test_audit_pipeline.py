"""The audit pipeline end to end on the real emulators:

    POST /executions (resolve) or a publisher -> Pub/Sub emulator -> push subscription
    -> functions-framework CloudEvent endpoint (record_execution, served over HTTP in this
    process so faults can be injected) -> Firestore; a tick -> rollup_analytics -> rollups.

Waiting is polling with a generous limit, never a timing assertion.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from functions_framework import create_app
from werkzeug.serving import make_server

from infra.local.emulators import free_port
from infra.local.pubsub import Wiring, clients, pull_dead_letters, wire
from shared.analytics.rollup import compute_rollups
from shared.analytics.sketches import sketch_from_bytes
from shared.config import Settings, get_settings
from shared.executions.events import hour_of
from shared.guardrails.pii import detect
from shared.storage.firestore import firestore_client
from tests.conftest import PROJECT, ROOT
from tests.e2e.conftest import assert_problem

pytestmark = pytest.mark.emulator

KEY = "test-pseudonymization-key-0123456789"
ALL_PII = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS", "SECRET")


@dataclass
class Pipeline:
    settings: Settings
    wiring: Wiring
    record_module: Any
    rollup_module: Any
    record_url: str
    pubsub_host: str
    # The execution ids this test sent. A push an earlier test's server thread was still
    # handling may commit into the shared emulator after clean_firestore: its execution is
    # not this test's, so executions() never counts it.
    sent: set[str] = dataclasses.field(default_factory=set)

    def publish(self, payload: bytes) -> str:
        try:
            execution_id = json.loads(payload).get("execution_id")
        except (ValueError, AttributeError):  # the malformed payloads some tests send
            execution_id = None
        if isinstance(execution_id, str):
            self.sent.add(execution_id)
        publisher, _ = clients(self.pubsub_host)
        return publisher.publish(
            self.wiring.topic_path(self.wiring.executions_topic), payload
        ).result(timeout=10)

    def tick(self, data: dict[str, Any] | None = None) -> None:
        publisher, _ = clients(self.pubsub_host)
        payload = json.dumps(data or {}).encode()  # Pub/Sub refuses empty messages
        publisher.publish(self.wiring.topic_path(self.wiring.tick_topic), payload).result(
            timeout=10
        )

    def executions(self) -> list[dict[str, Any]]:
        """The stored executions among those this test sent (see `sent`)."""
        documents = firestore_client(self.settings).collection("executions").stream()
        return [e for e in (d.to_dict() for d in documents) if e["execution_id"] in self.sent]

    def rollups(self) -> list[dict[str, Any]]:
        client = firestore_client(self.settings)
        return [s.to_dict() for s in client.collection("analytics_hourly").stream()]


def wait_for(condition: Callable[[], Any], *, limit: float = 60.0, what: str = "") -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what or condition}")


def serve_in_thread(app: Any) -> tuple[str, Callable[[], None]]:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(5)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def pipeline(
    firestore_emulator, pubsub_emulator, clean_firestore, monkeypatch
) -> Iterator[Pipeline]:
    suffix = uuid.uuid4().hex[:8]  # fresh topics per test: no pushes from earlier tests
    env = {
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.host,
        "EXECUTIONS_TOPIC": f"executions-{suffix}",
        "ANALYTICS_TICK_TOPIC": f"tick-{suffix}",
        "PSEUDONYMIZATION_KEY": KEY,
        "ROLLUP_LOOKBACK_HOURS": "0",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    stops = []
    modules = {}
    urls = {}
    for target in ("record_execution", "rollup_analytics"):
        source = ROOT / "functions" / target / "main.py"
        app = create_app(target=target, source=str(source))
        modules[target] = sys.modules["main"]
        urls[target], stop = serve_in_thread(app)
        stops.append(stop)
    wiring = wire(
        pubsub_emulator.host,
        PROJECT,
        record_url=urls["record_execution"],
        rollup_url=urls["rollup_analytics"],
        executions_topic=env["EXECUTIONS_TOPIC"],
        tick_topic=env["ANALYTICS_TICK_TOPIC"],
    )
    yield Pipeline(
        get_settings(),
        wiring,
        modules["record_execution"],
        modules["rollup_analytics"],
        urls["record_execution"],
        pubsub_emulator.host,
    )
    _, subscriber = clients(pubsub_emulator.host)
    for name in (f"{wiring.executions_topic}-record", f"{wiring.tick_topic}-rollup"):
        subscriber.delete_subscription(subscription=f"projects/{PROJECT}/subscriptions/{name}")
    for stop in stops:
        stop()
    get_settings.cache_clear()


def event(**overrides: Any) -> dict[str, Any]:
    finished = overrides.pop("finished_at", datetime.now(UTC) - timedelta(minutes=1))
    base = {
        "schema_version": 1,
        "execution_id": f"exec-{uuid.uuid4().hex}",
        "template": "nlu_extraction_gemini_25",
        "version": 1,
        "label": "production",
        "source": "firestore",
        "model": "gemini-2.5-flash",
        "rendered_prompt": "Classify: why is the sky blue?",
        "response": '{"topic": "light scattering"}',
        "input_tokens": 120,
        "output_tokens": 30,
        "cost_usd": "0.000375",
        "latency_ms": 420.5,
        "success": True,
        "finished_at": finished.isoformat(),
    }
    return {**base, **overrides}


def scan_for_pii(documents: list[dict[str, Any]]) -> list[str]:
    leaks = []
    for document in documents:
        for field in ("rendered_prompt", "response", "error_message"):
            text = document.get(field)
            if isinstance(text, str):
                leaks += [f.type for f in detect(text, entities=ALL_PII)]
    return leaks


def test_a_reported_execution_is_stored_redacted_and_pseudonymous(pipeline, load_function):
    client, _ = load_function(
        PUBSUB_EMULATOR_HOST=pipeline.pubsub_host,
        EXECUTIONS_TOPIC=pipeline.wiring.executions_topic,
        PSEUDONYMIZATION_KEY=KEY,
    )
    report = event(
        rendered_prompt="Student ada@example.com (card 4111 1111 1111 1111) asks about volcanoes",
        response="Call +44 7400 123456 for help.",
        user_id="student-8812",
    )
    pipeline.sent.add(report["execution_id"])
    response = client.post("/executions", json=report)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["execution_id"] == report["execution_id"]

    (stored,) = wait_for(pipeline.executions, what="the stored execution")
    assert stored["execution_id"] == report["execution_id"]
    assert stored["rendered_prompt"] == "Student <EMAIL> (card <CREDIT_CARD>) asks about volcanoes"
    assert stored["response"] == "Call <PHONE> for help."
    assert stored["redacted_types"] == ["CREDIT_CARD", "EMAIL", "PHONE"]
    assert stored["user_key"].startswith("k1:")
    assert "student-8812" not in json.dumps(stored, default=str)
    assert stored["cost_micros"] == 375
    assert stored["expire_at"] - stored["received_at"] == timedelta(days=90)
    assert stored["hour"] == hour_of(datetime.fromisoformat(report["finished_at"]))
    assert scan_for_pii(pipeline.executions()) == []


def test_bad_reports_are_precise_problems(load_function, pubsub_emulator):
    client, _ = load_function(PUBSUB_EMULATOR_HOST=pubsub_emulator.host)
    body = assert_problem(
        client.post("/executions", json=event(cost_usd=0.1, success=False)),
        422,
        "validation-failed",
    )
    fields = {e["field"] for e in body["errors"]}
    assert "body.cost_usd" in fields
    body = assert_problem(
        client.post("/executions", json=event(user_id="u1")), 422, "validation-failed"
    )
    assert body["errors"][0]["field"] == "body.user_id"  # no pseudonymization key configured
    big = event(rendered_prompt="x" * (1024 * 1024))
    assert_problem(client.post("/executions", json=big), 413, "payload-too-large")


def test_duplicates_out_of_order_and_reruns_give_exact_rollups(pipeline, load_function, json_logs):
    rng = random.Random(11)
    now = datetime.now(UTC)
    events = []
    for index in range(36):
        hour_back = index % 3  # three hours, so late events land in closed hours
        success = index % 5 != 0
        events.append(
            event(
                version=1 + index % 2,
                finished_at=now - timedelta(hours=hour_back, minutes=rng.randint(0, 50)),
                latency_ms=float(rng.randint(50, 5000)),
                input_tokens=rng.randint(10, 900),
                output_tokens=rng.randint(1, 300),
                cost_usd=str(Decimal(rng.randint(1, 99999)) / Decimal(1_000_000)),
                success=success,
                error_class=None if success else rng.choice(["Timeout", "SafetyBlock"]),
                **({"experiment_id": "exp-1", "variant": "b"} if index % 4 == 0 else {}),
            )
        )
    deliveries = [json.dumps(e).encode() for e in events for _ in range(rng.choice([2, 3]))]
    rng.shuffle(deliveries)
    for payload in deliveries:
        pipeline.publish(payload)

    wait_for(lambda: len(pipeline.executions()) == len(events), what="every execution stored")
    time.sleep(1.0)  # let any straggling duplicate deliveries land before counting again
    assert len(pipeline.executions()) == len(events)

    pipeline.tick()
    wait_for(lambda: sum(r["count"] for r in pipeline.rollups()) == len(events), what="rollups")
    first = {(r["hour"], r["template"], r["version"], r["variant"]): r for r in pipeline.rollups()}

    # Exactly a recomputation from the raw executions ...
    stored = pipeline.executions()
    expected: dict[Any, dict[str, Any]] = {}
    for hour in {e["hour"] for e in stored}:
        for document in compute_rollups([e for e in stored if e["hour"] == hour], hour).values():
            expected[(hour, document["template"], document["version"], document["variant"])] = (
                document
            )
    assert set(first) == set(expected)
    for key, rollup in first.items():
        for field in (
            "count",
            "successes",
            "errors",
            "input_tokens",
            "output_tokens",
            "cost_micros",
        ):
            assert rollup[field] == expected[key][field], (key, field)
        assert rollup["latency_ms_sum"] == pytest.approx(expected[key]["latency_ms_sum"])
        assert sketch_from_bytes(rollup["latency_sketch"]).count == rollup["count"]
    # ... and to what was sent, independently of what was stored.
    assert sum(r["cost_micros"] for r in first.values()) == sum(
        int(Decimal(e["cost_usd"]) * 1_000_000) for e in events
    )
    assert sum(r["successes"] for r in first.values()) == sum(e["success"] for e in events)

    # The admin API reads them: the seed's field names, quantiles from the merged sketches.
    admin, _ = load_function(
        source=ROOT / "functions" / "admin" / "main.py", target="admin", role="viewer"
    )
    window = {
        "from": (now - timedelta(hours=4)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    report = admin.get(
        "/v1/analytics/nlu_extraction_gemini_25", query_string={**window, "version": 2}
    )
    items = report.get_json()["items"]
    assert {item["version"] for item in items} == {2}
    latencies = sorted(e["latency_ms"] for e in events if e["version"] == 2)
    counted = sum(item["executions"] for item in items)
    assert counted == len(latencies)
    plain = next(item for item in items if item["variant"] is None)
    plain_latencies = sorted(
        e["latency_ms"] for e in events if e["version"] == 2 and "variant" not in e
    )
    assert plain["avg_response_time_ms"] == pytest.approx(
        sum(plain_latencies) / len(plain_latencies)
    )
    exact_p50 = plain_latencies[int(0.5 * (len(plain_latencies) - 1))]
    assert plain["p50_latency_ms"] == pytest.approx(exact_p50, rel=0.01)
    assert plain["success_rate"] == sum(
        e["success"] for e in events if e["version"] == 2 and "variant" not in e
    ) / len(plain_latencies)

    # A re-run changes nothing.
    pipeline.tick({"from": (now - timedelta(hours=3)).isoformat(), "to": now.isoformat()})

    # Wait for the re-run to have finished, not a fixed time: its line is the second.
    def recomputed() -> int:
        return sum(line["message"] == "Rollups recomputed" for line in json_logs())

    wait_for(lambda: recomputed() >= 2, what="the re-run's rollups")
    again = {(r["hour"], r["template"], r["version"], r["variant"]): r for r in pipeline.rollups()}
    assert {k: v["count"] for k, v in again.items()} == {k: v["count"] for k, v in first.items()}
    assert scan_for_pii(stored) == []


def test_malformed_messages_are_acknowledged_and_nothing_is_stored(pipeline, json_logs):
    oversized = event(rendered_prompt="x" * 1_000_001)
    for payload in (
        b"not json",
        json.dumps([1, 2]).encode(),
        json.dumps(event(schema_version=2)).encode(),
        json.dumps(event(cost_usd="-1")).encode(),
        json.dumps(oversized).encode(),
    ):
        pipeline.publish(payload)
    # A push whose data is not base64 can only come straight over HTTP.
    push = {
        "subscription": "projects/p/subscriptions/s",
        "message": {"data": "%%% not base64 %%%", "messageId": "m-bad-b64", "attributes": {}},
    }
    answer = requests.post(
        f"{pipeline.record_url}/projects/{PROJECT}/topics/{pipeline.wiring.executions_topic}",
        json=push,
        timeout=10,
    )
    assert answer.status_code == 200  # acknowledged: redelivery cannot fix it
    pipeline.publish(json.dumps(event(execution_id="exec-good-after-bad")).encode())
    wait_for(pipeline.executions, what="the good message after the bad ones")
    assert [e["execution_id"] for e in pipeline.executions()] == ["exec-good-after-bad"]

    def malformed_lines() -> list[dict[str, Any]] | None:
        lines = [x for x in json_logs() if x["message"].startswith("Malformed execution")]
        return lines if len(lines) >= 6 else None

    malformed = wait_for(malformed_lines, what="six malformed-message log lines")
    assert {line["message_id"] for line in malformed} >= {"m-bad-b64"}
    assert all("x" * 100 not in json.dumps(line) for line in malformed)
    assert pull_dead_letters(pipeline.pubsub_host, pipeline.wiring) == []


def test_a_transient_firestore_fault_is_redelivered_and_stored_once(pipeline, mocker):
    from google.api_core import exceptions

    store = pipeline.record_module.recorder._store
    real_create = store.create_execution
    calls = []

    def flaky(document):
        calls.append(document["execution_id"])
        if len(calls) <= 2:
            raise exceptions.ServiceUnavailable("injected")
        return real_create(document)

    mocker.patch.object(store, "create_execution", side_effect=flaky)
    pipeline.publish(json.dumps(event(execution_id="exec-flaky-0001")).encode())
    wait_for(pipeline.executions, what="the execution after two failures")
    assert len(calls) >= 3
    assert [e["execution_id"] for e in pipeline.executions()] == ["exec-flaky-0001"]


def test_a_poison_message_ends_in_the_dead_letter_topic(pipeline, mocker):
    store = pipeline.record_module.recorder._store
    mocker.patch.object(store, "create_execution", side_effect=RuntimeError("always fails"))
    pipeline.publish(json.dumps(event(execution_id="exec-poison-0001")).encode())
    dead = wait_for(
        lambda: pull_dead_letters(pipeline.pubsub_host, pipeline.wiring),
        limit=90,
        what="dead letter",
    )
    assert json.loads(dead[0].data)["execution_id"] == "exec-poison-0001"
    assert store.create_execution.call_count == 5  # max_delivery_attempts
    assert pipeline.executions() == []


def test_experiment_results_come_from_the_pipelines_per_user_aggregates(pipeline, load_function):
    from tests.e2e.conftest import ADMIN_SOURCE
    from tests.e2e.test_admin_guardrails_experiments import EXPERIMENT, _template_with_versions

    admin, _ = load_function(source=ADMIN_SOURCE, target="admin", role="admin")
    _template_with_versions(admin)
    admin.post("/v1/experiments", json=EXPERIMENT)
    admin.post(f"/v1/experiments/{EXPERIMENT['id']}/start")
    rng = random.Random(5)
    users = {"control": 30, "short": 30}
    sent = 0
    for variant, count in users.items():
        for index in range(count):
            user_key = f"k1:{uuid.uuid5(uuid.NAMESPACE_OID, variant + str(index)).hex * 2}"
            for _ in range(rng.choice([1, 2])):
                payload = event(
                    template="exp_target",
                    experiment_id=EXPERIMENT["id"],
                    variant=variant,
                    user_key=user_key,
                    latency_ms=float(rng.gauss(900 if variant == "control" else 700, 50)),
                )
                pipeline.publish(json.dumps(payload).encode())
                sent += 1
    wait_for(lambda: len(pipeline.executions()) == sent, what="every experiment execution")
    pipeline.tick()
    results = wait_for(
        lambda: (
            body
            if (body := admin.get(f"/v1/experiments/{EXPERIMENT['id']}/results").get_json())
            and body["variants"][0]["users"] == 30
            else None
        ),
        what="results computed by the tick",
    )
    assert [v["users"] for v in results["variants"]] == [30, 30]
    assert sum(v["executions"] for v in results["variants"]) == sent
    latency = next(m for m in results["comparisons"][0]["metrics"] if m["metric"] == "latency_ms")
    assert latency["p_value"] < 1e-6
    assert latency["difference"] == pytest.approx(-200, abs=40)
    assert results["sample_ratio"]["mismatch"] is False
