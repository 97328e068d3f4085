"""Resolve function (HTTP): serves templates to the services that run prompts.

    GET  /templates/{name}?label=|version=&user_key=
    POST /templates/{name}/render   {"variables": {...}, "label"?, "version"?, "user_key"?}
    POST /executions                one execution report, published to Pub/Sub (202)
    GET  /healthz                   (never touches Firestore; needs no credentials)

Every other path needs a caller identity with role `service` or higher (API key or Google
ID token, see shared/auth).

Deployed from the repository root with GOOGLE_FUNCTION_SOURCE=functions/resolve/main.py and
entry point `resolve`. Thin: parse, call `shared`, shape the answer.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# functions-framework puts this file's folder on sys.path, not the repository root that
# holds `shared/`; both the local stack and Cloud Functions run us from the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from flask import Request, Response
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from shared.auth.authenticator import Authenticator
from shared.config import get_settings
from shared.errors import BadRequest, FieldError
from shared.executions.reporting import ExecutionReporting
from shared.http.parsing import positive_int, query_params, read_json_body
from shared.http.problems import framework_error_response, http_endpoint
from shared.http.responses import (
    is_not_modified,
    json_response,
    json_response_with_members,
    not_modified_response,
    weak_etag,
)
from shared.observability import configure_logging
from shared.templates.resolver import Resolution
from shared.templates.service import Rendered, ResolutionService
from shared.validation import validate_as

settings = get_settings()
configure_logging(settings.log_level)
service = ResolutionService.from_settings(settings)
reporting = ExecutionReporting(settings)
authenticator = Authenticator.from_settings(settings)
functions_framework.errorhandler(HTTPException)(framework_error_response)

_routes = Map(
    [
        Rule("/healthz", endpoint="healthz", methods=["GET"]),
        Rule("/templates/<name>", endpoint="get_template", methods=["GET"]),
        Rule("/templates/<name>/render", endpoint="render", methods=["POST"]),
        Rule("/executions", endpoint="report_execution", methods=["POST"]),
    ]
).bind("")

USER_KEY_MAX = 256


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as sent: "1" is no int

    variables: dict[str, Any] = Field(default_factory=dict, max_length=200)
    label: str | None = None
    version: int | None = Field(None, ge=1)
    user_key: str | None = Field(None, min_length=1, max_length=USER_KEY_MAX)


@functions_framework.http
@http_endpoint(lambda: settings.project_id)
def resolve(request: Request) -> Response:
    endpoint, args = _routes.match(path_info=request.path, method=request.method)
    if endpoint == "healthz":  # open: health checks carry no credentials; it reveals counters only
        return healthz()
    authenticator.require(request.headers, "service")
    if endpoint == "get_template":
        return get_template(request, args["name"])
    if endpoint == "report_execution":
        return report_execution(request)
    return render(request, args["name"])


def healthz() -> Response:
    resolver = service.resolver
    stats = resolver.cache.stats
    return json_response(
        {
            "status": "ok",
            "cache": {
                "entries": len(resolver.cache),
                "fresh_hits": stats.fresh_hits,
                "stale_hits": stats.stale_hits,
                "misses": stats.misses,
                "firestore_reads": resolver.store_reads,
            },
            "firestore_breaker": resolver.breaker.state,
            "executions_published": reporting.publisher.stats.published,
            "executions_publish_failures": reporting.publisher.stats.failed,
        },
        headers={"Cache-Control": "no-store"},
    )


def get_template(request: Request, name: str) -> Response:
    params = query_params(request, allowed={"label", "version", "user_key"})
    label, version = _selector(params.get("label"), params.get("version"), where="query")
    user_key = _check_user_key(params.get("user_key"))
    resolution = service.get(name, label=label, version=version, user_key=user_key)
    template = resolution.template
    etag = weak_etag(name, resolution.version, template.content_hash, resolution.label)
    headers = {"ETag": etag, "Cache-Control": _cache_control(resolution)}
    if is_not_modified(request, etag):
        return not_modified_response(etag, headers)
    return json_response_with_members(
        _answer_fields(resolution), template.public_json_members, headers=headers
    )


def render(request: Request, name: str) -> Response:
    query_params(request, allowed=())
    body = validate_as(RenderRequest, read_json_body(request, max_bytes=settings.max_request_bytes))
    label, version = _selector(body.label, body.version, where="body")
    rendered = service.render(
        name, body.variables, label=label, version=version, user_key=body.user_key
    )
    return json_response_with_members(
        _render_fields(rendered),
        rendered.resolution.template.public_json_members,
        headers={"Cache-Control": "no-store"},
    )


def report_execution(request: Request) -> Response:
    query_params(request, allowed=())
    body = read_json_body(request, max_bytes=settings.max_request_bytes)
    event, message_id = reporting.report(body)
    return json_response(
        {"execution_id": event.execution_id, "message_id": message_id, "status": "accepted"},
        status=202,
        headers={"Cache-Control": "no-store"},
    )


def _selector(label: str | None, version: Any, *, where: str) -> tuple[str | None, int | None]:
    if label is not None and version is not None:
        raise BadRequest(
            "give either a label or a version, not both",
            errors=[FieldError(f"{where}.version", "conflicts with label")],
        )
    if version is None or isinstance(version, int):
        return label, version
    number = positive_int(version)
    if number is None:
        raise BadRequest(
            "version must be a positive integer",
            errors=[FieldError(f"{where}.version", "must be a positive integer")],
        )
    return label, number


def _check_user_key(user_key: str | None) -> str | None:
    if user_key is not None and not 0 < len(user_key) <= USER_KEY_MAX:
        raise BadRequest(
            "user_key is empty or too long",
            errors=[FieldError("query.user_key", f"1 to {USER_KEY_MAX} characters")],
        )
    return user_key


def _cache_control(resolution: Resolution) -> str:
    if resolution.degraded:
        return "private, max-age=0, must-revalidate"  # degraded: do not hold on to it
    return f"private, max-age={settings.http_max_age_seconds}"


def _answer_fields(resolution: Resolution) -> dict[str, Any]:
    """What this answer adds to the template's own (cached) representation."""
    return {
        "name": resolution.template.name,
        "version": resolution.version,
        "label": resolution.label,
        "source": resolution.source,
        "stale": resolution.stale,
        "fallback_reason": resolution.fallback_reason,
        "experiment": resolution.experiment.as_dict() if resolution.experiment else None,
        "guardrails": {"ran": [], "fired": []},
    }


def _render_fields(rendered: Rendered) -> dict[str, Any]:
    fields = _answer_fields(rendered.resolution)
    if rendered.text is not None:
        fields["rendered"] = rendered.text
    else:
        fields["rendered"] = [m.model_dump() for m in rendered.messages or []]
    fields["unused_variables"] = rendered.unused_variables
    fields["guardrails"] = rendered.guardrails.as_dict()
    return fields
