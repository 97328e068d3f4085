"""The change poll: how a serving instance learns, within seconds, that what it caches changed.

    a request arrives -> `tick()`: the last poll is older than CHANGE_POLL_SECONDS and none
        is running? -> start one on a background thread, and answer the request at once
    poll: audit entries committed after the watermark (one range query; one read when
        nothing changed) -> the targets not seen before -> `apply(targets)` re-reads them

Why the audit log: every admin write commits its entry in the write's own transaction
(`shared.storage.audit.record`), so an entry exists exactly when its change does, and the
log is kept (the outbox is emptied as it drains). Why a poll and not the change events: a
Pub/Sub push reaches one instance, not each of them, and with request-based CPU an idle
instance cannot hold a streaming pull open.

Why request-triggered: on Cloud Functions gen2 a thread only gets CPU while a request is in
flight, so a timer thread would stall anyway; starting the poll from a request puts it where
the CPU is, and a busy instance polls every CHANGE_POLL_SECONDS while an idle one costs
nothing. The request never waits for it: a cache hit stays a cache hit.

The watermark: after a poll that started at wall-clock time `w` succeeded, every entry
committed before `w` (give or take clock skew) was visible to it, so the next poll asks for
entries after `w - OVERLAP_SECONDS` and skips the ids it already saw in that overlap. A full
page means more changed than one poll reads: then everything cached is treated as changed.
A failing poll changes nothing (the cache and the fallback chain behave as without it): it
is logged once per outage, and the same window is asked again next time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from shared.errors import StoreUnavailable
from shared.resilience import request_budget

logger = logging.getLogger(__name__)

EVERYTHING = "*"  # the target `apply` receives when more changed than one poll reads
OVERLAP_SECONDS = 2.0  # clock skew and commit visibility margin; entries re-read are skipped
PAGE = 200
POLL_TIMEOUT_SECONDS = 5.0  # off the request path: a slow answer delays no one


class ChangeLog(Protocol):
    """The audit log's entries (`id`, `at`, `target`) committed after a time, oldest first
    (`shared.storage.audit.AuditLogStore.since`)."""

    def since(self, after: datetime, *, limit: int, timeout: float) -> list[dict[str, Any]]: ...


Apply = Callable[[set[str]], None]
Spawn = Callable[[Callable[[], None]], None]


def in_background(run: Callable[[], None]) -> None:
    threading.Thread(target=run, name="change-poll", daemon=True).start()


class ChangePoller:
    def __init__(
        self,
        log: ChangeLog,
        *,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        spawn: Spawn = in_background,
        page: int = PAGE,
    ) -> None:
        self._log = log
        self._interval = interval
        self._clock = clock
        self._wall_clock = wall_clock
        self._spawn = spawn
        self._page = page
        self._lock = threading.Lock()
        self._running = False
        self._next_due = 0.0
        # What this instance caches is read after it started (and after the fork and the first
        # request, seconds later): nothing committed before matters, and skew below that
        # cannot hide a change the cache missed.
        self._after = self._wall_time()
        self._seen: dict[str, datetime] = {}
        self._failing = False
        self.polls = 0  # completed polls, successful or not (health and tests read it)

    @property
    def enabled(self) -> bool:
        return self._interval > 0

    def tick(self, apply: Apply) -> None:
        """Called by every request: starts a background poll when one is due. Costs a clock
        read when none is."""
        if self._interval <= 0 or self._clock() < self._next_due:
            return
        with self._lock:
            if self._running or self._clock() < self._next_due:
                return
            self._running = True
        try:
            self._spawn(lambda: self._run(apply))
        except RuntimeError:  # no thread to be had (interpreter shutting down): next time
            with self._lock:
                self._running = False

    def _run(self, apply: Apply) -> None:
        try:
            self.poll(apply)
        except Exception:  # a thread's traceback would bypass the JSON logs
            logger.exception("change poll failed unexpectedly; cached copies kept")
        finally:
            with self._lock:
                self._running = False
                self._next_due = self._clock() + self._interval

    def poll(self, apply: Apply) -> set[str]:
        """One poll, synchronously: the targets it applied (empty when nothing changed or
        the log could not be read)."""
        started = self._wall_time()
        try:
            # Its own budget: building the client (credentials) is bounded too.
            with request_budget(POLL_TIMEOUT_SECONDS):
                entries = self._log.since(
                    self._after, limit=self._page, timeout=POLL_TIMEOUT_SECONDS
                )
        except StoreUnavailable as exc:
            self.polls += 1
            if not self._failing:
                self._failing = True
                logger.warning(
                    "change poll failed; cached copies kept until their TTL",
                    extra={"json_fields": {"error": exc.detail}},
                )
            return set()
        self.polls += 1
        if self._failing:
            self._failing = False
            logger.info("change poll recovered")
        fresh = [e for e in entries if str(e.get("id")) not in self._seen]
        targets = {str(e["target"]) for e in fresh if e.get("target")}
        if len(entries) >= self._page:
            targets = {EVERYTHING}
        self._advance(started, fresh)
        if targets:
            logger.info(
                "changes seen; refreshing what they name",
                extra={"json_fields": {"changes": len(fresh), "targets": sorted(targets)[:20]}},
            )
            apply(targets)
        return targets

    def _advance(self, started: datetime, fresh: list[dict[str, Any]]) -> None:
        for entry in fresh:
            at = entry.get("at")
            if isinstance(at, datetime):
                self._seen[str(entry["id"])] = at
        self._after = started - timedelta(seconds=OVERLAP_SECONDS)
        self._seen = {k: at for k, at in self._seen.items() if at > self._after}

    def _wall_time(self) -> datetime:
        return datetime.fromtimestamp(self._wall_clock(), UTC)


def templates_named(target: str) -> set[str]:
    """The template names an audit target stands for. A folder name's `/` is `%2F` in a
    target (`templates/team%2Fa/labels/b`), so the first segment is the name; entries
    written before names were escaped hold a plain `/`, so `templates/a/labels/b` may also
    be a template named `a/labels/b`: both are returned (re-reading one template too many
    costs one read)."""
    if not target.startswith("templates/"):
        return set()
    rest = target.removeprefix("templates/")
    names = {rest.split("/", 1)[0].replace("%2F", "/")}
    if "%2F" not in rest:
        names.add(rest)
        head, sep, label = rest.rpartition("/labels/")
        if sep and head and label and "/" not in label:
            names.add(head)
    return names
