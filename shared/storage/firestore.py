"""The one Firestore client factory, and the one way to call Firestore with a deadline.

`google.cloud.firestore` costs ~0.25 s to import, so it is imported on first use, not when a
function module loads: `/healthz` and cold-start imports stay cheap. The client is created
once per (project, database, emulator host) and reused by every request (warm instances).

Every call a store makes goes through `FirestoreRepository.read_with_deadline` or
`.transact`: `retry=`/`timeout=` from `call_options` (never past the request's budget, see
`shared.resilience.request_budget`), and every client failure, credential errors included,
mapped by `as_store_error` to `StoreUnavailable` (503), never a 500.
"""

from __future__ import annotations

import functools
import gc
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from shared.config import Settings
from shared.errors import StoreDeadlineExceeded, StoreUnavailable
from shared.resilience import current_budget, run_within

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

T = TypeVar("T")

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Client] = {}


def import_client_library() -> None:
    """Import the Firestore client ahead of the first read. Importing it is CPU time (about
    0.3 s, several times that on a loaded machine), not waiting on the database, so a caller
    that can afford it up front keeps it out of the first resolution's cold deadline."""
    from google.cloud import firestore  # noqa: F401


def _import_in_worker() -> None:
    import_client_library()
    # What the import built lives as long as the worker: out of every full collection, as
    # main.py does for what the module import built before the fork.
    gc.freeze()


@functools.cache  # one hook per process, however many apps a test builds
def import_in_each_worker() -> None:
    """Import the client library in every worker as it is forked, before it serves.

    gunicorn imports the function in its master, binds the socket and forks the worker;
    the library is not imported in the master (its import is ~0.3 s of every cold start
    and of every tool that loads the module), but in the child, synchronously, before the
    worker takes its first connection: a request that arrives meanwhile waits in the
    socket's backlog, outside its own cold deadline, instead of paying the import inside
    it, where on a busy CPU it could push the first resolution onto the bundled defaults.
    Synchronously, because a background import racing a request thread's first
    `google.api_core` import can hand that thread a half-initialised module. A server that
    never forks imports on the first lookup, as before."""
    os.register_at_fork(after_in_child=_import_in_worker)


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
    return store_unavailable(exc)


def store_unavailable(exc: BaseException) -> StoreUnavailable:
    """Our 503 for a failure already known to be the client's (caught as `store_errors()`)."""
    if isinstance(exc, StoreUnavailable):
        return exc
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
                raise store_unavailable(exc) from exc
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
            raise store_unavailable(exc) from exc

    def transact(self, body: Callable[[Transaction], T], *, key: str | None = None) -> T:
        """Run `body(transaction)` in one Firestore transaction within the request's budget,
        queued behind this instance's other writers of the document `key` (its path); see
        `shared.storage.transactions` for the attempts, the deadline and the outcomes."""
        from shared.storage.transactions import WriteState, answer_for, run_transaction

        budget = current_budget()
        state = WriteState()
        try:
            client = self.client
            queue = self._queue_for(key)
            if budget is None:
                with queue:
                    return run_transaction(client, body, self._settings, None, state)
            if not queue.acquire(blocking=False):
                # Another writer of this instance holds the document: time spent waiting
                # for it, and running out of time after it, is contention, not an outage.
                state.waited.set()
                if not queue.acquire(timeout=budget.remaining()):
                    raise StoreDeadlineExceeded("no turn to write within the deadline")
            try:
                return run_within(
                    lambda: run_transaction(client, body, self._settings, budget, state),
                    budget.remaining(),
                )
            finally:
                # Also when the attempt is abandoned: it can no longer commit (it checks the
                # budget first), so it must not hold up the writers queued behind it.
                queue.release()
        except Exception as exc:
            error = answer_for(exc, state)
            if error is exc:
                raise
            raise error from exc
