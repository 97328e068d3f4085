"""The pure rules of change events and webhooks: event shape, matching, the outbound
policy (SSRF), signatures and replay windows, attempt outcomes, body limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.changes.events import (
    ALL_TYPES,
    EVENT_TYPES,
    ChangeFacts,
    change_event,
    cloud_event,
    from_pubsub,
    pubsub_attributes,
)
from shared.changes.includes import templates_to_notify
from shared.errors import ValidationFailed
from shared.webhooks import rules
from shared.webhooks.delivery import body_for
from shared.webhooks.rules import Attempt, OutboundPolicy, Refused, check_ip, check_url
from shared.webhooks.signing import signature, verify

PRODUCTION = OutboundPolicy(private_ok=False)
DEVELOPMENT = OutboundPolicy(private_ok=True)
ENTRY = {
    "actor": "ada",
    "action": "label.move",
    "target": "templates/greet/labels/production",
    "before": {"version": 1},
    "after": {"version": 2},
    "request_id": "req-1",
}


def test_a_label_move_event_says_who_what_before_after_and_revision():
    event = change_event(
        ENTRY,
        audit_entry_id="audit-1",
        facts=ChangeFacts(
            revision=7, template="greet", label="production", before_hash="h1", after_hash="h2"
        ),
        source="//prompt-management/projects/p",
    )
    assert event is not None
    assert event["type"] == "template.label.moved"
    assert event["subject"] == "templates/greet/labels/production"
    assert len(event["id"]) == 32
    assert event["data"] == {
        "schema_version": 1,
        "action": "label.move",
        "subject": "templates/greet/labels/production",
        "template": "greet",
        "label": "production",
        "revision": 7,
        "actor": "ada",
        "request_id": "req-1",
        "audit_entry_id": "audit-1",
        "before": {"version": 1, "content_hash": "h1"},
        "after": {"version": 2, "content_hash": "h2"},
    }


def test_audited_actions_without_an_event_type_send_none():
    for action in ("experiment.create", "experiment.replace", "webhook.create", "x"):
        entry = {**ENTRY, "action": action}
        assert change_event(entry, audit_entry_id="a", facts=ChangeFacts(1), source="s") is None
    assert set(EVENT_TYPES.values()) == set(ALL_TYPES)


def test_the_pubsub_binding_round_trips_the_cloud_event():
    stored = change_event(ENTRY, audit_entry_id="a", facts=ChangeFacts(3, "greet"), source="s")
    assert stored is not None
    event = cloud_event(stored, None)
    attributes = pubsub_attributes(event)
    assert attributes["ce-id"] == stored["id"]
    assert attributes["ce-type"] == "template.label.moved"
    assert attributes["template"] == "greet"
    back = from_pubsub(json.loads(json.dumps(event["data"])), attributes)
    assert back is not None
    assert (back["id"], back["type"], back["specversion"]) == (stored["id"], event["type"], "1.0")
    assert from_pubsub({"a": 1}, {"ce-id": "x"}) is None


def test_included_prompts_hook_expands_to_includers_transitively():
    class Index:
        def includers(self, name: str) -> set[str]:
            return {"leaf": {"mid"}, "mid": {"top", "leaf"}}.get(name, set())

    assert templates_to_notify("leaf") == {"leaf"}
    assert templates_to_notify("leaf", Index()) == {"leaf", "mid", "top"}


def test_the_includers_walk_asks_each_name_once_and_stops_at_the_depth_limit():
    from shared.changes.includes import MAX_DEPTH

    asked: list[str] = []

    class Chain:  # n0 <- n1 <- n2 <- ... and a cycle back from n3 to n0
        def includers(self, name: str) -> set[str]:
            asked.append(name)
            number = int(name[1:])
            return {f"n{number + 1}"} | ({"n0"} if number == 3 else set())

    found = templates_to_notify("n0", Chain())
    assert found == {f"n{i}" for i in range(MAX_DEPTH + 1)}
    assert sorted(asked) == sorted(set(asked))  # the cycle asks nobody twice


MOVED = "template.label.moved"


SUBSCRIBED = datetime(2026, 3, 1, 12, 0, 0, 500, tzinfo=UTC)


@pytest.mark.parametrize(
    ("occurred_at", "expected"),
    [
        ("2026-03-01T12:00:00.000499+00:00", False),  # committed before the subscription
        ("2026-03-01T12:00:00.000500+00:00", True),
        ("2026-03-01T13:00:00+01:00", False),  # the same instant as 12:00 UTC, earlier
        ("2026-03-01T12:00:01+00:00", True),
        (None, True),  # an unknown time never excludes
        ("not a time", True),
        ("2026-03-01T12:00:00", True),  # no zone: not comparable, not excluded
    ],
)
def test_a_subscription_hears_only_events_committed_after_it(occurred_at, expected):
    subscription = {"active": True, "event_types": [MOVED], "created_at": SUBSCRIBED}
    assert rules.matches(subscription, MOVED, {"a"}, occurred_at) is expected


@pytest.mark.parametrize(
    ("subscription", "event_type", "concerned", "expected"),
    [
        ({"active": True, "event_types": [MOVED]}, MOVED, {"a"}, True),
        ({"active": False, "event_types": [MOVED]}, MOVED, {"a"}, False),
        ({"active": True, "event_types": ["template.deleted"]}, MOVED, {"a"}, False),
        ({"active": True, "event_types": [MOVED], "templates": ["b"]}, MOVED, {"a"}, False),
        ({"active": True, "event_types": [MOVED], "templates": ["b"]}, MOVED, {"a", "b"}, True),
        (
            {"active": True, "event_types": ["guardrail.changed"], "templates": ["b"]},
            "guardrail.changed",
            set(),
            False,
        ),
    ],
)
def test_matching(subscription, event_type, concerned, expected):
    assert rules.matches(subscription, event_type, concerned) is expected


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # not https
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/computeMetadata/v1/",  # the metadata server
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://100.64.0.1/x",  # carrier-grade NAT
        "https://localhost/x",
        "https://metadata.google.internal/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "ftp://hooks.example.com/x",
        "https:///nohost",
        "https://hooks.example.com:99999/x",
    ],
)
def test_production_refuses_local_private_and_plain_urls(url):
    with pytest.raises(ValidationFailed) as refused:
        check_url(url, PRODUCTION)
    assert refused.value.errors[0].field == "body.url"


def test_production_accepts_public_https_and_development_accepts_local_http():
    assert check_url("https://hooks.example.com/x?y=1", PRODUCTION)
    assert check_url("https://8.8.8.8/x", PRODUCTION)
    assert check_url("http://127.0.0.1:9000/hook", DEVELOPMENT)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "169.254.1.1", "::1", "fd00::1", "0.0.0.0"]
)
def test_resolved_addresses_outside_the_public_internet_are_refused_in_production(address):
    with pytest.raises(Refused):
        check_ip(address, PRODUCTION)


def test_a_signature_verifies_and_a_replay_or_a_tampered_body_does_not():
    body = b'{"id":"e1"}'
    header = signature("whsec_x", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec_x", header, body, now=1_700_000_100)
    assert not verify("whsec_x", header, body, now=1_700_000_000 + 301)  # a replay
    assert not verify("whsec_x", header, body + b" ", now=1_700_000_100)
    assert not verify("whsec_y", header, body, now=1_700_000_100)
    assert not verify("whsec_x", "garbage", body, now=1_700_000_100)


def test_attempts_retry_until_the_budget_then_dead_letter_and_refusals_never_retry():
    failed = Attempt(False, 500, "HTTP 500", 12.0)
    assert rules.after_attempt(0, failed, max_attempts=3)["status"] == "retrying"
    assert rules.after_attempt(2, failed, max_attempts=3) == {
        "status": "dead_lettered",
        "attempts": 3,
        "last_status_code": 500,
        "last_error": "HTTP 500",
        "latency_ms": 12.0,
    }
    refused = Attempt(False, None, "refused: loopback", 0.1, refused=True)
    assert rules.after_attempt(0, refused, max_attempts=3)["status"] == "dead_lettered"
    ok = Attempt(True, 204, None, 3.0)
    assert rules.after_attempt(1, ok, max_attempts=3)["status"] == "delivered"


def test_an_event_over_the_body_limit_is_sent_without_before_and_after():
    event = {"id": "e", "type": "guardrail.changed", "data": {"revision": 2, "before": "x" * 5000}}
    assert json.loads(body_for(event, 100_000))["data"]["before"] == "x" * 5000
    slim = json.loads(body_for(event, 1024))
    assert slim["data"] == {"revision": 2, "truncated": True}


def test_only_a_settled_delivery_can_be_redelivered():
    from shared.errors import Conflict

    for status in ("delivered", "dead_lettered", "skipped"):
        rules.check_redeliverable({"id": "d", "status": status})
    for status in ("pending", "retrying"):
        with pytest.raises(Conflict, match="already queued"):
            rules.check_redeliverable({"id": "d", "status": status})
