"""docs/webhooks.md's verification snippet is run as written and agrees with the signer the
delivery function uses; the documented event schema accepts the events the code builds."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime

import jsonschema_rs

from shared.changes.events import ChangeFacts, change_event, cloud_event, source_for
from shared.webhooks.delivery import body_for
from shared.webhooks.signing import signature
from tests.conftest import ROOT
from tests.doc_examples import answer_mismatches, read_examples

PAGE = ROOT / "docs" / "webhooks.md"


def _snippet():
    (example,) = [e for e in read_examples(PAGE) if "def verify" in e.code]
    return example


def test_the_documented_snippet_prints_its_documented_answer():
    example = _snippet()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example.code, example.where, "exec"), {})  # noqa: S102 - our own docs
    assert answer_mismatches(example, printed.getvalue()) == []


def test_the_documented_snippet_verifies_what_the_delivery_function_signs():
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(_snippet().code, "webhooks.md", "exec"), namespace)  # noqa: S102
    verify = namespace["verify"]
    body = b'{"id": "e1", "type": "template.label.moved"}'
    header = signature("whsec_secret", 1_767_225_600, body)
    assert verify("whsec_secret", header, body, now=1_767_225_600 + 299)
    assert not verify("whsec_secret", header, body, now=1_767_225_600 + 301)  # replay
    assert not verify("whsec_other", header, body, now=1_767_225_600)
    assert not verify("whsec_secret", "t=x,v1=y", body, now=1_767_225_600)


def test_the_events_the_code_builds_match_the_documented_schema():
    schema = json.loads((ROOT / "docs" / "change-event.schema.json").read_text())
    validator = jsonschema_rs.validator_for(schema)
    entry = {
        "actor": "key:ci",
        "action": "label.move",
        "target": "templates/greet/labels/production",
        "before": {"version": 1},
        "after": {"version": 2},
        "request_id": "r",
    }
    facts = ChangeFacts(5, "greet", "production", "sha256:a", "sha256:b")
    stored = change_event(entry, audit_entry_id="a1", facts=facts, source=source_for("p"))
    assert stored is not None
    event = cloud_event(stored, datetime(2026, 1, 1, tzinfo=UTC))
    assert validator.is_valid(json.loads(body_for(event, 262_144)))
    slim = json.loads(body_for({**event, "data": {**event["data"], "before": "x" * 3000}}, 1024))
    assert slim["data"]["truncated"] is True
    assert validator.is_valid(slim)
    assert not validator.is_valid({**event, "type": "template.renamed"})
