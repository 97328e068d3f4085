"""The one Firestore client factory.

`google.cloud.firestore` costs ~0.25 s to import, so it is imported on first use, not when a
function module loads: `/healthz` and cold-start imports stay cheap. The client is created
once per (project, database, emulator host) and reused by every request (warm instances).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from shared.config import Settings
from shared.errors import AppError, StoreDeadlineExceeded, StoreUnavailable, WriteContention
from shared.resilience import current_budget, run_within

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

T = TypeVar("T")

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Client] = {}


def firestore_client(settings: Settings) -> Client:
    key = (settings.project_id, settings.firestore_database, settings.firestore_emulator_host)
    with _lock:
        client = _clients.get(key)
        if client is None:
            from google.cloud import firestore

            # The client takes the emulator host from the environment at construction only;
            # settings are the source of truth, so show it theirs for that moment.
            with emulator_environment("FIRESTORE_EMULATOR_HOST", settings.firestore_emulator_host):
                client = firestore.Client(
                    project=settings.project_id, database=settings.firestore_database
                )
            _clients[key] = client
        return client


@contextmanager
def emulator_environment(name: str, value: str | None) -> Iterator[None]:
    """Google clients read emulator hosts from the environment at construction only; show
    them the settings' value for that moment."""
    previous = os.environ.get(name)
    _set_env(name, value)
    try:
        yield
    finally:
        _set_env(name, previous)


def _set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def store_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the store failed", as opposed to a bug in our code. Credential
    errors count: without credentials Firestore is as unavailable as when it is down."""
    from google.api_core import exceptions as api_exceptions
    from google.auth import exceptions as auth_exceptions

    return (
        api_exceptions.GoogleAPIError,  # includes RetryError, DeadlineExceeded, Unavailable
        auth_exceptions.GoogleAuthError,  # includes DefaultCredentialsError
        TimeoutError,
        ConnectionError,
    )


MIN_CALL_SECONDS = 0.02


def call_options(timeout: float | None = None) -> dict[str, Any]:
    """`retry=` and `timeout=` for one Firestore RPC: at most `timeout`, and never past the
    current request's budget. Transient errors are retried only within that time. Outside
    any budget and without a timeout (migrations, CLIs) the client's own defaults apply."""
    budget = current_budget()
    seconds = timeout if budget is None else budget.cap(timeout)
    if seconds is None:
        return {}
    if seconds < MIN_CALL_SECONDS:  # no round trip fits in what is left
        raise StoreDeadlineExceeded("the request's Firestore deadline was used up")
    from google.api_core import retry as retries

    retry = retries.Retry(
        predicate=retries.if_transient_error,
        initial=0.02,
        maximum=0.1,
        multiplier=2.0,
        timeout=seconds,
    )
    return {"retry": retry, "timeout": seconds}


def as_store_error(exc: BaseException) -> StoreUnavailable | None:
    """The one mapping of client failures to our 503 (None: not a store failure)."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if not isinstance(exc, store_errors()):
        return None
    if _is_timeout(exc):
        return StoreDeadlineExceeded(f"Firestore did not answer in time: {type(exc).__name__}")
    return StoreUnavailable(f"Firestore call failed: {type(exc).__name__}")


def _is_timeout(exc: BaseException) -> bool:
    from google.api_core import exceptions as api_exceptions

    return isinstance(
        exc, (TimeoutError, api_exceptions.DeadlineExceeded, api_exceptions.RetryError)
    )


class FirestoreRepository:
    """Base of the stores: settings in, the shared client created on first use (inside a
    guarded call, so a client that cannot be built, e.g. for want of credentials, is a store
    failure like any other), every call bounded by the request's budget."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self.reads = 0  # calls attempted: tests and benchmarks count them
        self._queues_lock = threading.Lock()
        self._queues: dict[str, threading.Lock] = {}

    def _queue_for(self, key: str | None) -> threading.Lock:
        if key is None:
            return threading.Lock()  # no document named: nobody to queue behind
        with self._queues_lock:
            return self._queues.setdefault(key, threading.Lock())

    @property
    def client(self) -> Client:
        if self._client is None:
            budget = current_budget()
            try:
                if budget is None:
                    self._client = firestore_client(self._settings)
                else:
                    # Building a client looks for credentials; with none, google-auth probes
                    # the metadata server with backoff for seconds. Bounded like any call: a
                    # late build still lands in the factory's cache for the next request.
                    self._client = run_within(
                        lambda: firestore_client(self._settings), budget.remaining()
                    )
            except store_errors() as exc:
                raise as_store_error(exc) from exc  # type: ignore[misc]
        return self._client

    def read_with_deadline(
        self, fetch: Callable[[dict[str, Any]], T], *, timeout: float | None = None
    ) -> T:
        """The one Firestore call with a deadline: `fetch(options)` passes `options`
        (`retry=`, `timeout=`) to the client call(s) it makes, and materializes streams
        inside, so that every failure surfaces here, as `StoreUnavailable`."""
        self.reads += 1
        try:
            self.client  # noqa: B018 - built first (within the budget): the call gets what is left
            return fetch(call_options(timeout))
        except store_errors() as exc:
            raise as_store_error(exc) from exc  # type: ignore[misc]

    def transact(self, body: Callable[[Transaction], T], *, key: str | None = None) -> T:
        """Run `body(transaction)` in one Firestore transaction, within the request's budget.

        Writes of one instance to the same document (`key`, its path) queue in-process: they
        would serialize in Firestore anyway, and there every collision costs aborted
        attempts (in the emulator, a lock wait of about 2 s each). Writers on other
        instances still contend in Firestore, bounded as follows.

        At most `ADMIN_WRITE_ATTEMPTS` attempts, and no commit once the budget is spent (the
        attempt raises instead and the client rolls back), so a write that times out leaves
        nothing behind: Firestore applies a transaction whole or not at all. An attempt
        aborted by a concurrent write is retried after a short random pause (the client
        library would retry at once, in lockstep with the writers it collided with). Begin
        and commit take no deadline in the client library, so the budget is enforced around
        the whole run (`run_within`). Outcomes: the body's own errors (404, 409, 412) as
        raised; contention that used up the attempts or the time -> 409 `write-contention`;
        Firestore not answering -> 503. Both carry `Retry-After`.
        """
        from google.cloud import firestore

        budget = current_budget()
        began = threading.Event()  # Firestore answered: a transaction started
        waited = threading.Event()  # queued behind another writer of the same document

        def attempt(transaction: Transaction) -> T:
            began.set()
            result = body(transaction)
            if budget is not None and budget.spent:
                raise StoreDeadlineExceeded("the write ran out of time before committing")
            return result

        def run(client: Client) -> T:
            attempts = self._settings.admin_write_attempts
            for number in range(1, attempts + 1):
                if budget is not None and budget.spent:
                    raise StoreDeadlineExceeded("the write ran out of time before starting")
                try:
                    return firestore.transactional(attempt)(client.transaction(max_attempts=1))
                except Exception as exc:
                    pause = random.uniform(0, min(_MAX_PAUSE, _FIRST_PAUSE * 2 ** (number - 1)))  # noqa: S311 - jitter
                    if (
                        number == attempts
                        or not _is_contention(exc)
                        or (budget is not None and budget.remaining() <= pause)
                    ):
                        raise
                time.sleep(pause)
            raise AssertionError("unreachable: the last attempt returns or raises")

        try:
            client = self.client
            queue = self._queue_for(key)
            if budget is None:
                with queue:
                    return run(client)
            if not queue.acquire(blocking=False):
                # Another writer of this instance holds the document: time spent waiting
                # for it, and running out of time after it, is contention, not an outage.
                waited.set()
                if not queue.acquire(timeout=budget.remaining()):
                    raise StoreDeadlineExceeded("no turn to write within the deadline")
            try:
                return run_within(lambda: run(client), budget.remaining())
            finally:
                # Also when the attempt is abandoned: it can no longer commit (it checks the
                # budget first), so it must not hold up the writers queued behind it.
                queue.release()
        except Exception as exc:
            error = _write_error(exc, began=began.is_set() or waited.is_set())
            if error is exc:
                raise
            raise error from exc


_FIRST_PAUSE = 0.25
_MAX_PAUSE = 1.0


def _is_contention(exc: BaseException) -> bool:
    """Aborted by a concurrent transaction (on a read, or at commit: the client wraps that
    in a ValueError "Failed to commit transaction in N attempts")."""
    from google.api_core import exceptions as api_exceptions

    return any(isinstance(link, api_exceptions.Aborted) for link in _chain(exc))


def _write_error(exc: Exception, *, began: bool) -> Exception:
    """What a failed transaction means to the caller (see `transact`). `began`: Firestore
    answered this write, or it waited its turn behind another writer of the document."""
    chain = _chain(exc)
    for link in chain:  # a rule refused the write (the rollback may have failed after it)
        if isinstance(link, AppError) and not isinstance(link, StoreUnavailable):
            return link
    contention = WriteContention(
        "too many concurrent changes to the same document; nothing was written, retry the request"
    )
    if _is_contention(exc):
        return contention
    failures = [e for e in (as_store_error(link) for link in chain) if e is not None]
    if not failures:
        return exc  # a bug: the caller's 500
    if began and isinstance(failures[0], StoreDeadlineExceeded):
        # Firestore answered (or a writer ahead was being answered) but this write could
        # not finish in time: it was waiting on concurrent writes to the same document.
        return contention
    return failures[0]


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain
