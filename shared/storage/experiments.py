"""Experiments in Firestore: `experiments/{id}`, plus `experiment_locks/{template}~{label}`,
the document that makes "one running experiment per template and label" a transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.audit.model import Actor, audit_entry
from shared.config import Settings
from shared.errors import Conflict, ExperimentNotFound
from shared.storage.documents import AuditedDocuments, check_if_match
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

    def transition(
        self,
        experiment_id: str,
        to: str,
        *,
        actor: Actor,
        if_match: int | None,
        decision: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """draft -> running (taking the template/label lock) or running -> stopped (freeing it)."""
        from google.cloud import firestore

        ref = self.ref(experiment_id)
        locks = self.client.collection(LOCKS)

        def move(transaction: Transaction) -> None:
            snapshot = ref.get(transaction=transaction, **call_options())
            if not snapshot.exists:
                raise ExperimentNotFound(experiment_id)
            current = snapshot.to_dict() or {}
            check_if_match(current, if_match)
            expected = {"running": "draft", "stopped": "running"}[to]
            if current["status"] != expected:
                raise Conflict(
                    f"experiment '{experiment_id}' is {current['status']}; "
                    f"only a {expected} one can become {to}"
                )
            lock_ref = locks.document(lock_id(current["template"], current["label"]))
            holder = (lock_ref.get(transaction=transaction, **call_options()).to_dict() or {}).get(
                "experiment"
            )
            fields: dict[str, Any] = {
                "status": to,
                "update_count": int(current["update_count"]) + 1,
            }
            if to == "running":
                if holder and holder != experiment_id:
                    raise Conflict(
                        f"experiment '{holder}' is already running on {current['template']} "
                        f"label {current['label']}; stop it first"
                    )
                transaction.set(lock_ref, {"experiment": experiment_id})
                fields["started_at"] = firestore.SERVER_TIMESTAMP
            else:
                if holder == experiment_id:
                    transaction.delete(lock_ref)
                fields["stopped_at"] = firestore.SERVER_TIMESTAMP
                fields["decision"] = {**(decision or {}), "by": actor.id}
            transaction.update(ref, {**fields, "updated_at": firestore.SERVER_TIMESTAMP})
            self.audit(
                transaction,
                audit_entry(
                    actor,
                    "experiment.start" if to == "running" else "experiment.stop",
                    f"experiments/{experiment_id}",
                    before={"status": current["status"]},
                    after={"status": to, "decision": decision},
                ),
            )

        self.transact(move, key=ref.path)
        return self.get(experiment_id) or {}
