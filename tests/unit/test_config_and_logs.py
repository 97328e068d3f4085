"""Settings validation, the Cloud Logging JSON shape, and how lines reach stdout: across a
fork, promptly, and within a bounded queue when stdout stalls."""

from __future__ import annotations

import json
import logging

import pytest

from shared.config import Settings
from shared.errors import ConfigurationError
from shared.observability import CloudLoggingFormatter, request_context


def test_defaults_are_safe_for_development():
    settings = Settings.from_env({})
    assert settings.template_cache_ttl_seconds == 60
    assert settings.firestore_deadline_seconds < 1
    assert settings.environment == "development"


def test_env_var_names_map_to_typed_fields():
    settings = Settings.from_env(
        {"TEMPLATE_CACHE_TTL_SECONDS": "5", "FIRESTORE_DEADLINE_SECONDS": "0.1"}
    )
    assert (settings.template_cache_ttl_seconds, settings.firestore_deadline_seconds) == (5.0, 0.1)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"TEMPLATE_CACHE_TTL_SECONDS": "soon"}, "TEMPLATE_CACHE_TTL_SECONDS"),
        ({"FIRESTORE_DEADLINE_SECONDS": "0"}, "FIRESTORE_DEADLINE_SECONDS"),
        ({"ENVIRONMENT": "production"}, "real project"),
        (
            {
                "ENVIRONMENT": "production",
                "GOOGLE_CLOUD_PROJECT": "p",
                "FIRESTORE_EMULATOR_HOST": "x:1",
            },
            "EMULATOR",
        ),
        ({"FIRESTORE_DEADLINE_SECONDS": "2", "FIRESTORE_COLD_DEADLINE_SECONDS": "1"}, "COLD"),
        ({"LOG_CACHE_HITS_SAMPLE": "1.5"}, "LOG_CACHE_HITS_SAMPLE"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(env, needle):
    with pytest.raises(ConfigurationError, match=needle):
        Settings.from_env(env)


def _format(record_message: str, **fields) -> dict:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, record_message, None, None)
    for key, value in fields.items():
        setattr(record, key, value)
    return json.loads(CloudLoggingFormatter().format(record))


def test_log_lines_carry_severity_trace_span_and_fields():
    header = "105445aa7843bc8bf206b12000100000/1;o=1"
    with request_context(project_id="proj", cloud_trace=header, request_id="req-1"):
        line = _format("hello", json_fields={"source": "cache"})
    assert line["severity"] == "WARNING"
    assert line["message"] == "hello"
    assert (
        line["logging.googleapis.com/trace"]
        == "projects/proj/traces/105445aa7843bc8bf206b12000100000"
    )
    assert line["logging.googleapis.com/spanId"] == "0000000000000001"
    assert (line["request_id"], line["source"]) == ("req-1", "cache")


def test_w3c_traceparent_is_understood_and_bad_request_ids_replaced():
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with request_context(project_id="p", traceparent=parent, request_id="bad id\n") as rid:
        line = _format("x")
    assert line["logging.googleapis.com/spanId"] == "00f067aa0ba902b7"
    assert rid != "bad id\n"
    assert len(rid) == 32


def test_exceptions_are_logged_without_their_message():
    secret = "".join(["ada", "@", "example.com"])  # runtime data, not source text
    try:
        raise ValueError(f"{secret} is a secret")
    except ValueError as exc:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed", None, (ValueError, exc, exc.__traceback__)
        )
    line = json.loads(CloudLoggingFormatter().format(record))
    assert "ValueError" in line["stack_trace"]
    assert "ada@example.com" not in json.dumps(line)


_LOGGING_PROCESS = """
import logging
from shared.observability import configure_logging, request_context
configure_logging("INFO")
configure_logging("INFO")  # idempotent: still one line per record
log = logging.getLogger("probe")
with request_context(project_id="p", cloud_trace="0123456789abcdef0123456789abcdef/5"):
    log.info("inside", extra={"json_fields": {"n": 1}})
log.warning("outside")
log.debug("hidden")
try:
    raise ValueError("secret " + "payload")
except ValueError:
    log.exception("boom")
"""


def test_configured_process_writes_json_lines_with_the_request_context_at_exit():
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-c", _LOGGING_PROCESS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["message"] for line in lines] == ["inside", "outside", "boom"]
    assert lines[2]["stack_trace"].startswith("ValueError")
    assert "secret payload" not in result.stdout
    assert lines[0]["logging.googleapis.com/trace"] == (
        "projects/p/traces/0123456789abcdef0123456789abcdef"
    )
    assert lines[0]["n"] == 1
    assert "logging.googleapis.com/trace" not in lines[1]
    assert lines[1]["severity"] == "WARNING"


# The shape of a gunicorn server: the module configures logging (and may log) at import in
# the master, then the master forks the worker that serves. The child's lines must reach
# stdout while it keeps running (it waits on stdin here, as a worker waits for requests).
_FORKING_PROCESS = """
import logging, os, sys
from shared.observability import configure_logging
configure_logging("INFO")
log = logging.getLogger("probe")
log.info("master at import")
pid = os.fork()
if pid == 0:
    log.info("worker line", extra={"json_fields": {"pid": os.getpid()}})
    sys.stdin.read()  # still serving: only exit would flush a line that waits for exit
    sys.exit(0)
os.waitpid(pid, 0)
"""


def test_a_forked_worker_writes_its_lines_while_it_runs():
    import queue
    import subprocess
    import sys
    import threading

    from tests.conftest import ROOT

    process = subprocess.Popen(
        [sys.executable, "-c", _FORKING_PROCESS],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True)
    reader.start()
    try:
        seen = []
        while len(seen) < 2:
            try:
                seen.append(json.loads(lines.get(timeout=20)))  # generous: it takes ms
            except queue.Empty:
                pytest.fail(f"the worker's line never came while it ran; got {seen}")
        assert sorted(line["message"] for line in seen) == ["master at import", "worker line"]
        assert process.poll() is None  # the worker's line came while it was still running
    finally:
        process.stdin.close()
        process.wait(timeout=60)
        reader.join(10)
    assert lines.empty()  # nothing written twice (the child does not inherit queued lines)


class _StalledStdout:
    """A stdout whose reader has stopped: the first write blocks until released."""

    def __init__(self) -> None:
        import threading

        self.entered, self.release = threading.Event(), threading.Event()
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.entered.set()
        self.release.wait(30)
        self.lines.extend(text.splitlines())
        return len(text)

    def flush(self) -> None:
        pass


def test_a_stalled_stdout_bounds_the_queue_and_counts_dropped_lines(monkeypatch):
    from shared.observability import JsonLinesHandler, JsonLinesWriter

    stdout = _StalledStdout()
    monkeypatch.setattr("sys.stdout", stdout)
    writer = JsonLinesWriter(queue_lines=5)
    log = logging.getLogger("test.stalled")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(JsonLinesHandler(writer))
    try:
        log.info("first")
        assert stdout.entered.wait(10)  # the writer holds "first" and is stuck writing it
        for n in range(20):
            log.info("queued %d", n)  # returns at once: the request thread never waits
        assert writer.stats() == {"written": 0, "dropped": 15, "queued": 5}
        stdout.release.set()
        assert writer.flush(10)
    finally:
        writer.close(10)
    messages = [json.loads(line)["message"] for line in stdout.lines]
    assert messages == ["first", *(f"queued {n}" for n in range(5)), "log lines dropped"]
    assert json.loads(stdout.lines[-1])["dropped"] == 15
    assert writer.stats()["dropped"] == 15


def test_lines_go_to_the_stdout_of_the_moment_and_are_flushed_without_exit(monkeypatch):
    import io

    from shared.observability import JsonLinesHandler, JsonLinesWriter

    writer = JsonLinesWriter()
    log = logging.getLogger("test.current")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(JsonLinesHandler(writer))
    first, second = io.StringIO(), io.StringIO()
    try:
        monkeypatch.setattr("sys.stdout", first)
        log.info("one")
        assert writer.flush(10)
        monkeypatch.setattr("sys.stdout", second)
        first.close()  # what a test runner does with the stdout it swapped in
        log.info("two")
        assert writer.flush(10)
    finally:
        writer.close(10)
    assert [json.loads(line)["message"] for line in second.getvalue().splitlines()] == ["two"]
    assert writer.stats() == {"written": 2, "dropped": 0, "queued": 0}
