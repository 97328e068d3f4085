"""Reading the admin change log (`audit_log`), newest first, optionally by actor or target.

A target filter matches the object and its parts (`templates/x` finds the label moves of
`templates/x/labels/production` too) through each entry's `scope` list (see
`shared.audit.model.audit_scope`); migration 0004 gave older entries theirs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.changes.events import ChangeFacts, change_event, source_for
from shared.config import Settings
from shared.storage import outbox
from shared.storage.firestore import FirestoreRepository
from shared.storage.queries import QueryShape, register

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction


def record(
    client: Client,
    settings: Settings,
    transaction: Transaction,
    entry: dict[str, Any],
    *,
    facts: ChangeFacts | None,
) -> str:
    """Add `entry` (see `shared.audit.model.audit_entry`) to the change log inside the
    write's own transaction, stamped with the commit time: the one way every store audits.
    When the action is a change callers care about (`shared.changes.events.EVENT_TYPES`),
    its change event goes to the outbox in the same transaction: it exists exactly when the
    change committed. Every store passes `facts` (None only where no event can follow).
    Returns the audit entry's id."""
    from google.cloud import firestore

    ref = client.collection(settings.audit_collection).document()
    transaction.create(ref, {**entry, "at": firestore.SERVER_TIMESTAMP})
    if facts is not None:
        event = change_event(
            entry, audit_entry_id=ref.id, facts=facts, source=source_for(settings.project_id)
        )
        if event is not None:
            outbox.add(client, settings, transaction, event)
    return str(ref.id)


AUDIT_NEWEST = register(
    QueryShape("audit log, newest first", "audit_log", order_by=(("at", "DESCENDING"),))
)
AUDIT_BY_ACTOR = register(
    QueryShape(
        "audit log of one actor", "audit_log", equality=("actor",), order_by=(("at", "DESCENDING"),)
    )
)
AUDIT_BY_TARGET = register(
    QueryShape(
        "audit log of one object and its parts",
        "audit_log",
        array_contains="scope",
        order_by=(("at", "DESCENDING"),),
    )
)

AUDIT_SINCE = register(
    QueryShape(
        "audit log committed after a time, oldest first (the change poll)",
        "audit_log",
        range_field="at",
        order_by=(("at", "ASCENDING"),),
    )
)


class AuditLogStore(FirestoreRepository):
    def since(self, after: datetime, *, limit: int, timeout: float) -> list[dict[str, Any]]:
        """`id`, `at` and `target` of the entries committed after `after`, oldest first:
        one range query on the single-field index of `at`, one read when nothing changed."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = (
                self.client.collection(self._settings.audit_collection)
                .where(filter=FieldFilter("at", ">", after))
                .order_by("at")
                .select(["at", "target"])
                .limit(limit)
            )
            return [{**(s.to_dict() or {}), "id": s.id} for s in query.stream(**options)]

        return self.read_with_deadline(fetch, timeout=timeout)

    def entries(
        self, *, actor: str | None, target: str | None, after_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        from google.cloud import firestore
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            collection = self.client.collection(self._settings.audit_collection)
            query: Any = collection
            if actor:
                query = query.where(filter=FieldFilter("actor", "==", actor))
            if target:
                query = query.where(filter=FieldFilter("scope", "array_contains", target))
            query = query.order_by("at", direction=firestore.Query.DESCENDING)
            if after_id:
                last = collection.document(after_id).get(**options)
                if last.exists:
                    query = query.start_after(last)
            return [
                {**(s.to_dict() or {}), "id": s.id} for s in query.limit(limit).stream(**options)
            ]

        return self.read_with_deadline(fetch)
