"""Precision, recall and F1 of guardrails on labelled text: what `eval` prints.

A labelled line: `{"text": ..., "expect": {"<guardrail type or name>": bool, ...},
"entities": [{"type": "EMAIL", "start": 10, "end": 27}, ...]}`; `expect` and `entities` are
each optional. Guardrail-level scores count lines (fired vs expected); per-finding-type
scores count spans: a finding matches a labelled entity of the same type that it overlaps
(partial credit is common practice, e.g. presidio-evaluator's token-level matching; the
span report shows exact-boundary agreement separately). A line may name the `region` it was
written in; its counts then also go to rows keyed by region (`{"guardrail", "region", ...}`
and `{"finding_type", "region", ...}`), after the overall ones.

The trade-off rows come last: for each guardrail and each of `thresholds`, what precision,
recall and false-positive rate the same lines would give if the guardrail fired at that
score (`{"guardrail", "threshold", "precision", "recall", "false_positive_rate", ...}`),
so an operator picks a threshold on their own labelled traffic before changing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.guardrails.engine import GuardrailEngine
from shared.guardrails.national_ids import TYPES as NATIONAL_ID_TYPES
from shared.guardrails.text import Finding


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class LabelledLine(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    text: str
    expect: dict[str, bool] = Field(default_factory=dict)
    entities: list[Entity] | None = None
    # The locale the line was written in (ISO 3166-1 alpha-2): its counts are also reported
    # per region, so a deployment sees how each of the regions it serves does.
    region: str | None = Field(None, pattern=r"^[A-Z]{2}$")


def _matches(label: str, finding: str) -> bool:
    """A finding answers a label of its own type; `NATIONAL_ID`, the type SSNs were reported
    as before each identifier had its own, is answered by any national identifier."""
    return label == finding or (label == "NATIONAL_ID" and finding in NATIONAL_ID_TYPES)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    exact: int = 0  # true positives whose span matched exactly

    def as_dict(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        answer: dict[str, Any] = {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }
        if self.tn:  # span-level counts have no true negatives, so no false-positive rate
            answer["tn"] = self.tn
            answer["false_positive_rate"] = round(self.fp / (self.fp + self.tn), 4)
        return answer


DEFAULT_THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)


@dataclass
class Evaluation:
    guardrails: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    finding_types: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    # The same counts for the lines that name their region, keyed (name or type, region).
    by_region: dict[tuple[str, str], Counts] = field(default_factory=lambda: defaultdict(Counts))
    types_by_region: dict[tuple[str, str], Counts] = field(
        default_factory=lambda: defaultdict(Counts)
    )
    misses: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[str, list[tuple[float, bool]]] = field(default_factory=lambda: defaultdict(list))
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS

    def tallies(self, kind: str, region: str | None) -> list[Counts]:
        """Where one finding-type outcome counts: overall, and for its line's region."""
        answer = [self.finding_types[kind]]
        if region is not None:
            answer.append(self.types_by_region[kind, region])
        return answer

    def tradeoff(self, guardrail: str) -> list[dict[str, Any]]:
        answer = []
        for threshold in self.thresholds:
            counts = Counts()
            for score, expected in self.scores[guardrail]:
                fired = score >= threshold
                counts.tp += fired and expected
                counts.fp += fired and not expected
                counts.fn += expected and not fired
                counts.tn += not (expected or fired)
            row = counts.as_dict()
            answer.append(
                {
                    "guardrail": guardrail,
                    "threshold": threshold,
                    "precision": row["precision"],
                    "recall": row["recall"],
                    "false_positive_rate": row.get("false_positive_rate", 0.0),
                    "tp": counts.tp,
                    "fp": counts.fp,
                }
            )
        return answer

    def rows(self) -> list[dict[str, Any]]:
        return (
            [
                {"guardrail": name, **counts.as_dict()}
                for name, counts in sorted(self.guardrails.items())
            ]
            + [
                {"finding_type": kind, **counts.as_dict(), "exact_spans": counts.exact}
                for kind, counts in sorted(self.finding_types.items())
            ]
            + [
                {"guardrail": name, "region": region, **counts.as_dict()}
                for (name, region), counts in sorted(self.by_region.items())
            ]
            + [
                {"finding_type": kind, "region": region, **counts.as_dict()}
                for (kind, region), counts in sorted(self.types_by_region.items())
            ]
            + [row for name in sorted(self.scores) for row in self.tradeoff(name)]
        )


def evaluate(
    engine: GuardrailEngine,
    lines: Iterable[LabelledLine],
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS,
) -> Evaluation:
    result = Evaluation(thresholds=thresholds)
    for number, line in enumerate(lines, 1):
        checks = engine.scan(line.text)
        for check in checks:
            expected = line.expect.get(check.guardrail, line.expect.get(check.type))
            if expected is None:
                continue
            result.scores[check.guardrail].append((check.score, expected))
            tallies = [result.guardrails[check.guardrail]]
            if line.region is not None:
                tallies.append(result.by_region[check.guardrail, line.region])
            for counts in tallies:
                counts.tp += check.triggered and expected
                counts.fp += check.triggered and not expected
                counts.fn += expected and not check.triggered
                counts.tn += not (expected or check.triggered)
            if check.triggered != expected:
                result.misses.append(
                    {
                        "line": number,
                        "guardrail": check.guardrail,
                        "expected": expected,
                        "score": check.score,
                    }
                )
        if line.entities is not None:
            found = [f for check in checks if check.type == "pii_detection" for f in check.findings]
            _score_spans(result, number, line, line.entities, found)
    return result


def _score_spans(
    result: Evaluation,
    number: int,
    line: LabelledLine,
    entities: list[Entity],
    found: list[Finding],
) -> None:
    """Match findings to labelled spans (same type, overlapping) and count the outcome."""
    unmatched = list(found)
    for entity in entities:
        tallies = result.tallies(entity.type, line.region)
        match = next(
            (
                f
                for f in unmatched
                if _matches(entity.type, f.type) and f.start < entity.end and entity.start < f.end
            ),
            None,
        )
        if match is None:
            for counts in tallies:
                counts.fn += 1
            result.misses.append({"line": number, "finding_type": entity.type, "missed": True})
            continue
        unmatched.remove(match)
        for counts in tallies:
            counts.tp += 1
            counts.exact += (match.start, match.end) == (entity.start, entity.end)
    for finding in unmatched:
        for counts in result.tallies(finding.type, line.region):
            counts.fp += 1
        result.misses.append(
            {
                "line": number,
                "finding_type": finding.type,
                "spurious": True,
                "start": finding.start,
                "end": finding.end,
            }
        )
