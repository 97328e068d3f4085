"""Experiments in Firestore: `experiments/{id}`, plus `experiment_locks/{template}~{label}`,
the document that makes "one running experiment per template and label" a transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.audit.model import Actor, audit_entry
from shared.changes.events import ChangeFacts
from shared.config import Settings
from shared.errors import ExperimentNotFound
from shared.experiments import rules
from shared.storage.documents import AuditedDocuments
from shared.storage.firestore import call_options
from shared.storage.queries import QueryShape, register

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction

LOCKS = "experiment_locks"
RUNNING_FOR_TEMPLATE = register(
    QueryShape("running experiments of a template", "experiments", equality=("template", "status"))
)


RUNNING = register(QueryShape("running experiments", "experiments", equality=("status",)))


def lock_id(template: str, label: str) -> str:
    return f"{template}~{label}"


class ExperimentStore(AuditedDocuments):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, "experiments", "experiment", ExperimentNotFound)

    def running(self, *, timeout: float) -> list[dict[str, Any]]:
        """Every running experiment (the resolve path caches this whole, small list)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = self.client.collection("experiments").where(
                filter=FieldFilter("status", "==", "running")
            )
            return [{**(s.to_dict() or {}), "id": s.id} for s in query.stream(**options)]

        return self.read_with_deadline(fetch, timeout=timeout)

    def running_for(self, template: str) -> list[str]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[str]:
            query = (
                self.client.collection("experiments")
                .where(filter=FieldFilter("template", "==", template))
                .where(filter=FieldFilter("status", "==", "running"))
            )
            return [s.id for s in query.stream(**options)]

        return self.read_with_deadline(fetch)

    def start(self, experiment_id: str, *, actor: Actor, if_match: int | None) -> dict[str, Any]:
        """draft -> running, taking the template/label lock (see `rules.start`)."""
        return self._transition(
            experiment_id,
            lambda current, holder: rules.start(
                current, experiment_id, if_match=if_match, lock_holder=holder
            ),
            actor,
        )

    def stop(
        self,
        experiment_id: str,
        *,
        actor: Actor,
        if_match: int | None,
        decision: dict[str, Any],
    ) -> dict[str, Any]:
        """running -> stopped, freeing the lock (see `rules.stop`)."""
        return self._transition(
            experiment_id,
            lambda current, holder: rules.stop(
                current,
                experiment_id,
                if_match=if_match,
                lock_holder=holder,
                decision=decision,
                by=actor.id,
            ),
            actor,
        )

    def _transition(
        self,
        experiment_id: str,
        plan: Callable[[dict[str, Any] | None, str | None], rules.Transition],
        actor: Actor,
    ) -> dict[str, Any]:
        from google.cloud import firestore

        ref = self.ref(experiment_id)
        locks = self.client.collection(LOCKS)

        def move(transaction: Transaction) -> None:
            snapshot = ref.get(transaction=transaction, **call_options())
            current = (snapshot.to_dict() or {}) if snapshot.exists else None
            lock_ref, holder = None, None
            if current is not None:
                lock_ref = locks.document(lock_id(current["template"], current["label"]))
                lock = lock_ref.get(transaction=transaction, **call_options()).to_dict() or {}
                holder = lock.get("experiment")
            change = plan(current, holder)
            if lock_ref is not None and change.take_lock:
                transaction.set(lock_ref, {"experiment": experiment_id})
            if lock_ref is not None and change.release_lock:
                transaction.delete(lock_ref)
            now = firestore.SERVER_TIMESTAMP
            transaction.update(ref, {**change.fields, change.stamp: now, "updated_at": now})
            self.audit(
                transaction,
                audit_entry(
                    actor,
                    change.action,
                    f"experiments/{experiment_id}",
                    before=change.before,
                    after=change.after,
                ),
                facts=ChangeFacts(
                    revision=int(change.fields["update_count"]),
                    template=current["template"] if current else None,
                    label=current["label"] if current else None,
                ),
            )

        self.transact(move, key=ref.path)
        return self.get(experiment_id) or {}
