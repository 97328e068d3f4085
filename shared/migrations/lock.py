"""A lease lock in Firestore, so two migration runs never apply at the same time.

`_migrations/lock` holds `owner`, `acquired_at` and `expires_at`. Taking or renewing it is a
transaction: free, expired, or already ours -> it is ours until now + lease. A run that
crashes simply stops renewing, and the lease expires. While a migration runs, a heartbeat
thread renews the lease every third of its length.

A lease can still lapse (a paused process, renewals that kept failing), and another run may
then take it. Three things keep that from letting two runs record the same migration:
- a waiting run polls the lock with a plain read and transacts only when the lease looks
  free or expired, so waiters do not contend with the holder's renewals (contended renewals
  were what let a lease lapse under load);
- `check()` fails once the lease this run last took or renewed has run out by its own
  monotonic clock, not only once a renewal saw another owner;
- a migration is recorded by `fenced()`: one transaction that reads the lock and writes the
  record only while the lease is still this run's, so a run that lost it records nothing.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.errors import AppError
from shared.storage.firestore import store_errors

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

LOCK_DOCUMENT = "lock"
logger = logging.getLogger(__name__)


def _contention_errors() -> tuple[type[BaseException], ...]:
    # The Firestore client gives up on a contended transaction with a ValueError ("Failed to
    # commit transaction in N attempts"); store errors cover aborts and timeouts.
    return (ValueError, *store_errors())


class LockBusy(AppError):
    status = 409
    slug = "migration-lock-held"
    title = "Another migration run holds the lock"


class LockLost(AppError):
    slug = "migration-lock-lost"
    title = "The migration lease was lost"


@dataclass(frozen=True)
class LockInfo:
    owner: str
    acquired_at: datetime
    expires_at: datetime

    def describe(self, now: datetime) -> str:
        left = (self.expires_at - now).total_seconds()
        state = f"expires in {left:.0f}s" if left > 0 else f"expired {-left:.0f}s ago"
        return f"held by {self.owner} since {self.acquired_at.isoformat()} ({state})"


def utc_now() -> datetime:
    return datetime.now(UTC)


class LeaseLock:
    def __init__(
        self,
        client: Client,
        collection: str,
        *,
        owner: str,
        lease_seconds: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._ref = client.collection(collection).document(LOCK_DOCUMENT)
        self._client = client
        self.owner = owner
        self._lease = timedelta(seconds=lease_seconds)
        self._clock = clock
        self.lost = threading.Event()
        # Monotonic time until which the lease is surely ours: the start of the last
        # successful take or renewal plus the lease (the write happened after that start).
        self._valid_until = float("-inf")

    def holder(self) -> LockInfo | None:
        return _info(self._ref.get().to_dict())

    def try_acquire(self) -> LockInfo | None:
        """Take or renew the lease; returns None on success, else who holds it."""
        from google.cloud import firestore

        @firestore.transactional
        def take(transaction: Transaction) -> LockInfo | None:
            current = _info(self._ref.get(transaction=transaction).to_dict())
            now = self._clock()
            if current and current.owner != self.owner and current.expires_at > now:
                return current
            acquired = current.acquired_at if current and current.owner == self.owner else now
            transaction.set(
                self._ref,
                {"owner": self.owner, "acquired_at": acquired, "expires_at": now + self._lease},
            )
            return None

        started = time.monotonic()
        holder: LockInfo | None = take(self._client.transaction())
        if holder is None:
            self._valid_until = started + self._lease.total_seconds()
        return holder

    def _looks_taken(self) -> LockInfo | None:
        """The holder, by a plain read, if another run's lease is live (no transaction: a
        waiter must not contend with the holder's renewals)."""
        current = self.holder()
        if current and current.owner != self.owner and current.expires_at > self._clock():
            return current
        return None

    def acquire(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                holder = self._looks_taken() or self.try_acquire()
            except (
                _contention_errors()
            ) as exc:  # other runs raced us for the lock document: wait, retry
                if time.monotonic() >= deadline:
                    raise LockBusy("migration lock is contended; no run could take it") from exc
                time.sleep(random.uniform(0.2, 1.0))  # noqa: S311 - jitter, not crypto
                continue
            if holder is None:
                return
            if time.monotonic() >= deadline:
                raise LockBusy(f"migration lock {holder.describe(self._clock())}")
            time.sleep(min(1.0, self._lease.total_seconds() / 4) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto

    def release(self) -> None:
        for attempt in range(5):
            try:
                self._release_once()
                return
            except _contention_errors():
                if attempt == 4:
                    raise  # the lease still expires on its own
                time.sleep(random.uniform(0.1, 0.5))  # noqa: S311 - jitter, not crypto

    def _release_once(self) -> None:
        from google.cloud import firestore

        @firestore.transactional
        def drop(transaction: Transaction) -> None:
            current = _info(self._ref.get(transaction=transaction).to_dict())
            if current and current.owner == self.owner:
                transaction.delete(self._ref)

        drop(self._client.transaction())

    @contextmanager
    def held(self, wait_seconds: float) -> Iterator[LeaseLock]:
        """Acquire, renew in the background while the body runs, release at the end."""
        self.acquire(wait_seconds)
        stop = threading.Event()

        beat = self._lease.total_seconds() / 3

        def heartbeat() -> None:
            delay = beat
            while not stop.wait(delay):
                try:
                    if self.try_acquire() is not None:
                        self.lost.set()
                        return
                    delay = beat
                except _contention_errors() as exc:
                    logger.warning(
                        "migration lease renewal failed",
                        extra={"json_fields": {"error": type(exc).__name__}},
                    )
                    # Retry well before the next beat: the lease keeps running out meanwhile.
                    delay = beat * random.uniform(0.1, 0.3)  # noqa: S311 - jitter, not crypto

        thread = threading.Thread(target=heartbeat, name="migration-lease", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
            self.release()

    def check(self) -> None:
        if self.lost.is_set():
            raise LockLost("another run took the migration lease; stopping before recording")
        if time.monotonic() >= self._valid_until:
            raise LockLost("the migration lease ran out before it could be renewed; stopping")

    def fenced(self, write: Callable[[Transaction], None]) -> None:
        """Run `write` in a transaction that first reads the lock: it commits only while the
        lease is still ours, so a run whose lease lapsed (and was taken) writes nothing."""
        from google.cloud import firestore

        @firestore.transactional
        def guarded(transaction: Transaction) -> None:
            current = _info(self._ref.get(transaction=transaction).to_dict())
            if (
                current is None
                or current.owner != self.owner
                or current.expires_at <= self._clock()
            ):
                self.lost.set()
                raise LockLost("another run took the migration lease; stopping before recording")
            write(transaction)

        guarded(self._client.transaction())


def _info(data: dict[str, Any] | None) -> LockInfo | None:
    if not data:
        return None
    return LockInfo(str(data["owner"]), data["acquired_at"], data["expires_at"])
