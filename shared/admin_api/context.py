"""What every admin handler receives besides the call: the services of the admin function,
and the helpers its resources share (query parameters, version arguments, revision ETags)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import Response

from shared.errors import BadRequest, FieldError
from shared.experiments.admin import ExperimentAdminService
from shared.experiments.model import ExperimentOut
from shared.guardrails.admin import GuardrailAdminService, GuardrailOut
from shared.http.api import Call, QueryParam, Route, json_answer
from shared.http.parsing import positive_int
from shared.revision import etag_for
from shared.templates.admin import TemplateAdminService, TemplateStore
from shared.templates.admin_models import TemplateOut
from shared.webhooks.admin import WebhookAdminService


class ObservationReader(Protocol):
    """What the admin API reads of the audit pipeline's output (ObservationStore in
    production; tests may pass an in-memory fake)."""

    def executions(
        self,
        *,
        template: str | None,
        version: int | None,
        start: datetime,
        end: datetime,
        after_id: str | None,
        limit: int,
    ) -> list[dict[str, Any]]: ...

    def execution(self, execution_id: str) -> dict[str, Any] | None: ...

    def rollups(
        self, *, template: str | None, start: datetime, end: datetime
    ) -> list[dict[str, Any]]: ...

    def experiment_summary(self, experiment_id: str) -> dict[str, Any] | None: ...


class AuditLogReader(Protocol):
    """The admin change log, newest first (AuditLogStore in production)."""

    def entries(
        self, *, actor: str | None, target: str | None, after_id: str | None, limit: int
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class AdminServices:
    """The admin function's object graph, built once per instance by `shared.bootstrap`."""

    templates: TemplateAdminService
    template_store: TemplateStore
    guardrails: GuardrailAdminService
    experiments: ExperimentAdminService
    observations: ObservationReader
    audit_log: AuditLogReader
    webhooks: WebhookAdminService
    document: Callable[[], dict[str, Any]]  # the OpenAPI document this API serves
    max_rendered_bytes: int = 1024 * 1024  # MAX_RENDERED_BYTES, bounds a preview as a render


AdminRoute = Route[AdminServices]

PAGE = (
    QueryParam("cursor", "next_cursor of the previous page"),
    QueryParam(
        "limit", "page size, 1..200 (default 50)", {"type": "integer", "minimum": 1, "maximum": 200}
    ),
)
WINDOW = (
    QueryParam(
        "from",
        "start, ISO 8601 with zone (default: 24 h before 'to')",
        {"type": "string", "format": "date-time"},
    ),
    QueryParam(
        "to",
        "end, ISO 8601 with zone (default: now); at most 31 days after 'from'",
        {"type": "string", "format": "date-time"},
    ),
)


def version_arg(call: Call, key: str = "version") -> int:
    """A version from the path or the query, as a positive integer (400 otherwise)."""
    version = positive_int(str(call.args.get(key) or call.query.get(key) or ""))
    if version is None:
        raise BadRequest(
            f"{key} must be a positive integer", errors=[FieldError(key, "a positive integer")]
        )
    return version


def revisioned(answer: TemplateOut | GuardrailOut | ExperimentOut, status: int = 200) -> Response:
    """An answer about a revisioned document, with the ETag `If-Match` sends back."""
    return json_answer(answer, status=status, etag=etag_for(answer.revision))
