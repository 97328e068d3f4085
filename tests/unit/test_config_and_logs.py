"""Settings validation and the Cloud Logging JSON shape."""

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
