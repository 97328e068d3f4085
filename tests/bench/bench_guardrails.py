"""Benchmark: the PII detector vs presidio-analyzer's pattern recognizers, and all three
guardrails in ms/KB on short texts and on 1 MB inputs.

    make bench-guardrails   (installs presidio-analyzer into .venv-bench only, then runs this)

Prints ratios against baselines measured in the same run, never pass/fail:
1. Throughput on the same texts (the PII lines of tests/data/guardrail_eval.jsonl, and
   long prose with PII sprinkled in), alternating rounds: presidio time / our time.
   Target >= 10x. Both detect the six entity types presidio has pattern recognizers for
   (email, phone, credit card, IBAN, US SSN, IP); presidio runs its recognizers directly,
   without spaCy (no NLP model, so no context enhancement), at score threshold 0 as its
   AnalyzerEngine defaults.
2. Precision and recall of both on the same labelled spans (overlap matching).
3. ms per KB of every guardrail for short texts and for 1 MB inputs.
4. Regions: our detector with the ten regions of the locale evaluation set configured
   (national phone formats of each, and their national identifiers), against presidio's
   default recognizers, on the same short texts, on prose, and on the locale set's texts
   (tests/data/pii_locale_eval.jsonl: national-format numbers in eleven languages); its
   precision and recall there; and ms/KB at 64 KB and 1 MB of number-dense locale text
   (flat means linear, however many regions).
5. The injection guard's learned model: its cold load in fresh processes; its cost per KB
   (rules alone vs rules and model) at 1 KB, 64 KB and 1 MB (linear means flat ms/KB);
   and a typical render (~1.5 KB of variables) with the default input guardrails, and with
   the injection guard alone, as a ratio to the same render without guardrails.
Without presidio installed (the test suite's smoke run) it reports our side only.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import GuardrailEngine, Report, run_guardrail, string_leaves
from shared.guardrails.evaluation import Counts, LabelledLine
from shared.guardrails.model import Guardrail
from shared.guardrails.pii import detect
from shared.guardrails.text import Finding
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.service import render

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "tests" / "data" / "guardrail_eval.jsonl"
LOCALE_SET = ROOT / "tests" / "data" / "pii_locale_eval.jsonl"
REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "JP", "IN")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
MEGABYTE_SAMPLES = int(os.environ.get("BENCH_MB_SAMPLES", "1"))
COMMON = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS")
PRESIDIO_TYPES = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "NATIONAL_ID",
    "IP_ADDRESS": "IP_ADDRESS",
}
Spans = list[tuple[str, int, int]]


SEEDED_THRESHOLD = DEFAULT_GUARDRAILS["pii_detection"].threshold


def _common(findings: list[Finding]) -> Spans:
    """Our findings in presidio's terms: those the seeded guardrail reports (at its threshold;
    ambiguous digit runs score under it), a US SSN as NATIONAL_ID, and identifiers presidio
    has no recognizer for left out of the comparison."""
    spans = []
    for f in findings:
        kind = "NATIONAL_ID" if f.type == "US_SSN" else f.type
        if kind in COMMON and f.score >= SEEDED_THRESHOLD:
            spans.append((kind, f.start, f.end))
    return spans


def ours(text: str) -> Spans:
    return _common(detect(text, entities=COMMON))


def ours_with_regions(text: str) -> Spans:
    return _common(detect(text, entities=COMMON, phone_regions=REGIONS, id_regions=REGIONS))


def bench_regions(
    presidio: Callable[[str], Spans] | None, short: list[str], prose: list[str]
) -> dict[str, Any]:
    locale = [LabelledLine.model_validate_json(raw) for raw in LOCALE_SET.read_text().splitlines()]
    # presidio has no recognizers for most of the identifiers: accuracy is on the types both
    # have (phones, US SSNs), so only those labels count, for both.
    phones = [
        LabelledLine(
            text=line.text,
            entities=[
                e.model_copy(update={"type": "NATIONAL_ID" if e.type == "US_SSN" else e.type})
                for e in line.entities or []
                if e.type in (*COMMON, "US_SSN")
            ],
        )
        for line in locale
    ]
    report: dict[str, Any] = {"regions": list(REGIONS), "locale_texts": len(locale)}
    detectors: dict[str, Callable[[str], Any]] = {"ours": ours_with_regions}
    if presidio is not None:
        detectors["presidio"] = presidio
    for label, texts in (
        ("short", short),
        ("prose", prose),
        ("locale", [line.text for line in locale]),
    ):
        timing = compare(detectors, texts)
        row: dict[str, Any] = {
            f"{name}_ms_per_kb": ms_per_kb(t, texts) for name, t in timing.items()
        }
        if presidio is not None:
            row["throughput_ratio_ours_vs_presidio"] = round(timing["presidio"] / timing["ours"], 2)
        report[label] = row
    report["accuracy_on_locale_set_common_types"] = {"ours": accuracy(ours_with_regions, phones)}
    if presidio is not None:
        report["accuracy_on_locale_set_common_types"]["presidio"] = accuracy(presidio, phones)
    dense = " ".join(line.text for line in locale)
    for size in (64 * 1024, 1024 * 1024):
        text = (dense * (size // len(dense) + 1))[:size]
        elapsed = seconds(ours_with_regions, [text])
        report[f"ours_dense_{size // 1024}_kb_ms_per_kb"] = ms_per_kb(elapsed, [text])
    return report


def presidio_detector() -> Callable[[str], Spans] | None:
    try:
        import tldextract
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
    except ImportError:
        return None
    import presidio_analyzer.predefined_recognizers.generic.email_recognizer as email_module

    # Offline: tldextract would fetch the public suffix list; use its bundled snapshot.
    offline = tldextract.TLDExtract(suffix_list_urls=())
    email_module.tldextract = type("Offline", (), {"extract": staticmethod(offline)})
    recognizers = [
        EmailRecognizer(),
        PhoneRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        IpRecognizer(),
    ]

    def detect_with_presidio(text: str) -> Spans:
        spans = []
        for recognizer in recognizers:
            for result in recognizer.analyze(text, recognizer.supported_entities, None):
                spans.append((PRESIDIO_TYPES[result.entity_type], result.start, result.end))
        return spans

    return detect_with_presidio


def accuracy(detector: Callable[[str], Spans], lines: list[LabelledLine]) -> dict[str, Any]:
    counts = Counts()
    for line in lines:
        gold = [(e.type, e.start, e.end) for e in line.entities or [] if e.type in COMMON]
        unmatched = list(detector(line.text))
        for kind, start, end in gold:
            match = next(
                (s for s in unmatched if s[0] == kind and s[1] < end and start < s[2]), None
            )
            if match is None:
                counts.fn += 1
            else:
                unmatched.remove(match)
                counts.tp += 1
        counts.fp += len(unmatched)
    return counts.as_dict()


def long_prose(rng: random.Random, size: int) -> str:
    words = [
        "the",
        "students",
        "measured",
        "how",
        "light",
        "changes",
        "the",
        "rate",
        "of",
        "photosynthesis",
        "in",
        "pond",
        "weed",
        "and",
        "wrote",
        "their",
        "results",
        "in",
        "a",
        "table",
        "before",
        "the",
        "class",
        "discussed",
        "the",
        "method",
    ]
    pii = ["ada@example.com", "+44 7400 123456", "4111 1111 1111 1111", "DE89370400440532013000"]
    parts: list[str] = []
    length = 0
    while length < size:
        sentence = " ".join(rng.choice(words) for _ in range(14)).capitalize()
        if rng.random() < 0.05:
            sentence += " contact " + rng.choice(pii)
        parts.append(sentence + ". ")
        length += len(parts[-1])
    return "".join(parts)[:size]


def seconds(detector: Callable[[str], Any], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        detector(text)
    return time.perf_counter() - started


def compare(detectors: dict[str, Callable[[str], Any]], texts: list[str]) -> dict[str, float]:
    """Median seconds per name over alternating rounds."""
    times: dict[str, list[float]] = {name: [] for name in detectors}
    for _ in range(ROUNDS):
        for name, detector in detectors.items():
            times[name].append(seconds(detector, texts))
    return {name: statistics.median(values) for name, values in times.items()}


def ms_per_kb(elapsed: float, texts: list[str]) -> float:
    return round(elapsed * 1000 / (sum(len(t.encode()) for t in texts) / 1024), 4)


_LOAD_PROBE = "from shared.guardrails import injection_model as m; print(m.load().load_seconds)"
STUDENT_QUERY = (
    "Hi! For my science project I need a short video that explains how plants turn sunlight "
    "into food, what chlorophyll does, and why leaves change colour in autumn. "
) * 9


def bench_injection_model(rng: random.Random) -> dict[str, Any]:
    guard = DEFAULT_GUARDRAILS["prompt_injection_guard"]
    rules = Guardrail(**{**guard.model_dump(), "config": {"model": False}})
    loads = [
        float(
            subprocess.run(
                [sys.executable, "-c", _LOAD_PROBE],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(3)
    ]
    run_guardrail(guard, "warm up")
    per_size: dict[str, Any] = {}
    for size in (1024, 64 * 1024, 1024 * 1024):
        texts = [long_prose(rng, size) for _ in range(max(1, 32 * 1024 // size))]
        timing = compare(
            {
                "rules": lambda t: run_guardrail(rules, t),
                "rules_and_model": lambda t: run_guardrail(guard, t),
            },
            texts,
        )
        per_size[f"{size // 1024}_kb"] = {
            f"{name}_ms_per_kb": ms_per_kb(t, texts) for name, t in timing.items()
        }
    template = DEFAULT_TEMPLATES["nlu_extraction_gemini_25"]
    variables = {"grade_level": "8", "student_query": STUDENT_QUERY}
    leaves: dict[str, str] = {}
    string_leaves(variables, "variables", leaves)
    defaults = GuardrailEngine(DEFAULT_GUARDRAILS.values())
    alone = GuardrailEngine([guard])
    calls = 200

    def renders(engine: GuardrailEngine | None) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            if engine is not None:
                engine.apply(leaves, "input_variables", Report())
            render(template, variables)
        return (time.perf_counter() - started) / calls

    rounds = {"bare": [], "defaults": [], "injection": []}
    for _ in range(ROUNDS):
        rounds["bare"].append(renders(None))
        rounds["defaults"].append(renders(defaults))
        rounds["injection"].append(renders(alone))
    bare, with_defaults, with_injection = (statistics.median(v) for v in rounds.values())
    return {
        "cold_load_seconds": [round(x, 3) for x in loads],
        "ms_per_kb": per_size,
        "typical_render": {
            "variables_bytes": sum(len(v.encode()) for v in leaves.values()),
            "render_ms": round(bare * 1000, 4),
            "render_with_default_input_guardrails_ms": round(with_defaults * 1000, 4),
            "render_with_injection_guard_ms": round(with_injection * 1000, 4),
            "throughput_ratio_default_guardrails_vs_none": round(bare / with_defaults, 3),
            "throughput_ratio_injection_guard_vs_none": round(bare / with_injection, 3),
        },
    }


def main() -> None:
    rng = random.Random(7)
    lines = [LabelledLine.model_validate_json(raw) for raw in EVAL_SET.read_text().splitlines()]
    pii_lines = [line for line in lines if line.entities is not None]
    short = [line.text for line in pii_lines]
    prose = [long_prose(rng, 20_000) for _ in range(5)]
    presidio = presidio_detector()
    report: dict[str, Any] = {
        "samples": {"short_texts": len(short), "prose_texts_20kb": len(prose)}
    }

    detectors: dict[str, Callable[[str], Any]] = {"ours": ours}
    if presidio is not None:
        detectors["presidio"] = presidio
    for label, texts in (("short", short), ("prose", prose)):
        timing = compare(detectors, texts)
        row: dict[str, Any] = {
            f"{name}_ms_per_kb": ms_per_kb(t, texts) for name, t in timing.items()
        }
        row["ours_ms_per_text"] = round(timing["ours"] * 1000 / len(texts), 4)
        if presidio is not None:
            row["presidio_ms_per_text"] = round(timing["presidio"] * 1000 / len(texts), 4)
            row["throughput_ratio_ours_vs_presidio"] = round(timing["presidio"] / timing["ours"], 2)
        report[f"pii_{label}"] = row
    report["pii_accuracy_same_set"] = {"ours": accuracy(ours, pii_lines)}
    if presidio is not None:
        report["pii_accuracy_same_set"]["presidio"] = accuracy(presidio, pii_lines)
    else:
        report["presidio"] = "not installed (run `make bench-guardrails`)"

    megabyte = (long_prose(rng, 1024 * 1024),)[:MEGABYTE_SAMPLES]
    per_guardrail: dict[str, Any] = {}
    for guardrail in DEFAULT_GUARDRAILS.values():
        run_guardrail(guardrail, "warm up")  # the toxic classifier loads on first use
        short_time = seconds(lambda text, g=guardrail: run_guardrail(g, text), short)
        mb_time = seconds(lambda text, g=guardrail: run_guardrail(g, text), list(megabyte))
        per_guardrail[guardrail.name] = {
            "short_ms_per_kb": ms_per_kb(short_time, short),
            "short_ms_per_text": round(short_time * 1000 / len(short), 4),
            "one_mb_ms_per_kb": ms_per_kb(mb_time, list(megabyte)),
            "one_mb_seconds": round(mb_time / len(megabyte), 3),
        }
    report["guardrails_ms_per_kb"] = per_guardrail
    report["pii_regions"] = bench_regions(presidio, short, prose)
    report["injection_model"] = bench_injection_model(rng)
    print(json.dumps(report, indent=2))
    if presidio is not None:
        print(
            "target: throughput ratio >= 10 on both; precision and recall no lower than presidio's"
        )


if __name__ == "__main__":
    main()
