"""The resolve function's routes, declared like the admin API's (`shared.http.api`):

    GET  /templates/{name}?label=|version=&user_key=
    POST /templates/{name}/render   {"variables": {...}, "label"?, "version"?, "user_key"?}
    POST /executions                one execution report, published to Pub/Sub (202)
    GET  /healthz                   (never touches Firestore; needs no credentials)

Every other path needs a caller identity with role `service` or higher (API key or Google
ID token, see shared/auth). The cache-hit GET is the hot path: nothing here may read more
than the resolver's cache on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Response
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.datastructures import EnvironHeaders

from shared.errors import BadRequest, FieldError
from shared.executions.reporting import ExecutionReporting
from shared.http.api import Call, Gatekeeper, QueryParam, Route
from shared.http.fast_path import Answer
from shared.http.parsing import positive_int
from shared.http.responses import (
    PreparedJson,
    dumps_compact,
    is_not_modified,
    joined_json,
    json_response,
    json_response_with_members,
    not_modified_response,
    weak_etag,
)
from shared.templates.model import SIMPLE_NAME_PATTERN
from shared.templates.resolver import Resolution
from shared.templates.service import Rendered, ResolutionService

USER_KEY_MAX = 256


@dataclass
class FastPathStats:
    # Counted without a lock: `+=` may lose a count when two threads race; it is a gauge
    # for operators and benchmarks, not an audit.
    answered: int = 0


@dataclass(frozen=True)
class ResolveServices:
    """The resolve function's object graph, built once per instance by `shared.bootstrap`."""

    service: ResolutionService
    reporting: ExecutionReporting
    http_max_age_seconds: int
    fast_path: FastPathStats = field(default_factory=FastPathStats)


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as sent: "1" is no int

    variables: dict[str, Any] = Field(default_factory=dict, max_length=200)
    label: str | None = None
    version: int | None = Field(None, ge=1)
    user_key: str | None = Field(None, min_length=1, max_length=USER_KEY_MAX)


def healthz(call: Call, app: ResolveServices) -> Response:
    resolver = app.service.resolver
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
            "fast_path_answers": app.fast_path.answered,
            "executions_published": app.reporting.publisher.stats.published,
            "executions_publish_failures": app.reporting.publisher.stats.failed,
        },
        headers={"Cache-Control": "no-store"},
    )


def get_template(call: Call, app: ResolveServices) -> Response:
    name = call.args["name"]
    label = version = user_key = None
    if call.query:  # most GETs carry none
        label, version = _selector(
            call.query.get("label"), call.query.get("version"), where="query"
        )
        user_key = _check_user_key(call.query.get("user_key"))
    resolution = app.service.get(name, label=label, version=version, user_key=user_key)
    answer = prepared_answer(name, resolution, app.http_max_age_seconds)
    if is_not_modified(call.request, answer.etag):
        return not_modified_response(answer.etag, answer.headers)
    return answer.response()


GET_TEMPLATE_PATH = "/templates/"
# One path segment as the server received it: folder names, escapes and anything the
# resolver would refuse go the usual way, which checks and answers them.
_PLAIN_NAME = re.compile(SIMPLE_NAME_PATTERN)


def fast_get(services: ResolveServices, gatekeeper: Gatekeeper) -> Answer:
    """`get_template`'s answer to a plain GET (no query: `shared.http.fast_path`) when the
    cache alone holds it: the same key check (the route's role) and the same cached read
    and prepared answer as the route below; None, or an error, sends the request the usual
    way, which answers whatever this one declines."""
    role = next(r.role for r in ROUTES if r.handler is get_template)
    if role is None:
        raise RuntimeError("the template GET must not be open")

    def answer(environ: dict[str, Any]) -> PreparedJson | None:
        path = environ.get("PATH_INFO", "")
        name = path.removeprefix(GET_TEMPLATE_PATH)
        if name == path or not _PLAIN_NAME.fullmatch(name):
            return None
        # werkzeug's headers are a case-insensitive mapping without the Mapping base class.
        gatekeeper.require(cast("Mapping[str, str]", EnvironHeaders(environ)), role)
        resolution = services.service.cached_get(name)
        if resolution is None:
            return None
        services.fast_path.answered += 1
        return prepared_answer(name, resolution, services.http_max_age_seconds)

    return answer


def prepared_answer(name: str, resolution: Resolution, max_age: int) -> PreparedJson:
    """The GET answer for `resolution` of `name`, built once per resolution object (a plain
    cache hit reuses its object until the entry is re-read: `Resolution.derived`)."""
    key = ("GET", name, max_age)
    known = resolution.derived.get(key)
    if known is None:
        known = resolution.derived[key] = build_answer(name, resolution, max_age)
    return known


def build_answer(name: str, resolution: Resolution, max_age: int) -> PreparedJson:
    template = resolution.template
    return PreparedJson.build(
        joined_json(dumps_compact(_answer_fields(resolution)), template.public_json_members),
        etag=weak_etag(name, resolution.version, template.content_hash, resolution.label),
        headers={"Cache-Control": _cache_control(resolution, max_age)},
    )


def render(call: Call, app: ResolveServices) -> Response:
    body = call.body_as(RenderRequest)
    label, version = _selector(body.label, body.version, where="body")
    rendered = app.service.render(
        call.args["name"], body.variables, label=label, version=version, user_key=body.user_key
    )
    return json_response_with_members(
        _render_fields(rendered),
        rendered.resolution.template.public_json_members,
        headers={"Cache-Control": "no-store"},
    )


def report_execution(call: Call, app: ResolveServices) -> Response:
    event, message_id = app.reporting.report(call.json)
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


def _cache_control(resolution: Resolution, max_age: int) -> str:
    if resolution.degraded:
        return "private, max-age=0, must-revalidate"  # degraded: do not hold on to it
    return f"private, max-age={max_age}"


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
        "composition": resolution.composition,
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


ResolveRoute = Route[ResolveServices]

ROUTES: tuple[ResolveRoute, ...] = (
    # open: health checks carry no credentials; it reveals counters only
    ResolveRoute(
        method="GET",
        path="/healthz",
        role=None,
        handler=healthz,
        summary="Health and cache counters",
        ignores_query=True,
        ignores_body=True,
    ),
    ResolveRoute(
        method="GET",
        path="/templates/{name}",
        role="service",
        handler=get_template,
        summary="Resolve a template by label or version",
        query=(
            QueryParam("label", "label to serve (default production)"),
            QueryParam("version", "explicit version", {"type": "integer", "minimum": 1}),
            QueryParam("user_key", "pseudonymous key for experiment assignment"),
        ),
        ignores_body=True,  # a body on a GET carries no meaning; services' clients may send one
    ),
    ResolveRoute(
        method="POST",
        path="/templates/{name}/render",
        role="service",
        handler=render,
        summary="Resolve and render a template",
        body=RenderRequest,
    ),
    ResolveRoute(
        method="POST",
        path="/executions",
        role="service",
        handler=report_execution,
        summary="Report one execution (published to Pub/Sub)",
        raw_json=True,
    ),
)
