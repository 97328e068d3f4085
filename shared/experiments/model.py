"""An experiment splits one template label's traffic between versions.

Status moves draft -> running -> stopped, never back. While running, nothing about its
variants can change; at most one experiment runs per template and label.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.templates.model import DEFAULT_LABEL, LABEL_PATTERN, TemplateName

EXPERIMENT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
VARIANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
# Printable ASCII without spaces: a seed is typed, copied between systems, and hashed as bytes.
SEED_PATTERN = r"^[!-~]{1,64}$"
Status = Literal["draft", "running", "stopped"]


STRICT = ConfigDict(extra="forbid", strict=True)


class Variant(BaseModel):
    model_config = STRICT
    name: str = Field(pattern=VARIANT_PATTERN)
    version: int = Field(ge=1)
    weight: float = Field(gt=0, le=1)


class ExperimentSpec(BaseModel):
    model_config = STRICT

    template: TemplateName
    label: str = Field(DEFAULT_LABEL, pattern=LABEL_PATTERN)
    description: str = Field("", max_length=2000)
    variants: list[Variant] = Field(min_length=2, max_length=10)
    coverage: float = Field(1.0, gt=0, le=1, description="share of users in the experiment")
    hash_scheme: Literal["growthbook_v2", "md5_mod_100"] = "growthbook_v2"
    primary_metric: Literal["success_rate", "latency_ms", "cost_usd"] = "success_rate"

    @model_validator(mode="after")
    def _variants_make_sense(self) -> ExperimentSpec:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique")
        total = sum(v.weight for v in self.variants)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"variant weights must sum to 1 (they sum to {total:g})")
        return self


class ExperimentCreate(ExperimentSpec):
    id: str = Field(pattern=EXPERIMENT_ID_PATTERN)
    seed: str | None = Field(
        None,
        pattern=SEED_PATTERN,
        description="salt of the assignment hash; omitted: a random one. Reusing another "
        "experiment's seed (or another platform's) reproduces its assignment of users",
    )


class StopRequest(BaseModel):
    model_config = STRICT
    winner: str | None = Field(None, description="variant whose version the label moves to")
    note: str = Field("", max_length=2000)


class ExperimentOut(ExperimentSpec):
    model_config = ConfigDict(extra="ignore", strict=False)
    id: str
    status: Status
    seed: str
    revision: int
    created_by: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    decision: dict[str, Any] | None = None


def experiment_from_document(document: dict[str, Any]) -> ExperimentOut:
    """The stored document as the API and the resolve path see it."""
    return ExperimentOut.model_validate(
        {**document, "revision": int(document.get("update_count", 0))}
    )


class ExperimentPage(BaseModel):
    items: list[ExperimentOut]
    next_cursor: str | None
