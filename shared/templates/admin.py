"""Templates admin: immutable versions plus movable labels, every write audited.

Identical content is a 409 (`conflict`, naming the existing version), not a silent no-op, so
a pipeline that "updates" a template learns that nothing was created.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from shared.audit.model import Actor
from shared.errors import TemplateNotFound, VersionNotFound
from shared.http.pagination import paginate
from shared.templates.admin_models import (
    DiffOut,
    LabelHistoryEntry,
    LabelMove,
    LabelMoved,
    LabelOut,
    Rollback,
    TemplateContent,
    TemplateCreate,
    TemplateOut,
    TemplatePage,
    VersionCreated,
    VersionOut,
    VersionPage,
)
from shared.templates.diff import diff_versions
from shared.templates.model import DEFAULT_LABEL, PromptTemplate, check_label, check_template_name

# Asked before a delete: returns why the template must not be deleted (a running experiment
# uses it), or None. The experiments domain provides it.
DeleteBlocker = Callable[[str], str | None]


class TemplateStore(Protocol):
    """What the admin reads and writes of templates: heads, immutable versions, label moves,
    each write one transaction with its audit entry (`storage.templates.TemplateRepository`
    in production, wired by `shared.bootstrap.admin`)."""

    def head(self, name: str) -> dict[str, Any] | None: ...
    def version(self, name: str, version: int) -> dict[str, Any] | None: ...
    def heads(self, *, after: str | None, limit: int) -> list[dict[str, Any]]: ...
    def versions(self, name: str, *, before: int | None, limit: int) -> list[dict[str, Any]]: ...
    def label_history(self, name: str, label: str, *, limit: int) -> list[dict[str, Any]]: ...
    def create(
        self, template: PromptTemplate, *, actor: Actor, commit_message: str
    ) -> PromptTemplate: ...
    def add_version(
        self,
        name: str,
        build: Callable[[PromptTemplate], PromptTemplate],
        *,
        actor: Actor,
        commit_message: str,
        if_match: int | None,
    ) -> PromptTemplate: ...
    def move_label(
        self, name: str, label: str, version: int, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]: ...
    def publish(
        self,
        name: str,
        build: Callable[[PromptTemplate | None], PromptTemplate],
        *,
        labels: Sequence[str],
        actor: Actor,
        commit_message: str,
        if_match: int | None,
    ) -> int: ...
    def move_labels(
        self, name: str, labels: Sequence[str], version: int, *, actor: Actor, if_match: int | None
    ) -> None: ...
    def remove_label(
        self, name: str, label: str, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]: ...
    def rollback(
        self, name: str, label: str, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]: ...
    def delete(
        self, name: str, *, actor: Actor, if_match: int | None, blocker: str | None
    ) -> None: ...
    def restore(self, name: str, *, actor: Actor) -> None: ...


def _template_out(head: dict[str, Any]) -> TemplateOut:
    return TemplateOut.model_validate({**head, "revision": int(head.get("update_count", 0))})


class TemplateAdminService:
    def __init__(
        self, store: TemplateStore, *, delete_blocker: DeleteBlocker | None = None
    ) -> None:
        self._store = store
        self._delete_blocker = delete_blocker or (lambda _name: None)

    def _head(self, name: str) -> dict[str, Any]:
        head = self._store.head(check_template_name(name))
        if head is None:
            raise TemplateNotFound(name)
        return head

    def _version(self, name: str, version: int) -> PromptTemplate:
        data = self._store.version(check_template_name(name), version)
        if data is None:
            self._head(name)  # 404 for the template first, if that is what is missing
            raise VersionNotFound(name, version)
        return PromptTemplate.model_validate({k: v for k, v in data.items() if k != "content_hash"})

    # Reads ------------------------------------------------------------------------------

    def list(self, *, cursor: str | None, limit: int) -> TemplatePage:
        items, next_cursor = paginate(
            lambda after, n: self._store.heads(after=after, limit=n),
            cursor=cursor,
            limit=limit,
            shape=_template_out,
            key=lambda t: t.name,
        )
        return TemplatePage(items=items, next_cursor=next_cursor)

    def get(self, name: str) -> TemplateOut:
        return _template_out(self._head(name))

    def versions(self, name: str, *, cursor: str | None, limit: int) -> VersionPage:
        self._head(name)
        items, next_cursor = paginate(  # newest first: the cursor is the last version shown
            lambda before, n: self._store.versions(name, before=before, limit=n),
            cursor=cursor,
            limit=limit,
            shape=VersionOut.model_validate,
            key=lambda v: v.version,
            kind=int,
        )
        return VersionPage(items=items, next_cursor=next_cursor)

    def version(self, name: str, version: int) -> VersionOut:
        template = self._version(name, version)
        return VersionOut.model_validate(
            {**template.model_dump(by_alias=True), "content_hash": template.content_hash}
        )

    def label(self, name: str, label: str) -> LabelOut:
        head = self._head(name)
        check_label(label)
        history = self._store.label_history(name, label, limit=50)
        return LabelOut(
            name=name,
            label=label,
            version=(head.get("labels") or {}).get(label),
            history=[LabelHistoryEntry.model_validate(entry) for entry in history],
        )

    def diff(self, name: str, old: int, new: int) -> DiffOut:
        return DiffOut.model_validate(
            diff_versions(self._version(name, old), self._version(name, new))
        )

    # Writes -----------------------------------------------------------------------------

    def create(self, body: TemplateCreate, *, actor: Actor) -> VersionCreated:
        template = body.to_template(body.name)
        stored = self._store.create(template, actor=actor, commit_message=body.commit_message)
        return VersionCreated.model_validate(self.version(stored.name, 1).model_dump())

    def add_version(
        self, name: str, body: TemplateContent, *, actor: Actor, if_match: int | None
    ) -> VersionCreated:
        """Version n+1: what the body omits is inherited from version n, never reset to a
        default, and the answer lists what was inherited."""
        check_template_name(name)
        inherited: list[str] = []

        def build(parent: PromptTemplate) -> PromptTemplate:
            template, taken = body.based_on(name, parent)
            inherited[:] = taken  # a retried transaction rebuilds: keep the committed attempt's
            return template

        stored = self._store.add_version(
            name, build, actor=actor, commit_message=body.commit_message, if_match=if_match
        )
        created = self.version(name, stored.version or 0).model_dump()
        return VersionCreated.model_validate({**created, "inherited": inherited})

    def move_label(
        self, name: str, label: str, body: LabelMove, *, actor: Actor, if_match: int | None
    ) -> LabelMoved:
        check_template_name(name)
        check_label(label)
        old, new = self._store.move_label(name, label, body.version, actor=actor, if_match=if_match)
        return LabelMoved(name=name, label=label, from_version=old, to_version=new)

    def remove_label(
        self, name: str, label: str, *, actor: Actor, if_match: int | None
    ) -> LabelMoved:
        check_template_name(name)
        check_label(label)
        old, new = self._store.remove_label(name, label, actor=actor, if_match=if_match)
        return LabelMoved(name=name, label=label, from_version=old, to_version=new)

    def activate(
        self, name: str, body: LabelMove, *, actor: Actor, if_match: int | None
    ) -> LabelMoved:
        """The seed's word: make `version` the production version."""
        return self.move_label(name, DEFAULT_LABEL, body, actor=actor, if_match=if_match)

    def rollback(
        self, name: str, body: Rollback, *, actor: Actor, if_match: int | None
    ) -> LabelMoved:
        check_template_name(name)
        check_label(body.label)
        old, new = self._store.rollback(name, body.label, actor=actor, if_match=if_match)
        return LabelMoved(name=name, label=body.label, from_version=old, to_version=new)

    def delete(self, name: str, *, actor: Actor, if_match: int | None) -> None:
        check_template_name(name)
        self._store.delete(name, actor=actor, if_match=if_match, blocker=self._delete_blocker(name))

    def restore(self, name: str, *, actor: Actor) -> TemplateOut:
        check_template_name(name)
        self._store.restore(name, actor=actor)
        return self.get(name)
