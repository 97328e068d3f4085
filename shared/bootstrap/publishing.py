"""The execution publisher over EXECUTIONS_TOPIC: what `POST /executions` hands events to,
and what a Python service builds to publish in-process without waiting
(`execution_publisher(settings).publish(event)` returns a future). Apart from `resolve.py`
so that such a service imports no HTTP layer."""

from __future__ import annotations

from shared.config import Settings
from shared.executions.publisher import ExecutionPublisher
from shared.storage.pubsub import PubSubTopic


def execution_publisher(settings: Settings) -> ExecutionPublisher:
    topic = PubSubTopic(
        settings,
        settings.executions_topic,
        timeout=settings.execution_publish_timeout_seconds,
    )
    return ExecutionPublisher(settings, topic)
