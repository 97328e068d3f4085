"""Draining the change outbox to the `prompt-changes` topic.

    oldest outbox documents -> claim one (skipped when another drainer holds it) ->
    publish (CloudEvents attributes, the event's data) -> wait for the topic's ack ->
    delete the document

Nothing is lost: the document was committed with the change, and it leaves the outbox only
after Pub/Sub acknowledged the publish. A crash between the publish and the delete means the
next drain publishes the event again, with the same `id`: that is the at-least-once half of
the contract, and why receivers deduplicate on the event id (the delivery function does, per
subscription). Two runs drain: the admin instance right after each write it committed (so
an event usually leaves within the request), and the scheduled drain on every tick, which
picks up whatever a crashed or failed run left.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.changes.events import cloud_event, pubsub_attributes

logger = logging.getLogger(__name__)


class OutboxDocuments(Protocol):
    def pending(self, *, limit: int) -> list[dict[str, Any]]: ...
    def claim(self, document: dict[str, Any], *, now: datetime) -> bool: ...
    def release(self, event_id: str) -> None: ...
    def remove(self, event_id: str) -> None: ...


class Topic(Protocol):
    def publish(self, data: bytes, attributes: Mapping[str, str]) -> Future[str]: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class OutboxDrainer:
    def __init__(
        self,
        outbox: OutboxDocuments,
        topic: Topic,
        *,
        timeout: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._outbox = outbox
        self._topic = topic
        self._timeout = timeout
        self._clock = clock

    def drain(self, *, limit: int = 100) -> list[str]:
        """Publish up to `limit` pending events, oldest first; returns their ids. A publish
        failure stops the run (the event stays for the next one) and propagates."""
        published: list[str] = []
        for document in self._outbox.pending(limit=limit):
            if not self._outbox.claim(document, now=self._clock()):
                continue
            event = cloud_event(document, document.get("created_at"))
            data = json.dumps(event["data"], separators=(",", ":"), default=str).encode()
            try:
                self._topic.publish(data, pubsub_attributes(event)).result(timeout=self._timeout)
            except Exception:
                # Handed back at once, so the next drain need not wait for the claim to run
                # out (a drainer that dies here simply leaves the claim to expire).
                self._outbox.release(str(document["id"]))
                raise
            self._outbox.remove(str(document["id"]))
            published.append(str(document["id"]))
        return published

    def drain_quietly(self, *, limit: int = 20) -> None:
        """After a committed write: try now, never fail the request (the tick retries)."""
        try:
            self.drain(limit=limit)
        except Exception as exc:  # noqa: BLE001 - the scheduled drain publishes it later
            logger.warning(
                "change events left in the outbox for the scheduled drain",
                extra={"json_fields": {"error": type(exc).__name__}},
            )
