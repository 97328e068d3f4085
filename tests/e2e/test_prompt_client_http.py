"""The HTTP client against the resolve and record functions as production serves them (the
functions-framework CLI: gunicorn imports the module and forks the worker), on the real
emulators: a real resolve, ETag revalidation, stale-if-error once the server is gone,
defaults from a cold client that cannot reach it, an execution report landing in Firestore
through Pub/Sub, and `shared.templates.compat.get_template()` delegating to it.

The ID-token path needs google-auth faked at the token fetch (no metadata server here), and
the server's certificate fetch faked the way the auth tests do; both fakes must live in the
server's process, so that one test serves the resolve function in this process instead.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import prompt_client
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from functions_framework import create_app
from google.auth import crypt, jwt
from prompt_client import ClientConfig, PromptClient
from werkzeug.serving import make_server

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import free_port, stop_process_group
from infra.local.pubsub import clients, wire
from shared.bootstrap.resolution import resolution_service
from shared.config import get_settings
from shared.storage.firestore import firestore_client
from shared.storage.templates import TemplateRepository
from shared.templates import compat
from shared.templates.model import PromptTemplate
from tests.conftest import PROJECT, ROOT
from tests.e2e.conftest import PATIENT_DEADLINES, served_environment
from tests.support import FakeClock, put_version, write_credentials

pytestmark = pytest.mark.emulator

KEY = "test-pseudonymization-key-0123456789"
EMAIL = "".join(["ada", "@", "example.com"])  # runtime data, not source text


@dataclass
class Stack:
    resolve: ServedFunction
    env: dict[str, str]
    log_dir: object


@pytest.fixture(scope="module")
def stack(firestore_emulator, pubsub_emulator, api_keys, tmp_path_factory) -> Iterator[Stack]:
    suffix = uuid.uuid4().hex[:8]
    log_dir = tmp_path_factory.mktemp("client-served")
    env = served_environment(
        firestore_emulator.host,
        api_keys["_file"],
        PUBSUB_EMULATOR_HOST=pubsub_emulator.host,
        EXECUTIONS_TOPIC=f"client-executions-{suffix}",
        ANALYTICS_TICK_TOPIC=f"client-tick-{suffix}",
        PSEUDONYMIZATION_KEY=KEY,
        # Every GET reads Firestore, so a label move is visible to the next revalidation.
        TEMPLATE_CACHE_TTL_SECONDS="0",
        **PATIENT_DEADLINES,
    )
    resolve = serve("resolve", free_port(), env, log_dir=log_dir)
    record = serve("record_execution", free_port(), env, log_dir=log_dir)
    try:
        wait_until_up(resolve)
        wait_until_up(record)
        wire(
            pubsub_emulator.host,
            PROJECT,
            record_url=record.url,
            rollup_url=None,
            executions_topic=env["EXECUTIONS_TOPIC"],
            tick_topic=env["ANALYTICS_TICK_TOPIC"],
        )
        yield Stack(resolve, env, log_dir)
    finally:
        _, subscriber = clients(pubsub_emulator.host)
        subscriber.delete_subscription(
            subscription=f"projects/{PROJECT}/subscriptions/{env['EXECUTIONS_TOPIC']}-record"
        )
        for function in (resolve, record):
            stop_process_group(function.process)


@pytest.fixture
def repository(make_settings, clean_firestore) -> TemplateRepository:
    return TemplateRepository(make_settings())


def seed(repository: TemplateRepository, name: str, text: str) -> PromptTemplate:
    template = PromptTemplate(name=name, description="e2e", template=text)
    return put_version(repository, template, author="tests", labels=("production",))


def client_for(url: str, api_keys, **config) -> tuple[PromptClient, FakeClock]:
    clock = FakeClock()
    settings = ClientConfig(url=url, api_key=api_keys["service"], **config)
    return PromptClient(settings, clock=clock), clock


def test_a_real_resolve_is_the_seed_dict_and_is_revalidated_by_etag(
    stack, repository, make_settings, api_keys
):
    name = f"client_e2e_{uuid.uuid4().hex[:6]}"
    seed(repository, name, 'Explain {{ topic }} as JSON {"a": 1}')
    client, clock = client_for(stack.resolve.url, api_keys)

    first = client.get_template(name)
    direct = compat.get_template(name, service=resolution_service(make_settings()))
    assert first["source"] == "firestore"
    assert {k: v for k, v in first.items() if k != "source"} == {
        k: v for k, v in direct.items() if k != "source"
    }
    assert first["template"].format(topic="tides") == 'Explain tides as JSON {"a": 1}'

    clock.advance(61)  # past the client's TTL: a conditional GET, answered 304
    again = client.resolve(name)
    assert (again.source, again.stale, client.stats.not_modified) == ("cache", False, 1)

    second = seed(repository, name, "Now {{ topic }} in one line")
    clock.advance(61)  # the label moved: the ETag no longer matches, a 200 with version 2
    moved = client.get_template(name)
    assert (moved["version"], moved["source"]) == (second.version, "firestore")
    assert client.stats.not_modified == 1
    assert client.stats.requests == 3


def test_once_the_server_is_gone_the_stale_copy_then_the_defaults_answer(
    stack, repository, api_keys
):
    name = f"client_e2e_{uuid.uuid4().hex[:6]}"
    seed(repository, name, "Hello {{ who }}")
    own = serve("resolve", free_port(), stack.env, log_dir=stack.log_dir)
    try:
        wait_until_up(own)
        client, clock = client_for(own.url, api_keys, retry_after_seconds=0)
        fetched = client.get_template(name)
    finally:
        stop_process_group(own.process)
    clock.advance(3600)
    stale = client.resolve(name)
    assert (stale.source, stale.stale, stale.fallback_reason) == ("cache", True, "unreachable")
    assert stale.template["template"] == fetched["template"] == "Hello {who}"
    cold = client.resolve("nlu_extraction_gemini_25")  # never fetched: the bundled default
    assert (cold.source, cold.template["version"]) == ("default", None)
    with pytest.raises(prompt_client.PromptsUnavailable):
        client.get_template(name, label="staging")  # fallbacks never stand for another label


@pytest.mark.parametrize("where", ["refused", "black_hole"])
def test_a_cold_client_that_cannot_reach_the_url_answers_defaults_within_its_deadline(
    silent_server, api_keys, where
):
    """The feature is a deadline (1 s here): the bound asserted is a generous ceiling."""
    host = silent_server if where == "black_hole" else f"127.0.0.1:{free_port()}"
    client = PromptClient(
        ClientConfig(url=f"http://{host}", api_key=api_keys["service"], cold_deadline_seconds=1)
    )
    started = time.monotonic()
    prompt = client.get_template("script_generation_gemini_25")
    elapsed = time.monotonic() - started
    assert prompt["source"] == "default"
    assert prompt["model_name"] == "gemini-2.5-flash"
    assert elapsed < 10
    assert client.stats.failures == 1


def test_a_reported_execution_is_stored_through_pub_sub(stack, make_settings, api_keys):
    client, _ = client_for(stack.resolve.url, api_keys)
    report = client.report_execution(
        "nlu_extraction_gemini_25",
        latency_ms=12.5,
        success=True,
        rendered_prompt=f"student {EMAIL} asks about tides",
        user_id="student-42",
        cost_usd="0.000125",
    )
    assert report.accepted is True, report
    document = (
        firestore_client(make_settings()).collection("executions").document(report.execution_id)
    )
    deadline = time.monotonic() + 60  # generous: on a working stack it takes about a second
    while not (snapshot := document.get()).exists and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = snapshot.to_dict()
    assert stored is not None, "the execution never reached Firestore"
    assert stored["rendered_prompt"] == "student <EMAIL> asks about tides"
    assert stored["user_key"].startswith("k1:")
    assert "student-42" not in json.dumps(stored, default=str)


def test_compat_get_template_goes_over_http_when_prompts_url_is_set(
    stack, repository, api_keys, monkeypatch
):
    name = f"client_e2e_{uuid.uuid4().hex[:6]}"
    seed(repository, name, "Hi {{ who }}")
    monkeypatch.setenv("PROMPTS_URL", stack.resolve.url)
    monkeypatch.setenv("PROMPTS_API_KEY", api_keys["service"])
    get_settings.cache_clear()
    prompt_client.reset_default_client()
    try:
        prompt = compat.get_template(name)
        assert (prompt["source"], prompt["template"]) == ("firestore", "Hi {who}")
        assert prompt_client.default_client().stats.requests == 1  # it asked the URL
        with pytest.raises(compat.UnknownTemplate) as raised:
            compat.get_template("no_such_template_anywhere")
        assert isinstance(raised.value, KeyError)
    finally:
        prompt_client.reset_default_client()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def signing_key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return crypt.RSASigner.from_string(private_pem, key_id="kid-1"), public_pem.decode()


def test_the_id_token_path(
    firestore_emulator, repository, signing_key, tmp_path, monkeypatch, mocker
):
    caller = "svc@proj.iam.gserviceaccount.com"
    credentials = tmp_path / "credentials.json"
    write_credentials(credentials, identities={caller: ["service"]})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    for key, value in {
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
        "AUTH_CONFIG_FILE": str(credentials),
        "AUTH_AUDIENCE": url,
        "FIRESTORE_COLD_DEADLINE_SECONDS": "10",
        "FIRESTORE_DEADLINE_SECONDS": "5",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    # The server's side, faked as the auth tests fake it: Google's certificate endpoint.
    certs = SimpleNamespace(status=200, data=json.dumps({"kid-1": signing_key[1]}).encode())
    mocker.patch("google.auth.transport.requests.Request.__call__", return_value=certs)
    now = int(time.time())
    token = jwt.encode(
        signing_key[0],
        {
            "iss": "https://accounts.google.com",
            "aud": url,
            "sub": "1",
            "email": caller,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        },
    ).decode()
    # The client's side: google-auth's fetch, the only thing standing in for GCP.
    fetch = mocker.patch("google.oauth2.id_token.fetch_id_token", return_value=token)

    name = f"client_e2e_{uuid.uuid4().hex[:6]}"
    seed(repository, name, "Hi {{ who }}")
    app = create_app(target="resolve", source=str(ROOT / "functions" / "resolve" / "main.py"))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        clock = FakeClock()
        client = PromptClient(ClientConfig(url=url, auth="id_token"), clock=clock)
        assert client.get_template(name)["source"] == "firestore"
        clock.advance(61)
        assert client.resolve(name).source == "cache"  # revalidated with the same token
        assert client.stats.requests == 2
        fetch.assert_called_once()
        assert fetch.call_args.args[1] == url  # audience: the resolve URL
        refused = PromptClient(ClientConfig(url=url, auth="id_token", audience="https://x"))
        fetch.return_value = jwt.encode(signing_key[0], {"aud": "https://x", "exp": now}).decode()
        with pytest.raises(prompt_client.PromptsUnavailable, match="http_401"):
            refused.get_template("no_such_template_anywhere")  # a token for another audience
    finally:
        server.shutdown()
        thread.join(5)
        sys.modules.pop("main", None)
        get_settings.cache_clear()
