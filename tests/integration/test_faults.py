"""Firestore outages for real: a dedicated emulator is stopped and restarted mid-run, and a
server that accepts connections but never answers stands in for an unreachable host.

No wall-clock assertions: the deadline is proven by the timeouts the store was given, and
pytest-timeout guards against a hang.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest

from infra.local.emulators import Emulator, free_port, start_firestore
from shared.errors import ServiceUnavailable
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate
from shared.templates.resolver import Resolver
from tests.conftest import LOG_DIR
from tests.support import FakeClock, put_version

pytestmark = pytest.mark.emulator


class RecordingStore(TemplateRepository):
    """The real store, remembering the timeout of every read it was asked to make."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timeouts: list[float] = []

    def read_head(self, name, *, timeout):
        self.timeouts.append(timeout)
        return super().read_head(name, timeout=timeout)

    def read_version(self, name, version, *, timeout):
        self.timeouts.append(timeout)
        return super().read_version(name, version, timeout=timeout)


@pytest.fixture
def private_emulator() -> Iterator[Emulator]:
    emulator = start_firestore(LOG_DIR)
    yield emulator
    emulator.stop()


def _seed(store: TemplateRepository, name: str, text: str) -> None:
    put_version(store, PromptTemplate(name=name, template=text), author="t", labels=("production",))


def test_outage_serves_stale_then_env_then_default_and_recovers(private_emulator, make_settings):
    settings = make_settings(
        FIRESTORE_EMULATOR_HOST=private_emulator.host,
        FIRESTORE_DEADLINE_SECONDS="0.3",
        FIRESTORE_COLD_DEADLINE_SECONDS="0.5",
        FIRESTORE_BREAKER_FAILURES="2",
        FIRESTORE_BREAKER_COOLDOWN_SECONDS="5",
        CUSTOM_TEMPLATES_JSON=json.dumps({"nlu_extraction_gemini_25": {"template": "env copy"}}),
    )
    store = RecordingStore(settings)
    for name in ("greet", "nlu_extraction_gemini_25", "clarification_gemini_25", "only_in_db"):
        _seed(store, name, f"{name} from firestore")
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("greet").source == "firestore"  # the only one cached

    private_emulator.stop()
    clock.advance(120)  # every cache entry is past its TTL
    store.timeouts.clear()

    stale = resolver.resolve("greet")
    env = resolver.resolve("nlu_extraction_gemini_25")
    default = resolver.resolve("clarification_gemini_25")
    with pytest.raises(ServiceUnavailable):
        resolver.resolve("only_in_db")

    # Each answer says why it is degraded: the stopped emulator refuses connections (two
    # failures within the deadline), then the breaker opens and refuses to try.
    assert (stale.source, stale.stale, stale.template.template, stale.fallback_reason) == (
        "cache",
        True,
        "greet from firestore",
        "firestore_unavailable",
    )
    assert (env.source, env.fallback_reason, env.template.template) == (
        "env",
        "firestore_unavailable",
        "env copy",
    )
    assert (default.source, default.fallback_reason) == ("default", "breaker_open")
    # Each attempt was bounded by the configured deadline (0.3 s with a stale copy, else 0.5 s),
    # and once the breaker opened no further attempt reached the store at all.
    assert store.timeouts
    assert all(t <= 0.5 for t in store.timeouts)
    assert store.timeouts[0] <= 0.3
    assert len(store.timeouts) == 2
    assert resolver.breaker.state == "open"

    # Firestore comes back (a fresh emulator on the same port holds new data).
    restarted = start_firestore(LOG_DIR, port=private_emulator.port)
    try:
        _seed(store, "greet", "greet v1 again")
        put_version(
            store,
            PromptTemplate(name="greet", template="greet v2"),
            author="t",
            labels=("production",),
        )
        recovered = None
        for _ in range(60):  # the gRPC channel reconnects with backoff; bounded wait
            clock.advance(10)  # past the breaker cooldown and the TTL
            result = resolver.resolve("greet")
            if result.source == "firestore":
                recovered = result
                break
            time.sleep(0.5)
        assert recovered is not None, "resolution never returned to Firestore"
        assert (recovered.version, recovered.template.template) == (2, "greet v2")
        assert resolver.breaker.state == "closed"
    finally:
        restarted.stop()


def test_unreachable_host_falls_back_within_the_deadline(silent_server, make_settings):
    settings = make_settings(
        FIRESTORE_EMULATOR_HOST=silent_server,
        FIRESTORE_DEADLINE_SECONDS="0.2",
        FIRESTORE_COLD_DEADLINE_SECONDS="0.4",
        FIRESTORE_BREAKER_FAILURES="2",
    )
    store = RecordingStore(settings)
    resolver = Resolver(store=store, settings=settings, clock=FakeClock())

    answers = [resolver.resolve("nlu_extraction_gemini_25") for _ in range(5)]

    assert [(a.source, a.fallback_reason) for a in answers] == [
        ("default", "deadline_exceeded"),
        ("default", "deadline_exceeded"),
        ("default", "breaker_open"),
        ("default", "breaker_open"),
        ("default", "breaker_open"),
    ]
    assert store.timeouts == [
        pytest.approx(0.4),
        pytest.approx(0.4),
    ]  # two bounded attempts, then the breaker answers
    assert resolver.breaker.state == "open"


def test_stale_copy_older_than_the_limit_is_not_served(make_settings, clean_firestore, mocker):
    settings = make_settings(TEMPLATE_STALE_IF_ERROR_SECONDS="600")
    store = TemplateRepository(settings)
    _seed(store, "clarification_gemini_25", "db copy")
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    assert resolver.resolve("clarification_gemini_25").source == "firestore"

    mocker.patch.object(store, "read_head", side_effect=_unavailable)
    clock.advance(300)
    assert resolver.resolve("clarification_gemini_25").source == "cache"
    clock.advance(400)  # 700 s old: past the stale-if-error limit
    assert resolver.resolve("clarification_gemini_25").source == "default"


def test_concurrent_requests_get_the_stale_copy_while_one_refreshes(
    make_settings, clean_firestore, mocker
):
    settings = make_settings()
    store = TemplateRepository(settings)
    _seed(store, "greet", "v1")
    clock = FakeClock()
    resolver = Resolver(store=store, settings=settings, clock=clock)
    resolver.resolve("greet")
    clock.advance(61)

    entered, release = threading.Event(), threading.Event()
    real_read_head = store.read_head

    def slow_read_head(name, *, timeout):
        entered.set()
        release.wait(10)
        return real_read_head(name, timeout=timeout)

    mocker.patch.object(store, "read_head", side_effect=slow_read_head)
    refresher_result = []
    refresher = threading.Thread(target=lambda: refresher_result.append(resolver.resolve("greet")))
    refresher.start()
    assert entered.wait(10)
    meanwhile = [resolver.resolve("greet") for _ in range(5)]
    release.set()
    refresher.join(10)

    assert {(r.source, r.stale) for r in meanwhile} == {("cache", True)}
    assert store.read_head.call_count == 1  # single flight
    assert refresher_result[0].source == "firestore"


def _unavailable(*_args, **_kwargs):
    from shared.errors import StoreUnavailable

    raise StoreUnavailable("injected")


def test_free_port_never_hands_out_8080():
    assert all(free_port() != 8080 for _ in range(50))
