"""The audit pipeline's Pub/Sub wiring on the emulator (what infra/ declares for GCP).

    prompt-executions --push--> record_execution     (dead letter after MAX_DELIVERY_ATTEMPTS)
    analytics-tick    --push--> rollup_analytics
    prompt-executions-dead-letter  (+ a pull subscription to inspect it)

Push endpoints carry `/projects/P/topics/T` in their path: functions-framework turns a raw
Pub/Sub push into a CloudEvent and takes the topic from there.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from shared.storage.firestore import emulator_environment

MAX_DELIVERY_ATTEMPTS = 5


@dataclass(frozen=True)
class Wiring:
    project: str
    executions_topic: str
    tick_topic: str
    dead_letter_topic: str
    dead_letter_subscription: str

    def topic_path(self, topic: str) -> str:
        return f"projects/{self.project}/topics/{topic}"


def clients(host: str) -> tuple[Any, Any]:
    from google.cloud import pubsub_v1

    with emulator_environment("PUBSUB_EMULATOR_HOST", host):
        return pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()


def push_endpoint(function_url: str, project: str, topic: str) -> str:
    return f"{function_url}/projects/{project}/topics/{topic}"


def wire(
    host: str,
    project: str,
    *,
    record_url: str | None,
    rollup_url: str | None,
    executions_topic: str = "prompt-executions",
    tick_topic: str = "analytics-tick",
    min_backoff_seconds: float = 1.0,
) -> Wiring:
    """Create topics and push subscriptions (idempotent: existing ones are replaced)."""
    from google.api_core import exceptions
    from google.protobuf import duration_pb2

    wiring = Wiring(
        project,
        executions_topic,
        tick_topic,
        f"{executions_topic}-dead-letter",
        f"{executions_topic}-dead-letter-inspect",
    )
    publisher, subscriber = clients(host)
    for topic in (executions_topic, tick_topic, wiring.dead_letter_topic):
        with contextlib.suppress(exceptions.AlreadyExists):
            publisher.create_topic(name=wiring.topic_path(topic))
    subscriptions: list[dict[str, Any]] = [
        {
            "name": f"projects/{project}/subscriptions/{wiring.dead_letter_subscription}",
            "topic": wiring.topic_path(wiring.dead_letter_topic),
        }
    ]
    backoff = {
        "minimum_backoff": duration_pb2.Duration(seconds=int(min_backoff_seconds)),
        "maximum_backoff": duration_pb2.Duration(seconds=int(min_backoff_seconds) + 1),
    }
    if record_url is not None:
        subscriptions.append(
            {
                "name": f"projects/{project}/subscriptions/{executions_topic}-record",
                "topic": wiring.topic_path(executions_topic),
                "push_config": {
                    "push_endpoint": push_endpoint(record_url, project, executions_topic)
                },
                "dead_letter_policy": {
                    "dead_letter_topic": wiring.topic_path(wiring.dead_letter_topic),
                    "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS,
                },
                "retry_policy": backoff,
                "ack_deadline_seconds": 30,
            }
        )
    if rollup_url is not None:
        subscriptions.append(
            {
                "name": f"projects/{project}/subscriptions/{tick_topic}-rollup",
                "topic": wiring.topic_path(tick_topic),
                "push_config": {"push_endpoint": push_endpoint(rollup_url, project, tick_topic)},
                "retry_policy": backoff,
                "ack_deadline_seconds": 60,
            }
        )
    for subscription in subscriptions:
        with contextlib.suppress(exceptions.NotFound):
            subscriber.delete_subscription(subscription=subscription["name"])
        subscriber.create_subscription(request=subscription)
    return wiring


def publish_tick(host: str, wiring: Wiring, payload: bytes = b"{}") -> str:
    """What Cloud Scheduler does in GCP: one message on the analytics tick topic."""
    publisher, _ = clients(host)
    future = publisher.publish(wiring.topic_path(wiring.tick_topic), payload)
    return str(future.result(timeout=10))


def pull_dead_letters(host: str, wiring: Wiring, *, max_messages: int = 100) -> list[Any]:
    """Messages waiting on the dead-letter topic (acknowledged as they are read)."""
    _, subscriber = clients(host)
    name = f"projects/{wiring.project}/subscriptions/{wiring.dead_letter_subscription}"
    response = subscriber.pull(
        request={"subscription": name, "max_messages": max_messages}, timeout=5
    )
    if response.received_messages:
        subscriber.acknowledge(
            request={
                "subscription": name,
                "ack_ids": [m.ack_id for m in response.received_messages],
            }
        )
    return [m.message for m in response.received_messages]
