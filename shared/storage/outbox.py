"""The change outbox: `change_outbox/{event_id}`, one document per committed change event,
written in the change's own transaction (`add`, called by `shared.storage.audit.record`)
and removed once the event is on the topic.

Draining (`OutboxStore`, driven by `shared.changes.outbox.OutboxDrainer`): read the oldest
documents, claim one (a conditional update: only if nobody touched it since it was read),
publish, wait for the topic's acknowledgement, delete. A drainer that dies after its publish
and before its delete leaves the document behind: the next drain publishes it again with
the same event id (receivers deduplicate on it); one that dies before publishing loses
nothing either. A claim lasts OUTBOX_CLAIM_SECONDS, so concurrent drainers (the admin
instance right after its commit, the scheduled drain) rarely publish the same event twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.config import Settings
from shared.storage.firestore import FirestoreRepository
from shared.storage.queries import QueryShape, register

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

register(
    QueryShape(
        "change outbox, oldest first", "change_outbox", order_by=(("created_at", "ASCENDING"),)
    )
)


def add(
    client: Client, settings: Settings, transaction: Transaction, event: dict[str, Any]
) -> None:
    from google.cloud import firestore

    ref = client.collection(settings.outbox_collection).document(event["id"])
    transaction.create(
        ref, {**event, "created_at": firestore.SERVER_TIMESTAMP, "claimed_until": None}
    )


class OutboxStore(FirestoreRepository):
    def pending(self, *, limit: int) -> list[dict[str, Any]]:
        """The oldest outbox documents, each with its `_update_time` (for `claim`)."""

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = (
                self.client.collection(self._settings.outbox_collection)
                .order_by("created_at")
                .limit(limit)
            )
            return [
                {**(s.to_dict() or {}), "_update_time": s.update_time}
                for s in query.stream(**options)
            ]

        return self.read_with_deadline(fetch)

    def claim(self, document: dict[str, Any], *, now: datetime) -> bool:
        """Take `document` for OUTBOX_CLAIM_SECONDS; False when another drainer holds it or
        changed it since it was read."""
        from google.api_core import exceptions

        claimed = document.get("claimed_until")
        if isinstance(claimed, datetime) and claimed > now:
            return False
        until = now + timedelta(seconds=self._settings.outbox_claim_seconds)
        ref = self.client.collection(self._settings.outbox_collection).document(document["id"])

        def update(options: dict[str, Any]) -> None:
            option = self.client.write_option(last_update_time=document["_update_time"])
            ref.update({"claimed_until": until}, option=option, **options)

        try:
            self.read_with_deadline(update)
        except Exception as exc:
            cause = exc.__cause__
            if isinstance(cause, (exceptions.FailedPrecondition, exceptions.NotFound)):
                return False
            raise
        return True

    def release(self, event_id: str) -> None:
        ref = self.client.collection(self._settings.outbox_collection).document(event_id)
        self.read_with_deadline(lambda options: ref.update({"claimed_until": None}, **options))

    def remove(self, event_id: str) -> None:
        ref = self.client.collection(self._settings.outbox_collection).document(event_id)
        self.read_with_deadline(lambda options: ref.delete(**options))
