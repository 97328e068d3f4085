"""A declarative route table for every HTTP function: routing, role checks, body validation,
and the OpenAPI 3.1 document, all generated from the same pydantic models that validate
requests.

Routes are declared next to their handlers (see `shared/admin_api/`); a handler receives the
parsed `Call` and the function's context (its services), so a route table is importable
without settings or clients and tests can hand an `Api` in-memory fakes.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import Request, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Map, Rule

from shared.audit.model import Actor
from shared.auth.authenticator import API_KEY_HEADER
from shared.auth.principals import Principal, Role
from shared.errors import BadRequest, FieldError, PreconditionFailed, ValidationFailed
from shared.experiments.model import EXPERIMENT_ID_PATTERN
from shared.http.parsing import parse_json_body, query_params, read_body, read_json_body
from shared.observability import current_request_id
from shared.templates.model import LABEL_PATTERN, TEMPLATE_NAME_PATTERN
from shared.validation import validate_as
from shared.webhooks.model import DELIVERY_ID_PATTERN

PATH_PARAMETER_PATTERNS = {
    "name": TEMPLATE_NAME_PATTERN,
    "label": LABEL_PATTERN,
    "id": EXPERIMENT_ID_PATTERN,
    "version": r"^[1-9][0-9]{0,17}$",
    "execution_id": r"^[A-Za-z0-9_-]{1,128}$",
    "delivery_id": DELIVERY_ID_PATTERN,
}


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


M = TypeVar("M", bound=BaseModel)
# Bounds of the route-match memo: entries, and the longest path it keeps (about 1 MB).
_MATCH_MEMO_ENTRIES = 4096
_MATCH_MEMO_PATH_CHARS = 256
C = TypeVar("C")


@dataclass
class Call:
    """Everything a handler needs about the request, already parsed and authorized."""

    request: Request
    principal: Principal | None  # None only on an open route (role=None)
    args: dict[str, Any]
    query: dict[str, str]
    body: BaseModel | None = None
    json: Any = None  # the raw JSON body of a route declared with raw_json=True
    raw_body: bytes | None = None  # the bytes `body` was parsed from

    @property
    def actor(self) -> Actor:
        if self.principal is None:
            raise RuntimeError("an open route has no actor")
        return Actor(self.principal.id, current_request_id())

    def body_as(self, model: type[M]) -> M:
        """The validated body, typed as the model its route declared."""
        if not isinstance(self.body, model):
            raise TypeError(f"route declares no {model.__name__} body")
        return self.body

    def if_match(self) -> int | None:
        """The revision named by `If-Match: "r<n>"`; absent or `*` means unconditional."""
        raw = self.request.headers.get("If-Match")
        if raw is None or raw.strip() == "*":
            return None
        match = re.fullmatch(r'\s*"r(\d{1,18})"\s*', raw)
        if match is not None:
            return int(match.group(1))
        if re.fullmatch(r'\s*(W/)?"[^"]*"\s*', raw):
            raise PreconditionFailed(
                "If-Match names no current revision (weak or foreign ETags never match a write)"
            )
        raise BadRequest(
            'If-Match must be an ETag this API issued, like "r3"',
            errors=[FieldError("header.If-Match", "not an entity tag")],
        )


Handler = Callable[[Call, C], Response]


class Gatekeeper(Protocol):
    """Who is calling and whether their role suffices (shared.auth.Authenticator)."""

    def require(self, headers: Mapping[str, str], minimum: Role) -> Principal: ...


@dataclass(frozen=True, kw_only=True)
class Route(Generic[C]):
    method: str
    path: str  # OpenAPI syntax, as documented: /v1/templates/{name}
    role: Role | None  # the minimum role; None: open (health checks carry no credentials)
    handler: Handler[C]
    summary: str
    body: type[BaseModel] | None = None
    raw_json: bool = False  # the handler validates the JSON body itself (call.json)
    response: type[BaseModel] | None = None
    status: int = 200
    query: tuple[QueryParam, ...] = ()
    # Most operations refuse what they do not read: an unknown query key or a stray body is
    # a 400. Health checks and resolve's GET predate that rule; their callers may send extras.
    ignores_query: bool = False
    ignores_body: bool = False

    @property
    def rule(self) -> str:
        """The path in werkzeug's routing syntax; `{name:path}` also matches `/`s."""
        return re.sub(
            r"\{(\w+)(?::(\w+))?\}",
            lambda m: f"<{m[2]}:{m[1]}>" if m[2] else f"<{m[1]}>",
            self.path,
        )

    @functools.cached_property  # read on every request of the hot path
    def query_names(self) -> frozenset[str]:
        return frozenset(q.name for q in self.query)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)(?::\w+)?\}", self.path)


class Api(Generic[C]):
    """One function's routes bound to its context (the services its handlers call)."""

    def __init__(
        self,
        routes: Sequence[Route[C]],
        *,
        context: C,
        max_body: int,
        title: str = "",
        version: str = "",
        strict_slashes: bool = False,
        path_patterns: Mapping[str, str] = PATH_PARAMETER_PATTERNS,
    ) -> None:
        self.routes = list(routes)
        self.context = context
        self.max_body = max_body
        self.title = title
        self.version = version
        self._path_patterns = path_patterns
        self._by_endpoint = {f"{r.method} {r.path}": r for r in self.routes}
        rules = [
            Rule(r.rule, endpoint=f"{r.method} {r.path}", methods=[r.method]) for r in self.routes
        ]
        self._map = Map(rules, strict_slashes=strict_slashes).bind("")
        # (method, path as received, decoded path) -> (route, path arguments) of matches
        # whose arguments passed their patterns: a hot path asks for the same few paths, and
        # `routing_path` and matching are pure functions of those.
        self._matched: dict[tuple[str, str | None, str], tuple[Route[C], Mapping[str, Any]]] = {}

    def dispatch(self, request: Request, authenticator: Gatekeeper) -> Response:
        raw = _raw_path(request)
        memo_key = (request.method, raw, request.path)
        known = self._matched.get(memo_key)
        if known is None:
            # Route on the routing path, where a folder name's "%2F" stays apart from a "/".
            path = routing_path(request)
            endpoint, args = self._map.match(path_info=path, method=request.method)
            args = {k: unquote(v) if isinstance(v, str) else v for k, v in args.items()}
            route = self._by_endpoint[endpoint]
        else:
            route, args = known
        principal = None
        if route.role is not None:
            # werkzeug's Headers is a case-insensitive mapping without the Mapping base class.
            headers = cast("Mapping[str, str]", request.headers)
            principal = authenticator.require(headers, route.role)
        if known is None:
            if self._path_patterns:
                _check_path(args, self._path_patterns)
            if len(request.path) <= _MATCH_MEMO_PATH_CHARS and len(raw or "") <= (
                _MATCH_MEMO_PATH_CHARS
            ):
                if len(self._matched) >= _MATCH_MEMO_ENTRIES:
                    self._matched.clear()  # bounded; refilled by what is asked for now
                self._matched[memo_key] = (route, args)
        query = {} if route.ignores_query else query_params(request, allowed=route.query_names)
        call = Call(request, principal, dict(args), query)
        if route.body is not None:
            call.raw_body = read_body(request, max_bytes=self.max_body)
            call.body = validate_as(route.body, parse_json_body(call.raw_body))
        elif route.raw_json:
            call.json = read_json_body(request, max_bytes=self.max_body)
        elif not route.ignores_body and request.content_length:
            raise BadRequest("this operation takes no request body")
        return route.handler(call, self.context)

    def openapi(self) -> dict[str, Any]:
        return openapi_document(self.routes, title=self.title, version=self.version)


def openapi_document(routes: Sequence[Route[Any]], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a route table; needs no context, so generators and tests
    read it from the table alone."""
    models: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for route in routes:
        if route.body is not None:
            models.append((route.body, "validation"))
        if route.response is not None:
            models.append((route.response, "serialization"))
    keys, definitions = models_json_schema(
        list(dict.fromkeys(models)), ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, keys)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
                "googleIdToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
        "security": [{"apiKey": []}, {"googleIdToken": []}],
    }


def _operation(route: Route[Any], keys: Mapping[Any, dict[str, Any]]) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": keys[(Problem, "serialization")]}}
    responses: dict[str, Any] = {
        str(status): {"description": text, "content": problem} for status, text in _ERRORS.items()
    }
    if route.status == 204:
        responses["204"] = {"description": "done"}
    else:
        schema = keys[(route.response, "serialization")] if route.response else {}
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"application/json": {"schema": schema}},
        }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _path_schema(name),
        }
        for name in route.path_params
    ]
    parameters += [
        {
            "name": q.name,
            "in": "query",
            "required": False,
            "description": q.description,
            "schema": q.schema,
        }
        for q in route.query
    ]
    if route.method in {"PUT", "POST", "DELETE"} and route.role != "viewer":
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": 'optimistic concurrency: the ETag read earlier, e.g. "r3"',
                "schema": {"type": "string"},
            }
        )
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "x-required-role": route.role,
        "parameters": parameters,
        "responses": responses,
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": keys[(route.body, "validation")]}},
        }
    return operation


def routing_path(request: Request) -> str:
    """The path to route on, with a `%2F` inside a segment kept apart from a `/` between
    segments, so `/v1/templates/a%2Fb/versions` is template `a/b`'s versions, not template
    `a/b/versions`. WSGI servers hand `PATH_INFO` over decoded, which loses that difference;
    the request line as received (`RAW_URI`: gunicorn, werkzeug's server and test client set
    it) keeps it. Each segment is decoded and re-escaped (`%` and `/` only), the router
    matches on that, and `dispatch` unescapes the matched values. Without `RAW_URI` the
    decoded path is all there is: a folder name then matches only `{name:path}` routes."""
    raw = _raw_path(request)
    if raw is None:
        return request.path
    path = urlsplit(raw).path if "://" in raw else raw
    try:
        segments = [unquote(segment, errors="strict") for segment in path.split("/")]
    except UnicodeDecodeError:
        return request.path
    if "/".join(segments) != request.path:
        return request.path  # a server or proxy rewrote the path: route on what it passed on
    return "/".join(s.replace("%", "%25").replace("/", "%2F") for s in segments)


def _raw_path(request: Request) -> str | None:
    """The request line's target as received, without its query; None when the server
    passed none on."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not isinstance(raw, str) or not raw:
        return None
    return raw.partition("?")[0]


def _check_path(args: Mapping[str, Any], patterns: Mapping[str, str]) -> None:
    """Path parameters first, so a malformed one is a 422 whatever else is wrong. A name
    without a pattern is left to the handler's own check (resolve validates names itself)."""
    errors = [
        FieldError(f"path.{name}", f"must match {patterns[name]}")
        for name, value in args.items()
        if name in patterns and not re.fullmatch(patterns[name], str(value))
    ]
    if errors:
        raise ValidationFailed("invalid path: " + ", ".join(e.field for e in errors), errors=errors)


def _path_schema(name: str) -> dict[str, Any]:
    if name == "version":
        return {"type": "integer", "minimum": 1}
    return {"type": "string", "pattern": PATH_PARAMETER_PATTERNS[name]}


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[dict[str, str]] | None = None


_ERRORS = {
    400: "malformed request",
    401: "no or invalid credentials",
    403: "role too low",
    404: "not found",
    409: "conflict with the current state, or write-contention (retry after Retry-After)",
    412: "If-Match does not match",
    413: "body too large",
    415: "body is not JSON",
    422: "invalid fields",
    503: "Firestore failed or did not answer within the deadline (retry after Retry-After)",
}


def json_answer(
    model: BaseModel | dict[str, Any], *, status: int = 200, etag: str | None = None
) -> Response:
    payload = (
        model.model_dump(mode="json", by_alias=True) if isinstance(model, BaseModel) else model
    )
    response = Response(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    if etag:
        response.headers["ETag"] = etag
    return response
