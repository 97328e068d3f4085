"""Admin writes to templates, each one Firestore transaction with its audit entry.

Head documents carry `update_count`, the optimistic-concurrency token behind ETags: a write
with `if_match` fails with 412 unless it still equals the stored count. Label moves are kept
as history in `prompts/{name}/label_history/{id}` (label, from, to, kind, actor, at).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.audit.model import Actor, audit_entry
from shared.errors import Conflict, TemplateNotFound, VersionNotFound
from shared.storage.documents import check_if_match
from shared.storage.firestore import FirestoreRepository, call_options
from shared.storage.queries import QueryShape, register
from shared.storage.templates import VERSIONS, version_document
from shared.templates.model import PromptTemplate

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot, Transaction

LABEL_HISTORY = "label_history"
LAST_MOVE_TO = register(
    QueryShape(
        "label history: latest move of a label to a version",
        LABEL_HISTORY,
        equality=("label", "to_version", "kind"),
        order_by=(("revision", "DESCENDING"),),
    )
)
LABEL_HISTORY_BY_LABEL = register(
    QueryShape(
        "label history of one label, newest first",
        LABEL_HISTORY,
        equality=("label",),
        order_by=(("revision", "DESCENDING"),),
    )
)

register(QueryShape("templates by name", "prompts", order_by=(("__name__", "ASCENDING"),)))
register(QueryShape("versions, newest first", VERSIONS, order_by=(("version", "DESCENDING"),)))


class TemplateAdminStore(FirestoreRepository):
    def _head_ref(self, name: str) -> DocumentReference:
        return self.client.collection(self._settings.prompts_collection).document(name)

    def _version_ref(self, name: str, version: int) -> DocumentReference:
        return self._head_ref(name).collection(VERSIONS).document(str(version))

    def _audit(self, transaction: Transaction, entry: dict[str, Any]) -> None:
        from google.cloud import firestore

        ref = self.client.collection(self._settings.audit_collection).document()
        transaction.create(ref, {**entry, "at": firestore.SERVER_TIMESTAMP})

    # Reads ------------------------------------------------------------------------------

    def head(self, name: str) -> dict[str, Any] | None:
        return self.read_with_deadline(lambda options: _data(self._head_ref(name).get(**options)))

    def heads(self, *, after: str | None, limit: int) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.field_path import FieldPath

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = self.client.collection(self._settings.prompts_collection).order_by(
                FieldPath.document_id()
            )
            if after:
                query = query.start_after({FieldPath.document_id(): self._head_ref(after)})
            return [s.to_dict() or {} for s in query.limit(limit).stream(**options)]

        return self.read_with_deadline(fetch)

    def version(self, name: str, version: int) -> dict[str, Any] | None:
        return self.read_with_deadline(
            lambda options: _data(self._version_ref(name, version).get(**options))
        )

    def versions(self, name: str, *, before: int | None, limit: int) -> list[dict[str, Any]]:
        from google.cloud import firestore

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = (
                self._head_ref(name)
                .collection(VERSIONS)
                .order_by("version", direction=firestore.Query.DESCENDING)
            )
            if before is not None:
                query = query.start_after({"version": before})
            return [s.to_dict() or {} for s in query.limit(limit).stream(**options)]

        return self.read_with_deadline(fetch)

    def label_history(self, name: str, label: str, *, limit: int) -> list[dict[str, Any]]:
        from google.cloud import firestore
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query = (
                self._head_ref(name)
                .collection(LABEL_HISTORY)
                .where(filter=FieldFilter("label", "==", label))
                .order_by("revision", direction=firestore.Query.DESCENDING)
                .limit(limit)
            )
            return [s.to_dict() or {} for s in query.stream(**options)]

        return self.read_with_deadline(fetch)

    # Writes -----------------------------------------------------------------------------

    def create(
        self, template: PromptTemplate, *, actor: Actor, commit_message: str
    ) -> PromptTemplate:
        from google.cloud import firestore

        head_ref = self._head_ref(template.name)

        def create(transaction: Transaction) -> PromptTemplate:
            snapshot = head_ref.get(transaction=transaction, **call_options())
            if snapshot.exists:
                deleted = (snapshot.to_dict() or {}).get("deleted")
                raise Conflict(
                    f"template '{template.name}' already exists"
                    + (" (deleted: restore it instead)" if deleted else "; add a version instead"),
                )
            stored = template.model_copy(
                update={"version": 1, "author": actor.id, "commit_message": commit_message}
            )
            transaction.create(self._version_ref(template.name, 1), _version_doc(stored))
            transaction.create(
                head_ref,
                {
                    "name": template.name,
                    "description": template.description,
                    "labels": {},
                    "latest_version": 1,
                    "update_count": 1,
                    "deleted": False,
                    "created_at": firestore.SERVER_TIMESTAMP,
                    "updated_at": firestore.SERVER_TIMESTAMP,
                    "created_by": actor.id,
                },
            )
            self._audit(
                transaction,
                audit_entry(
                    actor, "template.create", f"templates/{template.name}", after={"version": 1}
                ),
            )
            return stored

        return self.transact(create, key=head_ref.path)

    def add_version(
        self,
        name: str,
        build: Callable[[PromptTemplate], PromptTemplate],
        *,
        actor: Actor,
        commit_message: str,
        if_match: int | None,
    ) -> PromptTemplate:
        """Append version n+1 built from version n (its parent), read in the same
        transaction, so what it inherits is exactly the version it records as its parent."""
        from google.cloud import firestore

        head_ref = self._head_ref(name)

        def append(transaction: Transaction) -> PromptTemplate:
            head = _live_head(
                head_ref.get(transaction=transaction, **call_options()), name, if_match
            )
            latest = int(head["latest_version"])
            latest_doc = (
                self._version_ref(name, latest)
                .get(transaction=transaction, **call_options())
                .to_dict()
            )
            template = build(_stored_template(latest_doc or {}))
            if (latest_doc or {}).get("content_hash") == template.content_hash:
                raise Conflict(
                    f"version {latest} of '{template.name}' already has this exact content; "
                    "nothing was created",
                    extra={"version": latest},
                )
            number = latest + 1
            stored = template.model_copy(
                update={
                    "version": number,
                    "author": actor.id,
                    "commit_message": commit_message,
                    "parent_version": latest,
                }
            )
            transaction.create(self._version_ref(template.name, number), _version_doc(stored))
            transaction.update(
                head_ref,
                {
                    "latest_version": number,
                    "description": template.description,
                    "update_count": int(head["update_count"]) + 1,
                    "updated_at": firestore.SERVER_TIMESTAMP,
                },
            )
            self._audit(
                transaction,
                audit_entry(
                    actor,
                    "template.version",
                    f"templates/{template.name}",
                    before={"version": latest},
                    after={"version": number, "content_hash": template.content_hash},
                ),
            )
            return stored

        return self.transact(append, key=head_ref.path)

    def move_label(
        self,
        name: str,
        label: str,
        version: int | None,
        *,
        actor: Actor,
        if_match: int | None,
        kind: str = "move",
    ) -> tuple[int | None, int | None]:
        """Point `label` at `version` (None removes it); returns (from, to)."""
        from google.cloud import firestore

        head_ref = self._head_ref(name)
        history = head_ref.collection(LABEL_HISTORY)

        def move(transaction: Transaction) -> tuple[int | None, int | None]:
            head = _live_head(
                head_ref.get(transaction=transaction, **call_options()), name, if_match
            )
            target = version
            if kind == "rollback":
                target = self._previous_version(transaction, history, label, head)
            if (
                target is not None
                and not self._version_ref(name, target)
                .get(transaction=transaction, **call_options())
                .exists
            ):
                raise VersionNotFound(name, target)
            current = (head.get("labels") or {}).get(label)
            if current is None and target is None:
                raise Conflict(f"label '{label}' is not set on '{name}'")
            labels = dict(head.get("labels") or {})
            if target is None:
                labels.pop(label, None)
            else:
                labels[label] = target
            revision = int(head["update_count"]) + 1  # strictly increasing: orders the history
            transaction.update(
                head_ref,
                {
                    "labels": labels,
                    "update_count": revision,
                    "updated_at": firestore.SERVER_TIMESTAMP,
                },
            )
            transaction.create(
                history.document(),
                {
                    "label": label,
                    "from_version": current,
                    "to_version": target,
                    "kind": kind,
                    "revision": revision,
                    "actor": actor.id,
                    "request_id": actor.request_id,
                    "at": firestore.SERVER_TIMESTAMP,
                },
            )
            self._audit(
                transaction,
                audit_entry(
                    actor,
                    f"label.{kind}" if target is not None else "label.remove",
                    f"templates/{name}/labels/{label}",
                    before={"version": current},
                    after={"version": target},
                ),
            )
            return current, target

        return self.transact(move, key=head_ref.path)

    def _previous_version(
        self, transaction: Transaction, history: Any, label: str, head: dict[str, Any]
    ) -> int:
        """The version `label` held before it moved to its current one (rollbacks skipped,
        so repeated rollbacks walk further back instead of toggling)."""
        from google.cloud import firestore
        from google.cloud.firestore_v1.base_query import FieldFilter

        current = (head.get("labels") or {}).get(label)
        if current is None:
            raise Conflict(f"label '{label}' is not set on '{head['name']}': nothing to roll back")
        query = (
            history.where(filter=FieldFilter("label", "==", label))
            .where(filter=FieldFilter("to_version", "==", current))
            .where(filter=FieldFilter("kind", "==", "move"))
            .order_by("revision", direction=firestore.Query.DESCENDING)
            .limit(1)
        )
        entries = [s.to_dict() or {} for s in transaction.get(query, **call_options())]
        previous = entries[0].get("from_version") if entries else None
        if previous is None:
            raise Conflict(
                f"label '{label}' of '{head['name']}' has no earlier version to roll back to"
            )
        return int(previous)

    def set_deleted(
        self, name: str, deleted: bool, *, actor: Actor, if_match: int | None, blocker: str | None
    ) -> None:
        """Soft delete (or restore). `blocker` is why deletion must be refused (a running
        experiment), decided by the caller; held labels are checked here, atomically."""
        from google.cloud import firestore

        head_ref = self._head_ref(name)

        def flip(transaction: Transaction) -> None:
            snapshot = head_ref.get(transaction=transaction, **call_options())
            if not snapshot.exists:
                raise TemplateNotFound(name)
            head = snapshot.to_dict() or {}
            check_if_match(head, if_match)
            if bool(head.get("deleted")) == deleted:
                raise Conflict(f"template '{name}' is {'already' if deleted else 'not'} deleted")
            if deleted and head.get("labels"):
                labels = sorted(head["labels"])
                raise Conflict(f"template '{name}' still has labels {labels}; remove them first")
            if deleted and blocker:
                raise Conflict(blocker)
            transaction.update(
                head_ref,
                {
                    "deleted": deleted,
                    "update_count": int(head.get("update_count", 0)) + 1,
                    "updated_at": firestore.SERVER_TIMESTAMP,
                    "deleted_by": actor.id if deleted else None,
                },
            )
            self._audit(
                transaction,
                audit_entry(
                    actor,
                    "template.delete" if deleted else "template.restore",
                    f"templates/{name}",
                    before={"deleted": not deleted},
                    after={"deleted": deleted},
                ),
            )

        self.transact(flip, key=head_ref.path)


def _version_doc(template: PromptTemplate) -> dict[str, Any]:
    from google.cloud import firestore

    return {**version_document(template), "created_at": firestore.SERVER_TIMESTAMP}


def _stored_template(document: dict[str, Any]) -> PromptTemplate:
    return PromptTemplate.model_validate({k: v for k, v in document.items() if k != "content_hash"})


def _live_head(snapshot: DocumentSnapshot, name: str, if_match: int | None) -> dict[str, Any]:
    head = snapshot.to_dict() if snapshot.exists else None
    if head is None or head.get("deleted"):
        raise TemplateNotFound(name)
    check_if_match(head, if_match)
    return head


def _data(snapshot: DocumentSnapshot) -> dict[str, Any] | None:
    return snapshot.to_dict() if snapshot.exists else None
