"""The one Firestore client factory.

`google.cloud.firestore` costs ~0.25 s to import, so it is imported on first use, not when a
function module loads: `/healthz` and cold-start imports stay cheap. The client is created
once per (project, database, emulator host) and reused by every request (warm instances).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from shared.config import Settings
from shared.errors import Conflict

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
    """Exceptions that mean "the store failed", as opposed to a bug in our code."""
    from google.api_core import exceptions as api_exceptions
    from google.auth import exceptions as auth_exceptions

    return (
        api_exceptions.GoogleAPIError,
        auth_exceptions.GoogleAuthError,
        TimeoutError,
        ConnectionError,
    )


TRANSACTION_ATTEMPTS = 10


class FirestoreRepository:
    """Base of the stores: settings in, the shared client created on first use."""

    def transact(self, work: Callable[[Transaction], T]) -> T:
        """Run a `@firestore.transactional` function; when contention outlasts the client's
        retries (it raises ValueError), answer 409 so the caller retries, never a 500."""
        try:
            return work(self.client.transaction(max_attempts=TRANSACTION_ATTEMPTS))
        except ValueError as exc:
            if "Failed to commit transaction" not in str(exc):
                raise
            raise Conflict(
                "too many concurrent changes to the same document; retry the request"
            ) from exc

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = firestore_client(self._settings)
        return self._client
