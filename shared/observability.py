"""Logs as one JSON object per line, in the shape Cloud Logging parses from stdout.

`severity`, `message`, `logging.googleapis.com/trace` and `spanId` (from
`X-Cloud-Trace-Context` or W3C `traceparent`), the request id, and whatever a call site put
in `extra={"json_fields": {...}}`. Hand-written (30 lines) rather than google-cloud-logging's
StructuredLogHandler, whose import would cost cold start on every function.

Nothing here logs request bodies or exception messages: messages can carry user input (PII).
Exceptions are logged as their type plus the stack, which holds code locations only.

How lines reach stdout, and why this way
-----------------------------------------
The request thread formats its line (so the line carries that request's context and nothing
mutable outlives the call) and appends it to a *bounded* deque; one writer thread per process
waits until lines arrive, lets a burst gather for `LINGER_SECONDS` (10 ms), then writes the
lot and flushes. Four facts shaped this:

- **gunicorn forks after import.** functions-framework's server imports the function module
  (which calls `configure_logging`) in gunicorn's master and then forks the worker. A thread
  started at import does not exist in the worker: a listener started there left every line
  queued forever (no logs at all, and memory growing by each queued record). So the writer
  belongs to a process id: `os.register_at_fork` gives the child a fresh, empty queue, and
  the first line logged in a process starts that process's writer.
- **stdout can stall.** A collector that stops reading leaves writes blocking. Request
  threads never wait for it: when the queue is full a line is dropped and counted, and the
  writer reports the count (`"log lines dropped"`, field `dropped`) once it can write again.
  Memory is bounded by `queue_lines` lines whatever happens to stdout.
- **Cloud Run collects stdout as it is written**, and under request-based CPU allocation a
  process may be frozen or stopped at any moment: a line waits at most the linger plus the
  writer's next turn (not for exit), each batch is flushed, and exit drains the queue
  (`atexit`, bounded by a few seconds).
- **Waking a thread per line is what costs**, not the write. Measured on served cache hits
  (one INFO line each) against the same server at `LOG_LEVEL=WARNING`: a `queue.Queue` whose
  writer woke for every line 0.92; this deque with a linger 1.00-1.02; a synchronous
  write+flush on the request thread 1.00 (docs/benchmarks.md). Synchronous writing is as
  cheap while stdout keeps up, but a stalled stdout would then stall every request.

The writer writes to whatever `sys.stdout` is at the moment of writing: a test runner that
swaps and closes stdout per test must not leave the writer on a closed file.

Command-line tools log to stderr instead (`configure_logging(level, stream="stderr")`): their
stdout is their answer (JSON a script parses), and a log line there, from any thread, would
corrupt it. A process is either a function or a CLI, so the choice is per process.
"""

from __future__ import annotations

import atexit
import itertools
import json
import logging
import math
import os
import random
import re
import sys
import threading
import time
import traceback
from collections import deque
from contextvars import ContextVar, Token
from typing import Any, Literal

_context: ContextVar[dict[str, str] | None] = ContextVar("request_log_context", default=None)
_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/(\d{1,20}))?")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

# Lines waiting for the writer, at most (a line is typically 300-600 bytes: a few MB).
QUEUE_LINES = 10_000
# Lines per write+flush, and how long the writer lets lines gather after the first one.
_BATCH_LINES = 256
LINGER_SECONDS = 0.01
_EXIT_FLUSH_SECONDS = 5.0


class CloudLoggingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            # Cloud Logging's structured `timestamp`; integer maths is cheaper than isoformat().
            "timestamp": {"seconds": int(record.created), "nanos": int(record.msecs * 1e6)},
            "logger": record.name,
        }
        payload.update(_context.get() or {})
        fields = getattr(record, "json_fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info and record.exc_info[1] is not None:
            payload["stack_trace"] = _stack_trace(record.exc_info[1])
        return json.dumps(payload, default=str, ensure_ascii=False)


def _stack_trace(error: BaseException) -> str:
    """The exception's type and stack; never its message, which can carry user input."""
    return f"{type(error).__qualname__}\n" + "".join(traceback.format_tb(error.__traceback__))


LogStream = Literal["stdout", "stderr"]


class JsonLinesWriter:
    """Writes queued lines to the current `sys.stdout` (or `sys.stderr`, see `stream`) from
    one thread of *this* process.

    The thread starts with the first line put in a process; a forked child starts with an
    empty queue and no thread (`os.register_at_fork`), so its first line starts its own.
    """

    def __init__(self, queue_lines: int = QUEUE_LINES, linger: float = LINGER_SECONDS) -> None:
        self._queue_lines = queue_lines
        self._linger = linger
        # Looked up on `sys` at each write, not held: the current file, never a closed one.
        self.stream: LogStream = "stdout"
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.close, _EXIT_FLUSH_SECONDS)

    def _reset(self) -> None:
        # Fresh locks too: another thread of the parent may have held one at fork time.
        self._pid = os.getpid()
        # deque append/popleft are atomic: putting a line takes no lock.
        self._lines: deque[str | threading.Event] = deque()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._closed = False
        self._lock = threading.Lock()
        self._written = 0
        self._dropped = 0
        self._reported_dropped = 0

    def put(self, line: str) -> None:
        """Never blocks: a line that finds the queue full is dropped and counted."""
        if self._thread is None or self._closed or self._pid != os.getpid():
            if self._pid != os.getpid():  # forked without the at-fork hooks
                self._reset()
            if not self._start():
                self._write([line])  # closed at exit: nothing left to hand it to
                return
        if len(self._lines) >= self._queue_lines:
            self.count_dropped(1)
            return
        self._lines.append(line)
        if not self._wake.is_set():  # an attribute read; set() only wakes an idle writer
            self._wake.set()

    def count_dropped(self, lines: int) -> None:
        with self._lock:
            self._dropped += lines

    def stats(self) -> dict[str, int]:
        """Lines written, dropped (queue full, stdout broken, unformattable), still queued."""
        return {"written": self._written, "dropped": self._dropped, "queued": len(self._lines)}

    def flush(self, timeout: float = _EXIT_FLUSH_SECONDS) -> bool:
        """Wait until every line put so far is written; False if that took over `timeout`."""
        if self._thread is None or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._lines.append(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float = _EXIT_FLUSH_SECONDS) -> None:
        """Write what is queued and stop the thread; later lines are written synchronously."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._stopping = True
            self._wake.set()
            thread.join(timeout)
        self._closed = True

    def _start(self) -> bool:
        with self._lock:
            if self._closed:
                return False
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="json-log-writer", daemon=True
                )
                self._thread.start()
        return True

    def _run(self) -> None:
        lines = self._lines
        while True:
            self._wake.wait()
            if self._linger and not self._stopping:
                # Let a burst gather: one write and one wake-up for many lines. Waking per
                # line cost measurable throughput (docs/benchmarks.md).
                time.sleep(self._linger)
            self._wake.clear()  # before draining: a line put from now on wakes us again
            while lines:
                batch: list[str] = []
                markers: list[threading.Event] = []
                while lines and len(batch) < _BATCH_LINES:
                    item = lines.popleft()
                    if isinstance(item, threading.Event):
                        markers.append(item)
                    else:
                        batch.append(item)
                self._write(batch)
                for marker in markers:
                    marker.set()
            if self._stopping:
                return

    def _write(self, batch: list[str]) -> None:
        with self._lock:
            dropped = self._dropped - self._reported_dropped
            self._reported_dropped = self._dropped
        if dropped:
            batch.append(_dropped_line(dropped))
        if not batch:
            return
        try:
            stream = sys.stderr if self.stream == "stderr" else sys.stdout
            stream.write("\n".join(batch) + "\n")
            stream.flush()
        except (OSError, ValueError, AttributeError, TypeError):  # closed, broken or no stdout
            # The lines are lost; counting them is all that is left to do.
            self.count_dropped(len(batch))
            return
        self._written += len(batch)


def _dropped_line(count: int) -> str:
    record = logging.LogRecord(
        __name__, logging.WARNING, __file__, 0, "log lines dropped", (), None
    )
    record.json_fields = {"dropped": count}
    return CloudLoggingFormatter().format(record)


class JsonLinesHandler(logging.Handler):
    """Formats on the caller's thread (the line carries that thread's request context) and
    hands the line to a `JsonLinesWriter`."""

    def __init__(self, writer: JsonLinesWriter) -> None:
        super().__init__()
        self.writer = writer
        self.setFormatter(CloudLoggingFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging's handleError would print the record's args
            self.writer.count_dropped(1)
            return
        self.writer.put(line)


_writer = JsonLinesWriter()
_handler = JsonLinesHandler(_writer)


def configure_logging(level: str = "INFO", *, stream: LogStream = "stdout") -> None:
    """Idempotent: routes the root logger to stdout (functions) or stderr (CLIs, whose stdout
    is their output) as JSON lines (see the module docstring for how lines get there); safe
    to call at import in a process that forks later."""
    # The logging HOWTO's optimizations: we never print caller, thread or process fields, so
    # skip collecting them on every record (findCaller walks the stack).
    logging._srcfile = None  # the HOWTO names this very attribute
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    _writer.stream = stream
    root = logging.getLogger()
    root.setLevel(level)
    if _handler not in root.handlers:
        root.addHandler(_handler)


class LogSampler:
    """Which events of a stream log a line: a `rate` share of them, evenly spread, the
    first always. Counted, not random, so an operator can scale the lines back to events
    (each sampled line carries the rate) and a test can count them."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._seen = itertools.count()  # next() on it is atomic under the GIL

    def __call__(self) -> bool:
        if self.rate >= 1:
            return True
        if self.rate <= 0:
            return False
        seen = next(self._seen)
        # True once per 1/rate events: when the running total of `rate` crosses an integer.
        return math.ceil(seen * self.rate) < math.ceil((seen + 1) * self.rate)


def log_stats() -> dict[str, int]:
    """This process's log lines: written, dropped, still queued."""
    return _writer.stats()


def flush_logs(timeout: float = _EXIT_FLUSH_SECONDS) -> bool:
    """Wait until every line logged so far in this process is on stdout."""
    return _writer.flush(timeout)


class request_context:  # used as a function: `with request_context(...) as rid`
    """Bind trace and request id to every log line of this request; yields the request id.

    A class, not a generator: it is entered on every request of the hot path. A request
    without a usable `X-Request-Id` gets 128 random bits from `random` (reseeded in each
    forked child), not `os.urandom`: the id correlates lines and carries no secret (a
    caller may set it), and a system call per request hands the GIL to another thread."""

    __slots__ = ("_fields", "_token", "request_id")

    def __init__(
        self,
        *,
        project_id: str,
        cloud_trace: str | None = None,
        traceparent: str | None = None,
        request_id: str | None = None,
    ) -> None:
        rid = request_id if request_id and _SAFE_REQUEST_ID.fullmatch(request_id) else None
        self.request_id = rid or f"{random.getrandbits(128):032x}"
        fields = {"request_id": self.request_id}
        if cloud_trace or traceparent:
            trace_id, span_id = _parse_trace(cloud_trace, traceparent)
            if trace_id:
                fields["logging.googleapis.com/trace"] = f"projects/{project_id}/traces/{trace_id}"
            if span_id:
                fields["logging.googleapis.com/spanId"] = span_id
        self._fields = fields
        self._token: Token[dict[str, str] | None] | None = None

    def __enter__(self) -> str:
        self._token = _context.set(self._fields)
        return self.request_id

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _context.reset(self._token)
            self._token = None


def current_request_id() -> str:
    """The id of the request being served ("" outside one), for audit entries."""
    return (_context.get() or {}).get("request_id", "")


def _parse_trace(cloud_trace: str | None, traceparent: str | None) -> tuple[str | None, str | None]:
    if cloud_trace and (match := _CLOUD_TRACE.match(cloud_trace)):
        span = match.group(2)
        return match.group(1).lower(), (format(int(span), "016x") if span else None)
    if traceparent and (match := _TRACEPARENT.match(traceparent.strip())):
        return match.group(1), match.group(2)
    return None, None
