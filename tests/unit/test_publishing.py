"""Execution publishing and reporting over an in-memory topic and key reader: what the
domain does around Pub/Sub (the message, its attributes, counting and logging failures,
the 503 when the topic did not take it, the pseudonymization key read once), without the
client. The Pub/Sub path itself runs for real in tests/e2e/test_audit_pipeline.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.config import Settings
from shared.errors import ServiceUnavailable
from shared.executions.events import ExecutionEvent, pseudonymize
from shared.executions.publisher import ExecutionPublisher
from shared.executions.reporting import ExecutionReporting

FINISHED = datetime(2026, 11, 25, 10, 42, tzinfo=UTC)


class MemoryTopic:
    """Takes every message at once (or fails it, when told to)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.messages: list[tuple[bytes, dict[str, str]]] = []
        self.error = error

    def publish(self, data: bytes, attributes: Mapping[str, str]) -> Future[str]:
        self.messages.append((data, dict(attributes)))
        future: Future[str] = Future()
        if self.error is None:
            future.set_result(str(len(self.messages)))
        else:
            future.set_exception(self.error)
        return future


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "execution_id": "exec-00000001",
        "template": "nlu",
        "latency_ms": 12.5,
        "success": True,
        "finished_at": FINISHED.isoformat(),
        **overrides,
    }


def settings(**env: str) -> Settings:
    return Settings.from_env({"EXECUTION_PUBLISH_TIMEOUT_SECONDS": "0.5", **env})


def test_a_report_is_published_as_json_with_its_attributes_and_counted() -> None:
    topic = MemoryTopic()
    reporting = ExecutionReporting(settings(), ExecutionPublisher(settings(), topic))
    event, message_id = reporting.report(body())
    assert message_id == "1"
    [(data, attributes)] = topic.messages
    assert json.loads(data)["execution_id"] == "exec-00000001"
    assert ExecutionEvent.model_validate_json(data) == event
    assert attributes == {"schema_version": "1", "template": "nlu"}
    assert reporting.publisher.stats.published == 1
    assert reporting.publisher.stats.failed == 0


def test_a_message_the_topic_refuses_is_a_503_counted_and_logged_with_its_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher = ExecutionPublisher(settings(), MemoryTopic(error=TimeoutError("no")))
    reporting = ExecutionReporting(settings(), publisher)
    with caplog.at_level(logging.ERROR), pytest.raises(ServiceUnavailable) as raised:
        reporting.report(body())
    assert raised.value.status == 503
    assert publisher.stats.failed == 1
    assert publisher.stats.published == 0
    [record] = [r for r in caplog.records if r.getMessage() == "Execution event not published"]
    assert record.json_fields["execution_id"] == "exec-00000001"  # type: ignore[attr-defined]
    assert record.json_fields["error_type"] == "TimeoutError"  # type: ignore[attr-defined]


def test_the_key_secret_is_read_once_and_only_for_reports_with_a_user() -> None:
    reads: list[int] = []

    def read_secret() -> bytes:
        reads.append(1)
        return b"k" * 32

    topic = MemoryTopic()
    config = settings(PSEUDONYMIZATION_KEY_SECRET="projects/p/secrets/key/versions/1")
    reporting = ExecutionReporting(
        config, ExecutionPublisher(config, topic), key_secret=read_secret
    )
    reporting.report(body())
    assert reads == []
    first, _ = reporting.report(body(execution_id="exec-00000002", user_id="alice"))
    second, _ = reporting.report(body(execution_id="exec-00000003", user_id="alice"))
    assert reads == [1]
    assert (
        first.user_key
        == second.user_key
        == pseudonymize("alice", key=b"k" * 32, key_id=config.pseudonymization_key_id)
    )
