"""The admin API when Firestore is away: every route class answers 503 problem+json with
Retry-After within ADMIN_DEADLINE_SECONDS, never hangs, never a 500.

In-process (functions-framework's app) against a closed port and against a host that
accepts connections and never answers; and served by the functions-framework CLI against a
private emulator that is stopped mid-test. Durations are bounded generously, only because
the feature under test is a deadline (Firestore's client defaults waited up to 300 s).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from infra.local.dev import serve, wait_until_up
from infra.local.emulators import free_port, start_firestore, stop_process_group
from tests.conftest import LOG_DIR
from tests.e2e.conftest import ADMIN_SOURCE, assert_problem, served_environment
from tests.e2e.test_admin_guardrails_experiments import EXPERIMENT, PII

pytestmark = pytest.mark.emulator

DEADLINE = 0.5
SERVED_DEADLINE = 2.0
MARGIN = 4.0  # a loaded 2-core machine; the answer without a deadline took ~290 s

# (method, path, body): one request per route class, each valid, so only the store can fail.
ROUTES = [
    ("GET", "/v1/templates", None),
    ("GET", "/v1/templates/greet", None),
    ("POST", "/v1/templates", {"name": "greet", "template": "Hi {{who}}"}),
    ("PUT", "/v1/templates/greet", {"template": "Hello {{who}}"}),
    ("POST", "/v1/templates/greet/versions", {"template": "Hey {{who}}"}),
    ("GET", "/v1/templates/greet/versions", None),
    ("GET", "/v1/templates/greet/versions/1", None),
    ("GET", "/v1/templates/greet/labels/production", None),
    ("PUT", "/v1/templates/greet/labels/production", {"version": 1}),
    ("POST", "/v1/templates/greet/activate", {"version": 1}),
    ("POST", "/v1/templates/greet/rollback", {"label": "production"}),
    ("DELETE", "/v1/templates/greet", None),
    ("GET", "/v1/templates/greet/diff?from=1&to=2", None),
    ("POST", "/v1/templates/greet/preview", {"template": "Hi {{who}}", "values": {"who": "x"}}),
    ("POST", "/v1/guardrails/scan", {"text": "hello"}),
    ("GET", "/v1/guardrails", None),
    ("POST", "/v1/guardrails", PII),
    ("GET", "/v1/guardrails/pii_strict", None),
    ("POST", "/v1/guardrails/pii_strict/deactivate", None),
    ("GET", "/v1/experiments", None),
    ("POST", "/v1/experiments", EXPERIMENT),
    ("GET", "/v1/experiments/shorter-prompt", None),
    ("POST", "/v1/experiments/shorter-prompt/start", None),
    ("GET", "/v1/experiments/shorter-prompt/results", None),
    ("GET", "/v1/audit-log", None),
    ("GET", "/v1/analytics", None),
    ("GET", "/v1/analytics/greet", None),
    ("GET", "/v1/executions", None),
    ("GET", "/v1/executions/e-1", None),
]


# One per route class for the served function (the in-process test covers every route).
SERVED_ROUTES = [
    route
    for route in ROUTES
    if route[:2]
    in {
        ("GET", "/v1/templates"),
        ("GET", "/v1/templates/greet"),
        ("PUT", "/v1/templates/greet"),
        ("PUT", "/v1/templates/greet/labels/production"),
        ("POST", "/v1/guardrails"),
        ("POST", "/v1/experiments/shorter-prompt/start"),
        ("GET", "/v1/audit-log"),
        ("GET", "/v1/analytics/greet"),
    }
]


def _check_unavailable(answer, elapsed: float, route: tuple) -> None:
    body = assert_problem(answer, 503, "")
    assert body["type"].rsplit(":", 1)[-1] in {"store-unavailable", "store-deadline-exceeded"}
    assert answer.headers["Retry-After"] == "1", route
    assert elapsed < DEADLINE + MARGIN, (route, elapsed)


@pytest.fixture(params=["closed_port", "black_hole"])
def unreachable_host(request, silent_server) -> str:
    return f"127.0.0.1:{free_port()}" if request.param == "closed_port" else silent_server


def test_every_admin_route_answers_503_within_the_deadline(load_function, unreachable_host):
    client, module = load_function(
        source=ADMIN_SOURCE,
        target="admin",
        role="admin",
        FIRESTORE_EMULATOR_HOST=unreachable_host,
        ADMIN_DEADLINE_SECONDS=str(DEADLINE),
    )
    timings = []
    for method, path, body in ROUTES:
        started = time.monotonic()
        answer = client.open(path, method=method, json=body)
        elapsed = time.monotonic() - started
        timings.append(elapsed)
        _check_unavailable(answer, elapsed, (method, path))
    print(f"\nslowest 503 {max(timings):.2f} s, deadline {DEADLINE} s")
    assert module.settings.admin_deadline_seconds == DEADLINE


def test_the_served_admin_function_answers_503_once_its_emulator_stops(api_keys):
    emulator = start_firestore(LOG_DIR)
    env = served_environment(
        emulator.host,
        api_keys["_file"],
        ADMIN_DEADLINE_SECONDS=str(SERVED_DEADLINE),
    )
    function = serve("admin", free_port(), env, source=str(ADMIN_SOURCE), log_dir=LOG_DIR)
    try:
        wait_until_up(function)
        for _ in range(20):  # the first call pays the import and channel set-up
            if _call(function.url, api_keys["admin"], "GET", "/v1/templates")[0] == 200:
                break
        created = _call(function.url, api_keys["admin"], "POST", "/v1/templates", ROUTES[2][2])
        assert created[0] == 201, created
        assert _call(function.url, api_keys["admin"], "GET", "/v1/templates/greet")[0] == 200

        emulator.stop()  # Firestore goes away under a warm instance with an open channel
        timings = []
        for method, path, body in SERVED_ROUTES:
            started = time.monotonic()
            status, headers, payload = _call(function.url, api_keys["admin"], method, path, body)
            elapsed = time.monotonic() - started
            assert status == 503, (method, path, status, payload)
            assert headers["Content-Type"] == "application/problem+json"
            assert headers["Retry-After"] == "1"
            assert json.loads(payload)["status"] == 503
            assert elapsed < SERVED_DEADLINE + MARGIN, (method, path, elapsed)
            timings.append(elapsed)
        print(f"\nserved: slowest 503 {max(timings):.2f} s, deadline {SERVED_DEADLINE} s")
        assert function.process.poll() is None  # still serving
    finally:
        stop_process_group(function.process)
        emulator.stop()


def _call(
    base: str, key: str, method: str, path: str, body: object = None
) -> tuple[int, dict[str, str], str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
        base + path,
        data=data,
        method=method,
        headers={"X-API-Key": key, **({"Content-Type": "application/json"} if data else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
