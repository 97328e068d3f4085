"""Opaque cursors: clients pass back `next_cursor` untouched; tampering is a 400."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, overload

from shared import strict_json
from shared.errors import BadRequest, FieldError
from shared.http.parsing import positive_int

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
R = TypeVar("R")
T = TypeVar("T")


# What a cursor may point after: a document id (names, execution and audit ids) or a
# version number. Anything else was not issued by us and must not reach a query.
_CURSOR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}")
_MAX_CURSOR_CHARS = 1024


def encode_cursor(value: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode().rstrip("=")


@overload
def decode_cursor(cursor: str | None, *, kind: type[str] = str) -> str | None: ...
@overload
def decode_cursor(cursor: str | None, *, kind: type[int]) -> int | None: ...
def decode_cursor(cursor: str | None, *, kind: type[str] | type[int] = str) -> str | int | None:
    """The `after` value of a cursor `encode_cursor` issued: a document id (`kind=str`) or a
    positive 64-bit number (`kind=int`); any other shape is a 400 `invalid cursor`."""
    if not cursor:
        return None
    try:
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        document = strict_json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(document, dict) or set(document) != {"after"}:
            raise ValueError("not a cursor")
        after: str | int = document["after"]
        if kind is int:
            if type(after) is not int or after < 1:
                raise ValueError("not a version")
        elif not (isinstance(after, str) and _CURSOR_ID.fullmatch(after)):
            raise ValueError("not a document id")
        return after
    except (binascii.Error, ValueError) as exc:  # JsonRefused is a ValueError
        raise BadRequest(
            "invalid cursor", errors=[FieldError("query.cursor", "pass next_cursor unchanged")]
        ) from exc


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    limit = positive_int(raw)
    if limit is None or limit > MAX_LIMIT:
        raise BadRequest(
            "invalid limit", errors=[FieldError("query.limit", f"an integer 1..{MAX_LIMIT}")]
        )
    return limit


MAX_WINDOW = timedelta(days=31)
DEFAULT_WINDOW = timedelta(days=1)


def parse_window(start_raw: str | None, end_raw: str | None) -> tuple[datetime, datetime]:
    """`from`/`to` as ISO 8601 (a zone is required); default the last 24 hours, at most 31 days."""
    end = _instant(end_raw, "to") if end_raw else datetime.now(UTC)
    start = _instant(start_raw, "from") if start_raw else end - DEFAULT_WINDOW
    if not start < end or end - start > MAX_WINDOW:
        raise BadRequest(
            "invalid time window",
            errors=[FieldError("query.from", "must be before 'to', at most 31 days earlier")],
        )
    return start, end


def _instant(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(
            f"invalid {name}", errors=[FieldError(f"query.{name}", "an ISO 8601 time with zone")]
        ) from exc
    if value.tzinfo is None:
        raise BadRequest(
            f"invalid {name}", errors=[FieldError(f"query.{name}", "give a zone, e.g. Z or +00:00")]
        )
    return value


def paginate(
    fetch: Callable[[Any, int], Sequence[R]],
    *,
    cursor: str | None,
    limit: int,
    shape: Callable[[R], T],
    key: Callable[[T], str | int],
    kind: type[str] | type[int] = str,
) -> tuple[list[T], str | None]:
    """One page of a listing and the cursor of the next: `fetch(after, n)` reads up to `n`
    rows after the decoded cursor; one row more than the page tells whether another follows
    without a second query."""
    after = decode_cursor(cursor, kind=int) if kind is int else decode_cursor(cursor)
    rows = fetch(after, limit + 1)
    items = [shape(row) for row in rows[:limit]]
    return items, encode_cursor(key(items[-1])) if len(rows) > limit else None
