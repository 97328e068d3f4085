"""Guardrails admin: create, replace, activate/deactivate, delete; validated per type, audited.

`PUT guardrails/{name}` is a full replacement: its body must state every field (`type`,
`description`, `threshold`, `action`, `surfaces`, `active`, `fail_mode`, `config`), and one
that omits any is refused with a 422 naming the missing fields. Nothing is reset to a default
behind the caller's back (an omitted `description` used to be wiped, an omitted `active`
re-activated a deactivated guardrail). `POST guardrails` (create) keeps the documented
defaults for the optional fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.audit.documents import AuditedCollection
from shared.audit.model import Actor
from shared.errors import GuardrailNotFound, ValidationFailed
from shared.guardrails import rules
from shared.guardrails.engine import GuardrailEngine
from shared.guardrails.model import Guardrail, GuardrailFields
from shared.http.pagination import MAX_LIMIT, paginate
from shared.templates.model import check_simple_name
from shared.validation import field_errors


class GuardrailSpec(GuardrailFields):
    """The body of `PUT guardrails/{name}`: every field required (full replacement)."""

    description: str = Field(max_length=2000)
    active: bool
    fail_mode: Literal["open", "closed"]
    config: dict[str, Any]


class GuardrailOut(Guardrail):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=False)
    revision: int
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class GuardrailPage(BaseModel):
    items: list[GuardrailOut]
    next_cursor: str | None


def _out(document: dict[str, Any]) -> GuardrailOut:
    return GuardrailOut.model_validate(
        {**document, "revision": int(document.get("update_count", 0))}
    )


def _validated(name: str, fields: dict[str, Any]) -> Guardrail:
    try:
        return Guardrail.model_validate({**fields, "name": name})
    except ValidationError as exc:
        errors = field_errors(exc, prefix="body")
        raise ValidationFailed(
            "invalid guardrail: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=errors,
        ) from exc


class GuardrailAdminService:
    def __init__(self, documents: AuditedCollection) -> None:
        self._docs = documents

    def list(self, *, cursor: str | None, limit: int) -> GuardrailPage:
        items, next_cursor = paginate(
            lambda after, n: self._docs.list(after=after, limit=n),
            cursor=cursor,
            limit=limit,
            shape=_out,
            key=lambda g: g.name,
        )
        return GuardrailPage(items=items, next_cursor=next_cursor)

    def get(self, name: str) -> GuardrailOut:
        document = self._docs.get(check_simple_name(name))
        if document is None:
            raise GuardrailNotFound(name)
        return _out(document)

    def create(self, guardrail: Guardrail, *, actor: Actor) -> GuardrailOut:
        return _out(
            self._docs.create(guardrail.name, guardrail.model_dump(mode="json"), actor=actor)
        )

    def replace(
        self, name: str, spec: GuardrailSpec, *, actor: Actor, if_match: int | None
    ) -> GuardrailOut:
        guardrail = _validated(check_simple_name(name), spec.model_dump(mode="json"))
        fields = guardrail.model_dump(mode="json", exclude={"name"})
        return _out(
            self._docs.update(
                name, lambda _current: fields, actor=actor, if_match=if_match, action="replace"
            )
        )

    def set_active(
        self, name: str, active: bool, *, actor: Actor, if_match: int | None
    ) -> GuardrailOut:
        check_simple_name(name)
        action = "activate" if active else "deactivate"
        return _out(
            self._docs.update(
                name,
                lambda current: rules.activation(current, active),
                actor=actor,
                if_match=if_match,
                action=action,
            )
        )

    def engine(self, only: Sequence[str] | None = None) -> GuardrailEngine:
        """Every active guardrail, as a render runs them; or the named ones, active or not,
        so an operator can try a guardrail before activating it."""
        if only is not None:
            return GuardrailEngine(
                self.get(name).model_copy(update={"active": True}) for name in only
            )
        everything: tuple[Guardrail, ...] = ()
        cursor: str | None = None
        while True:
            page = self.list(cursor=cursor, limit=MAX_LIMIT)
            everything += tuple(page.items)
            if page.next_cursor is None:
                return GuardrailEngine(everything)
            cursor = page.next_cursor

    def delete(self, name: str, *, actor: Actor, if_match: int | None) -> None:
        self._docs.delete(
            check_simple_name(name), actor=actor, if_match=if_match, guard=lambda _c: None
        )


class ScanRequest(BaseModel):
    """`POST guardrails/scan`: a text to try the guardrails on (nothing is stored)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1)
    guardrails: list[str] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="only these, active or not; omitted: every active guardrail",
    )


class ScanOut(BaseModel):
    checks: list[dict[str, Any]] = Field(
        description="one per guardrail, the fields `python -m shared.guardrails scan` prints"
    )
