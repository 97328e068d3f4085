"""`executions/{execution_id}`: the stored audit record of one prompt execution.

This is the contract between the audit pipeline (which writes it, redacted) and the admin
API (which reads it). Costs are decimal strings, never floats.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ExecutionOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    execution_id: str
    template: str
    version: int | None = None
    label: str | None = None
    source: str | None = None
    experiment_id: str | None = None
    variant: str | None = None
    user_key: str | None = Field(None, description="pseudonymous (keyed hash), never a raw id")
    model: str | None = None
    rendered_prompt: str | None = Field(None, description="redacted before storage")
    response: str | None = Field(None, description="redacted before storage")
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: str = "0"
    latency_ms: float = 0
    success: bool
    error_class: str | None = None
    error_message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime
    expire_at: datetime | None = None


class ExecutionPage(BaseModel):
    items: list[ExecutionOut]
    next_cursor: str | None
