"""A guardrail's configuration, as stored in `guardrails/{name}` and validated everywhere.

Types are the seed's three; each returns a score in 0..1 and fires at `threshold`. `action`
says what firing does, `surfaces` where it applies, `fail_mode` what happens when the check
itself errors (`open`: let the request through and log; `closed`: treat as fired).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.templates.model import SimpleName

GuardrailType = Literal["pii_detection", "toxic_content_filter", "prompt_injection_guard"]
Action = Literal["block", "warn", "redact", "log"]
Surface = Literal["input_variables", "rendered_prompt", "response"]


PiiEntity = Literal["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS", "SECRET"]


class PiiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[PiiEntity] = Field(
        default_factory=lambda: list(get_args(PiiEntity)), min_length=1
    )
    phone_regions: list[str] = Field(default_factory=list, max_length=50)
    context_words: bool = True


class ToxicConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extra_terms: list[str] = Field(default_factory=list, max_length=1000)
    allow_terms: list[str] = Field(default_factory=list, max_length=1000)


class InjectionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    canary_tokens: list[str] = Field(default_factory=list, max_length=20)
    decode_payloads: bool = True
    # The learned score (injection_model.py) beside the rules; off leaves the rules alone.
    model: bool = True


CONFIG_MODELS: dict[str, type[BaseModel]] = {
    "pii_detection": PiiConfig,
    "toxic_content_filter": ToxicConfig,
    "prompt_injection_guard": InjectionConfig,
}


class GuardrailFields(BaseModel):
    """Everything about a guardrail but its name (what `PUT guardrails/{name}` replaces)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: GuardrailType
    description: str = Field("", max_length=2000)
    threshold: float = Field(ge=0.0, le=1.0)
    action: Action
    surfaces: list[Surface] = Field(min_length=1, max_length=3)
    active: bool = True
    fail_mode: Literal["open", "closed"] = "open"
    config: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _config_fits_the_type(self) -> GuardrailFields:
        """Each type has its own configuration shape; unknown keys are refused."""
        CONFIG_MODELS[self.type].model_validate(self.config)
        if len(set(self.surfaces)) != len(self.surfaces):
            raise ValueError("surfaces must not repeat")
        return self


class Guardrail(GuardrailFields):
    name: SimpleName
