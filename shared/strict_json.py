"""The one strict JSON decoder for everything that comes from outside (pure, stdlib only).

HTTP bodies, Pub/Sub message data and pagination cursors all go through `loads`. Python's
`json` accepts more than what the rest of the system can carry, and each excess used to
surface later as a 500 or a redelivery loop:

- `NaN`, `Infinity` and literals such as `1e400` (which parse to `inf`) cannot be
  serialized back as JSON nor stored meaningfully: refused.
- integers beyond 64 bits: Firestore stores int64 only, and a literal over 4,300 digits
  makes `int()` itself raise (CPython's int/str conversion limit). The literal's length is
  checked before it is converted, so a megabyte of digits costs nothing.
- nesting deeper than `MAX_DEPTH`: no document of ours is deeper than a few levels, and
  deep values overflow recursive code later (serializers, validators, Firestore's own limit).
- duplicate object keys: RFC 8259 leaves their meaning open and `json` silently keeps the
  last one, so two readers of the same bytes could disagree about what was sent.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_MAX_INT_LITERAL = len(str(INT_MIN))  # 20 characters, sign included


class JsonRefused(ValueError):
    """Why the text is not acceptable JSON; `reason` is safe to show (it quotes no input)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def loads(raw: str | bytes) -> Any:
    """Decode `raw` or raise `JsonRefused` naming the rule it breaks."""
    try:
        value = _decoder().decode(_text(raw))
    except JsonRefused:
        raise
    except json.JSONDecodeError as exc:
        raise JsonRefused(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise JsonRefused(f"nested deeper than {MAX_DEPTH} levels") from exc
    except (UnicodeDecodeError, ValueError) as exc:  # bytes that are no UTF-8/16/32 text
        raise JsonRefused("not valid UTF-8 text") from exc
    if _depth(value) > MAX_DEPTH:
        raise JsonRefused(f"nested deeper than {MAX_DEPTH} levels")
    return value


def _text(raw: str | bytes) -> str:
    """What `json.loads` does before decoding: refuse a BOM, find a byte string's encoding."""
    if isinstance(raw, str):
        if raw.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", raw, 0)
        return raw
    if not isinstance(raw, bytes | bytearray):
        kind = type(raw).__name__
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {kind}")
    return raw.decode(json.detect_encoding(raw), "surrogatepass")


@functools.cache
def _decoder() -> json.JSONDecoder:
    # Built once: `json.loads` with hooks builds a decoder (and its scanner) per call. A
    # decoder keeps no state between documents, so threads share it, as `json` shares its own.
    return json.JSONDecoder(
        parse_constant=_refuse_constant,
        parse_float=_finite_float,
        parse_int=_int64,
        object_pairs_hook=_unique_keys,
    )


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRefused("a number is too large for a 64-bit float")
    return value


def _int64(literal: str) -> int:
    if len(literal) > _MAX_INT_LITERAL or not INT_MIN <= (value := int(literal)) <= INT_MAX:
        raise JsonRefused("an integer is outside the 64-bit range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise JsonRefused("an object has a duplicate key")
    return document


def _depth(value: Any) -> int:
    """Nesting depth without recursion (a scalar is 0, `[]` is 1)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in item)
    return deepest
