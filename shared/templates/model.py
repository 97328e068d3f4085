"""What a prompt template is: text or chat messages, model configuration, declared variables.

A `PromptTemplate` is the content of one immutable version (plus its version metadata when it
came from Firestore). The same model validates admin input, the `CUSTOM_TEMPLATES_JSON`
override and the bundled defaults, so there is one definition of "a valid template".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.errors import FieldError, ValidationFailed
from shared.rendering import placeholder_names, to_format_string

# A name may sit in folders (`team/support/greeting`, as Langfuse names them); each segment
# starts with a letter or digit, so no segment is `.` or `..`. Firestore ids hold no `/`: the
# repository maps a name onto its document id (`shared.storage.templates.document_id`).
TEMPLATE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$"
TEMPLATE_NAME_MAX = 128
# Names that are Firestore document ids as they are (guardrails): one segment.
SIMPLE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
LABEL_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
VARIABLE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
DEFAULT_LABEL = "production"
# Always on the newest version: resolvable like a label, never moved or removed by hand.
LATEST_LABEL = "latest"
RESERVED_LABELS = frozenset({LATEST_LABEL})
MAX_TEMPLATE_CHARS = 200_000
# What starts a composition include tag (`shared.templates.composition`).
INCLUDE_MARKER = "@@@langfusePrompt:"

_TEMPLATE_NAME = re.compile(TEMPLATE_NAME_PATTERN)
_SIMPLE_NAME = re.compile(SIMPLE_NAME_PATTERN)
_LABEL = re.compile(LABEL_PATTERN)

TemplateName = Annotated[str, Field(pattern=TEMPLATE_NAME_PATTERN, max_length=TEMPLATE_NAME_MAX)]
SimpleName = Annotated[str, Field(pattern=SIMPLE_NAME_PATTERN)]
Tag = Annotated[str, Field(min_length=1, max_length=64)]
VariableName = Annotated[str, Field(pattern=VARIABLE_PATTERN)]


def check_template_name(name: str, *, field: str = "name") -> str:
    """1-128 of `A-Z a-z 0-9 _ . -` in `/`-separated segments, none starting with punctuation
    (which also excludes Firestore's reserved `__x__` and `.`/`..` ids)."""
    if len(name) > TEMPLATE_NAME_MAX or not _TEMPLATE_NAME.fullmatch(name):
        raise ValidationFailed(
            "invalid template name",
            errors=[
                FieldError(
                    field, f"must match {TEMPLATE_NAME_PATTERN}, {TEMPLATE_NAME_MAX} at most"
                )
            ],
        )
    return name


def check_simple_name(name: str, *, field: str = "name") -> str:
    if not _SIMPLE_NAME.fullmatch(name):
        raise ValidationFailed(
            "invalid name", errors=[FieldError(field, f"must match {SIMPLE_NAME_PATTERN}")]
        )
    return name


def check_label(label: str, *, field: str = "label") -> str:
    if not _LABEL.fullmatch(label):
        raise ValidationFailed(
            "invalid label", errors=[FieldError(field, f"must match {LABEL_PATTERN}")]
        )
    return label


def version_labels(labels: Mapping[str, int], version: int, latest_version: int) -> tuple[str, ...]:
    """Every label a head's `labels` map points at `version`, sorted, then `latest` when it
    is the newest: what Langfuse answers as a version's `labels`."""
    held = sorted(label for label, number in labels.items() if number == version)
    return (*held, LATEST_LABEL) if version == latest_version else tuple(held)


PLACEHOLDER_ROLE = "placeholder"


class ChatMessage(BaseModel):
    """One chat message. Role `placeholder` marks where a list of messages the caller passes
    at render time goes (Langfuse's `{"type": "placeholder", "name": ...}`); its `content` is
    the placeholder's name, a variable name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant", "placeholder"]
    content: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)

    @model_validator(mode="after")
    def _check_placeholder(self) -> ChatMessage:
        if self.role == PLACEHOLDER_ROLE and not re.fullmatch(VARIABLE_PATTERN, self.content):
            raise ValueError(
                f"a placeholder's content is its name and must match {VARIABLE_PATTERN}"
            )
        return self


class ModelConfig(BaseModel):
    """Generation settings handed to the model (Gemini names; other providers map 1:1).

    JSON types as sent: a string is no number and `true` is no integer; an integer is
    accepted where a float is expected."""

    # Lax mode turned "0.3" into 0.3 and `true` into top_k 1, contradicting the strict JSON
    # types the API promises; strict mode still takes ints for floats.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    model_name: str = Field("gemini-2.5-flash", min_length=1, max_length=128)
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    max_output_tokens: int = Field(2048, ge=1, le=65_536)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=1, le=1000)
    stop_sequences: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, max_length=5
    )
    response_mime_type: Literal["text/plain", "application/json"] = "text/plain"


class PromptTemplate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    name: TemplateName
    description: str = Field("", max_length=2000)
    template: str | None = Field(None, min_length=1, max_length=MAX_TEMPLATE_CHARS)
    messages: list[ChatMessage] | None = Field(None, min_length=1, max_length=100)
    generation: ModelConfig = Field(default_factory=ModelConfig, alias="model_config")
    variables: list[VariableName] = Field(default_factory=list, max_length=200)
    # Version metadata: present on versions read from Firestore, absent on env/default ones.
    version: int | None = Field(None, ge=1)
    author: str | None = None
    commit_message: str | None = None
    # Version metadata like the commit message: not part of the content hash.
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    parent_version: int | None = None
    created_at: datetime | None = None

    @model_validator(mode="after")
    def _check_body_and_variables(self) -> PromptTemplate:
        if (self.template is None) == (self.messages is None):
            raise ValueError("exactly one of 'template' (text) or 'messages' (chat) is required")
        used = self.placeholders()
        if not self.variables:
            # Declaring variables is optional; undeclared means "whatever the text uses".
            object.__setattr__(self, "variables", used)
        else:
            undeclared = [name for name in used if name not in self.variables]
            if undeclared:
                raise ValueError(f"placeholders not declared in 'variables': {undeclared}")
        return self

    def texts(self) -> list[str]:
        if self.template is not None:
            return [self.template]
        return [m.content for m in self.messages or [] if m.role != PLACEHOLDER_ROLE]

    def placeholders(self) -> list[str]:
        seen: dict[str, None] = {}
        for text in self.texts():
            for name in placeholder_names(text):
                seen.setdefault(name, None)
        return list(seen)

    def content(self) -> dict[str, Any]:
        """What makes two versions the same prompt (metadata excluded)."""
        return self.model_dump(
            mode="json",
            include={"description", "template", "messages", "generation", "variables"},
        )

    # Immutable model, so derived values are computed once per instance: the resolve hot path
    # would otherwise re-hash and re-serialize the same template on every cache hit.
    @cached_property
    def content_hash(self) -> str:
        canonical = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    @cached_property
    def includes_prompts(self) -> bool:
        """Whether a text holds an include tag (`shared.templates.composition`)."""
        return any(INCLUDE_MARKER in text for text in self.texts())

    @cached_property
    def public_json_members(self) -> str:
        """The template's part of an API answer, as JSON object members (no braces)."""
        fields: dict[str, Any] = {
            "description": self.description,
            "model_config": self.generation.model_dump(mode="json"),
            "variables": list(self.variables),
            "content_hash": self.content_hash,
        }
        if self.template is not None:
            fields["template"] = self.template
        else:
            fields["messages"] = [m.model_dump() for m in self.messages or []]
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[1:-1]

    def to_legacy_dict(self) -> dict[str, Any]:
        """The dict the seed's `get_template()` returned, `template` in `str.format` syntax."""
        legacy: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            **self.generation.model_dump(mode="json"),
            "variables": list(self.variables),
            "version": self.version,
        }
        if self.template is not None:
            legacy["template"] = to_format_string(self.template)
        else:
            legacy["messages"] = [
                {"role": m.role, "content": to_format_string(m.content)}
                for m in self.messages or []
            ]
        return legacy

    @classmethod
    def from_legacy_dict(cls, name: str, data: dict[str, Any]) -> PromptTemplate:
        """Accept the seed's flat shape (`model_name`, `temperature`, ... beside `template`)."""
        generation_keys = set(ModelConfig.model_fields)
        flat = {k: v for k, v in data.items() if k not in generation_keys}
        generation = {k: v for k, v in data.items() if k in generation_keys}
        flat.setdefault("name", name)
        if flat["name"] != name:
            raise ValueError(f"'name' is {flat['name']!r} but the key is {name!r}")
        if generation:
            if "model_config" in flat:
                raise ValueError("give model settings flat or in 'model_config', not both")
            flat["model_config"] = generation
        return cls.model_validate(flat)
