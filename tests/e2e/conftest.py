"""The resolve function loaded the way functions-framework loads it, in-process."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from functions_framework import create_app

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import free_port, stop_process_group
from shared.config import get_settings
from shared.observability import CloudLoggingFormatter
from tests.conftest import PROJECT, ROOT

RESOLVE_SOURCE = ROOT / "functions" / "resolve" / "main.py"
# Deadlines a busy shared machine cannot run past: a served test about something else must
# not see a read turn into "Firestore unavailable" (503) or a first lookup into a fallback.
PATIENT_DEADLINES = {"FIRESTORE_DEADLINE_SECONDS": "5", "FIRESTORE_COLD_DEADLINE_SECONDS": "10"}


def served_environment(firestore_host: str, auth_file: str, **settings: str) -> dict[str, str]:
    """The environment of a function served in a process of its own: this process's,
    pointed at the test project, this Firestore emulator and these API keys, plus
    `settings` (variable name -> value)."""
    return {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ENVIRONMENT": "test",
        "FIRESTORE_EMULATOR_HOST": firestore_host,
        "AUTH_CONFIG_FILE": auth_file,
        **settings,
    }


@pytest.fixture
def load_function(firestore_emulator, clean_firestore, api_keys, monkeypatch) -> Iterator[Callable]:
    """Load a function with extra env vars; returns (flask test client, its module).

    The client sends the `role` API key (default `service`) on every request; `role=None`
    sends no credentials.
    """
    import sys

    def load(source=RESOLVE_SOURCE, target="resolve", role="service", **env: str):
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
        monkeypatch.setenv("AUTH_CONFIG_FILE", api_keys["_file"])
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        app = create_app(target=target, source=str(source))
        client = app.test_client()
        if role is not None:
            client.environ_base["HTTP_X_API_KEY"] = api_keys[role]
        return client, sys.modules[source.stem]

    yield load
    get_settings.cache_clear()


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict]]]:
    """Every log line the code writes during the test, as parsed JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


__all__ = ["PROJECT"]


ADMIN_SOURCE = ROOT / "functions" / "admin" / "main.py"


@pytest.fixture
def admin(load_function):
    """A test client of the admin function sending the `role` API key (default admin)."""

    def load(role="admin", **env):
        client, _ = load_function(source=ADMIN_SOURCE, target="admin", role=role, **env)
        return client

    return load


def assert_problem(response, status: int, slug: str) -> dict:
    """The answer is RFC 9457 problem details of this status and type; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].endswith(slug)
    assert body["title"]
    assert body["detail"]
    assert body["request_id"]
    assert response.headers["X-Request-Id"] == body["request_id"]
    return body


@contextlib.contextmanager
def functions_served(
    env: Mapping[str, str], log_dir: Path
) -> Iterator[Callable[[str], ServedFunction]]:
    """`start(target)` serves functions/TARGET/main.py with the functions-framework CLI
    (gunicorn) on a free port, once per target (import is slow); all stop on exit."""
    running: dict[str, ServedFunction] = {}

    def start(target: str) -> ServedFunction:
        if target not in running:
            running[target] = serve(target, free_port(), dict(env), log_dir=log_dir)
            wait_until_up(running[target])
        return running[target]

    try:
        yield start
    finally:
        for function in running.values():
            stop_process_group(function.process)
