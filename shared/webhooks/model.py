"""Request and answer models of `/v1/webhooks` (they also generate its OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.changes.events import ALL_TYPES
from shared.templates.model import TemplateName

STRICT = ConfigDict(extra="forbid", strict=True)
WEBHOOK_ID_PATTERN = r"^wh-[a-f0-9]{16}$"
DELIVERY_ID_PATTERN = r"^[a-f0-9]{32}~wh-[a-f0-9]{16}$"
DeliveryStatus = Literal["pending", "retrying", "delivered", "dead_lettered", "skipped"]


class WebhookSpec(BaseModel):
    """A subscription: where to POST, which event types, optionally which templates."""

    model_config = STRICT

    url: str = Field(
        min_length=8,
        max_length=2048,
        description="receiver URL; https only in production, never a loopback, private or "
        "link-local address",
    )
    event_types: list[str] = Field(
        min_length=1, max_length=len(ALL_TYPES), description=f"any of {', '.join(ALL_TYPES)}"
    )
    templates: list[TemplateName] = Field(
        default_factory=list,
        max_length=100,
        description="only changes of these templates or of the prompts they include; "
        "empty: every change, guardrails' included",
    )
    active: bool = True
    description: str = Field("", max_length=500)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ALL_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {list(ALL_TYPES)}")
        return sorted(set(value))


class WebhookOut(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    url: str
    event_types: list[str]
    templates: list[str]
    active: bool
    description: str = ""
    revision: int
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="HMAC-SHA256 signing secret; shown in this answer only, never again"
    )


class WebhookPage(BaseModel):
    items: list[WebhookOut]
    next_cursor: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    template: str | None = None
    status: DeliveryStatus
    attempts: int
    last_error: str | None = None
    last_status_code: int | None = None
    latency_ms: float | None = None
    redeliveries: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    delivered_at: datetime | None = None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
