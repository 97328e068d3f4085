"""Write transactions with a deadline, bounded attempts, and one meaning for each failure.

    attempt (begin, body, commit) -> aborted by a concurrent write? pause 0-0.25 s, 0-0.5 s,
        0-1 s and try again, at most ADMIN_WRITE_ATTEMPTS times, never past the budget

No commit once the budget is spent (the attempt raises instead and the client rolls back),
so a write that times out leaves nothing behind: Firestore applies a transaction whole or
not at all. The client library would retry an aborted commit at once, in lockstep with the
writers it collided with; a random pause lets one of them through. Begin and commit take
no deadline in the client library, so the caller enforces the budget around the whole run
(`shared.resilience.run_within`).

Outcomes (`answer_for`): the body's own refusals (404, 409, 412) as raised; contention that
used up the attempts or the time -> 409 `write-contention`; Firestore not answering -> 503.
Both carry `Retry-After`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from shared.config import Settings
from shared.errors import AppError, StoreDeadlineExceeded, StoreUnavailable, WriteContention
from shared.resilience import Budget
from shared.storage.firestore import as_store_error

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

T = TypeVar("T")

FIRST_PAUSE = 0.25
MAX_PAUSE = 1.0


@dataclass
class WriteState:
    """What the caller needs to know about a write that failed, set from the worker."""

    began: threading.Event = field(default_factory=threading.Event)  # Firestore answered
    waited: threading.Event = field(default_factory=threading.Event)  # queued behind a writer


def run_transaction(
    client: Client,
    body: Callable[[Transaction], T],
    settings: Settings,
    budget: Budget | None,
    state: WriteState,
) -> T:
    from google.cloud import firestore

    def attempt(transaction: Transaction) -> T:
        state.began.set()
        result = body(transaction)
        if budget is not None and budget.spent:
            raise StoreDeadlineExceeded("the write ran out of time before committing")
        return result

    attempts = settings.admin_write_attempts
    for number in range(1, attempts + 1):
        if budget is not None and budget.spent:
            raise StoreDeadlineExceeded("the write ran out of time before starting")
        try:
            committed: T = firestore.transactional(attempt)(client.transaction(max_attempts=1))
            return committed
        except Exception as exc:
            pause = _pause(number)
            out_of_time = budget is not None and budget.remaining() <= pause
            if number == attempts or not is_contention(exc) or out_of_time:
                raise
        time.sleep(pause)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _pause(number: int) -> float:
    return random.uniform(0, min(MAX_PAUSE, FIRST_PAUSE * 2 ** (number - 1)))  # noqa: S311 - jitter


def is_contention(exc: BaseException) -> bool:
    """Aborted by a concurrent transaction (on a read, or at commit: the client wraps that
    in a ValueError "Failed to commit transaction in N attempts")."""
    from google.api_core import exceptions as api_exceptions

    return any(isinstance(link, api_exceptions.Aborted) for link in _chain(exc))


def answer_for(exc: Exception, state: WriteState) -> Exception:
    """What a failed write means to the caller."""
    chain = _chain(exc)
    for link in chain:  # a rule refused the write (the rollback may have failed after it)
        if isinstance(link, AppError) and not isinstance(link, StoreUnavailable):
            return link
    contention = WriteContention(
        "too many concurrent changes to the same document; nothing was written, retry the request"
    )
    if is_contention(exc):
        return contention
    failures = [e for e in (as_store_error(link) for link in chain) if e is not None]
    if not failures:
        return exc  # a bug: the caller's 500
    answered = state.began.is_set() or state.waited.is_set()
    if answered and isinstance(failures[0], StoreDeadlineExceeded):
        # Firestore answered (or a writer ahead of this one was being answered) but this
        # write could not finish in time: it was waiting on concurrent writes.
        return contention
    return failures[0]


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain
