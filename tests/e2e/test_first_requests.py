"""A freshly forked worker's first requests arrive together, on gunicorn's threads, before
anything has been imported or connected: none of them may answer a 500. The Google client
libraries are imported lazily (cold start), so these requests are also the ones that race
to import them."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from infra.local.pubsub import clients
from tests.conftest import PROJECT
from tests.e2e.conftest import PATIENT_DEADLINES, functions_served, served_environment

pytestmark = pytest.mark.emulator

BURST = 24


def execution(n: int) -> dict[str, object]:
    return {
        "schema_version": 1,
        "execution_id": f"exec-{uuid.uuid4().hex}",
        "template": "nlu_extraction_gemini_25",
        "version": 1,
        "source": "firestore",
        "model": "gemini-2.5-flash",
        "rendered_prompt": f"Classify request {n}",
        "response": "{}",
        "latency_ms": 12.5,
        "success": True,
        "finished_at": "2026-12-02T12:00:00+00:00",
    }


def first_request(target: str, url: str, keys: dict[str, str], n: int) -> requests.Response:
    """Request n of the burst: reads, renders and reports on resolve; reads and writes on
    admin (a write also publishes its change event)."""
    if target == "resolve":
        name = "nlu_extraction_gemini_25"
        role = "service"
        method, path, body = [
            ("GET", f"/templates/{name}", None),
            (
                "POST",
                f"/templates/{name}/render",
                {"variables": {"grade_level": "5", "student_query": f"why {n}?"}},
            ),
            ("POST", "/executions", execution(n)),
        ][n % 3]
    else:
        role = "admin"
        new = {"name": f"first-{uuid.uuid4().hex[:8]}", "template": "Hi {{who}}"}
        method, path, body = [("GET", "/v1/templates", None), ("POST", "/v1/templates", new)][n % 2]
    return requests.request(
        method, url + path, json=body, headers={"X-API-Key": keys[role]}, timeout=60
    )


@pytest.mark.parametrize("target", ["resolve", "admin"])
def test_a_fresh_workers_first_concurrent_requests_never_answer_500(
    firestore_emulator, pubsub_emulator, api_keys, tmp_path, target
):
    topic = f"executions-{uuid.uuid4().hex[:8]}"
    publisher, _ = clients(pubsub_emulator.host)
    publisher.create_topic(name=f"projects/{PROJECT}/topics/{topic}")
    env = served_environment(
        firestore_emulator.host,
        api_keys["_file"],
        EXECUTIONS_TOPIC=topic,
        PUBSUB_EMULATOR_HOST=pubsub_emulator.host,
        # A busy shared machine must not turn a first request into a degraded answer: what
        # is tested is that none fails, not how fast the first ones are.
        **PATIENT_DEADLINES,
        EXECUTION_PUBLISH_TIMEOUT_SECONDS="20",
        CHANGES_PUBLISH_TIMEOUT_SECONDS="20",
    )
    with functions_served(env, tmp_path) as start:
        function = start(target)  # up: /healthz answered, nothing else has run
        with ThreadPoolExecutor(BURST) as pool:
            answers = list(
                pool.map(lambda n: first_request(target, function.url, api_keys, n), range(BURST))
            )
    statuses = [answer.status_code for answer in answers]
    assert 500 not in statuses, [a.text for a in answers if a.status_code == 500]
    # Nothing is down here, so nothing degrades either: every answer is a success.
    assert {status // 100 for status in statuses} == {2}, [a.text[:300] for a in answers]
