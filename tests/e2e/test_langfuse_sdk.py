"""The real Langfuse Python SDK (pinned in requirements-dev.txt) against the Langfuse-compatible
function served by the functions-framework CLI on the emulators: what a team switching from
Langfuse does, by changing LANGFUSE_BASE_URL and the key pair, and nothing else.

Each test builds its clients with key pairs of its own: the SDK keeps one client (and one
prompt cache) per public key, so a fresh public key is a cold SDK.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from langfuse import Langfuse

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import free_port, start_firestore, stop_process_group
from shared.auth.credentials import new_api_key, public_key_of
from tests.conftest import LOG_DIR, PROJECT

pytestmark = pytest.mark.emulator

PAIRS_PER_ROLE = 40
# The SDK's base URL argument: `base_url` since 3.x's successors, `host` in 3.x (run the
# module once with a 3.x SDK in a throwaway venv to check it too; docs/api.md says which).
URL_ARG = "base_url" if "base_url" in inspect.signature(Langfuse).parameters else "host"
DEFAULT_TEMPLATE = "nlu_extraction_gemini_25"  # a bundled default: the fallback of last resort


def write_pairs(path: Path) -> dict[str, Iterator[tuple[str, str]]]:
    """Many key pairs per role, handed out one by one (role -> iterator of (public, secret))."""
    entries, pairs = [], {}
    for role in ("service", "editor", "publisher"):
        role_pairs = []
        for index in range(PAIRS_PER_ROLE):
            key_id = f"sdk-{role}-{index}"
            secret, digest = new_api_key(key_id)
            entries.append({"id": key_id, "sha256": digest, "roles": [role]})
            role_pairs.append((public_key_of(key_id), secret))
        pairs[role] = iter(role_pairs)
    path.write_text(json.dumps({"api_keys": entries, "identities": {}}))
    return pairs


def environment(firestore_host: str, credentials: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ENVIRONMENT": "test",
        "FIRESTORE_EMULATOR_HOST": firestore_host,
        "AUTH_CONFIG_FILE": str(credentials),
        "LOG_LEVEL": "INFO",
        **extra,
    }


@pytest.fixture(scope="module")
def stack(firestore_emulator, tmp_path_factory) -> Iterator[tuple[ServedFunction, dict]]:
    folder = tmp_path_factory.mktemp("langfuse-sdk")
    pairs = write_pairs(folder / "credentials.json")
    env = environment(
        firestore_emulator.host,
        folder / "credentials.json",
        # A label move is seen within a second; a busy machine must not turn lookups into
        # outage answers.
        TEMPLATE_CACHE_TTL_SECONDS="1",
        FIRESTORE_DEADLINE_SECONDS="5",
        FIRESTORE_COLD_DEADLINE_SECONDS="10",
    )
    function = serve("langfuse", free_port(), env, log_dir=folder)
    try:
        wait_until_up(function)
        yield function, pairs
    finally:
        stop_process_group(function.process)


def sdk_factory(url: str, pairs: dict) -> Callable[..., Langfuse]:
    made: list[Langfuse] = []

    def make(role: str = "publisher") -> Langfuse:
        public, secret = next(pairs[role])
        client = Langfuse(
            public_key=public,
            secret_key=secret,
            tracing_enabled=False,
            timeout=30,
            **{URL_ARG: url},
        )
        made.append(client)
        return client

    make.made = made  # type: ignore[attr-defined]
    return make


@pytest.fixture
def langfuse(stack, clean_firestore) -> Iterator[Callable[..., Langfuse]]:
    function, pairs = stack
    make = sdk_factory(function.url, pairs)
    yield make
    for client in make.made:  # type: ignore[attr-defined]
        client.shutdown()


def server_lines(function: ServedFunction) -> list[dict]:
    text = function.log_path.read_text(encoding="utf-8", errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_get_prompt_by_default_label_version_and_folder_name(langfuse):
    writer, reader = langfuse(), langfuse("service")
    writer.create_prompt(name="team/support/greet", prompt="Hi {{who}}", labels=["production"])
    writer.create_prompt(name="team/support/greet", prompt="Hey {{who}}!", labels=["staging"])
    assert writer.create_prompt(name="team/support/greet", prompt="Yo {{who}}").version == 3

    default = reader.get_prompt("team/support/greet")
    assert (default.version, default.prompt, default.is_fallback) == (1, "Hi {{who}}", False)
    assert default.compile(who="Ada") == "Hi Ada"
    assert reader.get_prompt("team/support/greet", label="staging").version == 2
    assert reader.get_prompt("team/support/greet", version=3).compile(who="Ada") == "Yo Ada"
    assert reader.get_prompt("team/support/greet", label="latest").version == 3


def test_every_label_on_the_version_is_reported_by_label_and_by_version(langfuse):
    """Langfuse answers a version with every label on it (and `latest` on the newest), not
    only the one asked for."""
    writer, reader = langfuse(), langfuse("service")
    writer.create_prompt(name="tagged", prompt="one", labels=["production", "beta"])
    writer.create_prompt(name="tagged", prompt="two", labels=["staging"])
    assert reader.get_prompt("tagged").labels == ["beta", "production"]
    assert reader.get_prompt("tagged", label="beta").labels == ["beta", "production"]
    assert reader.get_prompt("tagged", version=2).labels == ["staging", "latest"]
    assert reader.get_prompt("tagged", label="latest").labels == ["staging", "latest"]


def test_chat_prompt_with_placeholders_and_config(langfuse):
    writer = langfuse()
    created = writer.create_prompt(
        name="chat-helper",
        type="chat",
        prompt=[
            {"role": "system", "content": "You help {{who}}."},
            {"type": "placeholder", "name": "history"},
            {"role": "user", "content": "{{question}}"},
        ],
        labels=["production"],
        tags=["support"],
        config={"model_name": "gemini-2.5-pro", "temperature": 0.1},
        commit_message="first chat",
    )
    assert created.version == 1
    prompt = langfuse("service").get_prompt("chat-helper", type="chat")
    assert prompt.config["model_name"] == "gemini-2.5-pro"
    assert prompt.config["temperature"] == 0.1
    assert prompt.tags == ["support"]
    assert prompt.commit_message == "first chat"
    compiled = prompt.compile(
        who="Ada",
        question="And now?",
        history=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
    )
    assert compiled == [
        {"role": "system", "content": "You help Ada."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "And now?"},
    ]


def test_update_prompt_moves_labels(langfuse):
    writer = langfuse()
    writer.create_prompt(name="moving", prompt="one", labels=["production"])
    writer.create_prompt(name="moving", prompt="two")
    updated = writer.update_prompt(name="moving", version=2, new_labels=["production", "beta"])
    assert sorted(updated.labels) == ["beta", "latest", "production"]
    assert writer.get_prompt("moving").prompt == "two"
    assert writer.get_prompt("moving", label="beta").version == 2


def test_missing_prompt_takes_the_sdk_fallback_without_retries(langfuse, stack):
    function, _ = stack
    before = len(server_lines(function))
    prompt = langfuse("service").get_prompt("never-made", fallback="Fallback {{x}}")
    assert prompt.is_fallback
    assert prompt.compile(x="1") == "Fallback 1"
    lines = server_lines(function)[before:]
    asked = [line for line in lines if line.get("path", "").endswith("never-made")]
    assert asked, lines
    assert all(line.get("status") == 404 for line in asked)


def test_sdk_cache_refreshes_after_a_label_move(langfuse):
    writer, reader = langfuse(), langfuse("service")
    writer.create_prompt(name="refresh", prompt="old", labels=["production"])
    writer.create_prompt(name="refresh", prompt="new")
    assert reader.get_prompt("refresh", cache_ttl_seconds=1).prompt == "old"
    # Another client moves the label, so the reader's cache is not invalidated by its own
    # write: only its TTL and background refresh can bring the new version.
    writer.update_prompt(name="refresh", version=2, new_labels=["production"])
    seen = []
    for _ in range(60):
        time.sleep(0.5)
        seen.append(reader.get_prompt("refresh", cache_ttl_seconds=1).prompt)
        if seen[-1] == "new":
            break
    assert seen[-1] == "new", seen
    assert seen[0] == "old" or len(seen) == 1  # stale-while-revalidate: old first, then new


def test_tracing_disabled_neither_hangs_nor_logs_errors(langfuse, stack, caplog):
    function, _ = stack
    caplog.set_level(logging.DEBUG, logger="langfuse")
    before = len(server_lines(function))
    client = langfuse("service")
    client.get_prompt("never-made-either", fallback="x")
    client.flush()
    client.shutdown()
    errors = [
        r for r in caplog.records if r.name.startswith("langfuse") and r.levelno >= logging.ERROR
    ]
    assert errors == []
    # Nothing but prompt calls reached us: no span export, no ingestion.
    paths = {line.get("path", "") for line in server_lines(function)[before:] if "path" in line}
    assert paths <= {"/api/public/v2/prompts/never-made-either"}, paths


def test_stopped_firestore(tmp_path):
    """SDK cache keeps serving; our side answers cached prompts, bundled defaults and a 404
    for what it cannot know, each within its deadline, never a 5xx."""
    pairs = write_pairs(tmp_path / "credentials.json")
    emulator = start_firestore(LOG_DIR)
    env = environment(emulator.host, tmp_path / "credentials.json")
    function = serve("langfuse", free_port(), env, log_dir=tmp_path)
    make = sdk_factory(function.url, pairs)
    try:
        wait_until_up(function)
        writer, reader = make(), make("service")
        for _ in range(20):  # the first calls pay the channel set-up to a fresh emulator
            try:
                writer.create_prompt(name="steady", prompt="Steady {{x}}", labels=["production"])
                break
            except Exception:  # noqa: BLE001 - retried until the emulator answers
                time.sleep(0.5)
        assert reader.get_prompt("steady", cache_ttl_seconds=1).version == 1

        emulator.stop()
        time.sleep(1.5)  # the SDK's copy is stale now
        started = time.monotonic()
        assert reader.get_prompt("steady", cache_ttl_seconds=1).compile(x="on") == "Steady on"
        cold = make("service")  # nothing cached in this SDK: every answer is ours
        assert cold.get_prompt("steady").version == 1  # our cache
        default = cold.get_prompt(DEFAULT_TEMPLATE)  # our bundled default
        assert default.prompt
        missing = cold.get_prompt("never-made", fallback="fb")  # 404 from us, SDK fallback
        assert missing.is_fallback
        assert time.monotonic() - started < 20  # generous: each deadline is under 1 s
        statuses = [line.get("status") for line in server_lines(function)]
        assert not [s for s in statuses if isinstance(s, int) and s >= 500], statuses
    finally:
        for client in make.made:  # type: ignore[attr-defined]
            client.shutdown()
        stop_process_group(function.process)
        emulator.stop()
