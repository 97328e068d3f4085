"""JSON answers, ETags and conditional requests."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from flask import Request, Response


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
    return joined_json_response(dumps_compact(payload), members, headers=headers)


def dumps_compact(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def joined_json_response(
    head: str, members: str, *, headers: dict[str, str] | None = None
) -> Response:
    """A serialized JSON object `head` with pre-serialized members appended to it."""
    body = head[:-1] + ("," if head != "{}" and members else "") + members + "}"
    return Response(body, status=200, headers=headers, mimetype="application/json")


@functools.lru_cache(maxsize=4096)  # the same few (name, version, hash, label) on every hit
def weak_etag(*parts: str | int | None) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def is_not_modified(request: Request, etag: str) -> bool:
    """`If-None-Match` uses weak comparison (RFC 9110 13.1.2), `*` matches anything."""
    if "If-None-Match" not in request.headers:  # the common case; skip parsing
        return False
    tag = etag.removeprefix("W/").strip('"')
    return request.if_none_match.contains_weak(tag) or request.if_none_match.star_tag


def not_modified_response(etag: str, headers: dict[str, str]) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = etag
    for name, value in headers.items():
        response.headers[name] = value
    return response
