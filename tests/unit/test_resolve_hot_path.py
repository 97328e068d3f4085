"""The cache-hit GET builds its answer once per cached read: what it keeps must be what a
fresh build gives, byte for byte and header for header, and a re-read entry starts over."""

from __future__ import annotations

import pytest
from flask import Response

from shared.config import Settings
from shared.http.responses import PreparedJson, dumps_compact, joined_json
from shared.observability import request_context
from shared.resilience import current_budget, request_budget
from shared.resolve_api import _answer_fields, _cache_control, build_answer, prepared_answer
from shared.templates.resolver import Resolution, Resolver
from tests.resolution_cases import InMemoryTemplates, OutageStore
from tests.support import FakeClock

ENVIRON = {"REQUEST_METHOD": "GET", "SERVER_NAME": "x", "SERVER_PORT": "80"}
ENVIRON |= {"wsgi.url_scheme": "http"}


def _resolver(store: InMemoryTemplates | OutageStore, clock: FakeClock) -> Resolver:
    settings = Settings.from_env({"GOOGLE_CLOUD_PROJECT": "demo-unit", "ENVIRONMENT": "test"})
    return Resolver(store=store, settings=settings, clock=clock)


def _sent(response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.get_wsgi_headers(ENVIRON).items()), response.data


def _as_built_before(name: str, resolution: Resolution, max_age: int) -> Response:
    """The answer as the GET handler built it per request before answers were kept."""
    template = resolution.template
    etag = build_answer(name, resolution, max_age).etag
    return Response(
        joined_json(dumps_compact(_answer_fields(resolution)), template.public_json_members),
        status=200,
        headers={"ETag": etag, "Cache-Control": _cache_control(resolution, max_age)},
        mimetype="application/json",
    )


def test_a_cache_hit_reuses_its_resolution_and_answer_and_they_equal_a_fresh_build():
    store = InMemoryTemplates(
        [{"name": "greet", "template": "hi {{who}}", "labels": ["production"]}]
    )
    resolver = _resolver(store, FakeClock())
    first = resolver.resolve("greet")
    hits = [resolver.resolve("greet") for _ in range(3)]
    assert first.source == "firestore"
    assert {h.source for h in hits} == {"cache"}
    assert hits[0] is hits[1] is hits[2]  # one object per cached read
    kept = prepared_answer("greet", hits[0], 10)
    assert prepared_answer("greet", hits[1], 10) is kept
    assert kept == build_answer("greet", hits[0], 10)
    assert _sent(kept.response()) == _sent(_as_built_before("greet", hits[0], 10))
    # Each request gets its own Response: a header added to one stays on it.
    one, two = kept.response(), kept.response()
    one.headers["X-Request-Id"] = "a"
    assert "X-Request-Id" not in two.headers
    # Another max-age is another answer.
    assert prepared_answer("greet", hits[0], 60).headers["Cache-Control"] == "private, max-age=60"


def test_a_re_read_entry_answers_a_new_resolution_with_the_new_version():
    store = InMemoryTemplates(
        [
            {"name": "greet", "template": "hi", "labels": ["production"]},
            {"name": "greet", "template": "hello"},
        ]
    )
    resolver = _resolver(store, FakeClock())
    resolver.resolve("greet")
    before = resolver.resolve("greet")
    old = prepared_answer("greet", before, 10)
    store.read_head("greet", timeout=1).labels["production"] = 2  # the label moves
    assert resolver.refresh("greet") == 1
    after = resolver.resolve("greet")
    assert after is not before
    assert after.version == 2
    new = prepared_answer("greet", after, 10)
    assert new.etag != old.etag
    assert b'"hello"' in new.body
    assert _sent(new.response()) == _sent(_as_built_before("greet", after, 10))


def test_degraded_answers_are_built_per_request_and_say_so():
    store = OutageStore(
        InMemoryTemplates([{"name": "greet", "template": "hi", "labels": ["production"]}])
    )
    clock = FakeClock()
    resolver = _resolver(store, clock)
    resolver.resolve("greet")
    store.down = "unavailable"
    clock.advance(120)  # past the TTL: a stale copy
    stale = [resolver.resolve("greet") for _ in range(2)]
    assert stale[0].stale
    assert stale[0] is not stale[1]
    answer = prepared_answer("greet", stale[0], 10)
    assert answer.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert _sent(answer.response()) == _sent(_as_built_before("greet", stale[0], 10))


def test_a_prepared_answer_refuses_a_header_werkzeug_would_refuse():
    with pytest.raises(ValueError, match="newline"):
        PreparedJson.build("{}", etag='W/"x"', headers={"Cache-Control": "a\nb"})


def test_request_ids_are_fresh_128_bit_hex_and_a_safe_given_one_is_kept():
    ids = set()
    for _ in range(100):
        with request_context(project_id="p") as rid:
            ids.add(rid)
    assert len(ids) == 100
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    with request_context(project_id="p", request_id="req-1") as rid:
        assert rid == "req-1"


def test_a_budget_is_current_inside_only_and_a_nested_one_never_extends_it():
    assert current_budget() is None
    with request_budget(1.0) as outer:
        assert current_budget() is outer
        with request_budget(5.0) as inner:
            assert inner is outer  # the caller's shorter allowance
        with request_budget(0.5) as shorter:
            assert shorter is not outer
            assert current_budget() is shorter
        assert current_budget() is outer
    assert current_budget() is None


def test_a_fresh_hit_skips_the_name_checks_and_a_miss_still_refuses_a_bad_name(mocker):
    """The resolver looks in its cache before checking the name and label: only answers
    to checked ones are ever stored, so a hit needs no check, and anything else is checked
    before Firestore is asked."""
    from shared.errors import ValidationFailed
    from shared.templates import resolver as resolver_module

    settings = Settings.from_env({"GOOGLE_CLOUD_PROJECT": "demo-unit", "ENVIRONMENT": "test"})
    store = OutageStore(
        InMemoryTemplates([{"name": "greet", "template": "hi", "labels": ["production"]}])
    )
    resolver = resolver_module.Resolver(store=store, settings=settings)
    assert resolver.resolve("greet").source == "firestore"
    names = mocker.spy(resolver_module, "check_template_name")
    labels = mocker.spy(resolver_module, "check_label")
    assert resolver.resolve("greet").source == "cache"
    assert (names.call_count, labels.call_count) == (0, 0)
    reads = resolver.store_reads
    for bad_name, bad_label in (("../etc", None), ("greet", "no such label!")):
        with pytest.raises(ValidationFailed):
            resolver.resolve(bad_name, label=bad_label)
    assert resolver.store_reads == reads  # refused before any read
