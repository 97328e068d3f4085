"""`CUSTOM_TEMPLATES_JSON`: malformed input is logged once and ignored, never a crash."""

from __future__ import annotations

import json
import logging

import pytest

from shared.config import Settings
from shared.templates.overrides import parse_custom_templates
from shared.templates.resolver import Resolver


class NeverCalledStore:
    reads = 0

    def read_head(self, name, *, timeout):
        raise AssertionError("not expected")

    def read_version(self, name, version, *, timeout):
        raise AssertionError("not expected")


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        '"a string"',
        '{"x": 5}',
        '{"x": {"template": "a", "temperature": "hot"}}',
    ],
)
def test_malformed_input_is_logged_once_and_ignored(raw, caplog):
    caplog.set_level(logging.ERROR)
    assert parse_custom_templates(raw) == {}
    assert len(caplog.records) == 1
    assert "CUSTOM_TEMPLATES_JSON" in caplog.records[0].getMessage()


def test_a_resolver_parses_the_override_once_not_per_request(caplog):
    caplog.set_level(logging.ERROR)
    settings = Settings.from_env(
        {"CUSTOM_TEMPLATES_JSON": "{broken", "FIRESTORE_BREAKER_FAILURES": "1"}
    )
    resolver = Resolver(store=NeverCalledStore(), settings=settings)
    resolver.breaker.record_failure()  # breaker open: every lookup goes straight to fallbacks
    for _ in range(5):
        assert resolver.resolve("nlu_extraction_gemini_25").source == "default"
    assert sum("CUSTOM_TEMPLATES_JSON" in r.getMessage() for r in caplog.records) == 1


def test_empty_or_blank_means_no_override(caplog):
    assert parse_custom_templates(None) == {}
    assert parse_custom_templates("   ") == {}
    assert caplog.records == []


def test_valid_entries_take_documented_defaults_and_a_name_mismatch_is_refused(caplog):
    parsed = parse_custom_templates(
        json.dumps(
            {
                "a": {"template": "Hi {{who}}"},
                "b": {"name": "not-b", "template": "x"},
                "c": {"messages": [{"role": "user", "content": "{{q}}"}], "top_k": 40},
            }
        )
    )
    assert set(parsed) == {"a", "c"}
    assert parsed["a"].generation.model_name == "gemini-2.5-flash"
    assert parsed["a"].variables == ["who"]
    assert parsed["c"].generation.top_k == 40
