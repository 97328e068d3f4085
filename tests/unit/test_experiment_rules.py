"""The experiment state machine (`shared.experiments.rules`), from a case file, without a store."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from shared import errors
from shared.experiments import rules


def _run(case: dict[str, Any]) -> Any:
    op = case["op"]
    if op == "start":
        return rules.start(
            case["current"], "e1", if_match=case.get("if_match"), lock_holder=case["lock_holder"]
        )
    if op == "stop":
        return rules.stop(
            case["current"],
            "e1",
            if_match=case.get("if_match"),
            lock_holder=case["lock_holder"],
            decision=case["decision"],
            by="ada",
        )
    if op == "winner":
        return rules.winner_version(case["variants"], case["winner"], "e1")
    check = rules.check_editable if op == "edit" else rules.check_deletable
    check(case["current"], "e1")
    return True


def test_experiment_transitions_case(experiment_transitions_case):
    case = experiment_transitions_case
    if "error" in case:
        with pytest.raises(getattr(errors, case["error"]["type"])) as raised:
            _run(case)
        assert raised.value.status == case["error"]["status"]
        assert case["error"]["contains"] in str(raised.value)
        return
    result = _run(case)
    if isinstance(result, rules.Transition):
        assert result.experiment_id == "e1"
        assert {k: v for k, v in dataclasses.asdict(result).items() if k != "experiment_id"} == (
            case["expected"]
        )
    else:
        assert result == case["expected"]
