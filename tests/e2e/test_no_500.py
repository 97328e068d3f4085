"""No input yields a 500: a seeded stream of hostile requests against the resolve function."""

from __future__ import annotations

import json
import random

import pytest

pytestmark = pytest.mark.emulator

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
SEGMENTS = [
    "templates",
    "render",
    "healthz",
    "nlu_extraction_gemini_25",
    "%00",
    "..",
    "%2e%2e",
    "ü",
    "a" * 300,
    "__x__",
    "%ff%fe",
    "{{x}}",
    "v1",
    "templates/x/render/extra",
    "%0d%0aX: y",
]
QUERY_KEYS = ["label", "version", "user_key", "lable", "", "version[]", "label%00"]
QUERY_VALUES = [
    "",
    "0",
    "-1",
    "1",
    "99999999999999999999999",
    "production",
    "Prod",
    "x" * 500,
    "%ff",
    "١",
    "true",
    "null",
]
BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"x"',
    b"1e309",
    b'{"variables": null}',
    b'{"variables": {"grade_level": {"deep": [1, 2, {"x": null}]}}}',
    b'{"variables": {}, "version": 1.5}',
    b'{"label": 5}',
    b"\xff\xfe\x00",
    json.dumps({"variables": {f"k{i}": i for i in range(300)}}).encode(),
    b'{"user_key": "' + b"u" * 300 + b'"}',
    b'{"variables": {"a": "\\ud800"}}',
    b'{"variables": {"big": "' + b"x" * 5000 + b'"}}',
]
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/problem+json",
    "",
    "multipart/form-data",
]


NAMES = [
    "nlu_extraction_gemini_25",
    "clarification_gemini_25",
    "no_such",
    "bad%20name",
    "%00",
    "a" * 200,
    "%C3%BC",
    "__x__",
    "%7B%7Bx%7D%7D",
    "x.y-z",
]


def _random_path(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return f"/templates/{rng.choice(NAMES)}"
    if roll < 0.7:
        return f"/templates/{rng.choice(NAMES)}/render"
    if roll < 0.8:
        return "/healthz"
    # Never a leading "//": the test client would read it as a host name, not a path.
    return "/" + "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 4)))


def _random_request(rng: random.Random) -> tuple[str, str, dict]:
    path = _random_path(rng)
    if rng.random() < 0.6:
        pairs = [
            f"{rng.choice(QUERY_KEYS)}={rng.choice(QUERY_VALUES)}" for _ in range(rng.randint(1, 3))
        ]
        path += "?" + "&".join(pairs)
    kwargs = {"data": rng.choice(BODIES), "content_type": rng.choice(CONTENT_TYPES)}
    if rng.random() < 0.2:
        kwargs["headers"] = {"If-None-Match": rng.choice(['W/"x"', "*", '"', "garbage,,"])}
    method = rng.choice(["GET", "POST"]) if rng.random() < 0.7 else rng.choice(METHODS)
    return method, path, kwargs


def test_hostile_requests_never_get_a_500(load_function):
    client, _ = load_function(MAX_REQUEST_BYTES="4096")
    rng = random.Random(20261125)
    statuses: dict[int, int] = {}
    for _ in range(600):
        method, path, kwargs = _random_request(rng)
        response = client.open(path, method=method, **kwargs)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (method, path, kwargs, response.get_data(as_text=True))
        if response.status_code >= 400 and method != "HEAD":
            assert response.mimetype == "application/problem+json", (method, path)
    assert {200, 400, 404, 405, 413, 415, 422} <= set(statuses), statuses  # many outcomes
