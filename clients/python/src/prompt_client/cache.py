"""The one in-process cache: bounded LRU with per-entry TTL, ages, and single-flight refresh.

It lives in the client distribution because the client must install without the server's
package; `shared.cache` re-exports it, so the resolve function and the HTTP client share one
implementation. Pure (standard library only) and thread-safe. The clock is injected
(monotonic seconds) so tests move time by hand instead of sleeping. Entries are never
evicted for being old, only for space: an expired entry is still what
stale-while-revalidate and stale-if-error serve.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Clock = Callable[[], float]


class Cached(NamedTuple, Generic[V]):  # a tuple: built on every hit of the hot path
    value: V
    age: float
    fresh: bool


@dataclass
class CacheStats:
    fresh_hits: int = 0
    stale_hits: int = 0
    misses: int = 0


@dataclass
class _Entry(Generic[V]):
    value: V
    stored_at: float
    ttl: float


class TTLCache(Generic[K, V]):
    def __init__(self, *, ttl: float, max_entries: int, clock: Clock = time.monotonic) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: K) -> Cached[V] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.stats.misses += 1
                return None
            self._entries.move_to_end(key)
            age = self._clock() - entry.stored_at
            fresh = age < entry.ttl
            if fresh:
                self.stats.fresh_hits += 1
            else:
                self.stats.stale_hits += 1
            return Cached(entry.value, age, fresh)

    def peek(self, key: K) -> Cached[V] | None:
        """What `get` would return, without counting it or touching the LRU order: for a
        caller deciding which way to answer before it answers (then it calls `get`)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age = self._clock() - entry.stored_at
            return Cached(entry.value, age, age < entry.ttl)

    def put(self, key: K, value: V, *, ttl: float | None = None) -> None:
        """Store `value`; `ttl=math.inf` for immutable values (a template version)."""
        with self._lock:
            self._entries[key] = _Entry(value, self._clock(), self._ttl if ttl is None else ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def expire(self, key: K) -> None:
        """Make an entry stale now (it is still served as stale)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.ttl = 0.0

    def snapshot_keys(self) -> list[K]:
        """The keys held now (a copy: the cache may change while the caller walks it)."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


FOREVER = math.inf


class SingleFlight(Generic[K]):
    """At most one refresh per key at a time; the others serve stale or wait briefly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[K, threading.Event] = {}

    def claim(self, key: K) -> bool:
        with self._lock:
            if key in self._in_flight:
                return False
            self._in_flight[key] = threading.Event()
            return True

    def release(self, key: K) -> None:
        with self._lock:
            done = self._in_flight.pop(key, None)
        if done is not None:
            done.set()

    def wait(self, key: K, timeout: float) -> None:
        with self._lock:
            done = self._in_flight.get(key)
        if done is not None:
            done.wait(timeout)
