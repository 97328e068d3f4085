"""Repeated renders answered from what the endpoint answered before (`resolve_api.RenderMemo`),
through the fast path in front of the real route table, with in-memory stores: a kept answer
is the endpoint's own bytes and headers, and anything that could make the answer different
(another key, body or content type, a label move, a guardrail change, a user key, a firing
guardrail) takes the usual way. tests/e2e/test_fast_path.py holds the same, served."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from flask import Request, Response

from shared import resolve_api
from shared.auth.principals import Principal, Role
from shared.config import Settings
from shared.errors import Unauthenticated
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.loader import GuardrailLoader
from shared.http.api import Api
from shared.http.fast_path import Direct, FastPath, direct_post
from shared.http.problems import http_endpoint
from shared.resolve_api import RenderMemo, ResolveServices
from shared.templates.resolver import Resolver
from shared.templates.service import ResolutionService
from tests.resolution_cases import InMemoryTemplates
from tests.support import FakeClock

KEY = "good-key"
PATH = "/templates/greet/render"
BODY = {"variables": {"who": "Ada"}}


class _Keys:
    def require(self, headers: Mapping[str, str], minimum: Role) -> Principal:
        if headers.get("X-API-Key") != KEY:
            raise Unauthenticated("an API key is required")
        return Principal("key:t", "api_key", frozenset({"service"}))


class _Guardrails:
    """The guardrails collection in memory; `documents` may be changed between loads."""

    def __init__(self) -> None:
        self.reads = 0
        self.documents = [g.model_dump() for g in DEFAULT_GUARDRAILS.values()]

    def read_all(self, *, timeout: float) -> list[dict[str, Any]]:
        self.reads += 1
        return [dict(d) for d in self.documents]


class _Stack:
    def __init__(self) -> None:
        settings = Settings.from_env({"GOOGLE_CLOUD_PROJECT": "demo-unit", "ENVIRONMENT": "test"})
        self.templates = InMemoryTemplates(
            [
                {"name": "greet", "template": "Hello {{ who }}.", "labels": ["production"]},
                {"name": "greet", "template": "Good day {{ who }}."},
            ]
        )
        self.guardrail_store = _Guardrails()
        self.guardrails = GuardrailLoader(
            store=self.guardrail_store, settings=settings, clock=FakeClock()
        )
        self.service = ResolutionService(
            Resolver(store=self.templates, settings=settings, clock=FakeClock()),
            self.guardrails,
        )
        self.services = ResolveServices(
            service=self.service,
            reporting=None,  # type: ignore[arg-type]  # no route here reports executions
            http_max_age_seconds=10,
            renders=RenderMemo(),
        )
        api = Api(resolve_api.ROUTES, context=self.services, max_body=64 * 1024, path_patterns={})
        self.endpoint_calls = 0

        @http_endpoint(lambda: "demo-unit")
        def endpoint(request: Request) -> Response:
            self.endpoint_calls += 1
            return api.dispatch(request, _Keys())

        self.app = FastPath(
            lambda environ, start_response: [b"not for the app underneath"],
            lambda environ: None,
            project_id=lambda: "demo-unit",
            direct=Direct(
                lambda environ: direct_post(environ, resolve_api.RENDER_SUFFIX),
                endpoint,
                recall=resolve_api.recall_render(self.services, _Keys()),
                recall_max_body=resolve_api.RENDER_MEMO_MAX_BODY,
            ),
        )

    @property
    def recalled(self) -> int:
        return self.services.fast_path.renders_recalled

    def post(
        self, body: Any = BODY, *, key: str = KEY, content_type: str = "application/json"
    ) -> tuple[str, dict[str, str], bytes]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": PATH,
            "RAW_URI": PATH,
            "SERVER_NAME": "x",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(data)),
            "HTTP_X_API_KEY": key,
            "HTTP_X_REQUEST_ID": "r-1",
        }
        sent: list[Any] = []
        chunks = self.app(environ, lambda status, headers: sent.extend([status, headers]))
        return sent[0], dict(sent[1]), b"".join(chunks)


def test_a_repeated_render_is_answered_with_the_endpoints_own_bytes_and_headers():
    stack = _Stack()
    first = stack.post()  # the template read from the store: a "firestore" answer, not kept
    assert json.loads(first[2])["source"] == "firestore"
    assert len(stack.services.renders or ()) == 0
    usual = stack.post()  # a cache hit, kept
    assert (stack.recalled, stack.endpoint_calls) == (0, 2)
    repeats = [stack.post() for _ in range(3)]
    assert (stack.recalled, stack.endpoint_calls) == (3, 2)
    assert all(repeat == usual for repeat in repeats)
    assert usual[0] == "200 OK"
    assert usual[1]["X-Request-Id"] == "r-1"
    assert usual[1]["Cache-Control"] == "no-store"
    answer = json.loads(usual[2])
    assert answer["rendered"] == "Hello Ada."
    assert answer["guardrails"]["ran"]  # the guardrails ran on the render that was kept


def test_another_body_content_type_or_key_is_never_answered_from_what_was_kept():
    stack = _Stack()
    stack.post(), stack.post()
    spaced = stack.post(json.dumps(BODY, indent=1).encode())  # the same JSON, other bytes
    assert json.loads(spaced[2])["rendered"] == "Hello Ada."
    assert stack.post(content_type="application/json; charset=utf-8")[0] == "200 OK"
    refused = stack.post(key="wrong")
    assert refused[0] == "401 UNAUTHORIZED"
    assert json.loads(refused[2])["status"] == 401
    assert stack.post({"variables": "not an object"})[0].startswith("422")
    assert stack.recalled == 0


def test_a_label_move_or_a_guardrail_change_takes_the_usual_way_once_then_is_kept_again():
    stack = _Stack()
    stack.post(), stack.post(), stack.post()
    assert stack.recalled == 1
    stack.templates.read_head("greet", timeout=1).labels["production"] = 2  # the label moves
    assert stack.service.resolver.refresh("greet") == 1
    moved = stack.post()
    assert json.loads(moved[2])["rendered"] == "Good day Ada."
    assert stack.recalled == 1
    assert stack.post() == moved
    assert stack.recalled == 2
    stack.guardrail_store.documents = [
        d for d in stack.guardrail_store.documents if d["name"] != "toxic_content_filter"
    ]
    assert stack.guardrails.refresh()
    changed = stack.post()
    assert "toxic_content_filter" not in json.loads(changed[2])["guardrails"]["ran"]
    assert stack.recalled == 2
    assert stack.post() == changed
    assert stack.recalled == 3


def test_renders_that_could_answer_differently_are_not_kept():
    stack = _Stack()
    stack.post()
    with_user = {**BODY, "user_key": "u-1"}  # an experiment may assign another version
    fired = {"variables": {"who": "ada.lovelace@example.com"}}  # PII: a guardrail fires
    for body in (with_user, with_user, fired, fired):
        assert stack.post(body)[0] == "200 OK"
    assert json.loads(stack.post(fired)[2])["guardrails"]["fired"]
    assert len(stack.services.renders or ()) == 0
    assert stack.recalled == 0
    long_body = {"variables": {"who": "x" * resolve_api.RENDER_MEMO_MAX_BODY}}
    stack.post(long_body), stack.post(long_body)
    assert len(stack.services.renders or ()) == 0
