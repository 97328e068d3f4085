"""Delivering change events to webhook subscriptions, one Pub/Sub task per subscription.

    prompt-changes --push--> fan_out(event): the subscriptions it matches (`rules.matches`,
        over the templates the change concerns, `shared.changes.includes`) -> one delivery
        record `{event_id}~{subscription_id}` each (created once: a duplicate event finds
        it and sends nothing new) -> one task message each on WEBHOOK_DELIVERIES_TOPIC
    webhook-deliveries --push--> deliver(delivery_id): sign, POST, record the attempt
        2xx -> delivered | refused by the outbound policy -> dead_lettered at once
        failed, budget left -> retrying: raise, Pub/Sub redelivers this task alone, with
        the subscription's exponential backoff
        failed, WEBHOOK_MAX_ATTEMPTS reached -> dead_lettered, the task copied to the
        dead-letter topic, acknowledged

Why a task per subscription rather than one message retried for all: a receiver that is
down holds back only its own task; every other subscriber's task is delivered at once, and
each has its own attempts, backoff and dead letter. The delivery record is the log the
admin API reads (status, attempts, last error, latency) and what "redeliver" resets.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, Protocol

from shared.changes.includes import IncludersIndex, templates_to_notify
from shared.webhooks import rules
from shared.webhooks.rules import Attempt
from shared.webhooks.signing import SIGNATURE_HEADER, signature

logger = logging.getLogger(__name__)

TASK_KIND = "webhook-delivery"
USER_AGENT = "prompt-management-webhooks/1"


class Topic(Protocol):
    def publish(self, data: bytes, attributes: Mapping[str, str]) -> Future[str]: ...


class Subscriptions(Protocol):
    def active(self) -> list[dict[str, Any]]: ...
    def get(self, doc_id: str) -> dict[str, Any] | None: ...
    def secret(self, doc_id: str) -> str | None: ...


class DeliveryLog(Protocol):
    def ensure(self, delivery: dict[str, Any]) -> tuple[dict[str, Any], bool]: ...
    def get(self, delivery_id: str) -> dict[str, Any] | None: ...
    def record(self, delivery_id: str, fields: dict[str, Any]) -> None: ...


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Attempt: ...


class DeliveryRetry(Exception):
    """This attempt failed and the budget allows another: Pub/Sub redelivers the task."""


def task_message(delivery_id: str) -> tuple[bytes, dict[str, str]]:
    return json.dumps({"delivery_id": delivery_id}).encode(), {"kind": TASK_KIND}


def publish_task(tasks: Topic, delivery_id: str, *, timeout: float) -> None:
    data, attributes = task_message(delivery_id)
    tasks.publish(data, attributes).result(timeout=timeout)


def body_for(event: dict[str, Any], max_bytes: int) -> str:
    """The webhook body: the structured CloudEvent; a body over the limit keeps its
    identity and revision but not before/after (`data.truncated`: read the audit entry)."""
    body = json.dumps(event, separators=(",", ":"), sort_keys=True, default=str)
    if len(body.encode()) <= max_bytes:
        return body
    data = {k: v for k, v in event.get("data", {}).items() if k not in ("before", "after")}
    slim = {**event, "data": {**data, "truncated": True}}
    return json.dumps(slim, separators=(",", ":"), sort_keys=True, default=str)


class WebhookDelivery:
    def __init__(
        self,
        *,
        subscriptions: Subscriptions,
        log: DeliveryLog,
        tasks: Topic,
        dead_letters: Topic,
        transport: Transport,
        max_attempts: int,
        max_body_bytes: int,
        publish_timeout: float,
        includers: IncludersIndex | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._subscriptions = subscriptions
        self._log = log
        self._tasks = tasks
        self._dead_letters = dead_letters
        self._transport = transport
        self._max_attempts = max_attempts
        self._max_body = max_body_bytes
        self._timeout = publish_timeout
        self._includers = includers
        self._now = wall_clock

    def fan_out(self, event: dict[str, Any]) -> list[str]:
        """The delivery ids this event was queued for (new or not yet attempted)."""
        data = event.get("data") or {}
        template = data.get("template")
        concerned = templates_to_notify(template, self._includers) if template else set()
        queued: list[str] = []
        body = body_for(event, self._max_body)
        for subscription in self._subscriptions.active():
            if not rules.matches(subscription, str(event["type"]), concerned, event.get("time")):
                continue
            delivery_id = rules.delivery_id(str(event["id"]), str(subscription["id"]))
            record, created = self._log.ensure(
                {
                    "id": delivery_id,
                    "subscription_id": subscription["id"],
                    "event_id": event["id"],
                    "event_type": event["type"],
                    "template": template,
                    "body": body,
                    "status": "pending",
                    "attempts": 0,
                    "redeliveries": 0,
                    "queued": False,
                }
            )
            # A redelivered event re-queues only a delivery whose task was never published
            # (its earlier fan-out died between the record and the task); the rest has one.
            if created or not record.get("queued"):
                publish_task(self._tasks, delivery_id, timeout=self._timeout)
                self._log.record(delivery_id, {"queued": True})
                queued.append(delivery_id)
        return queued

    def deliver(self, delivery_id: str) -> str:
        """One attempt; returns the delivery's new status (raises `DeliveryRetry`)."""
        record = self._log.get(delivery_id)
        if record is None:
            logger.warning(
                "webhook task for an unknown delivery acknowledged",
                extra={"json_fields": {"delivery_id": delivery_id}},
            )
            return "unknown"
        status = str(record.get("status"))
        if status in ("delivered", "dead_lettered", "skipped"):
            return status  # a duplicate task: already settled
        subscription_id = str(record["subscription_id"])
        subscription = self._subscriptions.get(subscription_id)
        secret = self._subscriptions.secret(subscription_id) if subscription else None
        if subscription is None or not subscription.get("active") or not secret:
            self._log.record(delivery_id, {"status": "skipped", "last_error": "inactive"})
            return "skipped"
        body = str(record["body"]).encode()
        headers = {
            "Content-Type": "application/cloudevents+json",
            "User-Agent": USER_AGENT,
            "Webhook-Id": str(record["event_id"]),
            "Webhook-Delivery": delivery_id,
            SIGNATURE_HEADER: signature(secret, int(self._now()), body),
        }
        attempt = self._transport.post(str(subscription["url"]), body, headers)
        fields = rules.after_attempt(
            int(record.get("attempts", 0)), attempt, max_attempts=self._max_attempts
        )
        self._log.record(delivery_id, fields)
        context = {
            "delivery_id": delivery_id,
            "subscription_id": subscription_id,
            "attempts": fields["attempts"],
            "status": fields["status"],
            "error": attempt.error,
        }
        if fields["status"] == "retrying":
            logger.warning("webhook attempt failed; retrying", extra={"json_fields": context})
            raise DeliveryRetry(f"delivery {delivery_id}: {attempt.error}")
        if fields["status"] == "dead_lettered":
            logger.error("webhook delivery dead-lettered", extra={"json_fields": context})
            self._dead_letter(delivery_id)
        return str(fields["status"])

    def _dead_letter(self, delivery_id: str) -> None:
        data, attributes = task_message(delivery_id)
        try:
            self._dead_letters.publish(data, attributes).result(timeout=self._timeout)
        except Exception:  # the log already says dead_lettered; the copy is for operators
            logger.exception(
                "dead-letter copy not published",
                extra={"json_fields": {"delivery_id": delivery_id}},
            )


class MalformedMessage(ValueError):
    pass


def decode_message(data: Any) -> tuple[Any, dict[str, str]]:
    """(decoded JSON data, attributes) of a Pub/Sub push's CloudEvent data."""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        raise MalformedMessage("no Pub/Sub message")
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise MalformedMessage("attributes are not a map")
    try:
        payload = json.loads(base64.b64decode(message.get("data") or "", validate=True))
    except (binascii.Error, ValueError) as exc:
        raise MalformedMessage("data is not base64 JSON") from exc
    return payload, {str(k): str(v) for k, v in attributes.items()}


def handle_message(service: WebhookDelivery, data: Any, *, message_id: str) -> str:
    """One push: a change event (fan out) or a delivery task (attempt). Malformed messages
    are logged and acknowledged; `DeliveryRetry` and store failures propagate, so Pub/Sub
    redelivers."""
    from shared.changes.events import from_pubsub

    try:
        payload, attributes = decode_message(data)
        if attributes.get("kind") == TASK_KIND:
            delivery_id = payload.get("delivery_id") if isinstance(payload, dict) else None
            if not isinstance(delivery_id, str) or not _is_delivery_id(delivery_id):
                raise MalformedMessage("a delivery task needs a valid delivery_id")
            return service.deliver(delivery_id)
        event = from_pubsub(payload, attributes)
        if event is None:
            raise MalformedMessage("neither a change event (ce- attributes) nor a delivery task")
        return f"queued {len(service.fan_out(event))}"
    except MalformedMessage as exc:
        logger.error(
            "malformed webhook message acknowledged",
            extra={"json_fields": {"message_id": message_id, "reason": str(exc)}},
        )
        return "malformed"


def _is_delivery_id(value: str) -> bool:
    import re

    from shared.webhooks.model import DELIVERY_ID_PATTERN

    return re.fullmatch(DELIVERY_ID_PATTERN, value) is not None
