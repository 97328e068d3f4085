"""Change events and webhook delivery on the emulator (what infra/terraform/changes.tf
declares for GCP):

    prompt-changes       --push--> deliver_webhooks   (fan-out: one task per subscription)
    webhook-deliveries   --push--> deliver_webhooks   (one signed attempt per push; a failure
                                                       is redelivered with backoff)
    prompt-changes-tick  --push--> drain_changes      (the outbox safety net)
    webhook-deliveries-dead-letter (+ a pull subscription to inspect it)
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from infra.local.pubsub import clients, push_endpoint

# Pub/Sub's own dead-lettering is the backstop for a delivery function that keeps crashing;
# the function dead-letters after WEBHOOK_MAX_ATTEMPTS itself, so this stays above it.
BACKSTOP_ATTEMPTS = 10


@dataclass(frozen=True)
class ChangesWiring:
    project: str
    changes_topic: str
    tick_topic: str
    deliveries_topic: str
    dead_letter_topic: str

    def path(self, topic: str) -> str:
        return f"projects/{self.project}/topics/{topic}"

    @property
    def dead_letter_subscription(self) -> str:
        return f"projects/{self.project}/subscriptions/{self.dead_letter_topic}-inspect"


def wire_changes(
    host: str,
    project: str,
    *,
    deliver_url: str | None,
    drain_url: str | None,
    changes_topic: str = "prompt-changes",
    tick_topic: str = "prompt-changes-tick",
    deliveries_topic: str = "webhook-deliveries",
    dead_letter_topic: str = "webhook-deliveries-dead-letter",
    min_backoff_seconds: int = 1,
) -> ChangesWiring:
    """Create the topics and subscriptions (idempotent: existing subscriptions are replaced)."""
    from google.api_core import exceptions
    from google.protobuf import duration_pb2

    wiring = ChangesWiring(project, changes_topic, tick_topic, deliveries_topic, dead_letter_topic)
    publisher, subscriber = clients(host)
    for topic in (changes_topic, tick_topic, deliveries_topic, dead_letter_topic):
        with contextlib.suppress(exceptions.AlreadyExists):
            publisher.create_topic(name=wiring.path(topic))
    backoff = {
        "minimum_backoff": duration_pb2.Duration(seconds=min_backoff_seconds),
        "maximum_backoff": duration_pb2.Duration(seconds=min_backoff_seconds + 1),
    }
    dead_letter = {
        "dead_letter_topic": wiring.path(dead_letter_topic),
        "max_delivery_attempts": BACKSTOP_ATTEMPTS,
    }
    subscriptions: list[dict[str, Any]] = [
        {"name": wiring.dead_letter_subscription, "topic": wiring.path(dead_letter_topic)}
    ]
    pushes = [(deliver_url, changes_topic, "webhooks"), (deliver_url, deliveries_topic, "deliver")]
    pushes.append((drain_url, tick_topic, "drain"))
    for url, topic, suffix in pushes:
        if url is None:
            continue
        subscription: dict[str, Any] = {
            "name": f"projects/{project}/subscriptions/{topic}-{suffix}",
            "topic": wiring.path(topic),
            "push_config": {"push_endpoint": push_endpoint(url, project, topic)},
            "retry_policy": backoff,
            "ack_deadline_seconds": 30,
        }
        if topic != tick_topic:  # a tick is superseded by the next one
            subscription["dead_letter_policy"] = dead_letter
        subscriptions.append(subscription)
    for subscription in subscriptions:
        with contextlib.suppress(exceptions.NotFound):
            subscriber.delete_subscription(subscription=subscription["name"])
        subscriber.create_subscription(request=subscription)
    return wiring


def unwire_changes(host: str, wiring: ChangesWiring) -> None:
    _, subscriber = clients(host)
    names = [wiring.dead_letter_subscription]
    names += [
        f"projects/{wiring.project}/subscriptions/{topic}-{suffix}"
        for topic, suffix in (
            (wiring.changes_topic, "webhooks"),
            (wiring.deliveries_topic, "deliver"),
            (wiring.tick_topic, "drain"),
        )
    ]
    for name in names:
        with contextlib.suppress(Exception):
            subscriber.delete_subscription(subscription=name)


def publish_drain_tick(host: str, wiring: ChangesWiring) -> None:
    """What Cloud Scheduler does every minute in GCP."""
    publisher, _ = clients(host)
    publisher.publish(wiring.path(wiring.tick_topic), b"{}").result(timeout=10)


def pull_dead_letters(host: str, wiring: ChangesWiring, *, max_messages: int = 100) -> list[Any]:
    _, subscriber = clients(host)
    response = subscriber.pull(
        request={"subscription": wiring.dead_letter_subscription, "max_messages": max_messages},
        timeout=5,
    )
    if response.received_messages:
        subscriber.acknowledge(
            request={
                "subscription": wiring.dead_letter_subscription,
                "ack_ids": [m.ack_id for m in response.received_messages],
            }
        )
    return [m.message for m in response.received_messages]
