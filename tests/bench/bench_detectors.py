"""Benchmark: the default detectors and a render's guardrails on text they have not seen.

    .venv/bin/python -m tests.bench.bench_detectors [--baseline DIR]

Each workload is timed in a worker process per source tree (this one, and with `--baseline`
another checkout, e.g. `git archive main | tar -x -C DIR`), in alternating rounds, so
machine noise hits both alike; it prints microseconds per call (median over rounds) and,
with a baseline, baseline time / this tree's time. Workloads, each on ~1.4 KB of text:

- `new`: the bench's render body (tests/bench/bench_wrk.py RENDER_BODY) with a counter in
  its first sentence, as wrk's "render_new" sends it: one sentence new per request;
- `fresh`: sentences drawn at random from a fixed pool of benign prose (documentation
  and everyday requests), each with the counter and its place, so no sentence and no window
  repeats: what remembering pieces cannot help; counters are words of letters (`tag`), so
  the PII scan has no digits to weigh;
- `same`: the same body each call (what a retry or a repeated question costs).

For the toxic detector, the injection guard (rules and model) and PII alone, and for a
whole render's guardrails (`render_guarded` with the three default guardrails: input
variables, then the rendered prompt), one engine per worker as a served instance keeps.
BENCH_ROUNDS (default 7) and BENCH_CALLS (default 200 per workload and round) size it.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
CALLS = int(os.environ.get("BENCH_CALLS", "200"))
TARGET_CHARS = 1400
DETECTORS = ("toxic", "injection", "pii", "render")
KINDS = ("new", "fresh", "same")
# Each detector on each kind of text, and the render wrk's "render_new" sends (the counter
# in the first variable, grade_level; the student query as it is, so the injection guard
# also scans the two joined).
WORKLOADS = [(d, k) for d in DETECTORS for k in KINDS] + [("render_first_variable", "new")]


def prose_pool() -> list[str]:
    """Benign sentences of 40-200 characters (the injection corpus's Python documentation
    prose and authored everyday requests) on which no detector reports anything, sorted."""
    import gzip
    import re

    from shared.guardrails import injection, injection_model, pii, toxic

    sentences: set[str] = set()
    with gzip.open(Path("tests") / "data" / "injection" / "corpus.jsonl.gz", "rt") as corpus:
        for line in corpus:
            row = json.loads(line)
            if row["label"] != 0 or row["family"] not in ("stdlib_docs", "authored_requests"):
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", row["text"]):
                if 40 <= len(sentence) <= 200 and sentence.isascii() and sentence[-1] in ".!?":
                    sentences.add(" ".join(sentence.split()))
    model = injection_model.load()
    return sorted(
        s
        for s in sentences
        if not toxic.scan(s)
        and not injection.scan(s, model=model)
        and not pii.detect(s, entities=["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS"])
    )


# Letters that spell no word in any order (a counter of ordinary letters spelled insults
# the toxic filter blocked).
TAG_LETTERS = "qzjvwk"


def tag(number: int) -> str:
    """A word of letters for a number ("zq", "zz", ...): new to the detectors, spelling no
    word, and no digits for the PII scan to weigh as a phone number."""
    letters = ""
    while True:
        number, digit = divmod(number, len(TAG_LETTERS))
        letters = TAG_LETTERS[digit] + letters
        if not number:
            return letters


def texts(kind: str, rng: random.Random, pool: list[str], query: str) -> Callable[[int], str]:
    if kind == "same":
        return lambda n: query
    if kind == "new":
        return lambda n: f"Question {tag(n)}: {query}"

    def fresh(n: int) -> str:
        chosen, size = [], 0
        while size < TARGET_CHARS:
            sentence = f"{tag(n)} {tag(len(chosen))}) {rng.choice(pool)}"
            chosen.append(sentence)
            size += len(sentence) + 1
        return " ".join(chosen)

    return fresh


def worker() -> None:
    """Answers `detector kind calls` lines with microseconds per call, in this tree."""
    from shared.errors import GuardrailBlocked
    from shared.guardrails import injection, injection_model, pii, toxic
    from shared.guardrails.defaults import DEFAULT_GUARDRAILS
    from shared.guardrails.engine import GuardrailEngine, warm_up
    from shared.templates.defaults import DEFAULT_TEMPLATES
    from shared.templates.service import render_guarded
    from tests.bench.bench_wrk import RENDER_BODY

    warm_up()
    model = injection_model.load()
    entities = DEFAULT_GUARDRAILS["pii_detection"].config["entities"]
    engine = GuardrailEngine(DEFAULT_GUARDRAILS.values())
    template = DEFAULT_TEMPLATES["nlu_extraction_gemini_25"]
    query = str(RENDER_BODY["variables"]["student_query"])
    pool = prose_pool()
    calls: dict[str, Callable[[str], object]] = {
        "toxic": toxic.scan,
        "injection": lambda text: injection.scan(text, model=model),
        "pii": lambda text: pii.detect(text, entities=entities),
        "render": lambda text: render_guarded(
            template, {"grade_level": "8", "student_query": text}, engine, max_bytes=None
        ),
        "render_first_variable": lambda text: render_guarded(
            template,
            {"grade_level": text[: text.index(":") + 1] + " 8", "student_query": query},
            engine,
            max_bytes=None,
        ),
    }
    counter = 0
    makers = {kind: texts(kind, random.Random(kind), pool, query) for kind in KINDS}
    for line in sys.stdin:
        detector, kind, count = line.split()
        inputs = []
        for _ in range(int(count)):
            counter += 1
            inputs.append(makers[kind](counter))
        call = calls[detector]
        blocked = 0
        started = time.perf_counter()
        for text in inputs:
            try:
                call(text)
            except GuardrailBlocked:  # every guardrail ran; the bench reports how often
                blocked += 1
        elapsed = time.perf_counter() - started
        print(json.dumps({"us": elapsed / len(inputs) * 1e6, "blocked": blocked}), flush=True)


class Tree:
    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(root), "LOG_LEVEL": "ERROR"}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.blocked = 0

    def time(self, detector: str, kind: str, calls: int) -> float:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"{detector} {kind} {calls}\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        self.blocked += answer["blocked"]
        return float(answer["us"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def bench(baseline: Path | None) -> dict[str, Any]:
    trees = {"this": Tree(ROOT)}
    if baseline is not None:
        trees["baseline"] = Tree(baseline)
    try:
        for tree in trees.values():  # warm: models loaded, code paths and memos exercised
            for detector, kind in WORKLOADS:
                tree.time(detector, kind, 20)
        timings: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
        for _ in range(ROUNDS):
            for detector, kind in WORKLOADS:
                for name, tree in trees.items():
                    timings[name].setdefault(f"{detector}_{kind}", []).append(
                        tree.time(detector, kind, CALLS)
                    )
    finally:
        for tree in trees.values():
            tree.close()
    results: dict[str, Any] = {}
    for key, values in timings["this"].items():
        entry: dict[str, float] = {"us": round(statistics.median(values), 1)}
        if baseline is not None:
            base = timings["baseline"][key]
            entry["baseline_us"] = round(statistics.median(base), 1)
            pairs = zip(base, values, strict=True)
            entry["speedup"] = round(statistics.median(b / t for b, t in pairs), 2)
        results[key] = entry
    results["blocked_renders"] = {name: tree.blocked for name, tree in trees.items()}
    results["settings"] = {"rounds": ROUNDS, "calls": CALLS, "load": os.getloadavg()}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    print(json.dumps(bench(args.baseline), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
