"""Plain cache hits answered, and chosen requests dispatched, beneath Flask: a WSGI
middleware in front of the function's app.

A served cache-hit GET spends most of its time in the framework, not in our code (one
request through functions-framework's Flask app costs about 55 us before any handler runs,
the handler about 9; docs/benchmarks.md). This middleware answers the one request shape
that needs none of it: a `GET` with no query, no body, no `If-None-Match` and a plain path,
whose answer `answer(environ)` finds prepared (the function's own route table, key check and
cache, called as the handler would call them). Everything else, and any request `answer`
declines or fails on before it answers, goes to the app underneath unchanged, where the
usual route table, error mapping and logging apply, so the answer to a request never
depends on which way it went (tests/e2e/test_fast_path.py holds both equal, served).

Requests `direct` picks (the resolve function's renders) are handed to the function's own
endpoint (`http_endpoint` around its route table) as functions-framework would hand them
once Flask has routed them there: a `flask.Request` of the environ in, the endpoint's
`Response` sent as the WSGI app it is, the body's unread rest drained afterwards as
functions-framework's `read_request` drains it. The same code answers, errors and logs.
Before that, a body of at most `recall_max_body` bytes is read and `recall(environ, body)`
may answer it with what the endpoint answered to the same request before (the resolve
function's repeated renders); the endpoint then reads the same bytes, when it is asked.

What the fast way does not do, and why that is fine: functions-framework's execution-id
middleware and its `read_request` hook (there is no body to drain), Flask's request
context (nothing here reads `flask.request`), and werkzeug's header validation (the
prepared headers were validated when they were built). The request id and trace are bound
to log lines as on the usual way (`request_context`), and the answer carries `X-Request-Id`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol
from wsgiref.types import StartResponse

from flask import Request, Response

from shared.observability import request_context

Environ = dict[str, Any]


WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class Prepared(Protocol):
    """A 200 answer's bytes and the headers it sends (all but `X-Request-Id`)."""

    @property
    def body(self) -> bytes: ...

    @property
    def sent(self) -> Sequence[tuple[str, str]]: ...


# The prepared answer to a plain GET, or None: answer it the usual way.
Answer = Callable[[Environ], Prepared | None]
# The function's own endpoint (`shared.http.problems.http_endpoint` around its route table):
# what functions-framework calls with the request once Flask has routed it there.
Endpoint = Callable[[Request], Response]
# The answer kept for this request with this body, or None: hand it to the endpoint.
Recall = Callable[[Environ, bytes], Prepared | None]


class Direct(NamedTuple):
    """Which requests go to the endpoint without Flask, and what may answer them first."""

    pick: Callable[[Environ], bool]
    endpoint: Endpoint
    recall: Recall | None = None
    recall_max_body: int = 0  # longer bodies are never read ahead: the endpoint reads them


def _plain_target(environ: Mapping[str, Any], method: str) -> bool:
    """`method`, no query, no chunked body, nothing in front of the path (a mount point),
    and a path the server passed on as it was received (no percent-escapes for the router
    to tell apart)."""
    if environ.get("REQUEST_METHOD") != method or environ.get("QUERY_STRING"):
        return False
    if "HTTP_TRANSFER_ENCODING" in environ or environ.get("SCRIPT_NAME"):
        return False
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return raw is None or raw == environ.get("PATH_INFO")


def plain_get(environ: Mapping[str, Any]) -> bool:
    """A GET the fast way may answer: a plain target, no body and no conditional."""
    if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return False
    return "HTTP_IF_NONE_MATCH" not in environ and _plain_target(environ, "GET")


def direct_post(environ: Mapping[str, Any], suffix: str) -> bool:
    """A POST of a body of stated length to a plain target ending in `suffix`: one the
    endpoint can be handed directly."""
    if not environ.get("CONTENT_LENGTH") or not environ.get("PATH_INFO", "").endswith(suffix):
        return False
    return _plain_target(environ, "POST")


class FastPath:
    """`answer` may answer plain GETs; the requests `direct` picks are handed to its endpoint
    as functions-framework would hand them, without Flask's routing and contexts around it."""

    def __init__(
        self,
        app: WsgiApp,
        answer: Answer,
        *,
        project_id: Callable[[], str],
        direct: Direct | None = None,
    ) -> None:
        self.app = app
        self._answer = answer
        self._project_id = project_id
        self._direct = direct

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self._direct is not None and self._direct.pick(environ):
            return self._hand_over(self._direct, environ, start_response)
        if not plain_get(environ):
            return self.app(environ, start_response)
        sent = self._prepared(environ, start_response, lambda: self._answer(environ))
        return sent if sent is not None else self.app(environ, start_response)

    def _hand_over(
        self, direct: Direct, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        body = _short_body(environ, direct.recall_max_body) if direct.recall else None
        if direct.recall is not None and body is not None:
            recall = direct.recall
            sent = self._prepared(environ, start_response, lambda: recall(environ, body))
            if sent is not None:
                return sent
            environ["wsgi.input"] = io.BytesIO(body)  # for the endpoint to read as sent
        request = Request(environ)
        response = direct.endpoint(request)
        if not response.is_streamed:
            request.get_data()  # what the handler left unread, as functions-framework drains it
        return response(environ, start_response)

    def _prepared(
        self,
        environ: Environ,
        start_response: StartResponse,
        find: Callable[[], Prepared | None],
    ) -> Iterable[bytes] | None:
        """The answer `find` prepared, sent with the request id bound while it looked; None
        when it found none or failed (the request then goes on its usual way)."""
        with request_context(
            project_id=self._project_id(),
            cloud_trace=environ.get("HTTP_X_CLOUD_TRACE_CONTEXT"),
            traceparent=environ.get("HTTP_TRACEPARENT"),
            request_id=environ.get("HTTP_X_REQUEST_ID"),
        ) as request_id:
            try:
                prepared = find()
            except Exception:  # noqa: BLE001 - the usual way answers it, errors included
                prepared = None
            if prepared is None:
                return None
            start_response("200 OK", [*prepared.sent, ("X-Request-Id", request_id)])
            return [prepared.body]


def _short_body(environ: Environ, max_bytes: int) -> bytes | None:
    """The body, read whole, when its stated length is at most `max_bytes`; else None,
    and nothing is read."""
    stated = environ.get("CONTENT_LENGTH", "")
    if not (0 < len(stated) <= 9 and stated.isascii() and stated.isdigit()):
        return None
    length = int(stated)
    if length > max_bytes:
        return None
    body: bytes = environ["wsgi.input"].read(length)
    return body
