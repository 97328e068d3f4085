"""Request and answer models of the templates admin API (they also generate its OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import ValidationFailed
from shared.templates.model import ChatMessage, ModelConfig, PromptTemplate, TemplateName
from shared.validation import field_errors

STRICT = ConfigDict(extra="forbid", strict=True, populate_by_name=True, serialize_by_alias=True)


_INHERITS = (
    "On a new version of an existing template, omitted: inherited from the parent version "
    "(the latest one), never reset to a default. "
)


class TemplateContent(BaseModel):
    """A version's content; everything else (number, author, hash) is assigned.

    On a new version of an existing template every field the request omits is inherited from
    the parent version (the latest one, recorded as `parent_version`): `description`, the body
    (`template` or `messages`, with its `variables`, when neither is sent) and each
    `model_config` field on its own. Only a field that is sent changes; `null` is sent."""

    model_config = STRICT

    description: str = Field("", max_length=2000, description=_INHERITS + "On create: empty.")
    template: str | None = Field(
        None,
        min_length=1,
        max_length=200_000,
        description="text body; " + _INHERITS.lower() + "(when `messages` is omitted too)",
    )
    messages: list[ChatMessage] | None = Field(
        None, min_length=1, max_length=100, description="chat body; exclusive with `template`"
    )
    generation: ModelConfig = Field(
        default_factory=ModelConfig,
        alias="model_config",
        description=_INHERITS.replace("omitted", "each omitted field")
        + "On create: the documented defaults.",
    )
    variables: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="declared placeholders; omitted: what the body uses (the parent's when "
        "the body is inherited)",
    )
    commit_message: str = Field("", max_length=1000)

    def to_template(self, name: str) -> PromptTemplate:
        """The content as sent, omitted fields at their defaults (creating version 1)."""
        return _validated(name, self.model_dump(by_alias=True, exclude={"commit_message"}))

    def based_on(self, name: str, parent: PromptTemplate) -> tuple[PromptTemplate, list[str]]:
        """The content completed from `parent`, and the paths of the fields taken from it.

        Pure, so the store can apply it inside the transaction that reads the parent."""
        given = self.model_fields_set
        data = self.model_dump(by_alias=True, exclude={"commit_message"})
        inherited: list[str] = []
        if "description" not in given:
            data["description"] = parent.description
            inherited.append("description")
        if not given & {"template", "messages"}:
            data["template"] = parent.template
            data["messages"] = (
                [m.model_dump() for m in parent.messages] if parent.messages is not None else None
            )
            inherited.append("template" if parent.template is not None else "messages")
            if "variables" not in given:
                data["variables"] = list(parent.variables)
                inherited.append("variables")
        sent = self.generation.model_fields_set if "generation" in given else set()
        generation = dict(data["model_config"])
        for field, value in parent.generation.model_dump().items():
            if field not in sent:
                generation[field] = value
                inherited.append(f"model_config.{field}")
        data["model_config"] = generation
        return _validated(name, data), inherited


def _validated(name: str, data: dict[str, Any]) -> PromptTemplate:
    try:
        return PromptTemplate.model_validate({**data, "name": name})
    except ValidationError as exc:
        errors = field_errors(exc, prefix="body")
        raise ValidationFailed(
            "the template content is invalid: " + "; ".join(e.message for e in errors),
            errors=errors,
        ) from exc


class TemplateCreate(TemplateContent):
    name: TemplateName


class LabelMove(BaseModel):
    model_config = STRICT
    version: int = Field(ge=1)


class Rollback(BaseModel):
    model_config = STRICT
    label: str = "production"


class TemplateOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    description: str = ""
    labels: dict[str, int] = Field(default_factory=dict)
    latest_version: int
    deleted: bool = False
    revision: int = Field(description="update counter; the ETag is its quoted form with 'r'")
    created_at: datetime | None = None
    updated_at: datetime | None = None


class VersionOut(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, serialize_by_alias=True)
    name: str
    version: int
    description: str = ""
    template: str | None = None
    messages: list[ChatMessage] | None = None
    generation: ModelConfig = Field(alias="model_config")
    variables: list[str]
    content_hash: str
    author: str | None = None
    commit_message: str | None = None
    parent_version: int | None = None
    created_at: datetime | None = None


class VersionCreated(VersionOut):
    """The answer to creating a version: the version, and what it took from its parent."""

    inherited: list[str] = Field(
        default_factory=list,
        description="fields the request omitted and this version took from parent_version "
        "(`description`, `template`/`messages`, `variables`, `model_config.<field>`); empty "
        "for version 1",
    )


class LabelHistoryEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: str
    from_version: int | None
    to_version: int | None
    kind: str
    revision: int = Field(description="the template revision this move created; orders history")
    actor: str
    at: datetime | None = None


class LabelOut(BaseModel):
    name: str
    label: str
    version: int | None
    history: list[LabelHistoryEntry]


class LabelMoved(BaseModel):
    name: str
    label: str
    from_version: int | None
    to_version: int | None


class FieldChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    field: str
    old: Any = Field(alias="from")
    new: Any = Field(alias="to")


class DiffOut(BaseModel):
    name: str
    from_version: int
    to_version: int
    text_diff: str
    changes: list[FieldChange]
    identical: bool


class TemplatePage(BaseModel):
    items: list[TemplateOut]
    next_cursor: str | None


class VersionPage(BaseModel):
    items: list[VersionOut]
    next_cursor: str | None


class PreviewRequest(BaseModel):
    """An unsaved draft (text or chat) and sample values to render it with."""

    model_config = STRICT

    template: str | None = Field(None, min_length=1, max_length=200_000)
    messages: list[ChatMessage] | None = Field(None, min_length=1, max_length=100)
    values: dict[str, Any] = Field(
        default_factory=dict, max_length=200, description="sample values of the variables"
    )

    def to_template(self, name: str) -> PromptTemplate:
        return _validated(name, self.model_dump(by_alias=True, exclude={"values"}))


class PreviewOut(BaseModel):
    name: str
    variables: list[str] = Field(description="the placeholders the draft uses, in order")
    rendered: str | None = None
    messages: list[ChatMessage] | None = None
    unused_variables: list[str]
    guardrails: dict[str, Any] = Field(description="{ran, fired}, as a render reports them")
