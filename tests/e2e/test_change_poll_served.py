"""A label move reaches a warm resolve instance long before its cache TTL, served the way
production serves it: the functions-framework CLI (gunicorn forks one worker after
importing the module), the admin write in-process, both on the Firestore emulator.

The instance caches for an hour; with CHANGE_POLL_SECONDS=1 its background poll of the
audit log sees the move and re-reads the template, so the same worker answers the new
version from its cache. With the poll off, it keeps the old one. Waiting is polling with a
generous ceiling, never a timing assertion.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import free_port, stop_process_group
from tests.e2e.conftest import ADMIN_SOURCE, PATIENT_DEADLINES, served_environment
from tests.e2e.test_served_by_gunicorn import json_lines

pytestmark = pytest.mark.emulator

NAME = "fresh_after_change"


@pytest.fixture
def resolve_served(
    firestore_emulator, clean_firestore, api_keys, tmp_path
) -> Iterator[Callable[[str], ServedFunction]]:
    running: list[ServedFunction] = []

    def start(poll_seconds: str) -> ServedFunction:
        env = served_environment(
            firestore_emulator.host,
            api_keys["_file"],
            LOG_LEVEL="INFO",
            WORKERS="1",  # one worker: every answer comes from the same cache
            TEMPLATE_CACHE_TTL_SECONDS="3600",  # the TTL is nowhere near
            CHANGE_POLL_SECONDS=poll_seconds,
            **PATIENT_DEADLINES,
        )
        log_dir = tmp_path / f"poll-{poll_seconds}"
        log_dir.mkdir()
        function = serve("resolve", free_port(), env, log_dir=log_dir)
        running.append(function)
        wait_until_up(function)
        return function

    yield start
    for function in running:
        stop_process_group(function.process)


def two_versions(admin) -> None:
    created = admin.post("/v1/templates", json={"name": NAME, "template": "first {{x}}"})
    assert created.status_code == 201, created.get_data(as_text=True)
    labelled = admin.put(f"/v1/templates/{NAME}/labels/production", json={"version": 1})
    assert labelled.status_code == 200, labelled.get_data(as_text=True)
    added = admin.post(f"/v1/templates/{NAME}/versions", json={"template": "second {{x}}"})
    assert added.status_code == 201, added.get_data(as_text=True)


def get(function: ServedFunction, key: str) -> dict[str, Any]:
    answer = requests.get(
        f"{function.url}/templates/{NAME}", headers={"X-API-Key": key}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def cached_v1(function: ServedFunction, key: str) -> None:
    first = get(function, key)
    assert (first["version"], first["source"]) == (1, "firestore")
    again = get(function, key)
    assert (again["version"], again["source"]) == (1, "cache")


def move_to_v2(admin) -> None:
    moved = admin.put(f"/v1/templates/{NAME}/labels/production", json={"version": 2})
    assert moved.status_code == 200, moved.get_data(as_text=True)


def test_a_label_move_is_served_by_the_warm_worker_within_the_poll_bound(
    resolve_served, load_function, api_keys
):
    admin, _ = load_function(source=ADMIN_SOURCE, target="admin", role="admin")
    two_versions(admin)
    function = resolve_served("1")
    cached_v1(function, api_keys["service"])

    move_to_v2(admin)

    moved_at = time.monotonic()
    deadline = moved_at + 60  # generous: the bound is about 1 s plus a round trip
    answer = get(function, api_keys["service"])
    while answer["version"] != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = get(function, api_keys["service"])
    assert answer["version"] == 2, "the warm worker never saw the label move"
    print(f"\nlabel move served after {time.monotonic() - moved_at:.2f} s (poll every 1 s)")
    # From its cache: the poll re-read it in the background, no request had to.
    assert (answer["source"], answer.get("stale", False)) == ("cache", False)
    assert "second" in answer["template"]
    seen = [line for line in json_lines(function) if line["message"].startswith("changes seen")]
    assert seen, "the poll's log line"
    assert f"templates/{NAME}/labels/production" in seen[-1]["targets"]


def test_with_the_poll_off_the_worker_keeps_its_copy_until_the_ttl(
    resolve_served, load_function, api_keys
):
    admin, _ = load_function(source=ADMIN_SOURCE, target="admin", role="admin")
    two_versions(admin)
    function = resolve_served("0")
    cached_v1(function, api_keys["service"])

    move_to_v2(admin)

    # Several times what the poll needs above; still the old copy: the TTL is an hour.
    for _ in range(15):
        time.sleep(0.2)
        answer = get(function, api_keys["service"])
        assert (answer["version"], answer["source"]) == (1, "cache")
