"""One route table per HTTP function, importable from `shared` and served with any services:
the admin table and its OpenAPI document need no settings, `paginate()` is the one cursor
rule, and `Api` hands handlers whatever services it was bound to (here, in-memory fakes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask, Response

from shared.admin_api import ROUTES, AdminServices
from shared.auth.principals import Principal
from shared.bootstrap.http import HttpApp
from shared.config import Settings
from shared.errors import Forbidden
from shared.http.api import Api, Call, Route
from shared.http.pagination import decode_cursor, encode_cursor, paginate
from tests.conftest import ROOT

flask_app = Flask(__name__)

_DOCUMENT_WITHOUT_SETTINGS = """
import json, sys
from shared import admin_api
sys.stdout.write(json.dumps(admin_api.document(), indent=1, sort_keys=True) + "\\n")
"""


def test_the_admin_document_comes_from_the_table_alone_and_is_the_committed_one():
    """No project id, no emulator, no credentials: the generator and the tests read the
    table from `shared`, not by loading the entry point's file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "FIRESTORE_"))}
    result = subprocess.run(
        [sys.executable, "-c", _DOCUMENT_WITHOUT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == (ROOT / "docs" / "openapi.json").read_text()


def test_every_admin_path_is_documented_in_openapi_syntax_and_declared_once():
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(r.path.startswith("/v1/") and "<" not in r.path for r in ROUTES)
    assert {r.path for r in ROUTES} == set(
        json.loads((ROOT / "docs/openapi.json").read_text())["paths"]
    )


def test_paginate_reads_one_row_more_and_points_the_cursor_after_the_last_item():
    calls: list[tuple[Any, int]] = []

    def fetch(after: Any, n: int) -> list[int]:
        calls.append((after, n))
        return [7, 6, 5, 4][:n]

    items, cursor = paginate(fetch, cursor=None, limit=3, shape=lambda v: v * 10, key=lambda v: v)
    assert calls == [(None, 4)]
    assert items == [70, 60, 50]
    assert decode_cursor(cursor, kind=int) == 50

    items, cursor = paginate(fetch, cursor=encode_cursor(50), limit=4, shape=str, key=str, kind=int)
    assert calls[-1] == (50, 5)
    assert (items, cursor) == (["7", "6", "5", "4"], None)  # no row beyond: the last page


class FakeAuthenticator:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def require(self, headers: Any, minimum: str) -> Principal:
        self.asked.append(minimum)
        if headers.get("X-API-Key") != "ok":
            raise Forbidden("fake")
        return Principal("key:test", "api_key", frozenset({"viewer"}))


class FakeObservations:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def executions(self, *, after_id: str | None, limit: int, **_: Any) -> list[dict[str, Any]]:
        start = (
            0 if after_id is None else [r["execution_id"] for r in self.rows].index(after_id) + 1
        )
        return self.rows[start : start + limit]

    def execution(self, execution_id: str) -> dict[str, Any] | None:
        return None

    def rollups(self, **_: Any) -> list[dict[str, Any]]:
        return []

    def experiment_summary(self, experiment_id: str) -> dict[str, Any] | None:
        return None


def _execution(n: int) -> dict[str, Any]:
    return {
        "execution_id": f"e{n}",
        "template": "t",
        "version": 1,
        "success": True,
        "finished_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


UNUSED: Any = None  # services the routes called here never reach


def _admin_app(observations: FakeObservations) -> HttpApp[AdminServices]:
    services = AdminServices(
        templates=UNUSED,
        template_store=UNUSED,
        guardrails=UNUSED,
        experiments=UNUSED,
        observations=observations,
        audit_log=UNUSED,
        webhooks=UNUSED,
        document=lambda: {"fake": True},
    )
    api = Api(ROUTES, context=services, max_body=1024)
    return HttpApp(settings=Settings(), authenticator=FakeAuthenticator(), api=api)


def test_admin_routes_serve_whatever_services_they_are_bound_to():
    app = _admin_app(FakeObservations([_execution(n) for n in range(3)]))
    with flask_app.test_request_context(
        "/v1/executions?limit=2&from=2025-12-31T00:00:00Z&to=2026-01-02T00:00:00Z",
        headers={"X-API-Key": "ok"},
    ):
        from flask import request

        first = app(request).get_json()
    assert [i["execution_id"] for i in first["items"]] == ["e0", "e1"]
    with flask_app.test_request_context(
        f"/v1/executions?limit=2&cursor={first['next_cursor']}"
        "&from=2025-12-31T00:00:00Z&to=2026-01-02T00:00:00Z",
        headers={"X-API-Key": "ok"},
    ):
        from flask import request

        second = app(request).get_json()
    assert [i["execution_id"] for i in second["items"]] == ["e2"]
    assert second["next_cursor"] is None
    with flask_app.test_request_context("/v1/openapi.json", headers={"X-API-Key": "ok"}):
        from flask import request

        assert app(request).get_json() == {"fake": True}


def test_an_open_route_asks_for_no_credentials_and_ignores_what_it_does_not_read():
    seen: list[Call] = []

    def health(call: Call, services: str) -> Response:
        seen.append(call)
        return Response(services)

    def secret(call: Call, services: str) -> Response:
        return Response("no")

    gate = FakeAuthenticator()
    api = Api(
        [
            Route(method="GET", path="/healthz", role=None, handler=health, summary="h",
                  ignores_query=True, ignores_body=True),
            Route(method="GET", path="/secret", role="service", handler=secret, summary="s"),
        ],
        context="bound",
        max_body=10,
    )  # fmt: skip
    with flask_app.test_request_context("/healthz?probe=1", data="x"):
        from flask import request

        assert api.dispatch(request, gate).get_data(as_text=True) == "bound"
    assert gate.asked == []
    assert seen[0].principal is None
    assert seen[0].query == {}
    with flask_app.test_request_context("/secret"):
        from flask import request

        with pytest.raises(Forbidden):
            api.dispatch(request, gate)
    assert gate.asked == ["service"]


def test_entry_points_only_wire():
    """Routes, pagination and graph construction live in `shared`: each entry point is a
    few dozen lines and needs no `# type: ignore`."""
    for main in sorted((ROOT / "functions").glob("*/main.py")):
        text = main.read_text()
        assert len(text.splitlines()) < 60, main
        assert "type: ignore" not in text, main
        assert "Route(" not in text, main
        assert "Map(" not in text, main


def _request(path: str, **environ: str):
    from flask import Request
    from werkzeug.test import EnvironBuilder

    built = EnvironBuilder(path=path).get_environ()
    built.update(environ)
    return Request(built)


@pytest.mark.parametrize(
    ("sent", "routed"),
    [
        ("/v1/templates/a%2Fb/versions?limit=2", "/v1/templates/a%2Fb/versions"),
        ("/v1/templates/a%2fb", "/v1/templates/a%2Fb"),  # lower-case hex: the same escape
        ("/v1/templates/a/b", "/v1/templates/a/b"),  # a plain / separates segments
        ("/v1/templates/caf%C3%A9", "/v1/templates/café"),  # other escapes are decoded
        ("/v1/templates/a%252F", "/v1/templates/a%252F"),  # a literal % stays escaped
    ],
)
def test_routing_keeps_an_encoded_slash_inside_its_segment(sent, routed):
    from shared.http.api import routing_path

    assert routing_path(_request(sent)) == routed


def test_routing_falls_back_to_the_decoded_path_without_a_trustworthy_request_line():
    from shared.http.api import routing_path

    assert routing_path(_request("/v1/templates/a%2Fb", RAW_URI="", REQUEST_URI="")) == (
        "/v1/templates/a/b"
    )
    rewritten = _request("/v1/templates/a%2Fb", RAW_URI="/prefix/v1/templates/a%2Fb")
    assert routing_path(rewritten) == "/v1/templates/a/b"
    absolute = _request("/v1/templates/a%2Fb", RAW_URI="http://h/v1/templates/a%2Fb?x=1")
    assert routing_path(absolute) == "/v1/templates/a%2Fb"
    assert routing_path(_request("/v1/x", RAW_URI="/v1/%FF")) == "/v1/x"  # not UTF-8


NAMES = ["a", "a/b/c", "A1/b-2/c_3.d", "x" * 128, "x" * 129, "../x", "a//b", "a/", "/a",
         "a/.b", "a%2Fb", "__x__", "a b", "café", "a\n"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_one_name_rule_for_bodies_paths_and_lookups(name):
    """The body type (`TemplateName`), the path check of every route table and
    `check_template_name` (resolve, Langfuse, admin services) accept exactly the same names."""
    import re

    from pydantic import TypeAdapter, ValidationError

    from shared.errors import ValidationFailed
    from shared.http.api import PATH_PARAMETER_PATTERNS
    from shared.templates.model import TEMPLATE_NAME_MAX, TemplateName, check_template_name

    try:
        TypeAdapter(TemplateName).validate_python(name)
        body_ok = True
    except ValidationError:
        body_ok = False
    try:
        check_template_name(name)
        lookup_ok = True
    except ValidationFailed:
        lookup_ok = False
    path_ok = bool(re.fullmatch(PATH_PARAMETER_PATTERNS["name"], name))
    assert body_ok == lookup_ok
    assert lookup_ok == (path_ok and len(name) <= TEMPLATE_NAME_MAX)


def test_remembered_route_matches_still_authenticate_and_check_their_path_every_time():
    """The dispatcher remembers matches; authentication runs on every request all the same,
    and a path whose parameter fails its pattern is refused every time (never remembered)."""
    from shared.errors import ValidationFailed

    def echo(call: Call, services: str) -> Response:
        return Response(call.args["name"])

    gate = FakeAuthenticator()
    api = Api(
        [Route(method="GET", path="/t/{name}", role="viewer", handler=echo, summary="t")],
        context="svc",
        max_body=1024,
        path_patterns={"name": r"[a-z]+"},
    )

    def get(path: str, key: str) -> Response:
        with flask_app.test_request_context(path, headers={"X-API-Key": key}):
            from flask import request

            return api.dispatch(request, gate)

    assert [get("/t/abc", "ok").get_data(as_text=True) for _ in range(3)] == ["abc"] * 3
    with pytest.raises(Forbidden):
        get("/t/abc", "wrong")  # remembered path, no credentials: still refused
    assert gate.asked == ["viewer"] * 4
    for _ in range(2):
        with pytest.raises(ValidationFailed):
            get("/t/ABC", "ok")
    with pytest.raises(Forbidden):
        get("/t/ABC", "wrong")  # authentication first, as before: 403 before the 422


def test_the_route_memo_keeps_an_encoded_slash_apart_from_a_plain_one():
    """Matches are remembered by the path as received and as decoded: `a%2Fb/versions`
    (template `a/b`'s versions) and `a/b/versions` decode alike but route apart, however
    often and in whichever order they come."""
    from flask import Response

    from shared.http.api import Api, Route

    def echo(call, context):
        return Response(call.args["name"])

    routes = [
        Route(method="GET", path="/t/{name:path}", role=None, handler=echo, summary="one"),
        Route(method="GET", path="/t/{name}/versions", role=None, handler=echo, summary="list"),
    ]
    api = Api(routes, context=None, max_body=100, path_patterns={})
    for _ in range(3):
        for raw, name in (("/t/a%2Fb/versions", "a/b"), ("/t/a/b/versions", "a/b/versions")):
            assert api.dispatch(_request(raw), authenticator=None).get_data(as_text=True) == name
