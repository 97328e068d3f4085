"""Langfuse's prompt shapes mapped onto our model, both ways (pure; no I/O).

Langfuse                         ours (PromptTemplate / template head)
type "text", prompt: str         template
type "chat", prompt: [...]       messages ({role, content}; a placeholder is role
                                 `placeholder` with its name as content)
config                           model_config (ModelConfig: the same keys, validated)
labels                           head labels pointing at the version, plus `latest`
tags                             tags (version metadata, inherited by new versions)
commitMessage                    commit_message
resolutionGraph                  what composition included
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import FieldError, ValidationFailed
from shared.templates.model import (
    LATEST_LABEL,
    PLACEHOLDER_ROLE,
    RESERVED_LABELS,
    ChatMessage,
    ModelConfig,
    PromptTemplate,
    Tag,
    TemplateName,
    check_label,
)
from shared.validation import field_errors

PromptType = Literal["text", "chat"]


class LangfuseMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["chatmessage", "placeholder"] | None = None
    role: str | None = None
    content: str | None = None
    name: str | None = None


class CreatePrompt(BaseModel):
    """`POST /api/public/v2/prompts`: every optional field may be sent as null."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    name: TemplateName
    prompt: str | list[LangfuseMessage]
    type: PromptType | None = None
    labels: list[str] | None = Field(None, max_length=20)
    tags: list[Tag] | None = Field(None, max_length=50)
    config: dict[str, Any] | None = None
    commit_message: str | None = Field(None, alias="commitMessage", max_length=1000)

    @property
    def prompt_type(self) -> PromptType:
        return self.type or ("text" if isinstance(self.prompt, str) else "chat")

    def content(self, parent: PromptTemplate | None) -> PromptTemplate:
        """The version to store; tags sent as null or omitted are the parent's."""
        kind = self.prompt_type
        if (kind == "text") != isinstance(self.prompt, str):
            raise ValidationFailed(
                f"a {kind} prompt's 'prompt' must be "
                + ("a string" if kind == "text" else "a list of messages"),
                errors=[FieldError("body.prompt", f"does not fit type '{kind}'")],
            )
        data: dict[str, Any] = {"name": self.name}
        if isinstance(self.prompt, str):
            data["template"] = self.prompt
        else:
            data["messages"] = [_message(m, i) for i, m in enumerate(self.prompt)]
        if self.config is not None:
            data["model_config"] = self.config
        tags = self.tags if self.tags is not None else (parent.tags if parent else [])
        data["tags"] = list(dict.fromkeys(tags))
        if parent is not None:
            data["description"] = parent.description
        try:
            return PromptTemplate.model_validate(data)
        except ValidationError as exc:
            errors = [
                FieldError(e.field.replace("model_config", "config"), e.message)
                for e in field_errors(exc, prefix="body")
            ]
            raise ValidationFailed(
                "invalid prompt: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
                errors=errors,
            ) from exc

    def new_labels(self) -> list[str]:
        return check_new_labels(self.labels or [], field="body.labels")


class UpdateLabels(BaseModel):
    """`PATCH /api/public/v2/prompts/{name}/versions/{n}`."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    new_labels: list[str] = Field(alias="newLabels", max_length=20)


def check_new_labels(labels: list[str], *, field: str) -> list[str]:
    """Labels to move, each a valid label (the one label rule) and none reserved; once each."""
    for label in labels:
        check_label(label, field=field)
    reserved = [label for label in labels if label in RESERVED_LABELS]
    if reserved:
        raise ValidationFailed(
            f"label '{reserved[0]}' is reserved: it is always on the newest version",
            errors=[FieldError(field, f"'{reserved[0]}' is reserved")],
        )
    return list(dict.fromkeys(labels))


def _message(message: LangfuseMessage, index: int) -> dict[str, str]:
    where = f"body.prompt[{index}]"
    if message.type == "placeholder":
        if not message.name:
            raise ValidationFailed(
                "a placeholder message needs a name",
                errors=[FieldError(where + ".name", "required")],
            )
        return {"role": PLACEHOLDER_ROLE, "content": message.name}
    if message.role is None or message.content is None or message.role == PLACEHOLDER_ROLE:
        raise ValidationFailed(
            "a chat message needs a role and a content",
            errors=[FieldError(where, "needs role (system, user, assistant) and content")],
        )
    return {"role": message.role, "content": message.content}


def prompt_type(template: PromptTemplate) -> PromptType:
    return "text" if template.template is not None else "chat"


def prompt_body(template: PromptTemplate) -> str | list[dict[str, str]]:
    if template.template is not None:
        return template.template
    return [_langfuse_message(m) for m in template.messages or []]


def _langfuse_message(message: ChatMessage) -> dict[str, str]:
    if message.role == PLACEHOLDER_ROLE:
        return {"type": "placeholder", "name": message.content}
    return {"type": "chatmessage", "role": message.role, "content": message.content}


def config(template: PromptTemplate) -> dict[str, Any]:
    return template.generation.model_dump(mode="json")


def prompt_answer(
    template: PromptTemplate, *, labels: list[str], graph: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": f"{template.name}@{template.version}",
        "type": prompt_type(template),
        "name": template.name,
        "version": template.version or 1,
        "prompt": prompt_body(template),
        "config": config(template),
        "labels": labels,
        "tags": list(template.tags),
        "commitMessage": template.commit_message or None,
        "resolutionGraph": graph,
    }


def meta_answer(head: dict[str, Any], latest: PromptTemplate | None) -> dict[str, Any]:
    """One row of the list: the prompt as of its newest version."""
    latest_version = int(head.get("latest_version", 0))
    labels = {str(k): int(v) for k, v in (head.get("labels") or {}).items()}
    updated = head.get("updated_at")
    return {
        "name": head["name"],
        "type": prompt_type(latest) if latest else "text",
        "versions": list(range(1, latest_version + 1)),
        "labels": sorted({*labels, LATEST_LABEL}) if latest_version else sorted(labels),
        "tags": list(latest.tags) if latest else [],
        "lastUpdatedAt": updated.isoformat() if isinstance(updated, datetime) else None,
        "lastConfig": config(latest) if latest else None,
    }


# Keep ModelConfig's keys the documented vocabulary of `config`.
CONFIG_KEYS = tuple(ModelConfig.model_fields)
