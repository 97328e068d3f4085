"""Input that is valid JSON to Python but not to us, and what is kept of free text (pure)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from shared.analytics.aggregate import summarize
from shared.analytics.rollup import compute_rollups, handle_tick
from shared.errors import BadRequest, RenderedTooLarge, RenderError, ValidationFailed
from shared.executions.events import (
    INVALID_ERROR_CLASS,
    MalformedMessage,
    ReportedExecution,
    decode_pubsub_data,
    error_key,
)
from shared.http.pagination import decode_cursor, encode_cursor
from shared.rendering import render_text
from shared.strict_json import MAX_DEPTH, JsonRefused, loads
from shared.templates.model import ModelConfig, PromptTemplate
from shared.templates.service import render
from shared.validation import validate_as
from tests.unit.test_executions import RecordingJob, fields, parse, push, recorder

DEEP = "[" * 100_000 + "]" * 100_000  # 200 KB: past Python's recursion limit


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1e400", "too large for a 64-bit float"),
        ('{"a": -1e400}', "too large for a 64-bit float"),
        ("NaN", "NaN is not a JSON number"),
        ('{"x": Infinity}', "Infinity is not a JSON number"),
        ("1" * 5000, "outside the 64-bit range"),  # int() itself raises past 4,300 digits
        (str(2**63), "outside the 64-bit range"),
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"v": {"a": 1, "b": [{"c": 0, "c": 0}]}}', "duplicate key"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested deeper than 64"),
        ('{"a":' * 500 + "1" + "}" * 500, "nested deeper than 64"),
        (DEEP, "nested deeper than 64"),
        ("{", "not valid JSON"),
        (b"\xff\xfe\xfa", "not valid"),
    ],
)
def test_the_strict_decoder_refuses_what_later_code_cannot_carry(raw, reason):
    with pytest.raises(JsonRefused) as raised:
        loads(raw)
    assert reason in raised.value.reason
    assert "1111" not in raised.value.reason  # names the rule, never echoes the input


def test_the_strict_decoder_keeps_everything_ordinary():
    text = json.dumps(
        {"n": [2**63 - 1, -(2**63), 0, -0.0, 1.5e300, 1e-400], "s": "é😀", "deep": [[[[[]]]]]}
    )
    value = loads(text)
    assert value["n"][:2] == [2**63 - 1, -(2**63)]
    assert value["s"] == "é😀"
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    "payload",
    [
        DEEP.encode(),
        json.dumps(fields(input_tokens=0)).replace("0", "1" * 5000, 1).encode(),
        json.dumps(fields()).replace('"latency_ms": 12.5', '"latency_ms": 1e400').encode(),
        json.dumps(fields())[:-1].encode() + b', "success": false}',
    ],
    ids=["deep", "huge-int", "inf", "duplicate-key"],
)
def test_hostile_pubsub_data_is_malformed_not_a_crash(payload):
    """A RecursionError or ValueError escaping here made Pub/Sub redeliver 5 times and
    dead-letter the message; a MalformedMessage is acknowledged."""
    with pytest.raises(MalformedMessage):
        decode_pubsub_data(push(payload))


def test_a_hostile_tick_is_acknowledged_without_running():
    job = RecordingJob()
    for payload in (DEEP.encode(), b'{"from": 1e400}', b'{"from": "x", "from": "y"}'):
        data = {"message": {"data": base64.b64encode(payload).decode()}}
        assert handle_tick(job, data) is None  # type: ignore[arg-type]
    assert job.calls == []


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"after": [1, 2, 3]}',
        b'{"after": {"a": 1}}',
        b"[]",
        b'{"after": null}',
        b'{"after": true}',
        b'{"after": 1e400}',
        b'{"after": "x", "after": "y"}',
        b'{"after": "a", "extra": 1}',
        b'{"after": "../__x__"}',
        b'{"after": "a/b"}',
        b'{"after": ""}',
        b'{"after": 3}',  # a number where a document id is expected
    ],
)
def test_forged_cursors_are_invalid_cursor(raw):
    with pytest.raises(BadRequest, match="invalid cursor"):
        decode_cursor(_cursor(raw))


@pytest.mark.parametrize(
    "raw", [b'{"after": "3"}', b'{"after": 0}', b'{"after": true}', b'{"after": 3.5}', b"[]"]
)
def test_version_cursors_must_be_positive_integers(raw):
    with pytest.raises(BadRequest, match="invalid cursor"):
        decode_cursor(_cursor(raw), kind=int)


def test_issued_cursors_round_trip():
    assert decode_cursor(encode_cursor("exec-0001.a:b")) == "exec-0001.a:b"
    assert decode_cursor(encode_cursor(12), kind=int) == 12
    assert decode_cursor(None) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", "0.3"),
        ("max_output_tokens", "100"),
        ("top_k", True),
        ("max_output_tokens", 100.0),
        ("top_p", "0.9"),
        ("temperature", True),
    ],
)
def test_model_config_takes_json_types_as_sent(field, value):
    with pytest.raises(ValidationFailed) as raised:
        validate_as(ModelConfig, {field: value}, as_json=True)
    assert raised.value.errors[0].field == f"body.{field}"


def test_model_config_accepts_an_integer_for_a_float_field():
    assert validate_as(ModelConfig, {"temperature": 1, "top_p": 1}).temperature == 1.0


def test_render_size_is_bounded_before_the_text_is_built():
    template = "{{a}}" * 4000
    with pytest.raises(RenderedTooLarge) as raised:
        render_text(template, {"a": "x" * 10_000}, max_bytes=1024 * 1024)
    assert raised.value.extra["rendered_bytes"] == 40_000_000
    assert raised.value.status == 422
    assert raised.value.slug == "rendered-too-large"
    exact = render_text("é{{a}}\\{{", {"a": "ü"}, max_bytes=len("é" + "ü" + "{{") + 2)
    assert exact.text == "éü{{"
    assert exact.size == len(exact.text.encode())


def test_render_bounds_all_chat_messages_together():
    template = PromptTemplate(
        name="chat",
        messages=[{"role": "system", "content": "{{a}}"}, {"role": "user", "content": "{{a}}"}],
    )
    text, messages, _ = render(template, {"a": "x" * 600}, max_bytes=1200)
    assert text is None
    assert [len(m.content) for m in messages or []] == [600, 600]
    with pytest.raises(RenderedTooLarge):
        render(template, {"a": "x" * 601}, max_bytes=1200)


def test_values_python_callers_pass_that_json_cannot_carry_are_a_render_error():
    with pytest.raises(RenderError, match="variable a"):
        render_text("{{a}}", {"a": float("inf")})


PII = {
    "email": "jane.roe@example.com",
    "phone": "+44 7400 123456",
    "card": "4111 1111 1111 1111",
}


def test_every_free_text_field_is_redacted_and_error_classes_are_identifiers():
    event = parse(
        success=False,
        error_class=PII["email"],
        error_message=f"quota for {PII['email']} ({PII['phone']}) exceeded",
        model=f"gemini for {PII['email']}",
        label=f"card {PII['card']}",
        experiment_id=f"exp {PII['phone']}",
        variant=PII["email"],
    )
    document = recorder().document(event)
    stored = json.dumps(document, default=str)
    for value in PII.values():
        assert value not in stored
    assert document["error_class"] == INVALID_ERROR_CLASS
    assert document["error_message"].startswith("quota for <EMAIL> ")
    assert "<PHONE>" in document["error_message"]
    assert document["model"] == "gemini for <EMAIL>"
    assert {"EMAIL", "PHONE", "CREDIT_CARD"} <= set(document["redacted_types"])


def test_an_identifier_that_is_pii_is_no_error_class():
    document = recorder().document(parse(success=False, error_class="jane.roe@example.com"))
    assert document["error_class"] == INVALID_ERROR_CLASS
    ordinary = recorder().document(parse(success=False, error_class="api.DeadlineExceeded"))
    assert ordinary["error_class"] == "api.DeadlineExceeded"


def test_rollup_error_keys_are_never_free_text():
    hour = datetime(2026, 11, 25, 10, tzinfo=UTC)
    rows = [
        {"template": "t", "version": 1, "success": False, "error_class": c, "latency_ms": 1.0}
        for c in ("Timeout", "jane@example.com", "quota exceeded for +44 7400 123456", None)
    ]
    (rollup,) = compute_rollups(rows, hour).values()
    assert rollup["errors"] == {"Timeout": 1, INVALID_ERROR_CLASS: 2, "unknown": 1}
    old = {**rollup, "errors": {"jane@example.com": 3, "Timeout": 1}}  # stored before the fix
    (figures,) = summarize([old], by_variant=False)
    assert figures.errors == {INVALID_ERROR_CLASS: 3, "Timeout": 1}
    assert error_key("a" * 129) == INVALID_ERROR_CLASS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("error_class", "jane@example.com"),
        ("error_class", "Timeout for user 42"),
        ("model", "Jane Roe <jane@example.com>"),
        ("label", "Production"),
        ("variant", "B side"),
    ],
)
def test_reported_identifiers_are_checked_naming_the_field(field, value):
    body = fields(**{"success": False, "error_class": "Timeout", field: value})
    with pytest.raises(ValidationFailed) as raised:
        validate_as(ReportedExecution, body)
    assert [e.field for e in raised.value.errors] == [f"body.{field}"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"a": [1, 2.5, "x", null, true]}',
        b'{"a": [1, 2.5, "x", null, true]}',
        '{"a": [1, 2.5, "x", null, true]}'.encode("utf-16"),
        '{"a": [1, 2.5, "x", null, true]}'.encode("utf-32-le"),
        b'\xef\xbb\xbf{"a": [1, 2.5, "x", null, true]}',  # a byte string's BOM is read
    ],
)
def test_the_shared_decoder_reads_what_json_loads_reads(raw):
    import json

    assert loads(raw) == json.loads(raw) == {"a": [1, 2.5, "x", None, True]}
    assert loads(raw) == loads(raw)  # the decoder keeps nothing between documents


def test_a_text_bom_and_bytes_that_are_no_text_are_refused():
    with pytest.raises(JsonRefused, match="Unexpected UTF-8 BOM"):
        loads('\ufeff{"a": 1}')
    with pytest.raises(JsonRefused, match="not valid UTF-8 text"):
        loads(b'{"a": "\xff"}')
    with pytest.raises(TypeError):
        loads(3)  # type: ignore[arg-type]
