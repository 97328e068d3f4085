"""The per-request budget, the deadline guard, and what a failed write means to the caller."""

from __future__ import annotations

import threading

import pytest
from google.api_core import exceptions as api_exceptions
from google.auth.exceptions import DefaultCredentialsError

from shared.errors import (
    Conflict,
    StoreDeadlineExceeded,
    StoreUnavailable,
    TemplateNotFound,
    WriteContention,
)
from shared.http.problems import problem_response
from shared.resilience import Budget, current_budget, request_budget, run_within
from shared.storage.firestore import as_store_error, call_options
from shared.storage.transactions import WriteState, answer_for
from tests.support import FakeClock


def test_each_call_gets_what_is_left_of_the_one_budget():
    clock = FakeClock()
    with request_budget(1.0, clock) as budget:
        assert call_options(0.8)["timeout"] == pytest.approx(0.8)  # its own cap first
        clock.advance(0.7)
        assert call_options(0.8)["timeout"] == pytest.approx(0.3)  # then what is left
        assert call_options()["retry"].timeout == pytest.approx(0.3)
        clock.advance(0.29)
        with pytest.raises(StoreDeadlineExceeded):
            call_options(0.8)  # 10 ms left: no round trip fits
        assert budget.spent is False
    assert current_budget() is None
    assert call_options() == {}  # outside any request: the client's defaults (CLIs)


def test_a_nested_budget_never_extends_the_outer_one():
    clock = FakeClock()
    with request_budget(1.0, clock) as outer:
        clock.advance(0.5)
        with request_budget(0.8, clock) as inner:
            assert inner is outer
        with request_budget(0.1, clock) as shorter:
            assert shorter is not outer
            assert shorter.remaining() == pytest.approx(0.1)
        assert current_budget() is outer


def test_budget_caps_and_spends():
    clock = FakeClock()
    budget = Budget(2.0, clock)
    assert budget.cap(None) == 2.0
    assert budget.cap(0.5) == 0.5
    clock.advance(2.0)
    assert budget.spent
    assert budget.remaining() == 0.0


def test_run_within_answers_in_time_and_hands_back_results_errors_and_context():
    release = threading.Event()
    with pytest.raises(TimeoutError):
        run_within(release.wait, 0.05)  # the stuck call is abandoned, the caller answers
    release.set()
    assert run_within(lambda: 7, 1.0) == 7
    with pytest.raises(KeyError):
        run_within(lambda: {}["x"], 1.0)
    with request_budget(3.0) as budget:
        assert run_within(current_budget, 1.0) is budget  # the worker sees the same budget


@pytest.mark.parametrize(
    ("failure", "began", "expected"),
    [
        (api_exceptions.Aborted("lock"), True, WriteContention),
        (ValueError("Failed to commit transaction in 5 attempts."), True, WriteContention),
        (TimeoutError("guard"), True, WriteContention),  # Firestore answered, writers won
        (TimeoutError("guard"), False, StoreDeadlineExceeded),  # Firestore never answered
        (api_exceptions.ServiceUnavailable("down"), True, StoreUnavailable),
        (api_exceptions.RetryError("gave up", None), False, StoreDeadlineExceeded),
        (DefaultCredentialsError("no ADC"), False, StoreUnavailable),
    ],
)
def test_write_failures_become_contention_or_outage(failure, began, expected):
    if isinstance(failure, ValueError):
        try:
            try:
                raise api_exceptions.Aborted("contention")
            except api_exceptions.Aborted as aborted:
                raise failure from aborted
        except ValueError as chained:
            failure = chained
    state = WriteState()
    if began:
        state.began.set()
    error = answer_for(failure, state)
    assert type(error) is expected
    assert error.retry_after == 1


def test_a_rule_refusal_survives_a_failed_rollback():
    refusal = TemplateNotFound("x")
    rollback = api_exceptions.ServiceUnavailable("rollback failed")
    rollback.__context__ = refusal  # what the client raises when rolling back fails too
    assert answer_for(rollback, WriteState()) is refusal


def test_a_bug_stays_a_bug():
    bug = KeyError("latest_version")
    assert answer_for(bug, WriteState()) is bug
    assert as_store_error(bug) is None


def test_contention_and_outage_answers_carry_retry_after_and_plain_conflicts_do_not():
    contention = problem_response(WriteContention("busy"), request_id="r", instance="/v1/x")
    assert (contention.status_code, contention.headers["Retry-After"]) == (409, "1")
    assert contention.get_json()["type"].endswith(":write-contention")
    outage = problem_response(StoreUnavailable("down"), request_id="r", instance="/v1/x")
    assert (outage.status_code, outage.headers["Retry-After"]) == (503, "1")
    plain = problem_response(Conflict("exists"), request_id="r", instance="/v1/x")
    assert "Retry-After" not in plain.headers
