"""Request and answer models of the templates admin API (they also generate its OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import ValidationFailed
from shared.templates.model import ChatMessage, ModelConfig, PromptTemplate, TemplateName
from shared.validation import field_errors

STRICT = ConfigDict(extra="forbid", strict=True, populate_by_name=True, serialize_by_alias=True)


class TemplateContent(BaseModel):
    """A new version's content; everything else (number, author, hash) is assigned."""

    model_config = STRICT

    description: str = Field("", max_length=2000)
    template: str | None = Field(None, min_length=1, max_length=200_000)
    messages: list[ChatMessage] | None = Field(None, min_length=1, max_length=100)
    generation: ModelConfig = Field(default_factory=ModelConfig, alias="model_config")
    variables: list[str] = Field(default_factory=list, max_length=200)
    commit_message: str = Field("", max_length=1000)

    def to_template(self, name: str) -> PromptTemplate:
        data = self.model_dump(by_alias=True, exclude={"commit_message"})
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
