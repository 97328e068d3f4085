"""Resilience for calls to the store: a circuit breaker, a per-request time budget, and a
guard for calls that take no deadline of their own.

After `failure_threshold` consecutive failures the breaker opens and calls are refused
at once (callers fall back without waiting for a deadline); after `cooldown` seconds one
probe call is let through (half-open): success closes the breaker, failure re-opens it.
The budget (`request_budget`) is what every Firestore call of one request consumes, so a
request that reads several documents still waits at most one deadline in total.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from shared.config import Settings

T = TypeVar("T")
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


class Budget:
    """One request's allowance of time for the store, shared by every call it makes.

    Created once at the entry of a request (`request_budget`), consumed by each Firestore
    call in turn: a slow first read leaves less for the next, so the request as a whole
    waits at most the budget, however many reads it makes.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self.expires_at = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self.expires_at - self._clock())

    @property
    def spent(self) -> bool:
        return self._clock() >= self.expires_at

    def cap(self, timeout: float | None) -> float:
        """The time one call may take: its own deadline, but never past the budget."""
        remaining = self.remaining()
        return remaining if timeout is None else min(timeout, remaining)


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)


def current_budget() -> Budget | None:
    return _budget.get()


class request_budget:  # used as a function: `with request_budget(s) as budget`
    """Make a budget current for the calls inside; a nested budget never extends the outer
    one (an entry called from another entry keeps the caller's, shorter, allowance).

    A class, not a generator: every request enters one, cache hits included."""

    __slots__ = ("_clock", "_seconds", "_token")

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> Budget:
        outer = _budget.get()
        if outer is not None and outer.remaining() <= self._seconds:
            return outer
        budget = Budget(self._seconds, self._clock)
        self._token = _budget.set(budget)
        return budget

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _budget.reset(self._token)
            self._token = None


def run_within(work: Callable[[], T], seconds: float) -> T:
    """Run `work` on its own daemon thread and wait at most `seconds` for it; raise
    TimeoutError after that. For calls whose client offers no deadline of its own
    (Firestore's transaction begin and commit, building a client while credentials are
    looked up): the caller answers in time while the abandoned call finishes or fails on its
    own, so `work` must check the budget before doing anything irreversible. A thread per
    call, not a pool: a queued call would look like a store that never answered.
    """
    results: list[T] = []
    failures: list[BaseException] = []
    done = threading.Event()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            results.append(context.run(work))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            failures.append(exc)
        finally:
            done.set()

    threading.Thread(target=target, name="deadline-guard", daemon=True).start()
    if not done.wait(max(seconds, 0.0)):
        raise TimeoutError(f"no answer within {seconds:.2f} s")
    if failures:
        raise failures[0]
    return results[0]
