"""The experiment state machine (`shared.experiments.rules`), from a case file, without a store."""

from __future__ import annotations

import dataclasses
from typing import Any

from shared.experiments import rules
from tests.support import refused


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
    if refused(_run, case):
        return
    result = _run(case)
    if isinstance(result, rules.Transition):
        assert result.experiment_id == "e1"
        assert {k: v for k, v in dataclasses.asdict(result).items() if k != "experiment_id"} == (
            case["expected"]
        )
    else:
        assert result == case["expected"]
