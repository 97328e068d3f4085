"""A guardrail's configuration, as stored in `guardrails/{name}` and validated everywhere.

Types are the seed's three; each returns a score in 0..1 and fires at `threshold`. `action`
says what firing does, `surfaces` where it applies, `fail_mode` what happens when the check
itself errors (`open`: let the request through and log; `closed`: treat as fired).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.templates.model import SimpleName

GuardrailType = Literal["pii_detection", "toxic_content_filter", "prompt_injection_guard"]
Action = Literal["block", "warn", "redact", "log"]
Surface = Literal["input_variables", "rendered_prompt", "response"]


PiiEntity = Literal["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS", "SECRET"]
# One finding type per national identifier (shared/guardrails/national_ids.py); `NATIONAL_ID`
# in `entities` stands for all those the configured regions issue.
NationalIdType = Literal[
    "US_SSN", "UK_NINO", "DE_TAX_ID", "FR_NIR", "ES_DNI", "ES_NIE", "IT_FISCAL_CODE", "NL_BSN",
    "BR_CPF", "BR_CNPJ", "IN_AADHAAR", "IN_PAN", "CA_SIN",
]  # fmt: skip
DEFAULT_REGIONS = ("US",)


def _known_region(code: str) -> str:
    import phonenumbers

    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 region code libphonenumber knows")
    return code


Region = Annotated[str, Field(pattern=r"^[A-Z]{2}$"), AfterValidator(_known_region)]


class PiiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[PiiEntity | NationalIdType] = Field(
        default_factory=lambda: list(get_args(PiiEntity)), min_length=1
    )
    # The regions a deployment serves: national phone formats and, through `NATIONAL_ID`,
    # national identifiers. Unset: the US (what configurations stored before it meant).
    regions: list[Region] | None = Field(None, min_length=1, max_length=50)
    # Older spelling, phone formats only; still read so stored configurations keep working.
    phone_regions: list[str] = Field(default_factory=list, max_length=50)
    context_words: bool = True

    @model_validator(mode="after")
    def _one_way_to_say_regions(self) -> PiiConfig:
        if self.regions is not None and self.phone_regions:
            raise ValueError("set `regions` only; `phone_regions` is its older, phones-only form")
        return self

    @property
    def phone_region_codes(self) -> list[str]:
        return list(self.phone_regions or self.regions or DEFAULT_REGIONS)

    @property
    def id_region_codes(self) -> list[str]:
        return list(self.regions or DEFAULT_REGIONS)


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
