"""Strict request parsing: the body is JSON of bounded size, the query has known keys only.

The body's JSON is decoded by `shared.strict_json` (no NaN/Infinity, 64-bit numbers, bounded
nesting, no duplicate keys): what passes here can be validated, stored and sent back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flask import Request

from shared import strict_json
from shared.errors import BadRequest, FieldError, PayloadTooLarge, UnsupportedMediaType


def read_json_body(request: Request, *, max_bytes: int) -> Any:
    return parse_json_body(read_body(request, max_bytes=max_bytes))


def read_body(request: Request, *, max_bytes: int) -> bytes:
    """The body's bytes, when it is declared JSON and at most `max_bytes` long."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"send the body as application/json (got '{mimetype or 'no content type'}')"
        )
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"the body is over the {max_bytes}-byte limit")
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"the body is over the {max_bytes}-byte limit")
    return raw


def parse_json_body(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    try:
        value = strict_json.loads(text)
    except strict_json.JsonRefused as exc:
        raise BadRequest(
            f"the body is {exc.reason}"
            if exc.reason.startswith("not ")
            else f"the body is refused: {exc.reason}",
            errors=[FieldError("body", exc.reason)],
        ) from exc
    if _SURROGATE_ESCAPE.search(text):
        # JSON allows "\ud800" alone, but it is no Unicode text: it could not be stored,
        # logged or sent back. Pairs (emoji as escapes) are fine; only look when escapes occur.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadRequest("the body contains an unpaired UTF-16 surrogate escape") from exc
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def positive_int(raw: str) -> int | None:
    """`raw` as a positive integer of at most 18 digits (what versions and limits are), else
    None. Checked before `int()`: CPython's `int()` raises on strings over 4,300 digits."""
    if 0 < len(raw) <= 18 and raw.isascii() and raw.isdigit() and (value := int(raw)) >= 1:
        return value
    return None


def query_params(request: Request, *, allowed: Iterable[str]) -> dict[str, str]:
    """Known keys, each at most once; a typo such as `?lable=staging` is a 400, not a default."""
    if not request.query_string:
        return {}
    allowed = set(allowed)
    unknown = sorted(set(request.args) - allowed)
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    problems = [FieldError(f"query.{k}", "unknown parameter") for k in unknown]
    problems += [FieldError(f"query.{k}", "given more than once") for k in repeated]
    if problems:
        raise BadRequest(
            "invalid query parameters: " + ", ".join(p.field for p in problems),
            errors=problems,
        )
    return {k: request.args[k] for k in request.args}
