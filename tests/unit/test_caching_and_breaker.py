"""The cache and the circuit breaker, with a hand-moved clock."""

from __future__ import annotations

from shared.cache import FOREVER, SingleFlight, TTLCache
from shared.resilience import CircuitBreaker
from tests.support import FakeClock


def test_entries_go_stale_after_ttl_but_stay_servable():
    clock = FakeClock()
    cache: TTLCache[str, int] = TTLCache(ttl=10, max_entries=16, clock=clock)
    cache.put("k", 1)
    assert cache.get("k").fresh
    clock.advance(10)
    stale = cache.get("k")
    assert (stale.value, stale.fresh, stale.age) == (1, False, 10)
    assert (cache.stats.fresh_hits, cache.stats.stale_hits) == (1, 1)


def test_immutable_entries_never_go_stale_and_lru_bounds_size():
    clock = FakeClock()
    cache: TTLCache[int, int] = TTLCache(ttl=1, max_entries=16, clock=clock)
    cache.put(0, 0, ttl=FOREVER)
    for key in range(1, 40):
        cache.put(key, key)
        cache.get(0)  # keep the immutable entry recently used
    clock.advance(10**9)
    assert cache.get(0).fresh
    assert len(cache) == 16
    assert cache.get(1) is None
    assert cache.stats.misses == 1


def test_single_flight_lets_one_claim_at_a_time():
    flight: SingleFlight[str] = SingleFlight()
    assert flight.claim("k")
    assert not flight.claim("k")
    assert flight.claim("other")
    flight.release("k")
    assert flight.claim("k")


def test_breaker_opens_after_threshold_probes_after_cooldown_and_closes_on_success():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown=5, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.advance(5)
    assert breaker.state == "half_open"
    assert breaker.allow()  # one probe
    assert not breaker.allow()  # and only one
    breaker.record_failure()
    assert breaker.state == "open"  # a failed probe re-opens at once
    clock.advance(5)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow()
