"""Publishing execution events to EXECUTIONS_TOPIC.

The topic (`shared.storage.pubsub.PubSubTopic` in production) batches (up to 100 messages
or 2 ms), retries transient errors within `EXECUTION_PUBLISH_TIMEOUT_SECONDS`, and never
blocks a caller for longer than that: `publish()` returns a future at once for callers
that must not wait (a Python service reporting in-process), `publish_and_wait()` waits at
most the timeout (`POST /executions`, which answers 202 only once Pub/Sub holds the
message, and 503 otherwise, so the reporter retries with the same execution id). Every
failure is counted (`stats`) and logged with the execution id: nothing is dropped
silently. The Pub/Sub client is imported on first publish only. Messages carry the
attributes `schema_version` and `template`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from shared.config import Settings
from shared.errors import ServiceUnavailable
from shared.executions.events import ExecutionEvent

logger = logging.getLogger(__name__)


@dataclass
class PublishStats:
    published: int = 0
    failed: int = 0


class MessageTopic(Protocol):
    """A Pub/Sub topic (`storage.pubsub.PubSubTopic` in production, wired by
    `shared.bootstrap.resolve`): `publish` returns at once, the future resolves to the
    message id or fails once the topic's own retries are exhausted."""

    def publish(self, data: bytes, attributes: Mapping[str, str]) -> Future[str]: ...


class ExecutionPublisher:
    def __init__(self, settings: Settings, topic: MessageTopic) -> None:
        self._settings = settings
        self._topic = topic
        self.stats = PublishStats()

    def publish(self, event: ExecutionEvent) -> Future[str]:
        """Hand the event to the batching client; the future resolves to the message id."""
        data = event.model_dump_json(exclude_none=True).encode("utf-8")
        future = self._topic.publish(
            data, {"schema_version": str(event.schema_version), "template": event.template}
        )
        future.add_done_callback(lambda done: self._count(done, event.execution_id))
        return future

    def publish_and_wait(self, event: ExecutionEvent) -> str:
        timeout = self._settings.execution_publish_timeout_seconds
        try:
            return self.publish(event).result(timeout=timeout + 0.5)
        except Exception as exc:  # publish errors come in many types; all mean "not sent"
            raise ServiceUnavailable(
                "the execution could not be handed to Pub/Sub in time; retry with the same "
                "execution_id (it is stored once)"
            ) from exc

    def _count(self, done: Future[str], execution_id: str) -> None:
        error = done.exception()
        if error is None:
            self.stats.published += 1
            return
        self.stats.failed += 1
        logger.error(
            "Execution event not published",
            extra={
                "json_fields": {
                    "execution_id": execution_id,
                    "error_type": type(error).__name__,
                    "failed_total": self.stats.failed,
                }
            },
        )
