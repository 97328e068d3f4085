"""Guardrail activation and seed-revert rules (`shared.guardrails.rules`), from a case file."""

from __future__ import annotations

from shared.guardrails import rules


def test_guardrail_rules_case(guardrail_rules_case):
    case = guardrail_rules_case
    if case["op"] == "revert_seed":
        result = rules.why_seed_touched(case["current"], "migration:0003_seed_guardrails")
    else:
        result = rules.activation(case["current"], case["op"] == "activate")
    assert result == case["expected"]
