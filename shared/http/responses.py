"""JSON answers, ETags and conditional requests."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from flask import Request, Response
from werkzeug.datastructures import Headers


def json_response(
    payload: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def json_response_with_members(
    payload: dict[str, Any], members: str, *, headers: dict[str, str] | None = None
) -> Response:
    """`payload` plus pre-serialized object members (e.g. a cached template representation)."""
    return Response(
        joined_json(dumps_compact(payload), members),
        status=200,
        headers=headers,
        mimetype="application/json",
    )


def dumps_compact(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def joined_json(head: str, members: str) -> str:
    """A serialized JSON object `head` with pre-serialized members appended to it."""
    return head[:-1] + ("," if head != "{}" and members else "") + members + "}"


@dataclass(frozen=True)
class PreparedJson:
    """A 200 JSON answer built once and sent many times: its bytes, its ETag, and its
    headers in the order `Response(body, headers=..., mimetype="application/json")` sends
    them (the given headers, then Content-Type and Content-Length). Each `response()` is a
    new Response, so whatever a caller adds to one (the request id) stays on it."""

    body: bytes
    etag: str
    headers: dict[str, str]  # ETag and the rest, without the content headers
    _sent: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Validated once, here, as werkzeug validates headers it is given.
        sent = Headers(
            [
                *self.headers.items(),
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(self.body))),
            ]
        )
        object.__setattr__(self, "_sent", tuple(sent.items()))

    @property
    def sent(self) -> tuple[tuple[str, str], ...]:
        """Every header the answer sends, validated, in order (a WSGI header list)."""
        return self._sent

    @classmethod
    def build(cls, body: str, *, etag: str, headers: dict[str, str]) -> PreparedJson:
        return cls(body.encode(), etag, {"ETag": etag, **headers})

    def response(self) -> Response:
        # The validated headers go straight into werkzeug's list (re-validating them per
        # request was half the cost of building the answer); the body as a one-item
        # sequence, as `Response(bytes)` stores it, with its Content-Length already set.
        # tests/unit/test_resolve_hot_path.py holds this equal to the plain construction.
        headers = Headers()
        headers._list = list(self._sent)
        return Response([self.body], headers=headers)


@functools.lru_cache(maxsize=4096)  # the same few (name, version, hash, label) on every hit
def weak_etag(*parts: str | int | None) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def is_not_modified(request: Request, etag: str) -> bool:
    """`If-None-Match` uses weak comparison (RFC 9110 13.1.2), `*` matches anything."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:  # the common case; skip parsing
        return False
    tag = etag.removeprefix("W/").strip('"')
    return request.if_none_match.contains_weak(tag) or request.if_none_match.star_tag


def not_modified_response(etag: str, headers: dict[str, str]) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = etag
    for name, value in headers.items():
        response.headers[name] = value
    return response
