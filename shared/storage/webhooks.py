"""Webhook subscriptions (`webhooks/{id}`) and their delivery log
(`webhook_deliveries/{event_id}~{subscription_id}`) in Firestore.

A subscription's signing secret sits in its own document (`signing_secret`) because the
delivery function must sign with it (an HMAC needs the key itself, not a hash of it); it is
written once, at creation, never audited, never returned by a read of this store except
`secret()`. Every subscription write is audited like the other admin documents; none is a
change event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.audit.model import Actor, audit_entry
from shared.config import Settings
from shared.errors import DeliveryNotFound, WebhookNotFound
from shared.storage import audit as audit_log
from shared.storage.documents import AuditedDocuments
from shared.storage.firestore import FirestoreRepository, call_options
from shared.storage.queries import QueryShape, register
from shared.webhooks.rules import check_redeliverable

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction

SECRET_FIELD = "signing_secret"  # noqa: S105 - a field name, not a secret
DELIVERIES = "webhook_deliveries"

register(QueryShape("active webhooks", "webhooks", equality=("active",)))
DELIVERIES_OF = register(
    QueryShape(
        "deliveries of one webhook, newest first",
        DELIVERIES,
        equality=("subscription_id",),
        order_by=(("created_at", "DESCENDING"),),
    )
)


def _public(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != SECRET_FIELD}


class WebhookStore(AuditedDocuments):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.webhooks_collection, "webhook", WebhookNotFound)

    def get(self, doc_id: str) -> dict[str, Any] | None:
        document = super().get(doc_id)
        return None if document is None else _public(document)

    def secret(self, doc_id: str) -> str | None:
        document = super().get(doc_id)
        value = (document or {}).get(SECRET_FIELD)
        return value if isinstance(value, str) else None

    def active(self) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = self.client.collection(self._settings.webhooks_collection).where(
                filter=FieldFilter("active", "==", True)
            )
            return [_public({**(s.to_dict() or {}), "id": s.id}) for s in query.stream(**options)]

        return self.read_with_deadline(fetch)

    def create_with_secret(
        self, doc_id: str, data: dict[str, Any], secret: str, *, actor: Actor
    ) -> dict[str, Any]:
        """Like `create`, with the secret stored beside the fields and left out of the audit."""
        from google.cloud import firestore

        ref = self.ref(doc_id)

        def create(transaction: Transaction) -> None:
            now = firestore.SERVER_TIMESTAMP
            transaction.create(
                ref,
                {
                    **data,
                    SECRET_FIELD: secret,
                    "update_count": 1,
                    "created_by": actor.id,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            entry = audit_entry(actor, "webhook.create", f"webhooks/{doc_id}", after=data)
            self.audit(transaction, entry, facts=None)

        self.transact(create, key=ref.path)
        return self.get(doc_id) or {}

    def delete(self, doc_id: str, *, actor: Actor, if_match: int | None, guard: Any) -> None:
        from shared.revision import check_if_match

        ref = self.ref(doc_id)

        def delete(transaction: Transaction) -> None:
            snapshot = ref.get(transaction=transaction, **call_options())
            if not snapshot.exists:
                raise WebhookNotFound(doc_id)
            current = snapshot.to_dict() or {}
            check_if_match(current, if_match)
            guard(current)
            transaction.delete(ref)
            before = {k: v for k, v in _public(current).items() if not k.endswith("_at")}
            entry = audit_entry(actor, "webhook.delete", f"webhooks/{doc_id}", before=before)
            self.audit(transaction, entry, facts=None)

        self.transact(delete, key=ref.path)

    # Last: below this, `list` in an annotation would name the method.
    def list(self, *, after: str | None, limit: int) -> list[dict[str, Any]]:
        return [_public(d) for d in super().list(after=after, limit=limit)]


class DeliveryStore(FirestoreRepository):
    def _ref(self, delivery_id: str) -> DocumentReference:
        ref: DocumentReference = self.client.collection(DELIVERIES).document(delivery_id)
        return ref

    def ensure(self, delivery: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Create the record unless it exists: (the stored record, whether it was new)."""
        from google.api_core import exceptions
        from google.cloud import firestore

        ref = self._ref(delivery["id"])
        now = firestore.SERVER_TIMESTAMP

        def create(options: dict[str, Any]) -> bool:
            try:
                ref.create({**delivery, "created_at": now, "updated_at": now}, **options)
            except exceptions.AlreadyExists:
                return False
            return True

        created = self.read_with_deadline(create)
        return (self.get(delivery["id"]) or delivery), created

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        def fetch(options: dict[str, Any]) -> dict[str, Any] | None:
            snapshot = self._ref(delivery_id).get(**options)
            return {**(snapshot.to_dict() or {}), "id": snapshot.id} if snapshot.exists else None

        return self.read_with_deadline(fetch)

    def record(self, delivery_id: str, fields: dict[str, Any]) -> None:
        from google.cloud import firestore

        now = firestore.SERVER_TIMESTAMP
        stamps = {"updated_at": now}
        if fields.get("status") == "delivered":
            stamps["delivered_at"] = now
        ref = self._ref(delivery_id)
        self.read_with_deadline(lambda options: ref.update({**fields, **stamps}, **options))

    def of_subscription(
        self, subscription_id: str, *, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        from google.cloud import firestore
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = (
                self.client.collection(DELIVERIES)
                .where(filter=FieldFilter("subscription_id", "==", subscription_id))
                .order_by("created_at", direction=firestore.Query.DESCENDING)
            )
            if after:
                last = self._ref(after).get(**options)
                if last.exists:
                    query = query.start_after(last)
            return [
                {**(s.to_dict() or {}), "id": s.id} for s in query.limit(limit).stream(**options)
            ]

        return self.read_with_deadline(fetch)

    def reset(self, delivery_id: str, *, subscription_id: str, actor: Actor) -> dict[str, Any]:
        """Back to `pending` with a fresh retry budget (audited); the caller queues a task."""
        from google.cloud import firestore

        ref = self._ref(delivery_id)

        def reset(transaction: Transaction) -> None:
            snapshot = ref.get(transaction=transaction, **call_options())
            current = snapshot.to_dict() or {}
            if not snapshot.exists or current.get("subscription_id") != subscription_id:
                raise DeliveryNotFound(delivery_id)
            check_redeliverable({**current, "id": delivery_id})
            fields = {
                "status": "pending",
                "attempts": 0,
                "redeliveries": int(current.get("redeliveries", 0)) + 1,
            }
            transaction.update(ref, {**fields, "updated_at": firestore.SERVER_TIMESTAMP})
            entry = audit_entry(
                actor,
                "webhook.redeliver",
                f"webhooks/{subscription_id}/deliveries/{delivery_id}",
                before={"status": current.get("status"), "attempts": current.get("attempts")},
                after=fields,
            )
            audit_log.record(self.client, self._settings, transaction, entry, facts=None)

        self.transact(reset, key=ref.path)
        return self.get(delivery_id) or {}
