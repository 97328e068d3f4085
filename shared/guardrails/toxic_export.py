"""`python -m shared.guardrails export-toxic`: alt-profanity-check's fitted model as data.

A development tool (scikit-learn and alt-profanity-check come from requirements-dev.txt):
it reads the library's own pickles and writes `toxic_model.json.gz`, which the serving
path scores in plain Python (toxic.py). What is written is everything `predict_proba`
uses, nothing rounded: the vocabulary in column order, the IDF weights, the analyzer's
settings (checked against what toxic.py implements, so a library upgrade that changes
them fails here instead of scoring differently), and each calibrated fold's linear SVM
coefficients, intercept and sigmoid `(a, b)`.

The output is deterministic (sorted keys, gzip mtime 0): `--check` rebuilds in memory and
compares with the committed bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from shared.guardrails import toxic

# What toxic.py's analyzer implements; the pickle must say the same.
EXPECTED_ANALYZER: dict[str, Any] = {
    "analyzer": "word",
    "lowercase": True,
    "token_pattern": toxic.TOKEN_PATTERN,
    "ngram_range": [1, 1],
    "strip_accents": None,
    "preprocessor": None,
    "tokenizer": None,
    "binary": False,
    "sublinear_tf": False,
    "use_idf": True,
    "norm": "l2",
}


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def document() -> dict[str, Any]:
    from profanity_check import profanity_check
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vectorizer, model = profanity_check.vectorizer, profanity_check.model
    params = vectorizer.get_params()
    analyzer = {key: params[key] for key in EXPECTED_ANALYZER}
    analyzer["ngram_range"] = list(analyzer["ngram_range"])
    if analyzer != EXPECTED_ANALYZER:
        raise ValueError(f"the vectorizer's analyzer changed: {analyzer} != {EXPECTED_ANALYZER}")
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    # English stop words are dropped after tokenising; with unigrams only, dropping them is
    # the same as not finding them in the vocabulary, which is what the plain scorer does.
    if params["stop_words"] not in (None, "english") or set(vocabulary) & ENGLISH_STOP_WORDS:
        raise ValueError("the vocabulary holds stop words: the plain analyzer would differ")
    if getattr(model, "method", None) != "sigmoid" or list(model.classes_) != [0, 1]:
        raise ValueError("expected a binary CalibratedClassifierCV with sigmoid calibration")
    folds = []
    for fold in model.calibrated_classifiers_:
        (calibrator,) = fold.calibrators
        folds.append(
            {
                "coef": _floats(fold.estimator.coef_[0]),
                "intercept": float(fold.estimator.intercept_[0]),
                "a": float(calibrator.a_),
                "b": float(calibrator.b_),
            }
        )
    return {
        "format": 1,
        "about": "alt-profanity-check's TF-IDF + calibrated linear SVM; see toxic.py",
        "source": {
            "alt-profanity-check": metadata.version("alt-profanity-check"),
            "scikit-learn": metadata.version("scikit-learn"),
        },
        "analyzer": analyzer,
        "vocabulary": vocabulary,
        "idf": _floats(vectorizer.idf_),
        "folds": folds,
    }


def serialise(doc: dict[str, Any]) -> bytes:
    payload = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0)


def export(out: Path = toxic.ARTIFACT) -> dict[str, Any]:
    payload = serialise(document())
    out.write_bytes(payload)
    return {"artifact": str(out), "bytes": len(payload), "sha256": _sha(payload)}


def check(artifact: Path = toxic.ARTIFACT) -> dict[str, Any]:
    rebuilt, committed = serialise(document()), artifact.read_bytes()
    return {"identical": rebuilt == committed, "sha256": _sha(committed)}


def _sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()
