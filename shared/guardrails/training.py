"""Training and by-source evaluation of the injection model (`python -m shared.guardrails train`).

A development tool: it needs scikit-learn and scipy (requirements-dev.txt), which the
serving path never imports (injection_model.py scores with plain Python).

    corpus (tests/data/injection/corpus.jsonl.gz, built by tests/data/injection/build_corpus.py)
      -> fold each text, cut it into windows, n-gram features per window (injection_model.features)
      -> vocabulary: features seen in at least MIN_DOCS training texts
      -> L2-regularised logistic regression (liblinear, deterministic), sample weights so
         each class and each source family weigh the same, long attacks counting once
      -> Platt calibration of the text score (its best window) on out-of-fold margins
      -> weights rounded to ROUND_DIGITS, tiny ones dropped, JSON + gzip (mtime 0)

Reproducibility: the corpus and SEED fix every step; with the pinned scikit-learn, numpy
and scipy the artifact is rebuilt byte for byte (`train --check` compares). Another BLAS or
library version may move weights in the last rounded digit; the documented tolerance is
a probability difference below 0.001 on every corpus text (`train --check` reports it).

By-source evaluation: each family of sources is held out in turn; the model is trained
(and calibrated) on the others and the whole detector (rules and model, as served) is
scored on the held-out family: recall for attack families, false-positive rate for benign
ones, with Wilson 95% intervals. A random split is reported beside it for contrast.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

from shared.guardrails import injection_model
from shared.guardrails.text import fold

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "injection" / "corpus.jsonl.gz"
SEED = 20261202
MIN_DOCS = 2
C = 4.0
CALIBRATION_FOLDS = 4
ROUND_DIGITS = 4
DROP_BELOW = 0.002
Z95 = NormalDist().inv_cdf(0.975)


@dataclass
class Text:
    label: int
    family: str
    source: str
    lang: str
    raw: str
    windows: list[frozenset[str]]
    sizes: list[int]


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def prepare(rows: Iterable[dict[str, Any]]) -> list[Text]:
    texts = []
    for row in rows:
        folded = fold(row["text"]).text
        found = [
            frozenset(injection_model.features(folded[s:e]))
            for s, e in injection_model.windows(folded)
        ]
        found = [f for f in found if f] or [frozenset()]
        texts.append(
            Text(
                row["label"],
                row["family"],
                row["source"],
                row["lang"],
                row["text"],
                found,
                [max(1, len(f)) for f in found],
            )
        )
    return texts


def _weights(texts: Sequence[Text]) -> list[float]:
    """Per window: each class weighs the same, each family within it the same, and a text
    counts once whatever its number of windows (a benign window always counts fully: any
    one of them firing is a false positive)."""
    families: dict[int, Counter[str]] = defaultdict(Counter)
    for text in texts:
        families[text.label][text.family] += 1
    weights = []
    for text in texts:
        per_family = 1.0 / (len(families[text.label]) * families[text.label][text.family])
        share = 1.0 / len(text.windows) if text.label else 1.0
        weights.extend([per_family * share * 1000.0] * len(text.windows))
    return weights


def _fit_linear(texts: Sequence[Text]) -> tuple[dict[str, float], float]:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    documents: Counter[str] = Counter()
    for text in texts:
        documents.update(set().union(*text.windows))
    vocabulary = sorted(f for f, n in documents.items() if n >= MIN_DOCS)
    index = {f: i for i, f in enumerate(vocabulary)}
    rows, cols, values, labels = [], [], [], []
    row = 0
    for text in texts:
        for found, size in zip(text.windows, text.sizes, strict=True):
            value = 1.0 / math.sqrt(size)
            for f in sorted(found):
                column = index.get(f)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
                    values.append(value)
            labels.append(text.label)
            row += 1
    matrix = csr_matrix((values, (rows, cols)), shape=(row, len(vocabulary)))
    model = LogisticRegression(C=C, solver="liblinear", random_state=SEED, max_iter=1000)
    model.fit(matrix, np.array(labels), sample_weight=np.array(_weights(texts)))
    weights = {
        f: round(float(w), ROUND_DIGITS)
        for f, w in zip(vocabulary, model.coef_[0], strict=True)
        if abs(w) >= DROP_BELOW
    }
    return weights, round(float(model.intercept_[0]), ROUND_DIGITS)


def _max_margin(weights: dict[str, float], bias: float, text: Text) -> float:
    return max(
        bias + sum(weights.get(f, 0.0) for f in found) / math.sqrt(size)
        for found, size in zip(text.windows, text.sizes, strict=True)
    )


def _platt(margins: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e6, class_weight="balanced", solver="lbfgs")
    model.fit(np.array(margins).reshape(-1, 1), np.array(labels))
    return round(-float(model.coef_[0][0]), 6), round(-float(model.intercept_[0]), 6)


def fit(texts: Sequence[Text]) -> injection_model.Model:
    """Linear weights on every text; calibration on out-of-fold margins (grouped by text)."""
    weights, bias = _fit_linear(texts)
    order = list(range(len(texts)))
    random.Random(SEED).shuffle(order)
    margins, labels = [0.0] * len(texts), [t.label for t in texts]
    for fold_number in range(CALIBRATION_FOLDS):
        held = {i for k, i in enumerate(order) if k % CALIBRATION_FOLDS == fold_number}
        w, b = _fit_linear([t for i, t in enumerate(texts) if i not in held])
        for i in held:
            margins[i] = _max_margin(w, b, texts[i])
    slope, intercept = _platt(margins, labels)
    return injection_model.Model(weights, bias, slope, intercept)


def document(model: injection_model.Model, corpus: bytes) -> dict[str, Any]:
    return {
        "format": 1,
        "about": "prompt-injection model; see shared/guardrails/injection_model.py",
        "corpus_sha256": hashlib.sha256(corpus).hexdigest(),
        "features": {
            "window_chars": injection_model.WINDOW_CHARS,
            "char_ngrams": list(injection_model.CHAR_NGRAMS),
            "words": True,
            "word_pairs": True,
        },
        "training": {"seed": SEED, "C": C, "min_docs": MIN_DOCS, "drop_below": DROP_BELOW},
        "calibration": {"slope": model.slope, "intercept": model.intercept},
        "bias": model.bias,
        "weights": dict(sorted(model.weights.items())),
    }


def serialise(doc: dict[str, Any]) -> bytes:
    payload = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0)


# --- evaluation -----------------------------------------------------------------------------


def wilson(successes: int, total: int) -> tuple[float, float]:
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = (p + Z95**2 / (2 * total)) / (1 + Z95**2 / total)
    half = Z95 * math.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / (1 + Z95**2 / total)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def detector_scores(model: injection_model.Model, texts: Sequence[Text]) -> list[float]:
    """The served score (rules and model together) of each text."""
    from shared.guardrails import injection

    scores = []
    for text in texts:
        rules = injection.score(injection.scan(text.raw, model=None))
        p = max(model.probability_of_windows(text.windows, text.sizes), 0.0)
        scores.append(max(rules, p))
    return scores


def rates(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, Any]:
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if not y and s >= threshold)
    positives = sum(labels)
    negatives = len(labels) - positives
    answer: dict[str, Any] = {"threshold": threshold, "attacks": positives, "benign": negatives}
    if positives:
        answer["recall"] = round(tp / positives, 4)
        answer["recall_ci95"] = wilson(tp, positives)
    if negatives:
        answer["false_positive_rate"] = round(fp / negatives, 4)
        answer["false_positive_rate_ci95"] = wilson(fp, negatives)
    if tp + fp:
        answer["precision"] = round(tp / (tp + fp), 4)
        answer["precision_ci95"] = wilson(tp, tp + fp)
    return answer


def by_source(texts: Sequence[Text], threshold: float) -> dict[str, Any]:
    """Hold each family out in turn; pool the held-out verdicts by class and by language."""
    report: dict[str, Any] = {"families": {}}
    pooled_labels: list[int] = []
    pooled_scores: list[float] = []
    pooled_langs: list[str] = []
    for family in sorted({t.family for t in texts}):
        train = [t for t in texts if t.family != family]
        held = [t for t in texts if t.family == family]
        scores = detector_scores(fit(train), held)
        labels = [t.label for t in held]
        report["families"][family] = rates(labels, scores, threshold)
        pooled_labels += labels
        pooled_scores += scores
        pooled_langs += [t.lang for t in held]
    report["pooled"] = rates(pooled_labels, pooled_scores, threshold)
    report["by_language"] = {}
    for lang in sorted(set(pooled_langs)):
        chosen = [i for i, x in enumerate(pooled_langs) if x == lang]
        report["by_language"][lang] = rates(
            [pooled_labels[i] for i in chosen], [pooled_scores[i] for i in chosen], threshold
        )
    report["pooled_tradeoff"] = [
        rates(pooled_labels, pooled_scores, t) for t in (0.5, 0.7, 0.8, 0.9, 0.95)
    ]
    return report


def random_split(texts: Sequence[Text], threshold: float) -> dict[str, Any]:
    order = list(range(len(texts)))
    random.Random(SEED).shuffle(order)
    held = set(order[: len(order) // 5])
    model = fit([t for i, t in enumerate(texts) if i not in held])
    tested = [texts[i] for i in sorted(held)]
    return rates([t.label for t in tested], detector_scores(model, tested), threshold)
