"""Header limits as a client meets them: resolve served by the functions-framework CLI.

gunicorn (which functions-framework runs) parses the request before our app exists for it:
a header line over `limit_request_field_size` (8190 bytes) or more than
`limit_request_fields` (100) headers is answered by gunicorn itself with a 431 text/html page.
functions-framework sets `limit_request_line` to 0 (no limit), so a long URL reaches the app.
Whatever reaches the app is answered with problem+json, however large its headers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import free_port, stop_process_group
from tests.conftest import LOG_DIR
from tests.e2e.conftest import served_environment

pytestmark = pytest.mark.emulator

NAME = "nlu_extraction_gemini_25"


@pytest.fixture(scope="module")
def resolve_server(firestore_emulator, api_keys) -> Iterator[ServedFunction]:
    env = served_environment(firestore_emulator.host, api_keys["_file"])
    function = serve("resolve", free_port(), env, log_dir=LOG_DIR)
    try:
        wait_until_up(function)
        yield function
    finally:
        stop_process_group(function.process)


def test_a_header_over_gunicorns_limit_is_its_431_html_page(resolve_server, api_keys):
    response = requests.get(
        f"{resolve_server.url}/templates/{NAME}",
        headers={"X-API-Key": api_keys["service"], "X-Padding": "a" * 10_240},
        timeout=10,
    )
    assert response.status_code == 431
    assert response.headers["Content-Type"].startswith("text/html")  # not ours: see docs/api.md


def test_more_than_100_headers_is_a_431_too(resolve_server, api_keys):
    headers = {f"X-Extra-{i}": "x" for i in range(101)}
    response = requests.get(
        f"{resolve_server.url}/templates/{NAME}",
        headers={"X-API-Key": api_keys["service"], **headers},
        timeout=10,
    )
    assert response.status_code == 431


def test_large_headers_under_the_limit_reach_the_app_and_get_its_answers(resolve_server, api_keys):
    padding = {"X-Padding": "a" * 8_000}
    served = requests.get(
        f"{resolve_server.url}/templates/{NAME}",
        headers={"X-API-Key": api_keys["service"], **padding},
        timeout=10,
    )
    assert served.status_code == 200
    assert served.json()["name"] == NAME

    forged = requests.get(
        f"{resolve_server.url}/templates/{NAME}",
        headers={"X-API-Key": "pmk_" + "k" * 8_000},
        timeout=10,
    )
    assert forged.status_code == 401
    assert forged.headers["Content-Type"] == "application/problem+json"
    assert "k" * 100 not in forged.text  # the key is never echoed back

    long_url = requests.get(
        f"{resolve_server.url}/templates/{'n' * 9_000}",
        headers={"X-API-Key": api_keys["service"]},
        timeout=10,
    )
    assert long_url.status_code == 422
    assert long_url.headers["Content-Type"] == "application/problem+json"
