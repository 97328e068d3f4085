"""The change poll (`shared.changes.poll`) and what it drives in the resolution service:
a due poll starts from a request without delaying it, reads the audit log since its
watermark, and re-reads the templates (guardrails, experiments) the new entries name. A
failing poll changes nothing: cached copies stay, fallbacks are as without it, one log line.
Fake clocks and a synchronous `spawn`: no sleeping, no threads."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.changes.poll import EVERYTHING, OVERLAP_SECONDS, ChangePoller, templates_named
from shared.config import Settings
from shared.errors import StoreUnavailable
from shared.templates.resolver import Resolver
from shared.templates.service import ResolutionService
from tests.resolution_cases import InMemoryTemplates, OutageStore
from tests.support import FakeClock

START = 1_800_000_000.0  # wall clock, seconds


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(START + seconds, UTC)


class AuditLog:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.asked: list[datetime] = []
        self.down = False

    def add(self, entry_id: str, target: str, seconds: float) -> None:
        self.entries.append({"id": entry_id, "target": target, "at": at(seconds)})

    def since(self, after: datetime, *, limit: int, timeout: float) -> list[dict[str, Any]]:
        self.asked.append(after)
        if self.down:
            raise StoreUnavailable("Firestore read failed")
        return sorted((e for e in self.entries if e["at"] > after), key=lambda e: e["at"])[:limit]


class Wall:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def poller(log: AuditLog, wall: Wall, clock: FakeClock | None = None, **kw: Any) -> ChangePoller:
    return ChangePoller(
        log,
        interval=kw.pop("interval", 5.0),
        clock=clock or FakeClock(),
        wall_clock=wall,
        spawn=lambda run: run(),
        **kw,
    )


def test_each_change_is_applied_once_and_the_watermark_follows_the_polls():
    log, wall, applied = AuditLog(), Wall(), []
    poll = poller(log, wall)
    assert log.asked == []  # nothing read at construction (import time)
    log.add("e1", "templates/a/labels/production", 1.0)
    wall.now = START + 1.5
    assert poll.poll(applied.append) == {"templates/a/labels/production"}
    wall.now = START + 2.0
    log.add("e2", "guardrails/pii_detection", 1.8)  # committed inside the overlap
    assert poll.poll(applied.append) == {"guardrails/pii_detection"}
    wall.now = START + 9.0
    assert poll.poll(applied.append) == set()  # e1 and e2 seen: nothing again
    assert applied == [{"templates/a/labels/production"}, {"guardrails/pii_detection"}]
    assert log.asked == [
        at(0),  # what the instance caches was read after it started
        at(1.5 - OVERLAP_SECONDS),
        at(2.0 - OVERLAP_SECONDS),
    ]


def test_a_full_page_means_everything_is_refreshed():
    log, wall, applied = AuditLog(), Wall(), []
    poll = poller(log, wall, page=3)
    for i in range(3):
        log.add(f"e{i}", f"templates/t{i}", 0.5)
    wall.now = START + 1
    assert poll.poll(applied.append) == {EVERYTHING}
    assert applied == [{EVERYTHING}]


def test_a_due_poll_starts_from_a_request_at_most_once_per_interval_and_0_disables_it():
    log, wall, clock = AuditLog(), Wall(), FakeClock()
    poll = poller(log, wall, clock)
    for _ in range(10):
        poll.tick(lambda targets: None)
    assert len(log.asked) == 1
    clock.advance(4.9)
    poll.tick(lambda targets: None)
    assert len(log.asked) == 1
    clock.advance(0.2)
    poll.tick(lambda targets: None)
    assert len(log.asked) == 2
    off = poller(log, wall, clock, interval=0)
    for _ in range(3):
        clock.advance(100)
        off.tick(lambda targets: None)
    assert len(log.asked) == 2
    assert not off.enabled


def test_a_poll_is_never_started_twice_while_one_runs():
    log, wall, started = AuditLog(), Wall(), []
    poll = ChangePoller(
        log, interval=0.001, clock=FakeClock(), wall_clock=wall, spawn=started.append
    )
    poll.tick(lambda targets: None)
    poll.tick(lambda targets: None)
    assert len(started) == 1  # the first is still "running" (never ran)
    started[0]()
    poll.tick(lambda targets: None)
    assert len(started) == 1  # due again only after the interval, counted from its end


def test_a_failing_poll_is_logged_once_applies_nothing_and_asks_the_same_window_again(caplog):
    log, wall, applied = AuditLog(), Wall(), []
    poll = poller(log, wall)
    log.add("e1", "templates/a", 1.0)
    log.down = True
    with caplog.at_level(logging.INFO, logger="shared.changes.poll"):
        for second in (2, 3, 4):
            wall.now = START + second
            assert poll.poll(applied.append) == set()
        log.down = False
        assert poll.poll(applied.append) == {"templates/a"}
    assert applied == [{"templates/a"}]
    assert len(set(log.asked)) == 1  # the window did not move while failing
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("change poll failed; cached copies kept until their TTL") == 1
    assert "change poll recovered" in messages


@pytest.mark.parametrize(
    ("target", "names"),
    [
        ("templates/a", {"a"}),
        ("templates/a/labels/production", {"a", "a/labels/production"}),
        ("templates/team/a/labels/staging", {"team", "team/a", "team/a/labels/staging"}),
        ("templates/team/a", {"team", "team/a"}),
        ("templates/team%2Fa", {"team/a"}),
        ("templates/team%2Fa/labels/staging", {"team/a"}),
        ("templates/team%2Fa/versions/3", {"team/a"}),
        ("guardrails/pii_detection", set()),
        ("experiments/x", set()),
    ],
)
def test_audit_targets_name_their_templates(target, names):
    assert templates_named(target) == names


# The resolution service driven by the poll --------------------------------------------


def service_over(store: Any, log: AuditLog, wall: Wall, clock: FakeClock) -> ResolutionService:
    settings = Settings.from_env({"TEMPLATE_CACHE_TTL_SECONDS": "3600"})
    resolver = Resolver(store=store, settings=settings, clock=clock, defaults={})
    return ResolutionService(resolver, changes=poller(log, wall, clock, interval=5.0))


def move_label(store: InMemoryTemplates, name: str, label: str, version: int) -> None:
    store.read_head(name, timeout=1).labels[label] = version


def test_a_label_move_seen_by_the_poll_is_served_from_the_cache_long_before_the_ttl():
    templates = InMemoryTemplates(
        [{"name": "t", "template": "v1", "labels": ["production"]}, {"name": "t", "template": "v2"}]
    )
    log, wall, clock = AuditLog(), Wall(), FakeClock()
    service = service_over(templates, log, wall, clock)
    first = service.get("t")
    assert (first.version, first.source) == (1, "firestore")
    move_label(templates, "t", "production", 2)
    log.add("e1", "templates/t/labels/production", 10.0)
    wall.now = START + 11
    assert service.get("t").version == 1  # the poll is not due yet
    clock.advance(5.0)
    reads = templates.reads

    service.get("t")  # this request starts the poll (synchronous here, a thread in production)

    assert templates.reads == reads + 2  # the head and the new version, by the poll
    again = service.get("t")
    assert (again.version, again.source, again.stale) == (2, "cache", False)
    assert templates.reads == reads + 2  # the request itself read nothing


def test_when_firestore_fails_the_cache_and_the_fallbacks_are_as_without_the_poll():
    templates = InMemoryTemplates([{"name": "t", "template": "v1", "labels": ["production"]}])
    store = OutageStore(templates)
    log, wall, clock = AuditLog(), Wall(), FakeClock()
    service = service_over(store, log, wall, clock)
    assert service.get("t").version == 1
    store.down = "unavailable"
    log.down = True
    for _ in range(3):
        clock.advance(5.0)
        answer = service.get("t")
        assert (answer.version, answer.source, answer.stale) == (1, "cache", False)
    # The poll reads again but the re-read fails: the copy is kept, served as stale, as
    # after its TTL; nothing raises.
    log.down = False
    log.add("e1", "templates/t/labels/production", 1.0)
    wall.now = START + 30
    clock.advance(5.0)
    service.get("t")
    answer = service.get("t")
    assert (answer.version, answer.stale, answer.fallback_reason) == (
        1,
        True,
        "firestore_unavailable",
    )
    assert service.resolver.cache.get(("t", "label", "production")) is not None


def test_guardrail_and_experiment_changes_refresh_their_snapshots():
    refreshed: list[str] = []

    class Loader:
        def __init__(self, what: str) -> None:
            self.what = what

        def refresh(self) -> bool:
            refreshed.append(self.what)
            return True

    settings = Settings.from_env({})
    resolver = Resolver(store=InMemoryTemplates([]), settings=settings, defaults={})
    service = ResolutionService(resolver, Loader("guardrails"), Loader("experiments"))
    service.apply_changes({"guardrails/pii_detection"})
    service.apply_changes({"experiments/e1", "webhooks/w1"})
    service.apply_changes({EVERYTHING})
    assert refreshed == ["guardrails", "experiments", "guardrails", "experiments"]


def test_changes_committed_before_the_instance_started_are_not_re_read():
    log, wall, applied = AuditLog(), Wall(), []
    log.add("old", "templates/a", -0.5)
    poll = poller(log, wall)
    wall.now = START + 1
    assert poll.poll(applied.append) == set()
    assert applied == []
    assert log.asked == [at(0)]


def test_an_unexpected_error_while_applying_is_logged_and_the_next_poll_still_runs(caplog):
    log, wall, clock = AuditLog(), Wall(), FakeClock()
    poll = poller(log, wall, clock)
    log.add("e1", "templates/a", 1.0)
    wall.now = START + 2

    def broken(targets: set[str]) -> None:
        raise KeyError("a bug")

    with caplog.at_level(logging.ERROR, logger="shared.changes.poll"):
        poll.tick(broken)
    assert [r.getMessage() for r in caplog.records] == [
        "change poll failed unexpectedly; cached copies kept"
    ]
    clock.advance(5.0)
    poll.tick(lambda targets: None)
    assert len(log.asked) == 2
