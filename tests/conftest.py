"""Fixtures shared by every tier.

The emulators are real (gcloud's Firestore and Pub/Sub emulators), started once per session on
free ports, with the emulator env vars set before any client exists. Data is cleared before
each test that uses Firestore. The emulators' whole process groups are stopped at the end.
Case files in tests/cases/*.json parametrize any test that asks for a `<file>_case` argument.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.local.emulators import Emulator, clear_firestore, start_firestore, start_pubsub
from shared.config import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
LOG_DIR = ROOT / ".local" / "test-logs"
PROJECT = "demo-test"

# Before anything imports a Google client: tests never reach a real project.
os.environ["GOOGLE_CLOUD_PROJECT"] = PROJECT
os.environ.setdefault("ENVIRONMENT", "test")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in metafunc.fixturenames:
        if name.endswith("_case") and (CASES / f"{name.removesuffix('_case')}.json").exists():
            rows = json.loads((CASES / f"{name.removesuffix('_case')}.json").read_text())
            metafunc.parametrize(name, rows, ids=[row["name"] for row in rows])


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[Emulator]:
    emulator = start_firestore(LOG_DIR)
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    get_settings.cache_clear()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def pubsub_emulator() -> Iterator[Emulator]:
    emulator = start_pubsub(LOG_DIR, PROJECT)
    os.environ["PUBSUB_EMULATOR_HOST"] = emulator.host
    yield emulator
    emulator.stop()


@pytest.fixture
def make_settings(firestore_emulator: Emulator) -> Callable[..., Settings]:
    """Settings pointing at the session emulator; keyword overrides use env var names."""

    def build(**env: str) -> Settings:
        return Settings.from_env(
            {
                "GOOGLE_CLOUD_PROJECT": PROJECT,
                "ENVIRONMENT": "test",
                "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
                **env,
            }
        )

    return build


@pytest.fixture(scope="session")
def api_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One API key per role, in a credentials file that AUTH_CONFIG_FILE can point at."""
    from tests.support import write_credentials

    path = tmp_path_factory.mktemp("auth") / "credentials.json"
    keys = write_credentials(path)
    keys["_file"] = str(path)
    return keys


@pytest.fixture
def clean_firestore(firestore_emulator: Emulator) -> Emulator:
    clear_firestore(firestore_emulator.host, PROJECT)
    return firestore_emulator


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts TCP connections on loopback and never sends a byte: a black-holed Firestore."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for connection in held:
        connection.close()
    listener.close()
