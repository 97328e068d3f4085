"""Each function served the way production serves it: the functions-framework CLI, whose
gunicorn imports the module in its master and forks the worker that answers. What must
hold there and nowhere else: the worker writes its log lines to stdout as it goes (JSON, one
per logged request, with its request id), and its memory stays flat while it logs.

The functions' stdout (and gunicorn's stderr) go to a file per function, as under `make dev`.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.dev import ServedFunction
from tests.conftest import PROJECT
from tests.e2e.conftest import PATIENT_DEADLINES, functions_served, served_environment

pytestmark = pytest.mark.emulator

EMAIL = "".join(["ada", "@", "example.com"])  # runtime data, not source text
# Per target: a path that answers 401 without credentials, and a path that, with credentials
# and `?user_key=<an email>`, is refused with this status after the caller is authenticated.
HTTP = {
    "resolve": {"protected": "/templates/nlu_extraction_gemini_25", "refused": "/templates/nope"},
    "admin": {"protected": "/v1/templates", "refused": "/v1/templates/nope"},
}
REFUSED = {"resolve": 404, "admin": 400}  # admin: an unknown query parameter
ROLE = {"resolve": "service", "admin": "viewer"}


@pytest.fixture(scope="module")
def served(
    firestore_emulator, api_keys, tmp_path_factory
) -> Iterator[Callable[[str], ServedFunction]]:
    """`served(target)` serves functions/TARGET/main.py once per module (import is slow)."""
    log_dir = tmp_path_factory.mktemp("served-logs")
    env = served_environment(
        firestore_emulator.host,
        api_keys["_file"],
        LOG_LEVEL="INFO",
        **PATIENT_DEADLINES,
    )
    with functions_served(env, log_dir) as start:
        yield start


def json_lines(function: ServedFunction) -> list[dict[str, Any]]:
    """The JSON lines of the function's output (gunicorn's own lines are plain text)."""
    text = function.log_path.read_text(encoding="utf-8", errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def rejections(function: ServedFunction) -> list[dict[str, Any]]:
    return [line for line in json_lines(function) if line["message"] == "request rejected"]


def wait_for_lines(
    function: ServedFunction, message: str, count: int, path: str | None = None
) -> list[dict[str, Any]]:
    """Lines with this message (and path), once `count` are written while the server keeps
    running. The bound is generous: on a working server they arrive within milliseconds."""
    deadline = time.monotonic() + 30
    while True:
        lines = [
            line
            for line in json_lines(function)
            if line["message"] == message and path in (None, line.get("path"))
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            assert function.process.poll() is None, "the server exited"
            return lines
        time.sleep(0.1)


def worker_pid(function: ServedFunction) -> int:
    """gunicorn's worker: the (one) child of the master that functions-framework runs."""
    master = function.process.pid
    deadline = time.monotonic() + 30
    while True:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) == 1 or time.monotonic() > deadline:
            assert len(children) == 1, f"expected one gunicorn worker, found {children}"
            return int(children[0])
        time.sleep(0.1)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.mark.parametrize("target", ["resolve", "admin"])
def test_the_forked_worker_writes_one_json_line_per_rejected_request(served, api_keys, target):
    function = served(target)
    assert worker_pid(function) != function.process.pid  # really served by a forked worker
    sent = [f"gunicorn-{target}-{n}" for n in range(10)]
    with requests.Session() as session:
        for request_id in sent:
            answer = session.get(
                function.url + HTTP[target]["protected"],
                headers={"X-Request-Id": request_id},
                timeout=10,
            )
            assert answer.status_code == 401
            assert answer.headers["X-Request-Id"] == request_id
        refused = session.get(
            function.url + HTTP[target]["refused"],
            params={"user_key": EMAIL},
            headers={
                "X-API-Key": api_keys[ROLE[target]],
                "X-Cloud-Trace-Context": "0123456789abcdef0123456789abcdef/7;o=1",
            },
            timeout=10,
        )
    assert refused.status_code == REFUSED[target], refused.text

    ours = {*sent, refused.headers["X-Request-Id"]}
    deadline = time.monotonic() + 30  # generous: on a working server it takes milliseconds
    while len(lines := [x for x in rejections(function) if x["request_id"] in ours]) < 11:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert function.process.poll() is None  # written while serving, not at exit
    assert len(lines) == 11  # one per request, none lost, none doubled
    by_id = {line["request_id"]: line for line in lines}
    assert {(by_id[r]["severity"], by_id[r]["status"]) for r in sent} == {("INFO", 401)}
    assert {by_id[r]["problem"] for r in sent} == {"unauthenticated"}
    traced = by_id[refused.headers["X-Request-Id"]]
    assert (traced["status"], traced["path"]) == (REFUSED[target], HTTP[target]["refused"])
    assert traced["logging.googleapis.com/trace"] == (
        f"projects/{PROJECT}/traces/0123456789abcdef0123456789abcdef"
    )
    assert EMAIL not in function.log_path.read_text()  # query strings are never logged


@pytest.mark.parametrize("target", ["resolve", "admin"])
def test_the_worker_memory_stays_flat_while_it_logs(served, target):
    """Every request here logs a line. A line that is never written is memory that is
    never freed (about 1.1 KB per request when the writer was missing from the worker)."""
    function = served(target)
    pid = worker_pid(function)
    url = function.url + HTTP[target]["protected"]
    warm_up, measured = 1000, 5000
    path = HTTP[target]["protected"]
    before = len(wait_for_lines(function, "request rejected", 0, path))
    with requests.Session() as session:

        def hammer(count: int) -> None:
            for _ in range(count):
                assert session.get(url, timeout=10).status_code == 401

        hammer(warm_up)
        wait_for_lines(function, "request rejected", before + warm_up, path)
        start_kb = rss_kb(pid)
        hammer(measured)
        lines = wait_for_lines(function, "request rejected", before + warm_up + measured, path)
        end_kb = rss_kb(pid)
    assert end_kb - start_kb < 2048, f"worker RSS grew {end_kb - start_kb} KB over {measured}"
    assert len(lines) == before + warm_up + measured  # every line written, none dropped


def _push(data: bytes, message_id: str) -> dict[str, Any]:
    """A Pub/Sub push body, as the emulator (or Pub/Sub) sends it to the function URL."""
    return {
        "subscription": f"projects/{PROJECT}/subscriptions/served-by-gunicorn",
        "message": {
            "data": base64.b64encode(data).decode(),
            "messageId": message_id,
            "attributes": {},
        },
    }


@pytest.mark.parametrize(
    ("target", "data", "message"),
    [
        (
            "record_execution",
            b"not json",
            "Malformed execution message acknowledged without storing",
        ),
        ("rollup_analytics", b'{"from": "soon"}', "Malformed analytics tick acknowledged"),
        ("deliver_webhooks", b"not json", "malformed webhook message acknowledged"),
    ],
)
def test_a_pushed_cloud_event_logs_its_line(served, target, data, message):
    function = served(target)
    message_id = f"gunicorn-{target}-1"
    answer = requests.post(function.url, json=_push(data, message_id), timeout=30)
    assert answer.status_code == 200, answer.text  # acknowledged: redelivery cannot fix it
    (line,) = wait_for_lines(function, message, 1)
    assert line["severity"] == "ERROR"
    assert line["request_id"] == message_id
