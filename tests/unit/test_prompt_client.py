"""The HTTP client's chain (cache, revalidation, stale-while-revalidate, stale-if-error,
fallbacks, deadlines) and its execution reports, against a scripted HTTP session injected
at the client's boundary; faults are exceptions the session raises, or a real socket that
never answers. The clock is a fake moved by hand."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests
from prompt_client import (
    ClientConfig,
    ClientConfigError,
    NotATextTemplate,
    PromptClient,
    PromptsUnavailable,
    ReportRejected,
    TemplateNotFound,
)
from prompt_client.auth import Credentials
from prompt_client.fallbacks import MODEL_DEFAULTS, bundled_defaults, parse_custom_templates
from prompt_client.placeholders import to_format_string

from tests.support import FakeClock

URL = "http://prompts.test"
TEXT = {
    "name": "greet",
    "version": 3,
    "label": "production",
    "source": "firestore",
    "stale": False,
    "fallback_reason": None,
    "description": "says hello",
    "model_config": {**MODEL_DEFAULTS, "temperature": 0.5},
    "variables": ["who"],
    "content_hash": "sha256:x",
    "template": 'Hello {{ who }}, JSON: {"a": 1}',
}


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None):
    response = requests.Response()
    response.status_code = status
    response._content = b"" if body is None else json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


def problem(slug: str, **extra: Any) -> dict[str, Any]:
    return {"type": f"urn:prompt-management:problem:{slug}", "detail": f"{slug} here", **extra}


class ScriptedSession:
    """Answers (or raises) what the test queued, in order, and records every request."""

    def __init__(self) -> None:
        self.queue: list[Any] = []
        self.calls: list[dict[str, Any]] = []

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._next("GET", url, kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._next("POST", url, kwargs)

    def _next(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        item = self.queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        pass


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def session() -> ScriptedSession:
    return ScriptedSession()


@pytest.fixture
def make_client(clock, session):
    def build(**config: Any) -> PromptClient:
        settings = ClientConfig(url=URL, api_key="pmk_test.secret", cache_ttl_seconds=60, **config)
        return PromptClient(settings, session=session, clock=clock)

    return build


def test_a_fresh_copy_is_served_without_a_request_and_in_the_seeds_shape(make_client, session):
    client = make_client()
    session.queue.append(answer(200, TEXT, {"ETag": 'W/"v3"'}))
    first = client.get_template("greet")
    second = client.get_template("greet")
    assert len(session.calls) == 1
    assert session.calls[0]["headers"]["X-API-Key"] == "pmk_test.secret"
    assert session.calls[0]["url"] == f"{URL}/templates/greet"
    assert (first["source"], second["source"]) == ("firestore", "cache")
    assert first["template"] == 'Hello {who}, JSON: {{"a": 1}}'
    assert first["template"].format(who="Ada") == 'Hello Ada, JSON: {"a": 1}'
    assert (first["version"], first["label"], first["temperature"]) == (3, "production", 0.5)
    second["template"] = "edited by the caller"
    assert client.get_template("greet")["template"] == first["template"]  # the cache's copy


def test_past_the_ttl_the_copy_is_revalidated_by_etag_and_a_304_keeps_it(
    make_client, session, clock
):
    client = make_client()
    session.queue += [answer(200, TEXT, {"ETag": 'W/"v3"'}), answer(304, None)]
    client.get_template("greet")
    clock.advance(61)
    again = client.resolve("greet")
    assert session.calls[1]["headers"]["If-None-Match"] == 'W/"v3"'
    assert (again.source, again.stale, client.stats.not_modified) == ("cache", False, 1)
    client.get_template("greet")
    assert len(session.calls) == 2  # fresh again for a whole TTL


def test_while_one_caller_refreshes_the_others_get_the_stale_copy_at_once(
    make_client, session, clock
):
    client = make_client()
    session.queue.append(answer(200, TEXT, {"ETag": 'W/"v3"'}))
    client.get_template("greet")
    clock.advance(61)
    assert client._flight.claim(("greet", "production", None))  # a refresh is in flight
    served = client.resolve("greet")
    assert (served.source, served.stale, served.fallback_reason) == (
        "cache",
        True,
        "refresh_in_progress",
    )
    assert len(session.calls) == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (requests.ConnectionError("refused"), "unreachable"),
        (requests.ReadTimeout("slow"), "deadline_exceeded"),
        (answer(503, problem("unavailable")), "http_503"),
        (answer(401, problem("unauthenticated")), "http_401"),
        (answer(200, ["not", "an", "answer"]), "bad_answer"),
        (answer(404, problem("not-found")), "http_404"),  # a wrong PROMPTS_URL path
    ],
)
def test_when_the_server_fails_the_stale_copy_is_served(make_client, session, clock, fault, reason):
    client = make_client()
    session.queue += [answer(200, TEXT, {"ETag": 'W/"v3"'}), fault]
    client.get_template("greet")
    clock.advance(3600)
    served = client.resolve("greet")
    assert (served.source, served.stale, served.fallback_reason) == ("cache", True, reason)
    assert served.template["template"] == 'Hello {who}, JSON: {{"a": 1}}'


def test_a_copy_older_than_stale_if_error_gives_way_to_the_fallbacks(make_client, session, clock):
    client = make_client(stale_if_error_seconds=600)
    name = "clarification_gemini_25"
    session.queue += [answer(200, {**TEXT, "name": name}), requests.ConnectionError("down")]
    client.get_template(name)
    clock.advance(601)
    served = client.resolve(name)
    assert (served.source, served.template["version"]) == ("default", None)
    assert served.template["template"] == to_format_string(bundled_defaults()[name]["template"])


def test_after_a_failure_the_server_is_left_alone_for_the_retry_interval(
    make_client, session, clock
):
    client = make_client(retry_after_seconds=5)
    session.queue.append(requests.ConnectionError("down"))
    assert client.resolve("nlu_extraction_gemini_25").source == "default"
    assert client.resolve("script_generation_gemini_25").source == "default"
    assert len(session.calls) == 1  # the second lookup did not wait on a dead server
    clock.advance(6)
    session.queue.append(answer(200, {**TEXT, "name": "nlu_extraction_gemini_25"}))
    assert client.resolve("nlu_extraction_gemini_25").source == "firestore"


def test_cold_and_unreachable_the_override_then_the_defaults_answer_production_only(
    make_client, session
):
    override = {"greet": {"template": "Hi {{who}}", "temperature": 0.9}}
    client = make_client(custom_templates_json=json.dumps(override), retry_after_seconds=0)
    session.queue += [requests.ConnectionError("down")] * 4
    env = client.get_template("greet")
    assert (env["source"], env["template"], env["temperature"], env["top_p"]) == (
        "env",
        "Hi {who}",
        0.9,
        MODEL_DEFAULTS["top_p"],
    )
    assert client.get_template("nlu_extraction_gemini_25")["source"] == "default"
    with pytest.raises(PromptsUnavailable, match="unreachable"):
        client.get_template("greet", label="staging")
    with pytest.raises(PromptsUnavailable):
        client.get_template("nlu_extraction_gemini_25", version=1)


def test_a_404_is_a_key_error_and_cached_and_only_the_override_may_answer_it(make_client, session):
    override = {"greet": {"template": "Hi {{who}}"}, "gone": {"template": "back?"}}
    client = make_client(custom_templates_json=json.dumps(override))
    session.queue += [
        answer(404, problem("template-not-found")),
        answer(404, problem("template-not-found")),
        answer(404, problem("template-not-found", deleted=True)),
        answer(404, problem("label-not-found")),
    ]
    with pytest.raises(KeyError):
        client.get_template("nope")
    with pytest.raises(TemplateNotFound, match="template-not-found here"):
        client.get_template("nope")
    assert client.get_template("greet")["source"] == "env"  # the server holds nothing
    with pytest.raises(TemplateNotFound):
        client.get_template("gone")  # deleted on the server: never resurrected
    with pytest.raises(TemplateNotFound):
        client.get_template("greet", label="staging")
    assert len(session.calls) == 4  # the first 404 was cached


def test_a_pinned_version_is_immutable_so_it_is_never_revalidated(make_client, session, clock):
    client = make_client()
    session.queue.append(answer(200, {**TEXT, "label": None}))
    client.get_template("greet", version=3)
    clock.advance(10 * 24 * 3600)
    assert client.get_template("greet", version=3)["source"] == "cache"
    assert session.calls[0]["params"] == {"version": "3"}
    assert len(session.calls) == 1


def test_chat_templates_are_read_with_get_chat_template(make_client, session):
    client = make_client()
    chat = {k: v for k, v in TEXT.items() if k != "template"}
    chat["messages"] = [{"role": "user", "content": "Hi {{ who }} {x}"}]
    session.queue.append(answer(200, chat))
    with pytest.raises(NotATextTemplate) as raised:
        client.get_template("greet")
    assert not isinstance(raised.value, KeyError)
    assert client.get_chat_template("greet")["messages"] == [
        {"role": "user", "content": "Hi {who} {{x}}"}
    ]


def test_a_cold_client_whose_server_never_answers_serves_defaults_within_its_deadline(
    silent_server,
):
    """The feature is a deadline: the bound is generous, the budget is 0.3 s."""
    client = PromptClient(
        ClientConfig(
            url=f"http://{silent_server}",
            api_key="k",
            cold_deadline_seconds=0.3,
            deadline_seconds=0.3,
        )
    )
    started = time.monotonic()
    served = client.resolve("nlu_extraction_gemini_25")
    elapsed = time.monotonic() - started
    assert (served.source, served.fallback_reason) == ("default", "deadline_exceeded")
    assert elapsed < 5


def test_a_report_is_posted_once_with_a_generated_id_and_never_raises(make_client, session):
    client = make_client()
    session.queue += [answer(202, {"status": "accepted"})]
    report = client.report_execution("greet", latency_ms=12.5, success=True, version=3)
    body = session.calls[0]["json"]
    assert report.accepted is True
    assert body["execution_id"] == report.execution_id
    assert (body["template"], body["version"], body["success"]) == ("greet", 3, True)
    assert body["finished_at"].endswith("+00:00")

    session.queue += [requests.ConnectionError("down"), answer(202, {"status": "accepted"})]
    retried = client.report_execution("greet", latency_ms=1, success=True)
    assert retried.accepted is True
    assert session.calls[1]["json"]["execution_id"] == session.calls[2]["json"]["execution_id"]

    session.queue += [answer(422, problem("validation-failed"))]
    refused = client.report_execution("greet", latency_ms=1, success=True, cost_usd=0.1)
    assert (refused.accepted, refused.status) == (False, 422)
    assert len(session.calls) == 4  # a 422 is not retried
    session.queue += [answer(422, problem("validation-failed"))]
    with pytest.raises(ReportRejected, match="validation-failed"):
        client.report_execution("greet", latency_ms=1, success=True, raise_errors=True)


def test_a_background_report_returns_at_once_and_lands(make_client, session):
    client = make_client()
    session.queue.append(answer(202, {"status": "accepted"}))
    report = client.report_execution("greet", latency_ms=1, success=True, background=True)
    assert report.accepted is None
    client.close()  # waits for the worker
    assert session.calls[0]["json"]["execution_id"] == report.execution_id


def _jwt(exp: float) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'exp': int(exp)})}.c2ln"


def test_an_id_token_is_fetched_once_and_again_before_it_expires():
    now = [1_000_000.0]
    fetched: list[tuple[str, float]] = []

    def fetch(audience: str, timeout: float) -> str:
        fetched.append((audience, timeout))
        return _jwt(now[0] + 3600)

    credentials = Credentials(ClientConfig(url=URL + "/"), fetch_token=fetch, clock=lambda: now[0])
    first = credentials.headers(0.5)["Authorization"]
    assert credentials.headers(0.5)["Authorization"] == first
    assert fetched == [(URL, 0.5)]  # audience: the URL; the fetch gets the call's budget
    now[0] += 3600 - 299  # inside the five-minute margin
    credentials.headers(0.5)
    assert len(fetched) == 2
    assert "X-API-Key" not in credentials.headers(0.5)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "PROMPTS_URL"),
        ({"PROMPTS_URL": "prompts.internal"}, "PROMPTS_URL"),
        ({"PROMPTS_URL": URL, "PROMPTS_AUTH": "basic"}, "PROMPTS_AUTH"),
        ({"PROMPTS_URL": URL, "PROMPTS_AUTH": "api_key"}, "PROMPTS_API_KEY"),
        ({"PROMPTS_URL": URL, "PROMPTS_DEADLINE_SECONDS": "soon"}, "PROMPTS_DEADLINE_SECONDS"),
        ({"PROMPTS_URL": URL, "PROMPTS_CACHE_TTL_SECONDS": "nan"}, "PROMPTS_CACHE_TTL_SECONDS"),
        ({"PROMPTS_URL": URL, "PROMPTS_COLD_DEADLINE_SECONDS": "0.1"}, "PROMPTS_COLD_DEADLINE"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(env, named):
    with pytest.raises(ClientConfigError, match=named):
        ClientConfig.from_env(env)


def test_settings_from_the_environment():
    config = ClientConfig.from_env(
        {"PROMPTS_URL": URL + "/", "PROMPTS_API_KEY": "k", "PROMPTS_CACHE_TTL_SECONDS": "5"}
    )
    assert (config.base_url, config.auth_mode, config.cache_ttl_seconds) == (URL, "api_key", 5.0)
    assert ClientConfig.from_env({"PROMPTS_URL": URL}).auth_mode == "id_token"


def test_a_malformed_override_is_skipped_not_fatal(caplog):
    parsed = parse_custom_templates(
        json.dumps(
            {
                "ok": {"template": "x"},
                "both": {"template": "x", "messages": [{"role": "user", "content": "y"}]},
                "odd": {"template": "x", "colour": "red"},
                "num": 3,
            }
        )
    )
    assert list(parsed) == ["ok"]
    assert parse_custom_templates("{not json") == {}
    assert "skipping" in caplog.text


def test_the_bundled_defaults_are_the_three_seed_templates():
    assert sorted(bundled_defaults()) == [
        "clarification_gemini_25",
        "nlu_extraction_gemini_25",
        "script_generation_gemini_25",
    ]


def test_an_answer_the_server_marks_degraded_is_kept_only_until_the_next_retry(
    make_client, session, clock
):
    client = make_client(retry_after_seconds=5)
    degraded = {**TEXT, "source": "default", "version": None, "fallback_reason": "breaker_open"}
    session.queue += [answer(200, degraded), answer(200, TEXT)]
    assert client.resolve("greet").fallback_reason == "breaker_open"
    clock.advance(4)
    assert client.get_template("greet")["source"] == "cache"
    clock.advance(2)  # past the retry interval, well within the TTL: asked again
    assert client.get_template("greet")["version"] == 3
    assert len(session.calls) == 2


def test_resolve_hands_out_a_copy_too(make_client, session):
    client = make_client()
    session.queue.append(answer(200, TEXT))
    client.resolve("greet").template["template"] = "edited"
    assert client.resolve("greet").template["template"] == 'Hello {who}, JSON: {{"a": 1}}'
