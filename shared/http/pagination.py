"""Opaque cursors: clients pass back `next_cursor` untouched; tampering is a 400."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from shared.errors import BadRequest, FieldError

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadRequest(
            "invalid cursor", errors=[FieldError("query.cursor", "pass next_cursor unchanged")]
        ) from exc


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(
            "invalid limit", errors=[FieldError("query.limit", f"an integer 1..{MAX_LIMIT}")]
        )
    return int(raw)
