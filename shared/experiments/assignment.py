"""Deterministic assignment of a user to an experiment variant (pure, stdlib only).

`growthbook_v2` (the default) is GrowthBook's scheme, so assignments can be checked against
and shared with that platform: `n = fnv1a32(str(fnv1a32(seed + user_key))) % 10000 / 10000`
in [0, 1); variant i owns `[cum_i, cum_i + coverage * weight_i)` where `cum_i` is the sum
of the earlier weights. Consequences, all tested:

- the same user gets the same variant of the same experiment, always;
- experiments are independent: the hash is salted with each experiment's own seed (the
  seed's unsalted MD5 put the same users in the same bucket of every experiment);
- changing weights or coverage keeps every user whose hash stays inside their variant's
  range (a ramp moves only the users it must);
- a user whose hash falls in no range (coverage < 1) is excluded: served the control
  (the first variant) and left out of the analysis.

FNV-1a runs in C (`fnv-hash-fast`, 0.4 us per assignment instead of 4.4 us in Python) for
ASCII seeds and keys, whose UTF-8 bytes are their code points; other keys take the
pure-Python `fnv1a32` over code points, as GrowthBook's Python SDK does.

`md5_mod_100` is the seed's scheme (`int(md5(user_key)) % 100`, unsalted), kept for
continuity with experiments that started under it; the same ranges apply to `bucket/100`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fnv_hash_fast import fnv1a_32

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
UINT32 = 0xFFFFFFFF

ASSIGNMENT_CACHE_SIZE = 65536
HashScheme = Literal["growthbook_v2", "md5_mod_100"]


def fnv1a32(text: str, state: int = FNV_OFFSET) -> int:
    """FNV-1a over code points, as GrowthBook's SDKs do; `state` continues a prefix."""
    prime, mask = FNV_PRIME, UINT32  # locals: this loop is the whole cost of an assignment
    # ASCII bytes are the code points, and iterating bytes skips a call to ord() per char.
    codes = text.encode("ascii") if text.isascii() else map(ord, text)
    for code in codes:
        state = ((state ^ code) * prime) & mask
    return state


def bucket_ranges(weights: Sequence[float], coverage: float) -> list[tuple[float, float]]:
    ranges, cumulative = [], 0.0
    for weight in weights:
        ranges.append((cumulative, cumulative + coverage * weight))
        cumulative += weight
    return ranges


@dataclass(frozen=True)
class Assignment:
    variant: int | None  # index into the variants; None: excluded (not in coverage)
    hash_value: float


class Assigner:
    """One experiment's assignment function, with the seed's FNV state precomputed."""

    def __init__(
        self, *, seed: str, weights: Sequence[float], coverage: float, scheme: HashScheme
    ) -> None:
        self.scheme = scheme
        self.ranges = bucket_ranges(weights, coverage)
        self._seed_state = fnv1a32(seed)
        self._seed_ascii = seed.isascii()
        self._seed_bytes = seed.encode("ascii") if self._seed_ascii else b""
        # Returning users are most of the traffic: remember answers. A plain dict, emptied
        # when full, costs ~0.1 us on a miss where functools.lru_cache cost ~0.7 us.
        self._memo: dict[str, Assignment] = {}

    def assign(self, user_key: str) -> Assignment:
        known = self._memo.get(user_key)
        if known is not None:
            return known
        answer = self._assign(user_key)
        if len(self._memo) >= ASSIGNMENT_CACHE_SIZE:
            self._memo.clear()
        self._memo[user_key] = answer
        return answer

    def hash_value(self, user_key: str) -> float:
        if self.scheme == "growthbook_v2":
            if self._seed_ascii and user_key.isascii():  # bytes are code points: use C
                inner = fnv1a_32(self._seed_bytes + user_key.encode("ascii"))
            else:
                inner = fnv1a32(user_key, self._seed_state)
            return fnv1a_32(str(inner).encode("ascii")) % 10000 / 10000
        digest = hashlib.md5(user_key.encode("utf-8"), usedforsecurity=False).hexdigest()
        return int(digest, 16) % 100 / 100

    def _assign(self, user_key: str) -> Assignment:
        n = self.hash_value(user_key)
        for index, (start, end) in enumerate(self.ranges):
            if start <= n < end:
                return Assignment(index, n)
        return Assignment(None, n)
