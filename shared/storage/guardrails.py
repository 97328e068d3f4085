"""Guardrail configurations in Firestore: `guardrails/{name}`.

Document: the `Guardrail` fields plus `created_by`, `created_at`, `updated_at` and
`update_count` (optimistic concurrency; 1 means "as created").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.audit.model import Actor, audit_entry
from shared.changes.events import ChangeFacts
from shared.guardrails import rules
from shared.guardrails.model import Guardrail
from shared.storage import audit as audit_log
from shared.storage.firestore import FirestoreRepository, call_options

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction


class FirestoreGuardrailStore(FirestoreRepository):
    def _ref(self, name: str) -> DocumentReference:
        return self.client.collection(self._settings.guardrails_collection).document(name)

    def read_all(self, *, timeout: float) -> list[dict[str, Any]]:
        """Every guardrail document, with its name (the document id) under `name`."""

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            collection = self.client.collection(self._settings.guardrails_collection)
            return [{**(s.to_dict() or {}), "name": s.id} for s in collection.stream(**options)]

        return self.read_with_deadline(fetch, timeout=timeout)

    def read(self, name: str) -> dict[str, Any] | None:
        snapshot = self.read_with_deadline(lambda options: self._ref(name).get(**options))
        return snapshot.to_dict() if snapshot.exists else None

    def create_if_absent(self, guardrail: Guardrail, *, actor: str) -> bool:
        """Create it unless a guardrail of that name exists; never overwrites. True if created,
        with the same audit entry an admin's create has, naming `actor` (the migration)."""
        from google.cloud import firestore

        ref = self._ref(guardrail.name)

        def create(transaction: Transaction) -> bool:
            if ref.get(transaction=transaction, **call_options()).exists:
                return False
            data = guardrail.model_dump(mode="json")
            transaction.create(
                ref,
                {
                    **data,
                    "created_by": actor,
                    "created_at": firestore.SERVER_TIMESTAMP,
                    "updated_at": firestore.SERVER_TIMESTAMP,
                    "update_count": 1,
                },
            )
            entry = audit_entry(
                Actor(actor, actor), "guardrail.create", f"guardrails/{guardrail.name}", after=data
            )
            audit_log.record(
                self.client, self._settings, transaction, entry, facts=ChangeFacts(revision=1)
            )
            return True

        return self.transact(create, key=ref.path)

    def delete_if_untouched(self, name: str, *, actor: str) -> str | None:
        """Remove it only if `actor` created it and nobody changed it; else say why it stays."""

        ref = self._ref(name)

        def remove(transaction: Transaction) -> str | None:
            snapshot = ref.get(transaction=transaction, **call_options())
            if not snapshot.exists:
                return "absent"
            reason = rules.why_seed_touched(snapshot.to_dict() or {}, actor)
            if reason is None:
                transaction.delete(ref)
            return reason

        return self.transact(remove, key=ref.path)
