"""Assignment: identical to GrowthBook's SDK on 10,000 keys, stable, independent across
experiments, ramp-safe, coverage-aware; and the seed's MD5 scheme kept as legacy."""

from __future__ import annotations

import hashlib
import random
import uuid

import pytest
from growthbook.core import chooseVariation, gbhash, getBucketRanges

from shared.experiments.assignment import Assigner

_RNG = random.Random(9)
KEYS = [uuid.UUID(int=_RNG.getrandbits(128)).hex for _ in range(10_000)]
KEYS += ["user-1", "ünïcödé-user", "", "a" * 256]


@pytest.mark.parametrize(
    ("seed", "weights", "coverage"),
    [
        ("3f9a1c0d2b7e4a11", [0.5, 0.5], 1.0),
        ("exp-seed", [0.5, 0.3, 0.2], 0.8),
        ("another-seed", [0.1, 0.1, 0.8], 0.35),
        ("x", [0.25, 0.25, 0.25, 0.25], 1.0),
    ],
)
def test_identical_to_the_growthbook_sdk_on_ten_thousand_keys(seed, weights, coverage):
    assert len(set(KEYS)) == len(KEYS)
    assigner = Assigner(seed=seed, weights=weights, coverage=coverage, scheme="growthbook_v2")
    ranges = getBucketRanges(len(weights), coverage, weights)
    for key in KEYS:
        expected = chooseVariation(gbhash(seed, key, 2), ranges)
        assert assigner.assign(key).variant == (None if expected < 0 else expected), key
        assert assigner.hash_value(key) == gbhash(seed, key, 2)


def test_the_same_user_always_gets_the_same_variant():
    first = Assigner(seed="s1", weights=[0.5, 0.5], coverage=1, scheme="growthbook_v2")
    again = Assigner(seed="s1", weights=[0.5, 0.5], coverage=1, scheme="growthbook_v2")
    assert [first.assign(k).variant for k in KEYS] == [again.assign(k).variant for k in KEYS]


def test_experiments_are_independent_unlike_the_seeds_unsalted_md5():
    a = Assigner(seed="seed-a", weights=[0.5, 0.5], coverage=1, scheme="growthbook_v2")
    b = Assigner(seed="seed-b", weights=[0.5, 0.5], coverage=1, scheme="growthbook_v2")
    same = sum(a.assign(k).variant == b.assign(k).variant for k in KEYS[:10_000])
    assert 4_700 < same < 5_300  # ~50%: knowing one assignment says nothing of the other
    legacy_a = Assigner(seed="seed-a", weights=[0.5, 0.5], coverage=1, scheme="md5_mod_100")
    legacy_b = Assigner(seed="seed-b", weights=[0.5, 0.5], coverage=1, scheme="md5_mod_100")
    assert all(legacy_a.assign(k).variant == legacy_b.assign(k).variant for k in KEYS[:2_000])


def test_the_legacy_scheme_is_the_seeds_md5_mod_100():
    legacy = Assigner(seed="ignored", weights=[0.3, 0.7], coverage=1, scheme="md5_mod_100")
    for key in KEYS[:2_000]:
        bucket = int(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest(), 16) % 100
        assert legacy.assign(key).variant == (0 if bucket < 30 else 1)


def moves(before: Assigner, after: Assigner) -> int:
    """Users that changed variant; fails if one did while still inside its old range."""
    moved = 0
    for key in KEYS[:10_000]:
        old, new = before.assign(key), after.assign(key)
        if old.variant is None:
            continue
        start, end = after.ranges[old.variant]
        if start <= old.hash_value < end:
            assert new.variant == old.variant, key  # still in range: never reshuffled
        elif new.variant != old.variant:
            moved += 1
    return moved


def test_ramping_coverage_up_moves_no_included_user():
    before = Assigner(seed="ramp", weights=[0.9, 0.1], coverage=0.5, scheme="growthbook_v2")
    after = Assigner(seed="ramp", weights=[0.9, 0.1], coverage=1.0, scheme="growthbook_v2")
    assert moves(before, after) == 0


def test_changing_weights_moves_only_the_users_who_leave_their_range():
    before = Assigner(seed="ramp", weights=[0.5, 0.5], coverage=1.0, scheme="growthbook_v2")
    after = Assigner(seed="ramp", weights=[0.3, 0.7], coverage=1.0, scheme="growthbook_v2")
    moved = moves(before, after)
    assert 1_700 < moved < 2_300  # the 20% of users between 0.3 and 0.5, and nobody else


def test_coverage_excludes_users_outside_every_range():
    assigner = Assigner(seed="cov", weights=[0.5, 0.5], coverage=0.2, scheme="growthbook_v2")
    excluded = sum(assigner.assign(k).variant is None for k in KEYS[:10_000])
    assert 7_700 < excluded < 8_300
