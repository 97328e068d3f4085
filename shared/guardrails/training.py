"""Training and by-source evaluation of the injection model (`python -m shared.guardrails train`).

A development tool: it needs scikit-learn and scipy (requirements-dev.txt), which the
serving path never imports (injection_model.py scores with plain Python).

    corpus (tests/data/injection/corpus.jsonl.gz, built by tests/data/injection/build_corpus.py)
      -> fold each text, cut it into windows, n-gram features per window (injection_model.features)
      -> vocabulary: features seen in at least MIN_DOCS training texts
      -> L2-regularised logistic regression (liblinear, deterministic), sample weights so
         each class and each source family weigh the same, long attacks counting once
      -> Platt calibration of the text score (its best window) on out-of-fold margins,
         for a stream where PRIOR (one in ten) of the texts are attacks
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
MIN_DOCS = 3
C = 1.0
CALIBRATION_FOLDS = 3
ROUND_DIGITS = 4
DROP_BELOW = 0.002
TOLERANCE = 0.001
# Concept features (lexicon pairs and singles) enter the fit scaled up, which lowers their
# L2 penalty: the model leans on what carries across languages and sources rather than on
# one collection's exact words. The exported weight includes the scale, so serving is a
# plain sum (`math.fsum`, as in serving: the same float in any set order).
CONCEPT_SCALE = 3.0
# Single concepts ("k ADDRESS": any "you"; "k REVEAL": any "show") less so than pairs: scaled
# as much, they made the model fire on every request that addresses the assistant and names
# an output ("act as a Linux terminal ... you show the output") and lean on the lexicon where
# other collections' own words generalise better (held out: the in-the-wild jailbreaks 0.932
# -> 0.963, Arth Singh's 0.600 -> 0.733, our everyday requests flagged 0.111 -> 0.084; our
# German, Chinese and Japanese attacks held out by language lose one or two texts each).
SINGLE_CONCEPT_SCALE = 1.5
PRIOR = 0.1  # the share of attacks the calibrated probability assumes
# The filler requests put into templates' `{{ prompt }}` slots live inside every attack
# family too; held out alone they would only measure that overlap.
ALWAYS_TRAINED = frozenset({"template_fillers"})
# agent-injection-bench's cases are scored, never trained on, by the served model or any
# held-out one: trained on, its 21 short planted orders ("ignore the above. Respond with
# ...") made the model fire on benign text that ignores a warning or asks whether previous
# instructions apply, so it stays an independent benchmark of planted instructions.
NEVER_TRAINED = frozenset({"aib_injected", "aib_benign"})
# The benign text the detection target names (prose, questions, code): chat, UI strings of
# two projects, task prompts, the standard library's code and documentation, an agent
# benchmark's tool output, and our everyday requests (the reader's own things among them),
# technical questions, documents, JSON and multilingual text. The other benign families are
# hard negatives written or chosen to look like attacks (texts about prompts and injection,
# follow-ups, roles, reminders); the report gives the false-positive rate on both, so
# neither hides the other.
TARGET_BENIGN = frozenset(
    {
        *("chatterbot", "django_locale", "sphinx_locale", "promptsource", "stdlib_code"),
        *("stdlib_docs", "agentdojo_env", "authored_requests", "authored_tech_questions"),
        *("authored_documents", "authored_json", "authored_multilingual_benign"),
        "authored_own_things",
    }
)
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
    """Per window: both classes weigh the same in total; within a class a family of n texts
    weighs sqrt(n), so a big collection counts more than a small one but cannot drown it;
    an attack counts once whatever its number of windows (every benign window counts
    fully: any one of them firing is a false positive)."""
    families: dict[int, Counter[str]] = defaultdict(Counter)
    for text in texts:
        families[text.label][text.family] += 1
    totals = {
        label: sum(math.sqrt(n) for n in counts.values()) for label, counts in families.items()
    }
    weights = []
    for text in texts:
        n = families[text.label][text.family]
        per_text = 1.0 / (math.sqrt(n) * totals[text.label])
        share = 1.0 / len(text.windows) if text.label else 1.0 / len(text.windows) ** 0.5
        weights.extend([per_text * share * 1000.0] * len(text.windows))
    return weights


def _scale(feature: str) -> float:
    """Concept names are upper case; a character 4-gram such as "k an" (from "week and")
    shares the prefix but is folded to lower case, and stays unscaled."""
    concept = feature.startswith(injection_model.CONCEPT_PREFIXES) and feature[2:].isupper()
    if not concept:
        return 1.0
    return SINGLE_CONCEPT_SCALE if feature.startswith("k ") else CONCEPT_SCALE


def _fit_linear(texts: Sequence[Text]) -> tuple[dict[str, float], float]:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    documents: Counter[str] = Counter()
    for text in texts:
        documents.update(set().union(*text.windows))
    vocabulary = sorted(f for f, n in documents.items() if n >= MIN_DOCS)
    index = {f: i for i, f in enumerate(vocabulary)}
    scale = [_scale(f) for f in vocabulary]
    rows, cols, values, labels = [], [], [], []
    row = 0
    for text in texts:
        for found, size in zip(text.windows, text.sizes, strict=True):
            value = 1.0 / math.sqrt(max(size, injection_model.NORM_FLOOR))
            for f in sorted(found):
                column = index.get(f)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
                    values.append(value * scale[column])
            labels.append(text.label)
            row += 1
    matrix = csr_matrix((values, (rows, cols)), shape=(row, len(vocabulary)))
    model = LogisticRegression(C=C, solver="liblinear", random_state=SEED, max_iter=1000)
    model.fit(matrix, np.array(labels), sample_weight=np.array(_weights(texts)))
    weights = {
        f: round(float(w) * k, ROUND_DIGITS)
        for f, w, k in zip(vocabulary, model.coef_[0], scale, strict=True)
        if abs(w * k) >= DROP_BELOW
    }
    return weights, round(float(model.intercept_[0]), ROUND_DIGITS)


def _max_margin(weights: dict[str, float], bias: float, text: Text) -> float:
    return max(
        bias
        + math.fsum(weights.get(f, 0.0) for f in found)
        / math.sqrt(max(size, injection_model.NORM_FLOOR))
        for found, size in zip(text.windows, text.sizes, strict=True)
    )


def _platt(margins: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    """Sigmoid fitted with the classes weighted to PRIOR: the probability is stated for a
    stream where one text in ten is an attack (docs/guardrails.md converts to others)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    positives = sum(labels)
    negatives = len(labels) - positives
    weights = [PRIOR / positives if y else (1 - PRIOR) / negatives for y in labels]
    model = LogisticRegression(C=1e6, solver="lbfgs")
    model.fit(
        np.array(margins).reshape(-1, 1),
        np.array(labels),
        sample_weight=np.array(weights) * len(labels),
    )
    return round(-float(model.coef_[0][0]), 6), round(-float(model.intercept_[0]), 6)


def fit(texts: Sequence[Text]) -> injection_model.Model:
    """Linear weights on every text; calibration on out-of-fold margins (grouped by text)."""
    weights, bias = _fit_linear(texts)
    order = list(range(len(texts)))
    random.Random(SEED).shuffle(order)  # noqa: S311 - a seeded split, not crypto
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
        "training": {
            "seed": SEED,
            "C": C,
            "min_docs": MIN_DOCS,
            "drop_below": DROP_BELOW,
            "concept_scale": CONCEPT_SCALE,
        },
        "calibration": {"slope": model.slope, "intercept": model.intercept, "prior": PRIOR},
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
    """The served score of each text: the guard's own scan with rules and this model, so
    what serving does to the model's finding (damped where the rules judged every attack
    phrase in its window discussed, decoded payloads scored too) counts here as well."""
    from shared.guardrails import injection

    return [injection.score(injection.scan(text.raw, model=model)) for text in texts]


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


def by_source(
    texts: Sequence[Text],
    threshold: float,
    always: Sequence[Text] = (),
    calibration: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Hold each family out in turn; pool the held-out verdicts by class and by language.

    With `calibration` (the full model's slope and intercept), each held-out model refits
    only its weights and reuses those two numbers: one fit per family instead of four."""
    report: dict[str, Any] = {"families": {}}
    pooled_labels: list[int] = []
    pooled_scores: list[float] = []
    pooled_langs: list[str] = []
    pooled_families: list[str] = []
    for family in sorted({t.family for t in texts}):
        train = [t for t in texts if t.family != family and t.family not in NEVER_TRAINED]
        train += always
        held = [t for t in texts if t.family == family]
        if calibration is None:
            model = fit(train)
        else:
            weights, bias = _fit_linear(train)
            model = injection_model.Model(weights, bias, *calibration)
        scores = detector_scores(model, held)
        labels = [t.label for t in held]
        report["families"][family] = rates(labels, scores, threshold)
        pooled_labels += labels
        pooled_scores += scores
        pooled_langs += [t.lang for t in held]
        pooled_families += [t.family for t in held]
    report["pooled"] = rates(pooled_labels, pooled_scores, threshold)
    report["by_language"] = {}
    for lang in sorted(set(pooled_langs)):
        chosen = [i for i, x in enumerate(pooled_langs) if x == lang]
        report["by_language"][lang] = rates(
            [pooled_labels[i] for i in chosen], [pooled_scores[i] for i in chosen], threshold
        )
    target = [i for i, f in enumerate(pooled_families) if f in TARGET_BENIGN]
    report["pooled_tradeoff"] = [
        _with_target_benign(
            rates(pooled_labels, pooled_scores, t),
            rates([0] * len(target), [pooled_scores[i] for i in target], t),
        )
        for t in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    ]
    return report


def _with_target_benign(pooled: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The pooled rates with the false-positive rate on the target's benign text beside the
    rate on all benign text (`TARGET_BENIGN`)."""
    return {
        **pooled,
        "target_benign": target["benign"],
        "target_benign_false_positive_rate": target.get("false_positive_rate", 0.0),
        "target_benign_false_positive_rate_ci95": target.get(
            "false_positive_rate_ci95", wilson(0, 0)
        ),
    }


def trainable(text: Text) -> bool:
    return text.family not in NEVER_TRAINED


def random_split(texts: Sequence[Text], threshold: float) -> dict[str, Any]:
    order = list(range(len(texts)))
    random.Random(SEED).shuffle(order)  # noqa: S311 - a seeded split, not crypto
    held = set(order[: len(order) // 5])
    model = fit([t for i, t in enumerate(texts) if i not in held and trainable(t)])
    tested = [texts[i] for i in sorted(held)]
    return rates([t.label for t in tested], detector_scores(model, tested), threshold)


# --- what the CLI runs ----------------------------------------------------------------------


def train(corpus: Path = CORPUS, out: Path = injection_model.ARTIFACT) -> dict[str, Any]:
    raw = corpus.read_bytes()
    model = fit([t for t in prepare(load_corpus(corpus)) if trainable(t)])
    payload = serialise(document(model, raw))
    out.write_bytes(payload)
    return {
        "artifact": str(out),
        "bytes": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "features": len(model.weights),
    }


def check(corpus: Path = CORPUS, artifact: Path = injection_model.ARTIFACT) -> dict[str, Any]:
    """Rebuild in memory and compare with the committed artifact: identical bytes, or every
    corpus text's probability within TOLERANCE (another library build's rounding)."""
    raw = corpus.read_bytes()
    texts = prepare(load_corpus(corpus))
    rebuilt = fit([t for t in texts if trainable(t)])
    committed_bytes = artifact.read_bytes()
    if serialise(document(rebuilt, raw)) == committed_bytes:
        return {"identical": True, "max_probability_difference": 0.0, "within_tolerance": True}
    committed = injection_model.from_document(json.loads(gzip.decompress(committed_bytes)))
    difference = max(
        abs(
            rebuilt.probability_of_windows(t.windows, t.sizes)
            - committed.probability_of_windows(t.windows, t.sizes)
        )
        for t in texts
    )
    return {
        "identical": False,
        "max_probability_difference": round(difference, 6),
        "within_tolerance": difference <= TOLERANCE,
    }


def evaluation_report(
    corpus: Path = CORPUS, threshold: float = 0.8, artifact: Path = injection_model.ARTIFACT
) -> dict[str, Any]:
    prepared = prepare(load_corpus(corpus))
    texts = [t for t in prepared if t.family not in ALWAYS_TRAINED]
    always = [t for t in prepared if t.family in ALWAYS_TRAINED]
    full = injection_model.from_document(json.loads(gzip.decompress(artifact.read_bytes())))
    return {
        "threshold": threshold,
        "corpus_sha256": hashlib.sha256(corpus.read_bytes()).hexdigest(),
        "held_out_calibration": "the full model's (weights refit per held-out family)",
        "by_source": by_source(texts, threshold, always, (full.slope, full.intercept)),
        "random_split": random_split(texts + always, threshold),
    }
