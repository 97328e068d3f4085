"""Templates in Firestore: the one repository of `prompts/{name}`, its immutable
`versions/{n}` and its `label_history/{id}`, for every reader and writer (resolution, admin,
seeding).

Head: `name`, `description`, `labels` (label -> version; a map in one document, so a label is
held by at most one version by construction), `latest_version`, `update_count` (the revision
behind ETags), `deleted`, `created_by`, timestamps. Version: the `PromptTemplate` fields plus
`content_hash` and `created_at`; written once with `create()`, never updated. Label history:
label, from, to, kind, revision, actor, request id, time.

Every write is: load what the rule needs, ask the rule (`shared.templates.rules`, pure), apply
the change it returns and its audit entry in the same transaction (`_apply`). Reads go through
`read_with_deadline` (capped by the request's budget; every store failure is
`StoreUnavailable`, so the resolver can fall back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.audit.model import Actor, audit_entry
from shared.changes.events import ChangeFacts
from shared.errors import StoreUnavailable
from shared.storage import audit as audit_log
from shared.storage.firestore import FirestoreRepository, call_options
from shared.storage.queries import QueryShape, register
from shared.templates import rules
from shared.templates.model import PromptTemplate

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction

logger = logging.getLogger(__name__)

VERSIONS = "versions"
LABEL_HISTORY = "label_history"
_STORED_ONLY = ("content_hash",)

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
INCLUDERS = register(
    QueryShape("templates that include one (composition)", "prompts", array_contains="includes")
)
register(QueryShape("versions, newest first", VERSIONS, order_by=(("version", "DESCENDING"),)))


@dataclass(frozen=True)
class TemplateHead:
    name: str
    labels: dict[str, int] = field(default_factory=dict)
    latest_version: int = 0
    update_count: int = 0
    deleted: bool = False


def document_id(name: str) -> str:
    """A template name as a Firestore document id, which holds no `/`. Names hold no `%`, so
    `%2F` for each folder separator is reversible and leaves one-segment names unchanged."""
    return name.replace("/", "%2F")


class TemplateRepository(FirestoreRepository):
    def _head_ref(self, name: str) -> DocumentReference:
        head: DocumentReference = self.client.collection(
            self._settings.prompts_collection
        ).document(document_id(name))
        return head

    def _version_ref(self, name: str, version: int) -> DocumentReference:
        ref: DocumentReference = self._head_ref(name).collection(VERSIONS).document(str(version))
        return ref

    # Reads ------------------------------------------------------------------------------

    def head(self, name: str, *, timeout: float | None = None) -> dict[str, Any] | None:
        return self._document(self._head_ref, name, timeout=timeout)

    def version(
        self, name: str, version: int, *, timeout: float | None = None
    ) -> dict[str, Any] | None:
        return self._document(lambda n: self._version_ref(n, version), name, timeout=timeout)

    def read_head(self, name: str, *, timeout: float) -> TemplateHead | None:
        """The resolution hot path's view of the head."""
        data = self.head(name, timeout=timeout)
        if data is None:
            return None
        return TemplateHead(
            name=name,
            labels={str(k): int(v) for k, v in (data.get("labels") or {}).items()},
            latest_version=int(data.get("latest_version", 0)),
            update_count=int(data.get("update_count", 0)),
            deleted=bool(data.get("deleted", False)),
        )

    def read_version(self, name: str, version: int, *, timeout: float) -> PromptTemplate | None:
        data = self.version(name, version, timeout=timeout)
        return None if data is None else _version_from_document(data)

    def _document(
        self,
        ref: Callable[[str], DocumentReference],
        name: str,
        *,
        timeout: float | None,
    ) -> dict[str, Any] | None:
        def fetch(options: dict[str, Any]) -> dict[str, Any] | None:
            snapshot = ref(name).get(**options)
            return snapshot.to_dict() if snapshot.exists else None

        return self.read_with_deadline(fetch, timeout=timeout)

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

    def includers(self, name: str) -> set[str]:
        """Names of the live templates one of whose versions includes `name` (the head's
        `includes`, see `shared.templates.rules`): what `shared.changes.includes` expands."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> set[str]:
            query = self.client.collection(self._settings.prompts_collection).where(
                filter=FieldFilter("includes", "array_contains", name)
            )
            heads = (s.to_dict() or {} for s in query.select(["name", "deleted"]).stream(**options))
            return {str(h["name"]) for h in heads if h.get("name") and not h.get("deleted")}

        return self.read_with_deadline(fetch)

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

    # Writes: load, ask the rule, apply ----------------------------------------------------

    def create(
        self, template: PromptTemplate, *, actor: Actor, commit_message: str
    ) -> PromptTemplate:
        def plan(transaction: Transaction) -> rules.TemplateChange:
            return rules.create_template(
                self._head_in(transaction, template.name),
                template,
                author=actor.id,
                commit_message=commit_message,
            )

        change = self._write(template.name, plan, actor)
        # A create always writes a version (or its rule raised).
        assert change is not None
        assert change.version is not None
        return change.version

    def seed(
        self,
        template: PromptTemplate,
        *,
        actor: Actor,
        commit_message: str,
        labels: tuple[str, ...],
    ) -> PromptTemplate | None:
        """Create version 1 with `labels` on it only if the template does not exist (decided
        in the transaction); None, writing nothing, when it does."""

        def plan(transaction: Transaction) -> rules.TemplateChange | None:
            return rules.seed_template(
                self._head_in(transaction, template.name),
                template,
                author=actor.id,
                commit_message=commit_message,
                labels=labels,
            )

        change = self._write(template.name, plan, actor)
        return None if change is None else change.version

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

        def plan(transaction: Transaction) -> rules.TemplateChange:
            head = rules.live_head(self._head_in(transaction, name), name, if_match)
            latest = self._version_in(transaction, name, int(head["latest_version"])) or {}
            return rules.add_version(
                head,
                latest.get("content_hash"),
                build(_stored_template(latest)),
                author=actor.id,
                commit_message=commit_message,
            )

        change = self._write(name, plan, actor)
        # A create always writes a version (or its rule raised).
        assert change is not None
        assert change.version is not None
        return change.version

    def move_label(
        self, name: str, label: str, version: int, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]:
        """Point `label` at `version`; returns (from, to)."""

        def plan(transaction: Transaction, head: dict[str, Any]) -> rules.LabelChange:
            exists = self._version_in(transaction, name, version) is not None
            return rules.move_label(head, label, version, target_exists=exists)

        return self._write_label(name, if_match, plan, actor)

    def publish(
        self,
        name: str,
        build: Callable[[PromptTemplate | None], PromptTemplate],
        *,
        labels: Sequence[str],
        actor: Actor,
        commit_message: str,
        if_match: int | None,
    ) -> int:
        """Create version 1 (no template yet) or n+1 (built from version n, read in the same
        transaction) and move `labels` onto it, all in one transaction with every audit
        entry and change event: all of it commits or none of it (`rules.publish`). Returns
        the version the labels are on (the latest one when the content was identical)."""
        published: list[rules.Publication] = []

        def plan(transaction: Transaction) -> list[rules.TemplateChange]:
            existing = self._head_in(transaction, name)
            latest: dict[str, Any] = {}
            if existing is not None and not existing.get("deleted"):
                latest = self._version_in(transaction, name, int(existing["latest_version"])) or {}
            publication = rules.publish(
                existing,
                latest.get("content_hash"),
                build(_stored_template(latest) if latest else None),
                labels,
                if_match=if_match,
                author=actor.id,
                request_id=actor.request_id,
                commit_message=commit_message,
            )
            published[:] = [publication]  # a retried transaction replans: keep the committed one
            return publication.changes

        self._write_all(name, plan, actor)
        return published[0].version

    def move_labels(
        self,
        name: str,
        labels: Sequence[str],
        version: int,
        *,
        actor: Actor,
        if_match: int | None,
    ) -> None:
        """Point every label at `version` in one transaction (one move and audit entry per
        label that was elsewhere)."""

        def plan(transaction: Transaction) -> list[rules.TemplateChange]:
            head = rules.live_head(self._head_in(transaction, name), name, if_match)
            exists = self._version_in(transaction, name, version) is not None
            return rules.move_labels(
                head,
                labels,
                version,
                target_exists=exists,
                author=actor.id,
                request_id=actor.request_id,
            )

        self._write_all(name, plan, actor)

    def remove_label(
        self, name: str, label: str, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]:
        return self._write_label(
            name, if_match, lambda _transaction, head: rules.remove_label(head, label), actor
        )

    def rollback(
        self, name: str, label: str, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]:
        """Move `label` back to where the move that set its current version found it."""

        def plan(transaction: Transaction, head: dict[str, Any]) -> rules.LabelChange:
            current = (head.get("labels") or {}).get(label)
            moves = [] if current is None else self._moves_to(transaction, name, label, current)
            target = rules.rollback_target(head, label, moves)
            exists = self._version_in(transaction, name, target) is not None
            return rules.rollback(head, label, target, target_exists=exists)

        return self._write_label(name, if_match, plan, actor)

    def delete(self, name: str, *, actor: Actor, if_match: int | None, blocker: str | None) -> None:
        """Soft delete. `blocker` is why deletion must be refused (a running experiment),
        decided by the caller; held labels are checked here, atomically."""

        def plan(transaction: Transaction) -> rules.TemplateChange:
            return rules.delete_template(
                self._head_in(transaction, name),
                name,
                if_match=if_match,
                blocker=blocker,
                by=actor.id,
            )

        self._write(name, plan, actor)

    def restore(self, name: str, *, actor: Actor) -> None:
        def plan(transaction: Transaction) -> rules.TemplateChange:
            return rules.restore_template(self._head_in(transaction, name), name)

        self._write(name, plan, actor)

    def delete_if_untouched(self, name: str, *, author: str) -> str | None:
        """Revert seeding: remove a template exactly as `author` created it (see
        `rules.why_seed_touched`). Returns None when removed, else why it was kept."""
        head_ref = self._head_ref(name)

        def remove(transaction: Transaction) -> str | None:
            head = self._head_in(transaction, name)
            if head is None:
                return "absent"
            version = self._version_in(transaction, name, 1) or {}
            reason = rules.why_seed_touched(head, version, author)
            if reason is None:
                transaction.delete(self._version_ref(name, 1))
                transaction.delete(head_ref)
            return reason

        return self.transact(remove, key=head_ref.path)

    # Applying a change ------------------------------------------------------------------

    def _write_label(
        self,
        name: str,
        if_match: int | None,
        plan: Callable[[Transaction, dict[str, Any]], rules.LabelChange],
        actor: Actor,
    ) -> tuple[int | None, int | None]:
        """A label change of the live head (`plan` gets it), answered as (from, to)."""
        moved: list[rules.LabelChange] = []

        def plan_write(transaction: Transaction) -> rules.TemplateChange:
            head = rules.live_head(self._head_in(transaction, name), name, if_match)
            label_change = plan(transaction, head)
            moved[:] = [label_change]  # a retried transaction replans: keep the committed one
            return label_change.write(actor.id, actor.request_id)

        self._write(name, plan_write, actor)
        return moved[0].from_version, moved[0].to_version

    def _write(
        self,
        name: str,
        plan: Callable[[Transaction], rules.TemplateChange | None],
        actor: Actor,
    ) -> rules.TemplateChange | None:
        """Run `plan` (reads, then a rule) and apply the change it returns, if any, in the
        same transaction as its audit entry."""

        def plan_all(transaction: Transaction) -> list[rules.TemplateChange]:
            change = plan(transaction)
            return [] if change is None else [change]

        changes = self._write_all(name, plan_all, actor)
        return changes[0] if changes else None

    def _write_all(
        self,
        name: str,
        plan: Callable[[Transaction], list[rules.TemplateChange]],
        actor: Actor,
    ) -> list[rules.TemplateChange]:
        """`_write` for a plan of several changes to one template, applied in order in one
        transaction, each with its audit entry (and change event)."""
        head_ref = self._head_ref(name)

        def body(transaction: Transaction) -> list[rules.TemplateChange]:
            changes = plan(transaction)
            if changes:
                # Versions this write creates are not in Firestore yet: their hashes are known.
                created = {
                    int(c.version.version or 0): c.version.content_hash
                    for c in changes
                    if c.version is not None
                }
                facts = [self._facts_in(transaction, c, created) for c in changes]  # reads first
                self._apply(transaction, changes, actor, facts)
            return changes

        return self.transact(body, key=head_ref.path)

    def _facts_in(
        self, transaction: Transaction, change: rules.TemplateChange, created: dict[int, str]
    ) -> ChangeFacts:
        """What the change event says beyond the audit entry: the head's new revision, and
        the content hashes of the versions before and after (a label move's two versions
        are read here, in the transaction, so they are the ones the move saw)."""
        revision = int(change.head.get("update_count", 0))
        if change.version is not None:
            return ChangeFacts(
                revision=revision,
                template=change.name,
                before_hash=change.before_hash,
                after_hash=change.version.content_hash,
            )
        if change.history is None:
            return ChangeFacts(revision=revision, template=change.name)
        ends = (change.history.get("from_version"), change.history.get("to_version"))
        stored = [int(v) for v in ends if v is not None and int(v) not in created]
        refs = [self._version_ref(change.name, v) for v in stored]
        hashes: dict[int, str | None] = {
            int(s.id): (s.to_dict() or {}).get("content_hash")
            for s in (
                self.client.get_all(refs, transaction=transaction, **call_options()) if refs else []
            )
            if s.exists
        }
        hashes.update(created)
        return ChangeFacts(
            revision=revision,
            template=change.name,
            label=change.history.get("label"),
            before_hash=hashes.get(ends[0]) if ends[0] is not None else None,
            after_hash=hashes.get(ends[1]) if ends[1] is not None else None,
        )

    def _apply(
        self,
        transaction: Transaction,
        changes: list[rules.TemplateChange],
        actor: Actor,
        facts: list[ChangeFacts],
    ) -> None:
        """Write `changes` (to one template, in order): their versions, one write of the head
        as the last change leaves it, and per change its history entry and audit entry."""
        from google.cloud import firestore

        now = firestore.SERVER_TIMESTAMP
        first = changes[0]
        head_ref = self._head_ref(first.name)
        head: dict[str, Any] = {}
        for change in changes:
            head.update(change.head)
            if change.version is not None:
                document = {**version_document(change.version), "created_at": now}
                transaction.create(
                    self._version_ref(change.name, change.version.version or 0), document
                )
        if first.new_head:
            transaction.create(head_ref, {**head, "created_at": now, "updated_at": now})
        else:
            transaction.update(head_ref, {**head, "updated_at": now})
        for change, fact in zip(changes, facts, strict=True):
            if change.history is not None:
                history = head_ref.collection(LABEL_HISTORY).document()
                transaction.create(history, {**change.history, "at": now})
            entry = audit_entry(
                actor, change.action, change.target, before=change.before, after=change.after
            )
            audit_log.record(self.client, self._settings, transaction, entry, facts=fact)

    def _head_in(self, transaction: Transaction, name: str) -> dict[str, Any] | None:
        snapshot = self._head_ref(name).get(transaction=transaction, **call_options())
        return snapshot.to_dict() if snapshot.exists else None

    def _version_in(
        self, transaction: Transaction, name: str, version: int
    ) -> dict[str, Any] | None:
        snapshot = self._version_ref(name, version).get(transaction=transaction, **call_options())
        return snapshot.to_dict() if snapshot.exists else None

    def _moves_to(
        self, transaction: Transaction, name: str, label: str, version: int
    ) -> list[dict[str, Any]]:
        """The latest move of `label` to `version` (what `rules.rollback_target` needs)."""
        from google.cloud import firestore
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self._head_ref(name)
            .collection(LABEL_HISTORY)
            .where(filter=FieldFilter("label", "==", label))
            .where(filter=FieldFilter("to_version", "==", version))
            .where(filter=FieldFilter("kind", "==", "move"))
            .order_by("revision", direction=firestore.Query.DESCENDING)
            .limit(1)
        )
        return [s.to_dict() or {} for s in transaction.get(query, **call_options())]


def version_document(template: PromptTemplate) -> dict[str, Any]:
    document = template.model_dump(mode="json", exclude={"created_at"}, exclude_none=True)
    document["content_hash"] = template.content_hash
    return document


def _stored_template(document: dict[str, Any]) -> PromptTemplate:
    return PromptTemplate.model_validate(
        {k: v for k, v in document.items() if k not in _STORED_ONLY}
    )


def _version_from_document(data: dict[str, Any]) -> PromptTemplate:
    stored_hash = data.get("content_hash")
    try:
        template = _stored_template(data)
    except ValidationError as exc:
        # A stored version that no longer validates is a data problem, not a caller's:
        # treat it like an unavailable store so resolution falls back instead of failing.
        raise StoreUnavailable("stored template version does not validate") from exc
    if stored_hash and stored_hash != template.content_hash:
        logger.error(
            "stored template version content hash mismatch",
            extra={"json_fields": {"template": template.name, "version": template.version}},
        )
    return template
