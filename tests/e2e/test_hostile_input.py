"""Hostile input over the functions as functions-framework loads them, on the emulators.

First the reproductions, one test each; then property-based tests (hypothesis,
derandomized so CI is reproducible) that throw arbitrary JSON values, sizes and nesting,
raw texts no JSON library writes (`1e400`, 5,000-digit integers, duplicate keys, deep
nesting), unicode and PII-looking strings at every body, query and cursor of resolve and
admin and at both event handlers, and check what ends up stored.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from infra.local.pubsub import clients
from shared.storage.firestore import firestore_client
from tests.conftest import PROJECT, ROOT
from tests.e2e.conftest import ADMIN_SOURCE, assert_problem

pytestmark = pytest.mark.emulator

RECORD_SOURCE = ROOT / "functions" / "record_execution" / "main.py"
ROLLUP_SOURCE = ROOT / "functions" / "rollup_analytics" / "main.py"
KEY = "test-pseudonymization-key-0123456789"
HUGE_INT = "9" * 5000  # past CPython's 4,300-digit int/str conversion limit
DEEP = "[" * 100_000 + "]" * 100_000  # 200 KB, past Python's recursion limit
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def post_json(client: Any, path: str, raw: str | bytes, **kwargs: Any) -> Any:
    return client.post(path, data=raw, content_type="application/json", **kwargs)


def check_answer(response: Any, what: Any = "", seen: dict[int, int] | None = None) -> None:
    """Never a 500, errors always as problem details, never a traceback."""
    if seen is not None:
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (what, response.status_code, text[:500])
    assert "Traceback" not in text
    assert 'File "' not in text
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", (what, response.status_code)
        assert response.get_json()["status"] == response.status_code


def execution(**overrides: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "execution_id": f"exec-{uuid.uuid4().hex}",
        "template": "nlu_extraction_gemini_25",
        "latency_ms": 12.5,
        "success": True,
        "finished_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


def push_body(payload: bytes, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "subscription": f"projects/{PROJECT}/subscriptions/s",
        "message": {
            "data": base64.b64encode(payload).decode(),
            "messageId": message_id,
            "attributes": {},
        },
    }


@pytest.fixture
def events(load_function, monkeypatch) -> dict[str, Any]:
    """record_execution and rollup_analytics loaded in-process; pushes in the shape the
    Pub/Sub emulator sends (functions-framework turns them into CloudEvents)."""
    monkeypatch.setenv("ROLLUP_LOOKBACK_HOURS", "1")
    record, _ = load_function(source=RECORD_SOURCE, target="record_execution", role=None)
    rollup, _ = load_function(source=ROLLUP_SOURCE, target="rollup_analytics", role=None)
    return {"record": record, "rollup": rollup}


def push(client: Any, payload: bytes, message_id: str = "m-1") -> Any:
    return client.post(f"/projects/{PROJECT}/topics/t", json=push_body(payload, message_id))


def stored(collection: str) -> list[dict[str, Any]]:
    from shared.config import get_settings

    client = firestore_client(get_settings())
    return [s.to_dict() for s in client.collection(collection).stream()]


# Reproductions ---------------------------------------------------------------------------

ECHO = json.dumps({"echo": {"template": "{{a}}"}, "many": {"template": "{{a}}" * 4000}})


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"variables": {"a": 1e400}}', "64-bit float"),
        ('{"variables": {"a": ' + HUGE_INT + "}}", "64-bit range"),
        ('{"variables": {"a": 18446744073709551616}}', "64-bit range"),
        ('{"variables": {"a": "x"}, "variables": {"a": "y"}}', "duplicate key"),
        ('{"variables": {"a": ' + "[" * 80 + "]" * 80 + "}}", "nested deeper than 64"),
    ],
    ids=["inf", "huge-int", "over-int64", "duplicate-key", "deep"],
)
def test_render_refuses_json_it_cannot_carry_with_a_400_naming_why(load_function, raw, reason):
    client, _ = load_function(CUSTOM_TEMPLATES_JSON=ECHO)
    body = assert_problem(post_json(client, "/templates/echo/render", raw), 400, "bad-request")
    assert reason in body["detail"]
    assert body["errors"] == [{"field": "body", "message": body["errors"][0]["message"]}]


def test_render_output_is_bounded_by_max_rendered_bytes(load_function):
    client, _ = load_function(CUSTOM_TEMPLATES_JSON=ECHO)
    big = client.post("/templates/many/render", json={"variables": {"a": "x" * 10_000}})
    body = assert_problem(big, 422, "rendered-too-large")
    assert body["rendered_bytes"] == 40_000_000
    assert body["max_rendered_bytes"] == 1024 * 1024
    assert len(big.get_data()) < 4096
    small = client.post("/templates/many/render", json={"variables": {"a": "x" * 10}})
    assert small.status_code == 200
    assert small.get_json()["rendered"] == "x" * 40_000


def test_reported_executions_refuse_free_text_identifiers_and_hostile_json(
    load_function, pubsub_emulator
):
    client, _ = load_function(PUBSUB_EMULATOR_HOST=pubsub_emulator.host)
    failed = {"success": False, "error_class": "Timeout"}
    for field, value in (
        ("error_class", "jane@example.com"),
        ("error_class", "could not reach +44 7400 123456"),
        ("model", "gemini for Jane Roe <jane@example.com>"),
    ):
        answer = client.post("/executions", json=execution(**{**failed, field: value}))
        body = assert_problem(answer, 422, "validation-failed")
        assert [e["field"] for e in body["errors"]] == [f"body.{field}"]
        assert value not in answer.get_data(as_text=True)
    raw = json.dumps(execution()).replace('"latency_ms": 12.5', '"latency_ms": ' + HUGE_INT)
    assert_problem(post_json(client, "/executions", raw), 400, "bad-request")


def test_admin_refuses_hostile_json_and_coerced_model_config(admin):
    client = admin()
    base = {"name": "strict", "template": "Hi {{who}}"}
    raw = json.dumps({**base, "model_config": {"max_output_tokens": 1}}).replace(
        "1}", HUGE_INT + "}"
    )
    assert_problem(post_json(client, "/v1/templates", raw), 400, "bad-request")
    for config in ({"temperature": "0.3"}, {"max_output_tokens": "100"}, {"top_k": True}):
        body = assert_problem(
            client.post("/v1/templates", json={**base, "model_config": config}),
            422,
            "validation-failed",
        )
        assert body["errors"][0]["field"] == f"body.model_config.{next(iter(config))}"
    assert (
        client.post("/v1/templates", json={**base, "model_config": {"temperature": 1}}).status_code
        == 201
    )
    for raw in (
        '{"version": ' + HUGE_INT + "}",
        '{"version": 1e400}',
        '{"version": 1, "version": 2}',
    ):
        answer = post_json(client, "/v1/templates/strict/activate", raw)
        assert_problem(answer, 400, "bad-request")
        answer = client.put(
            "/v1/templates/strict/labels/staging", data=raw, content_type="application/json"
        )
        assert_problem(answer, 400, "bad-request")


FORGED_CURSORS = [
    base64.urlsafe_b64encode(raw).decode().rstrip("=")
    for raw in (
        b'{"after":[1,2,3]}',
        b'{"after":{"a":1}}',
        b"[]",
        b'{"after":"x/y"}',
        b'{"after":1e400}',
    )
]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/audit-log",
        "/v1/templates",
        "/v1/templates/strict/versions",
        "/v1/executions",
        "/v1/guardrails",
        "/v1/experiments",
    ],
)
def test_forged_cursors_are_400_invalid_cursor(admin, path):
    client = admin()
    client.post("/v1/templates", json={"name": "strict", "template": "Hi"})
    for cursor in FORGED_CURSORS:
        body = assert_problem(client.get(path, query_string={"cursor": cursor}), 400, "bad-request")
        assert body["detail"] == "invalid cursor"
        assert body["errors"] == [
            {"field": "query.cursor", "message": "pass next_cursor unchanged"}
        ]


def test_a_deeply_nested_message_is_acknowledged_not_retried(events, json_logs):
    for client in (events["record"], events["rollup"]):
        answer = push(client, DEEP.encode(), "m-deep")
        assert answer.status_code == 200  # acknowledged: redelivery cannot fix it
    assert stored("executions") == []
    messages = [line["message"] for line in json_logs()]
    assert "Malformed execution message acknowledged without storing" in messages
    assert "Malformed analytics tick acknowledged" in messages


PII = (
    "jane.roe@acme-mail.com",
    "+44 7400 123456",
    "4111 1111 1111 1111",
    "GB82 WEST 1234 5698 7654 32",
)


def test_no_raw_pii_at_rest_after_recording_and_rolling_up(events):
    text = "failed for jane.roe@acme-mail.com, phone +44 7400 123456, card 4111 1111 1111 1111"
    report = execution(
        template="pii_at_rest",  # its own: other tests' executions may share the emulator
        success=False,
        error_class="jane.roe@acme-mail.com",
        error_message=text,
        model="model of jane.roe@acme-mail.com",
        label="label for jane.roe@acme-mail.com",
        rendered_prompt=text,
        response=text,
    )
    assert push(events["record"], json.dumps(report).encode()).status_code == 200
    assert push(events["rollup"], b"{}").status_code == 200
    executions = [e for e in stored("executions") if e["template"] == "pii_at_rest"]
    rollups = [r for r in stored("analytics_hourly") if r["template"] == "pii_at_rest"]
    assert len(executions) == 1
    assert [r["errors"] for r in rollups] == [{"invalid_error_class": 1}]
    at_rest = json.dumps(executions + rollups, default=str)
    assert [value for value in PII if value in at_rest] == []


# Properties ------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(PII)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=16,
)
# Raw JSON texts no serializer writes, spliced in where a value goes: the first ones break
# a rule of the strict reader (the answer must then be a 400 naming the body), the last
# ones are legal JSON that must get through or be refused further in, never crash.
REFUSED_FRAGMENTS = [
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    HUGE_INT,
    str(2**64),
    "[" * 70 + "]" * 70,
    '{"k": 1, "k": 2}',
]
LEGAL_FRAGMENTS = ['"\\ud83d\\ude00"', '"' + "é" * 2000 + '"', "0.1e-999", '"\\u0000"', "-0"]
FIELD_NAMES = st.sampled_from(
    ["variables", "label", "version", "user_key", "name", "template", "model_config",
     "messages", "type", "config", "variants", "id", "error_class", "error_message", "model",
     "latency_ms", "finished_at", "a", "temperature", "top_k"]
)  # fmt: skip
_HOLE = "\x00SPLICE\x00"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `value` a fragment can replace (object members and list items)."""
    found = [prefix] if prefix else []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        found += _paths(child, (*prefix, key))
    return found


def _splice(shape: Any, path: tuple[Any, ...], fragment: str) -> str:
    document = json.loads(json.dumps(shape))
    target = document
    for key in path[:-1]:
        target = target[key]
    if isinstance(target, dict) or path[-1] < len(target):
        target[path[-1]] = _HOLE
    return json.dumps(document).replace(json.dumps(_HOLE), fragment, 1)


def bodies(shape: dict[str, Any] | None = None) -> st.SearchStrategy[tuple[str, bool]]:
    """(raw body, must the reader refuse it): the shape itself; any JSON; the shape with
    arbitrary values added; or the shape with one member or item replaced by a raw fragment."""
    shape = shape or {}
    places = st.sampled_from(_paths(shape)) if _paths(shape) else st.nothing()
    place = places | FIELD_NAMES.map(lambda name: (name,))
    anything = JSON_VALUES.map(lambda value: (json.dumps(value), False))
    plausible = st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=3).map(
        lambda extra: (json.dumps({**shape, **extra}), False)
    )
    refused = st.builds(lambda p, f: (_splice(shape, p, f), True), place,
                        st.sampled_from(REFUSED_FRAGMENTS))  # fmt: skip
    legal = st.builds(lambda p, f: (_splice(shape, p, f), False), place,
                      st.sampled_from(LEGAL_FRAGMENTS))  # fmt: skip
    exact = st.just((json.dumps(shape), False))
    return st.one_of(exact, anything, plausible, refused, refused, legal)


def check_body_answer(response: Any, raw: str, refused: bool, seen: dict[int, int]) -> None:
    check_answer(response, raw[:300], seen)
    if refused:  # the one reader refuses it, whatever the endpoint, naming the body
        assert response.status_code == 400, (raw[:300], response.get_data(as_text=True))
        assert response.get_json()["errors"][0]["field"] == "body"


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSORS = st.one_of(
    st.text(max_size=30),
    JSON_VALUES.map(lambda value: _cursor(json.dumps({"after": value}).encode())),
    st.sampled_from(REFUSED_FRAGMENTS + LEGAL_FRAGMENTS).map(
        lambda f: _cursor(b'{"after": ' + f.encode() + b"}")
    ),
)
QUERY_VALUES = st.one_of(st.text(max_size=30), st.sampled_from(["1", "0", HUGE_INT, "1e400"]))
RENDERABLE = {"variables": {"a": "x", "b": [1, {"c": 2}]}, "label": "production"}


def test_resolve_never_fails_on_arbitrary_json(load_function, pubsub_emulator):
    topic = f"fuzz-{uuid.uuid4().hex[:8]}"
    publisher, _ = clients(pubsub_emulator.host)
    publisher.create_topic(name=f"projects/{PROJECT}/topics/{topic}")
    client, _ = load_function(
        CUSTOM_TEMPLATES_JSON=ECHO,
        PUBSUB_EMULATOR_HOST=pubsub_emulator.host,
        EXECUTIONS_TOPIC=topic,
    )
    report = execution(execution_id="exec-fuzz-0001", success=False, error_class="Timeout",
                       error_message="x", model="gemini-2.5-flash", cost_usd="0.1")  # fmt: skip
    requests = st.one_of(
        st.tuples(st.just("/templates/echo/render"), bodies(RENDERABLE)),
        st.tuples(st.just("/templates/many/render"), bodies(RENDERABLE)),
        st.tuples(st.just("/executions"), bodies(report)),
    )
    queries = st.dictionaries(
        st.sampled_from(["label", "version", "user_key"]), QUERY_VALUES, max_size=2
    )

    @FUZZ
    @given(requests, queries)
    def property_(request: tuple[str, tuple[str, bool]], query: dict[str, str]) -> None:
        path, (raw, refused) = request
        check_body_answer(post_json(client, path, raw), raw, refused, seen)
        check_answer(client.get("/templates/echo", query_string=query), query, seen)

    seen: dict[int, int] = {}
    property_()
    assert {200, 202, 400, 422} <= set(seen), seen  # past the parser, into every layer


ADMIN_ARGS = {"name": "fuzzed", "label": "staging", "id": "exp-fuzz", "version": "1",
              "execution_id": "exec-fuzz-0001"}  # fmt: skip
CONTENT = {"template": "Hi {{a}}", "model_config": {"temperature": 0.2, "top_k": 5,
           "stop_sequences": ["x"]}, "variables": ["a"]}  # fmt: skip
ADMIN_SHAPES = {
    "/v1/templates": {"name": "fuzzed", **CONTENT},
    "/v1/templates/fuzzed": CONTENT,
    "/v1/templates/fuzzed/versions": CONTENT,
    "/v1/templates/fuzzed/labels/staging": {"version": 1},
    "/v1/templates/fuzzed/activate": {"version": 1},
    "/v1/templates/fuzzed/rollback": {"label": "production"},
    "/v1/guardrails": {"name": "g-fuzz", "type": "pii_detection", "threshold": 0.5,
                       "action": "redact", "surfaces": ["response"], "config": {}},
    "/v1/experiments": {"id": "exp-fuzz", "template": "fuzzed", "variants": [
        {"name": "a", "version": 1, "weight": 0.5}, {"name": "b", "version": 1, "weight": 0.5}]},
    "/v1/experiments/exp-fuzz/stop": {"winner": "a", "note": ""},
    "/v1/templates/fuzzed/preview": {"template": "Hi {{a}}", "values": {"a": "x"}},
    "/v1/guardrails/scan": {"text": "mail me", "guardrails": ["g-fuzz"]},
}  # fmt: skip


def _filled(path: str) -> str:
    for name, value in ADMIN_ARGS.items():
        path = path.replace(f"{{{name}}}", value)
    return path


def test_admin_never_fails_on_arbitrary_bodies_queries_and_cursors(load_function):
    client, module = load_function(source=ADMIN_SOURCE, target="admin", role="admin")
    client.post("/v1/templates", json={"name": "fuzzed", **CONTENT})
    calls = [(r.method, _filled(r.path)) for r in module.app.api.routes if r.body is not None]
    queries = [
        (_filled(r.path), [q.name for q in r.query]) for r in module.app.api.routes if r.query
    ]
    assert len(calls) >= 10  # every body-taking route, not a sample
    body_calls = st.sampled_from(calls).flatmap(
        lambda call: st.tuples(st.just(call), bodies(ADMIN_SHAPES.get(call[1], {})))
    )
    query_calls = st.sampled_from(queries).flatmap(
        lambda q: st.tuples(
            st.just(q[0]),
            st.dictionaries(st.sampled_from(q[1]), QUERY_VALUES, max_size=3),
            CURSORS if "cursor" in q[1] else st.none(),
        )
    )

    # One valid create always runs, so a 2xx write is among the answers whatever share of
    # the drawn calls the route table's size leaves to creates.
    create = (("POST", "/v1/guardrails"), (json.dumps(ADMIN_SHAPES["/v1/guardrails"]), False))

    @FUZZ
    @given(body_calls, query_calls)
    @example(create, ("/v1/templates", {}, None))
    def property_(
        call: tuple[tuple[str, str], tuple[str, bool]], query: tuple[str, dict[str, str], Any]
    ) -> None:
        (method, path), (raw, refused) = call
        answer = client.open(path, method=method, data=raw, content_type="application/json")
        check_body_answer(answer, raw, refused, seen)
        path, params, cursor = query
        if cursor is not None:
            params = {**params, "cursor": cursor}
        check_answer(client.get(path, query_string=params), (path, params), seen)

    seen: dict[int, int] = {}
    property_()
    assert {200, 201, 400, 422} <= set(seen), seen


def test_event_handlers_acknowledge_anything_they_cannot_use(events):
    payloads = st.one_of(
        bodies().map(lambda body: body[0].encode()),
        bodies(execution(execution_id="exec-fuzz-0002")).map(lambda body: body[0].encode()),
        st.binary(max_size=64),
        st.just(DEEP.encode()),
    )

    @FUZZ
    @given(payloads, st.sampled_from(["record", "rollup"]))
    def property_(payload: bytes, target: str) -> None:
        if not payload:
            return  # Pub/Sub refuses empty messages
        check_answer(push(events[target], payload), payload[:200], seen)

    seen: dict[int, int] = {}
    property_()
    assert set(seen) == {200}, seen  # every delivery acknowledged
    # Pushes whose envelope itself is odd, as only a caller over HTTP could send them.
    for envelope in ({"message": [1]}, {"message": {"data": 5}}, {"message": {"data": "%%"}}, []):
        answer = events["record"].post(f"/projects/{PROJECT}/topics/t", json=envelope)
        assert answer.status_code < 500, (envelope, answer.get_data(as_text=True))


FILLERS = st.sampled_from(["", "failed: ", "user ", "contact ", "see "])


def test_no_pii_reported_in_any_free_text_field_is_stored_raw(events):
    """After recording executions whose every free-text field carries PII, and rolling
    up, no stored execution or rollup holds any of the PII values."""
    placed = st.builds(lambda filler, value: filler + value, FILLERS, st.sampled_from(PII))
    reports = st.fixed_dictionaries(
        {
            "error_class": placed,
            "error_message": placed,
            "model": placed,
            "label": placed,
            "rendered_prompt": placed,
            "response": placed,
            "experiment_id": placed,
        }
    )

    @settings(FUZZ, max_examples=25)
    @given(reports)
    def property_(fields: dict[str, str]) -> None:
        report = execution(success=False, variant="b", **fields)
        assert push(events["record"], json.dumps(report).encode()).status_code == 200

    property_()
    assert push(events["rollup"], b"{}").status_code == 200
    documents = stored("executions") + stored("analytics_hourly")
    assert len(documents) > 10  # executions and their rollups
    at_rest = json.dumps(documents, default=str)
    assert [value for value in PII if value in at_rest] == []
