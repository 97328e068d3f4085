"""A guardrail's configuration, as stored in `guardrails/{name}` and validated everywhere.

Types are the seed's three; each returns a score in 0..1 and fires at `threshold`. `action`
says what firing does, `surfaces` where it applies, `fail_mode` what happens when the check
itself errors (`open`: let the request through and log; `closed`: treat as fired).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.templates.model import TemplateName

GuardrailType = Literal["pii_detection", "toxic_content_filter", "prompt_injection_guard"]
Action = Literal["block", "warn", "redact", "log"]
Surface = Literal["input_variables", "rendered_prompt", "response"]


class Guardrail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: TemplateName
    type: GuardrailType
    description: str = Field("", max_length=2000)
    threshold: float = Field(ge=0.0, le=1.0)
    action: Action
    surfaces: list[Surface] = Field(min_length=1, max_length=3)
    active: bool = True
    fail_mode: Literal["open", "closed"] = "open"
    config: dict[str, Any] = Field(default_factory=dict)
