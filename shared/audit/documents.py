"""What an admin service needs of a collection of audited configuration documents
(guardrails, experiments): read, list by id, and writes that each commit with their audit
entry and bump `update_count` (the revision behind ETags). Firestore's implementation is
`shared.storage.documents.AuditedDocuments`, wired by `shared.bootstrap.admin`; the admin
services only see this Protocol, so tests may hand them an in-memory collection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from shared.audit.model import Actor

# `change(current) -> fields to set`; it may refuse with an AppError (a 409, a 422).
Change = Callable[[dict[str, Any]], dict[str, Any]]


class AuditedCollection(Protocol):
    def get(self, doc_id: str) -> dict[str, Any] | None: ...
    def list(self, *, after: str | None, limit: int) -> list[dict[str, Any]]: ...
    def create(self, doc_id: str, data: dict[str, Any], *, actor: Actor) -> dict[str, Any]: ...
    def update(
        self, doc_id: str, change: Change, *, actor: Actor, if_match: int | None, action: str
    ) -> dict[str, Any]: ...
    def delete(
        self,
        doc_id: str,
        *,
        actor: Actor,
        if_match: int | None,
        guard: Callable[[dict[str, Any]], None],
    ) -> None: ...
