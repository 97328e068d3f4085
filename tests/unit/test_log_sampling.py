"""Plain cache hits log a LOG_CACHE_HITS_SAMPLE share of their lines; degraded answers and
Firestore reads always log theirs (errors: tests/e2e/test_resolve_http.py)."""

from __future__ import annotations

import itertools
import logging

import pytest

from shared.config import Settings
from shared.observability import LogSampler
from shared.templates.resolver import Resolver
from tests.resolution_cases import InMemoryTemplates, OutageStore
from tests.support import FakeClock

LOGGER = "shared.templates.resolver"


@pytest.mark.parametrize(
    ("rate", "events", "logged"),
    [(1.0, 500, 500), (0.0, 500, 0), (0.01, 1000, 10), (0.3, 1000, 300), (0.25, 7, 2)],
)
def test_the_sampler_logs_its_share_evenly_and_the_first_always(rate, events, logged):
    sampler = LogSampler(rate)
    decisions = [sampler() for _ in range(events)]
    assert sum(decisions) == logged
    assert decisions[0] is (rate > 0)
    if 0 < rate < 1:  # evenly: never two logged lines closer than 1/rate - 1 events apart
        picked = [i for i, d in enumerate(decisions) if d]
        assert min(b - a for a, b in itertools.pairwise(picked)) >= int(1 / rate) - 1


def _served_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.getMessage().startswith("Using")]


def test_cache_hits_are_sampled_but_reads_stale_and_fallback_answers_always_logged(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    settings = Settings.from_env(
        {"GOOGLE_CLOUD_PROJECT": "demo-unit", "ENVIRONMENT": "test", "LOG_CACHE_HITS_SAMPLE": "0.1"}
    )
    store = OutageStore(
        InMemoryTemplates([{"name": "greet", "template": "hi", "labels": ["production"]}])
    )
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)

    assert resolver.resolve("greet").source == "firestore"
    hits = [resolver.resolve("greet") for _ in range(100)]
    assert {(h.source, h.stale) for h in hits} == {("cache", False)}
    lines = _served_lines(caplog)
    assert [r.getMessage() for r in lines].count("Using database template: greet (version 1)") == 1
    sampled = [r for r in lines if r.getMessage().startswith("Using cached database template")]
    assert len(sampled) == 10  # 100 hits at 0.1
    assert {r.json_fields["log_sample_rate"] for r in sampled} == {0.1}

    caplog.clear()
    store.down = "unavailable"
    clock.advance(120)  # past the TTL: every answer now is a stale copy (degraded)
    stale = [resolver.resolve("greet") for _ in range(20)]
    fallback = [resolver.resolve("clarification_gemini_25") for _ in range(5)]
    assert {(s.source, s.stale) for s in stale} == {("cache", True)}
    assert {f.source for f in fallback} == {"default"}
    lines = _served_lines(caplog)
    assert len([r for r in lines if r.json_fields["stale"]]) == 20  # every one
    assert len([r for r in lines if r.json_fields["source"] == "default"]) == 5
    assert all(r.levelno == logging.WARNING for r in lines)
    assert not any("log_sample_rate" in r.json_fields for r in lines)


def test_the_default_samples_one_cache_hit_line_in_a_hundred():
    assert Settings.from_env({}).log_cache_hits_sample == 0.01
    assert Settings.from_env({"LOG_CACHE_HITS_SAMPLE": "1"}).log_cache_hits_sample == 1.0
