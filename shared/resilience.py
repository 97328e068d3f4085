"""A small circuit breaker for calls to the store on the hot path.

After `failure_threshold` consecutive failures the breaker opens and calls are refused
at once (callers fall back without waiting for a deadline); after `cooldown` seconds one
probe call is let through (half-open): success closes the breaker, failure re-opens it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from shared.config import Settings

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failure_threshold
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @classmethod
    def for_firestore(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> CircuitBreaker:
        """The breaker every hot-path Firestore reader uses, tuned by the same settings."""
        return cls(
            failure_threshold=settings.breaker_failure_threshold,
            cooldown=settings.breaker_cooldown_seconds,
            clock=clock,
        )

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        with self._lock:
            state = self._state_locked()
            if state == "closed":
                return True
            if state == "half_open" and not self._probe_in_flight:
                self._probe_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._probe_in_flight = False
            if self._opened_at is not None or self._failures >= self._threshold:
                self._opened_at = self._clock()
