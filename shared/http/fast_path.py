"""Plain cache hits answered beneath Flask: a WSGI middleware in front of the function's app.

A served cache-hit GET spends most of its time in the framework, not in our code (one
request through functions-framework's Flask app costs about 55 us before any handler runs,
the handler about 9; docs/benchmarks.md). This middleware answers the one request shape
that needs none of it: a `GET` with no query, no body, no `If-None-Match` and a plain path,
whose answer `answer(environ)` finds prepared (the function's own route table, key check and
cache, called as the handler would call them). Everything else, and any request `answer`
declines or fails on before it answers, goes to the app underneath unchanged, where the
usual route table, error mapping and logging apply, so the answer to a request never
depends on which way it went (tests/e2e/test_fast_path.py holds both equal, served).

What the fast way does not do, and why that is fine: functions-framework's execution-id
middleware and its `read_request` hook (there is no body to drain), Flask's request
context (nothing here reads `flask.request`), and werkzeug's header validation (the
prepared headers were validated when they were built). The request id and trace are bound
to log lines as on the usual way (`request_context`), and the answer carries `X-Request-Id`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from shared.http.responses import PreparedJson
from shared.observability import request_context

Environ = dict[str, Any]


class StartResponse(Protocol):
    def __call__(self, status: str, headers: list[tuple[str, str]], /) -> object: ...


WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
# The prepared answer to a plain GET, or None: answer it the usual way.
Answer = Callable[[Environ], PreparedJson | None]


def plain_get(environ: Mapping[str, Any]) -> bool:
    """A GET the fast way may answer: no query, no body, no conditional, nothing in front
    of the path (a mount point), and a path the server passed on as it was received (no
    percent-escapes for the router to tell apart)."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return False
    if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return False
    if "HTTP_TRANSFER_ENCODING" in environ or "HTTP_IF_NONE_MATCH" in environ:
        return False
    if environ.get("SCRIPT_NAME"):
        return False
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return raw is None or raw == environ.get("PATH_INFO")


class FastPath:
    def __init__(self, app: WsgiApp, answer: Answer, *, project_id: Callable[[], str]) -> None:
        self.app = app
        self._answer = answer
        self._project_id = project_id

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not plain_get(environ):
            return self.app(environ, start_response)
        with request_context(
            project_id=self._project_id(),
            cloud_trace=environ.get("HTTP_X_CLOUD_TRACE_CONTEXT"),
            traceparent=environ.get("HTTP_TRACEPARENT"),
            request_id=environ.get("HTTP_X_REQUEST_ID"),
        ) as request_id:
            try:
                prepared = self._answer(environ)
            except Exception:  # noqa: BLE001 - the usual way answers it, errors included
                prepared = None
            if prepared is not None:
                start_response("200 OK", [*prepared.sent, ("X-Request-Id", request_id)])
                return [prepared.body]
        return self.app(environ, start_response)
