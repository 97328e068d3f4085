"""The one error mapping, exercised without any function around it."""

from __future__ import annotations

import json

from flask import Flask, Request, Response

from shared.errors import Unauthenticated
from shared.http.problems import http_endpoint

app = Flask(__name__)


def _call(handler, **kwargs) -> Response:
    with app.test_request_context("/x", **kwargs):
        from flask import request

        return handler(request)


def test_unauthenticated_maps_to_401_with_a_challenge():
    @http_endpoint(lambda: "p")
    def handler(request: Request) -> Response:
        raise Unauthenticated("send a Google ID token or an API key")

    response = _call(handler)
    body = json.loads(response.get_data())
    assert response.status_code == 401
    assert body["type"].endswith("unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unexpected_exception_is_a_500_with_request_id_and_no_internals():
    @http_endpoint(lambda: "p")
    def handler(request: Request) -> Response:
        raise KeyError("internal detail")

    response = _call(handler, headers={"X-Request-Id": "abc-123"})
    body = json.loads(response.get_data())
    assert response.status_code == 500
    assert body["request_id"] == "abc-123"
    assert "internal detail" not in response.get_data(as_text=True)
    assert response.headers["X-Request-Id"] == "abc-123"
