"""Audited documents: create / read / list / conditional update / delete for a collection of
admin-managed configuration (guardrails, experiments), each write one transaction with its
audit entry, `update_count` as the revision behind ETags."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.audit.model import Actor, audit_entry
from shared.changes.events import ChangeFacts
from shared.config import Settings
from shared.errors import AppError, Conflict
from shared.revision import check_if_match, etag_for, next_revision
from shared.storage import audit as audit_log
from shared.storage.firestore import FirestoreRepository, call_options
from shared.storage.queries import QueryShape, register

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentReference, Transaction

register(QueryShape("configuration documents by id", "*", order_by=(("__name__", "ASCENDING"),)))

Change = Callable[[dict[str, Any]], dict[str, Any]]


__all__ = ["AuditedDocuments", "Change", "check_if_match", "etag_for"]


class AuditedDocuments(FirestoreRepository):
    def __init__(
        self,
        settings: Settings,
        collection: str,
        kind: str,
        not_found: Callable[[str], AppError],
        client: Client | None = None,
    ) -> None:
        super().__init__(settings, client)
        self._collection = collection
        self.kind = kind
        self.not_found = not_found

    def ref(self, doc_id: str) -> DocumentReference:
        return self.client.collection(self._collection).document(doc_id)

    def audit(
        self, transaction: Transaction, entry: dict[str, Any], *, facts: ChangeFacts | None
    ) -> str:
        return audit_log.record(self.client, self._settings, transaction, entry, facts=facts)

    def get(self, doc_id: str) -> dict[str, Any] | None:
        snapshot = self.read_with_deadline(lambda options: self.ref(doc_id).get(**options))
        return {**(snapshot.to_dict() or {}), "id": snapshot.id} if snapshot.exists else None

    def list(self, *, after: str | None, limit: int) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.field_path import FieldPath

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = self.client.collection(self._collection).order_by(FieldPath.document_id())
            if after:
                query = query.start_after({FieldPath.document_id(): self.ref(after)})
            return [
                {**(s.to_dict() or {}), "id": s.id} for s in query.limit(limit).stream(**options)
            ]

        return self.read_with_deadline(fetch)

    def create(self, doc_id: str, data: dict[str, Any], *, actor: Actor) -> dict[str, Any]:
        from google.cloud import firestore

        ref = self.ref(doc_id)

        def create(transaction: Transaction) -> None:
            if ref.get(transaction=transaction, **call_options()).exists:
                raise Conflict(f"{self.kind} '{doc_id}' already exists")
            transaction.create(
                ref,
                {
                    **data,
                    "update_count": 1,
                    "created_by": actor.id,
                    "created_at": firestore.SERVER_TIMESTAMP,
                    "updated_at": firestore.SERVER_TIMESTAMP,
                },
            )
            self.audit(
                transaction,
                audit_entry(actor, f"{self.kind}.create", f"{self.kind}s/{doc_id}", after=data),
                facts=ChangeFacts(revision=1),
            )

        self.transact(create, key=ref.path)
        return self.get(doc_id) or {}

    def update(
        self, doc_id: str, change: Change, *, actor: Actor, if_match: int | None, action: str
    ) -> dict[str, Any]:
        """Apply `change(current) -> fields to set` (it may refuse with a Conflict)."""
        from google.cloud import firestore

        ref = self.ref(doc_id)

        def update(transaction: Transaction) -> None:
            snapshot = ref.get(transaction=transaction, **call_options())
            if not snapshot.exists:
                raise self.not_found(doc_id)
            current = snapshot.to_dict() or {}
            check_if_match(current, if_match)
            fields = change(current)
            transaction.update(
                ref,
                {
                    **fields,
                    "update_count": next_revision(current),
                    "updated_at": firestore.SERVER_TIMESTAMP,
                },
            )
            before = {k: current.get(k) for k in fields}
            self.audit(
                transaction,
                audit_entry(
                    actor,
                    f"{self.kind}.{action}",
                    f"{self.kind}s/{doc_id}",
                    before=before,
                    after=fields,
                ),
                facts=ChangeFacts(revision=next_revision(current)),
            )

        self.transact(update, key=ref.path)
        return self.get(doc_id) or {}

    def delete(
        self,
        doc_id: str,
        *,
        actor: Actor,
        if_match: int | None,
        guard: Callable[[dict[str, Any]], None],
    ) -> None:

        ref = self.ref(doc_id)

        def delete(transaction: Transaction) -> None:
            snapshot = ref.get(transaction=transaction, **call_options())
            if not snapshot.exists:
                raise self.not_found(doc_id)
            current = snapshot.to_dict() or {}
            check_if_match(current, if_match)
            guard(current)
            transaction.delete(ref)
            self.audit(
                transaction,
                audit_entry(
                    actor, f"{self.kind}.delete", f"{self.kind}s/{doc_id}", before=_plain(current)
                ),
                facts=ChangeFacts(revision=next_revision(current)),
            )

        self.transact(delete, key=ref.path)


def _plain(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in {"created_at", "updated_at"}}
