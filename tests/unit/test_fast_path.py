"""The fast path's decisions, without a server: which requests it may answer, that it hands
everything else (errors included) to the app underneath, and that the resolver's peek reads
without counting. tests/e2e/test_fast_path.py holds its answers equal to the usual ones,
served."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Request, Response

from shared.config import Settings
from shared.http.fast_path import Direct, FastPath, direct_post, plain_get
from shared.http.responses import PreparedJson
from shared.observability import current_request_id
from shared.templates.resolver import Resolver
from shared.templates.service import ResolutionService
from tests.resolution_cases import InMemoryTemplates
from tests.support import FakeClock

PLAIN = {"REQUEST_METHOD": "GET", "PATH_INFO": "/templates/greet", "RAW_URI": "/templates/greet"}
INCLUDES_GREET = "@@@langfusePrompt:name=greet|label=production@@@ there"
PREPARED = PreparedJson.build('{"a":1}', etag='W/"e"', headers={"Cache-Control": "no-cache"})


@pytest.mark.parametrize(
    "changes",
    [
        {"REQUEST_METHOD": "HEAD"},
        {"REQUEST_METHOD": "POST"},
        {"QUERY_STRING": "label=production"},
        {"CONTENT_LENGTH": "3"},
        {"HTTP_TRANSFER_ENCODING": "chunked"},
        {"HTTP_IF_NONE_MATCH": 'W/"e"'},
        {"SCRIPT_NAME": "/mounted"},
        {"RAW_URI": "/templates/gr%65et"},
    ],
)
def test_only_a_plain_get_may_go_the_fast_way(changes):
    assert plain_get(PLAIN)
    assert plain_get({**PLAIN, "CONTENT_LENGTH": "0", "QUERY_STRING": ""})
    assert not plain_get({**PLAIN, **changes})


class _Usual:
    """The app underneath: records what it was handed."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, environ, start_response):
        self.seen.append(environ)
        start_response("418 I'm a teapot", [])
        return [b"usual"]


def _call(app, environ) -> tuple[str, list[tuple[str, str]], bytes]:
    sent: list[Any] = []
    body = b"".join(app(dict(environ), lambda status, headers: sent.extend([status, headers])))
    return sent[0], sent[1], body


def test_a_prepared_answer_is_sent_with_the_request_id_bound_while_it_is_found():
    usual, ids = _Usual(), []

    def answer(environ):
        ids.append(current_request_id())
        return PREPARED

    fast = FastPath(usual, answer, project_id=lambda: "demo")
    status, headers, body = _call(fast, {**PLAIN, "HTTP_X_REQUEST_ID": "given-1"})
    assert (status, body, usual.seen) == ("200 OK", b'{"a":1}', [])
    assert headers == [*PREPARED.sent, ("X-Request-Id", "given-1")]
    assert ids == ["given-1"]
    assert current_request_id() == ""  # unbound once answered


@pytest.mark.parametrize("outcome", [None, RuntimeError("the key check refused")])
def test_what_answer_declines_or_fails_on_goes_to_the_app_underneath(outcome):
    usual = _Usual()

    def answer(environ):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    fast = FastPath(usual, answer, project_id=lambda: "demo")
    assert _call(fast, PLAIN) == ("418 I'm a teapot", [], b"usual")
    assert len(usual.seen) == 1


def test_a_request_it_may_not_answer_never_reaches_answer():
    usual = _Usual()
    fast = FastPath(usual, lambda environ: pytest.fail("asked"), project_id=lambda: "demo")
    assert _call(fast, {**PLAIN, "QUERY_STRING": "x=1"})[2] == b"usual"


def _service(clock: FakeClock, rows: list[dict[str, Any]]) -> ResolutionService:
    settings = Settings.from_env({"GOOGLE_CLOUD_PROJECT": "demo-unit", "ENVIRONMENT": "test"})
    return ResolutionService(
        Resolver(store=InMemoryTemplates(rows), settings=settings, clock=clock)
    )


def test_the_cached_get_answers_a_fresh_copy_only_and_its_peek_counts_nothing():
    clock = FakeClock()
    service = _service(
        clock,
        [
            {"name": "greet", "template": "hi {{who}}", "labels": ["production"]},
            {"name": "outer", "template": INCLUDES_GREET, "labels": ["production"]},
        ],
    )
    stats = service.resolver.cache.stats
    assert service.cached_get("greet") is None  # a miss: the usual way reads it
    assert (stats.fresh_hits, stats.misses) == (0, 0)
    first = service.get("greet")
    hits_before = stats.fresh_hits
    cached = service.cached_get("greet")
    assert cached is not None
    assert cached.source == "cache"
    assert cached.template == first.template
    assert stats.fresh_hits == hits_before + 1  # counted once, by the get it made
    service.get("outer")
    assert service.cached_get("outer") is None  # includes another prompt: composed the usual way
    clock.advance(10_000)
    fresh_before = stats.fresh_hits
    assert service.cached_get("greet") is None  # stale: the usual way refreshes it
    assert stats.fresh_hits == fresh_before
    assert stats.stale_hits == 0


RENDER = {
    "REQUEST_METHOD": "POST",
    "PATH_INFO": "/templates/greet/render",
    "RAW_URI": "/templates/greet/render",
    "CONTENT_LENGTH": "2",
    "CONTENT_TYPE": "application/json",
}


@pytest.mark.parametrize(
    "changes",
    [
        {"REQUEST_METHOD": "GET"},
        {"QUERY_STRING": "x=1"},
        {"CONTENT_LENGTH": ""},
        {"HTTP_TRANSFER_ENCODING": "chunked"},
        {"SCRIPT_NAME": "/mounted"},
        {"PATH_INFO": "/templates/greet", "RAW_URI": "/templates/greet"},
        {"RAW_URI": "/templates/gr%65et/render"},
    ],
)
def test_only_a_plain_post_to_the_suffix_is_handed_over_directly(changes):
    assert direct_post(RENDER, "/render")
    assert not direct_post({**RENDER, **changes}, "/render")


def test_a_direct_request_reaches_the_endpoint_and_its_unread_body_is_drained():
    usual, seen = _Usual(), []
    body = io.BytesIO(b"{}")

    def endpoint(request: Request) -> Response:
        seen.append((request.method, request.path))
        return Response("refused", status=401, headers={"X-Request-Id": "r"})

    fast = FastPath(
        usual,
        lambda environ: pytest.fail("a POST is no plain GET"),
        project_id=lambda: "demo",
        direct=Direct(lambda environ: direct_post(environ, "/render"), endpoint),
    )
    status, headers, sent = _call(fast, {**RENDER, "wsgi.input": body})
    assert (status, sent, usual.seen) == ("401 UNAUTHORIZED", b"refused", [])
    assert ("X-Request-Id", "r") in headers
    assert seen == [("POST", "/templates/greet/render")]
    assert body.read() == b""  # drained, as functions-framework drains it


@pytest.mark.parametrize("outcome", ["answers", None, RuntimeError("the key check refused")])
def test_a_recalled_answer_is_sent_else_the_endpoint_reads_the_very_body_sent(outcome):
    usual, seen, asked = _Usual(), [], []
    sent_body = b'{"variables": {}}'

    def endpoint(request: Request) -> Response:
        seen.append(request.get_data())
        return Response("rendered", status=200)

    def recall(environ, body):
        asked.append((body, current_request_id()))
        if isinstance(outcome, Exception):
            raise outcome
        return PREPARED if outcome else None

    fast = FastPath(
        usual,
        lambda environ: pytest.fail("a POST is no plain GET"),
        project_id=lambda: "demo",
        direct=Direct(lambda e: direct_post(e, "/render"), endpoint, recall, len(sent_body)),
    )
    environ = {
        **RENDER,
        "CONTENT_LENGTH": str(len(sent_body)),
        "HTTP_X_REQUEST_ID": "given-2",
        "wsgi.input": io.BytesIO(sent_body),
    }
    status, headers, body = _call(fast, environ)
    assert asked == [(sent_body, "given-2")]
    if outcome == "answers":
        assert (status, body, seen) == ("200 OK", b'{"a":1}', [])
        assert headers == [*PREPARED.sent, ("X-Request-Id", "given-2")]
    else:
        assert (status, body, seen) == ("200 OK", b"rendered", [sent_body])
    assert usual.seen == []


def test_a_body_longer_than_recall_reads_is_left_for_the_endpoint():
    seen: list[bytes] = []

    def endpoint(request: Request) -> Response:
        seen.append(request.get_data())
        return Response("rendered")

    fast = FastPath(
        _Usual(),
        lambda environ: None,
        project_id=lambda: "demo",
        direct=Direct(
            lambda e: direct_post(e, "/render"),
            endpoint,
            lambda environ, body: pytest.fail("a body over the limit is not read ahead"),
            recall_max_body=1,
        ),
    )
    assert _call(fast, {**RENDER, "wsgi.input": io.BytesIO(b"{}")})[2] == b"rendered"
    assert seen == [b"{}"]
