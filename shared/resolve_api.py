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

from shared.cache import FOREVER, TTLCache
from shared.errors import BadRequest, FieldError
from shared.executions.reporting import ExecutionReporting
from shared.http.api import Call, Gatekeeper, QueryParam, Route
from shared.http.fast_path import Answer, Recall
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
# What a repeated render may be answered from (`RenderMemo`): bodies and answers this long
# at most, this many of them (at most 5 MB in all).
RENDER_MEMO_MAX_BODY = 8 * 1024
RENDER_MEMO_MAX_ANSWER = 32 * 1024
RENDER_MEMO_ENTRIES = 128


@dataclass
class FastPathStats:
    # Counted without a lock: `+=` may lose a count when two threads race; it is a gauge
    # for operators and benchmarks, not an audit.
    answered: int = 0
    renders_recalled: int = 0


@dataclass(frozen=True)
class RememberedRender:
    """A render's answer, and what it was the answer of: the cached resolution it rendered
    (the resolver hands out that very object while the copy it came from is fresh) and the
    guardrails' engine (the same object until they change), asked for with this selector."""

    label: str | None
    version: int | None
    resolution: Resolution
    engine: object | None
    body: bytes
    sent: tuple[tuple[str, str], ...]  # every header but X-Request-Id, as the endpoint sent them


class RenderMemo:
    """The answers to repeated renders (an agent re-rendering its system prompt each turn,
    many users asking for the same prompt with the same variables), by template name, content
    type and body bytes: bounded LRU.

    Only a render nothing could make different is kept: a cache hit, not degraded, without
    an experiment (no user key), composition or any guardrail firing. A kept answer is sent
    only after the caller's key passed the route's role check, and the same resolution and
    guardrails are current: `recall_render` resolves the template as the render would, so a
    label move, a re-read after the TTL, a guardrail change or an outage all take the
    usual way. The answer's bytes are the endpoint's own (tests/e2e/test_fast_path.py)."""

    def __init__(self, max_entries: int = RENDER_MEMO_ENTRIES) -> None:
        self._kept: TTLCache[tuple[str, str, bytes], RememberedRender] = TTLCache(
            ttl=FOREVER, max_entries=max_entries
        )

    def __len__(self) -> int:
        return len(self._kept)

    def find(self, name: str, content_type: str, body: bytes) -> RememberedRender | None:
        kept = self._kept.get((name, content_type, body))
        return None if kept is None else kept.value

    def keep(
        self, call: Call, request: RenderRequest, rendered: Rendered, answer: Response
    ) -> None:
        resolution = rendered.resolution
        body = call.raw_body
        if (
            body is None
            or not _PLAIN_NAME.fullmatch(call.args["name"])
            or len(body) > RENDER_MEMO_MAX_BODY
            or request.user_key is not None
            or resolution.source != "cache"
            or resolution.degraded
            or resolution.experiment is not None
            or resolution.composition is not None
            or rendered.guardrails.fired
        ):
            return
        data = answer.get_data()
        if len(data) > RENDER_MEMO_MAX_ANSWER:
            return
        label, version = _selector(request.label, request.version, where="body")
        kept = RememberedRender(
            label, version, resolution, rendered.engine, data, tuple(answer.headers.items())
        )
        content_type = call.request.environ.get("CONTENT_TYPE", "")
        self._kept.put((call.args["name"], content_type, body), kept)


@dataclass(frozen=True)
class ResolveServices:
    """The resolve function's object graph, built once per instance by `shared.bootstrap`."""

    service: ResolutionService
    reporting: ExecutionReporting
    http_max_age_seconds: int
    fast_path: FastPathStats = field(default_factory=FastPathStats)
    # Kept render answers, when the fast path (their only reader) is on.
    renders: RenderMemo | None = None


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
            "renders_recalled": app.fast_path.renders_recalled,
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
    answer = json_response_with_members(
        _render_fields(rendered),
        rendered.resolution.template.public_json_members,
        headers={"Cache-Control": "no-store"},
    )
    if app.renders is not None:
        app.renders.keep(call, body, rendered, answer)
    return answer


RENDER_SUFFIX = "/render"


def _render_target(path: str) -> str | None:
    """The plain template name a render path names, or None (`_PLAIN_NAME`)."""
    if not (path.startswith(GET_TEMPLATE_PATH) and path.endswith(RENDER_SUFFIX)):
        return None
    name = path[len(GET_TEMPLATE_PATH) : -len(RENDER_SUFFIX)]
    return name if _PLAIN_NAME.fullmatch(name) else None


def recall_render(services: ResolveServices, gatekeeper: Gatekeeper) -> Recall:
    """The answer `render` gave to the same body before (`RenderMemo`), when it is still the
    answer: the caller's key passes the route's role, and resolving the template as `render`
    would gives the very resolution it rendered, under the same guardrails. None, or an
    error, hands the request to the endpoint, which answers whatever this one declines."""
    role = next(r.role for r in ROUTES if r.handler is render)
    if role is None:
        raise RuntimeError("the render must not be open")

    def recall(environ: dict[str, Any], body: bytes) -> RememberedRender | None:
        memo = services.renders
        name = _render_target(environ.get("PATH_INFO", ""))
        if memo is None or name is None:
            return None
        kept = memo.find(name, environ.get("CONTENT_TYPE", ""), body)
        if kept is None:
            return None
        gatekeeper.require(cast("Mapping[str, str]", EnvironHeaders(environ)), role)
        service = services.service
        resolution = service.get(name, label=kept.label, version=kept.version)
        if resolution is not kept.resolution or service.guardrail_engine() is not kept.engine:
            return None
        services.fast_path.renders_recalled += 1
        return kept

    return recall


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
