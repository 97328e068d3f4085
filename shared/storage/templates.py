"""Templates in Firestore: `prompts/{name}` head documents and immutable `versions/{n}`.

Head: `name`, `description`, `labels` (label -> version; a map in one document, so a label is
held by at most one version by construction), `latest_version`, `update_count` (optimistic
concurrency), `deleted`, timestamps. Version: the `PromptTemplate` fields plus `content_hash`
and `created_at`; written once with `create()`, never updated.

Reads take a deadline (capped by the request's budget) and raise `StoreUnavailable` on any
store failure, so the resolver can fall back; they retry transient errors only within it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.errors import StoreUnavailable
from shared.storage.firestore import FirestoreRepository, call_options
from shared.templates.model import PromptTemplate

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction

logger = logging.getLogger(__name__)

VERSIONS = "versions"
_STORED_ONLY = ("content_hash",)


@dataclass(frozen=True)
class TemplateHead:
    name: str
    labels: dict[str, int] = field(default_factory=dict)
    latest_version: int = 0
    update_count: int = 0
    deleted: bool = False


class FirestoreTemplateStore(FirestoreRepository):
    def _head_ref(self, name: str) -> DocumentReference:
        return self.client.collection(self._settings.prompts_collection).document(name)

    def _version_ref(self, name: str, version: int) -> DocumentReference:
        return self._head_ref(name).collection(VERSIONS).document(str(version))

    # Reads on the resolution hot path -------------------------------------------------

    def read_head(self, name: str, *, timeout: float) -> TemplateHead | None:
        data = self._read_document(lambda: self._head_ref(name), timeout)
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
        data = self._read_document(lambda: self._version_ref(name, version), timeout)
        return None if data is None else _version_from_document(data)

    def _read_document(
        self, ref: Callable[[], DocumentReference], timeout: float
    ) -> dict[str, Any] | None:
        def fetch(options: dict[str, Any]) -> dict[str, Any] | None:
            snapshot = ref().get(**options)
            return snapshot.to_dict() if snapshot.exists else None

        return self.read_with_deadline(fetch, timeout=timeout)

    # Writes (admin and seeding); transactional ----------------------------------------

    def create_version(
        self,
        template: PromptTemplate,
        *,
        author: str,
        commit_message: str = "",
        labels: tuple[str, ...] = (),
        only_if_new: bool = False,
    ) -> PromptTemplate | None:
        """Append version n+1 (version 1 creates the head) and point `labels` at it.

        `only_if_new` (seeding): create version 1 only if the template does not exist yet,
        atomically; returns None, writing nothing, when it does.
        """
        from google.cloud import firestore

        head_ref = self._head_ref(template.name)

        def append(transaction: Transaction) -> PromptTemplate | None:
            snapshot = head_ref.get(transaction=transaction, **call_options())
            head = snapshot.to_dict() if snapshot.exists else None
            if only_if_new and head is not None:
                return None
            number = int(head["latest_version"]) + 1 if head else 1
            stored = template.model_copy(
                update={
                    "version": number,
                    "author": author,
                    "commit_message": commit_message,
                    "parent_version": number - 1 if number > 1 else None,
                }
            )
            document = version_document(stored)
            document["created_at"] = firestore.SERVER_TIMESTAMP
            transaction.create(self._version_ref(template.name, number), document)
            head_update: dict[str, Any] = {
                "name": template.name,
                "description": template.description,
                "latest_version": number,
                "update_count": (int(head["update_count"]) if head else 0) + 1,
                "updated_at": firestore.SERVER_TIMESTAMP,
                "deleted": False,
                "labels": {**((head or {}).get("labels") or {}), **dict.fromkeys(labels, number)},
            }
            if head is None:
                head_update["created_at"] = firestore.SERVER_TIMESTAMP
            transaction.set(head_ref, head_update, merge=True)
            return stored

        return self.transact(append, key=head_ref.path)

    def delete_if_untouched(self, name: str, *, author: str) -> str | None:
        """Remove a template that is exactly as `author` (a seeding migration) created it:
        one version, by that author, `production` on it, no other change. Returns None when
        removed, else why it was kept. Anything an admin touched is never deleted."""

        head_ref = self._head_ref(name)
        version_ref = self._version_ref(name, 1)

        def remove(transaction: Transaction) -> str | None:
            head_snapshot = head_ref.get(transaction=transaction, **call_options())
            if not head_snapshot.exists:
                return "absent"
            head = head_snapshot.to_dict() or {}
            version = version_ref.get(transaction=transaction, **call_options()).to_dict() or {}
            reason = _why_touched(head, version, author)
            if reason is None:
                transaction.delete(version_ref)
                transaction.delete(head_ref)
            return reason

        return self.transact(remove, key=head_ref.path)


def _why_touched(head: dict[str, Any], version: dict[str, Any], author: str) -> str | None:
    if version.get("author") != author:
        return f"version 1 was not created by {author}"
    if int(head.get("latest_version", 0)) != 1:
        return f"an admin added versions (latest is {head.get('latest_version')})"
    if (head.get("labels") or {}) != {"production": 1}:
        return f"labels were changed ({head.get('labels')})"
    if int(head.get("update_count", 0)) != 1 or head.get("deleted"):
        return "the template was modified after seeding"
    return None


def version_document(template: PromptTemplate) -> dict[str, Any]:
    document = template.model_dump(mode="json", exclude={"created_at"}, exclude_none=True)
    document["content_hash"] = template.content_hash
    return document


def _version_from_document(data: dict[str, Any]) -> PromptTemplate:
    stored_hash = data.get("content_hash")
    try:
        template = PromptTemplate.model_validate(
            {k: v for k, v in data.items() if k not in _STORED_ONLY}
        )
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
