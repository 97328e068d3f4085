"""The learned half of the injection guard: a linear model over word and character n-grams.

Pure Python at serving time (no numpy, scipy or scikit-learn): the artifact
`injection_model.json.gz` holds a vocabulary of weighted features, a bias and a Platt
calibration, written by `python -m shared.guardrails train` (training.py, which alone
needs scikit-learn). Scoring a window is a set of n-grams and one dictionary lookup each.

Text is folded first (text.fold: NFKC, homoglyphs, case, invisible characters), then cut
into windows of at most `WINDOW_CHARS` at sentence ends, so an instruction hidden in a long
document is judged next to its own sentences rather than diluted by the whole page; cost
stays linear in the length. A window's features: its words, word pairs, character
4-grams of the words joined by single spaces, and pairs of attack concepts (CONCEPTS, a
small lexicon in the eight claimed languages) found in it; each present feature counts
once, and the vector is L2-normalised (every feature weighs 1/sqrt(number of features), with at
least NORM_FLOOR features counted).

The score is calibrated: `probability` is the estimated probability that the window is an
injection or jailbreak attempt in a stream where one text in ten is one (Platt scaling on
out-of-fold predictions, classes weighted to that prior; at another base rate r the odds
scale by r/(1-r) / (1/9)). The text's score is its highest window's. The artifact loads
on first use, never at import.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import time
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from shared.guardrails.text import fold

ARTIFACT = Path(__file__).with_name("injection_model.json.gz")
WINDOW_CHARS = 600
OVERLAP_CHARS = 100
# A window with fewer features is normalised as if it had this many: five words are not
# enough evidence for a confident verdict either way ("what is your favourite planet").
NORM_FLOOR = 80
CHAR_NGRAMS = (4,)
FINDING_TYPE = "INJECTION_MODEL"

# A small cross-lingual lexicon: the words attacks are made of, in the eight languages the
# guard claims, mapped to one concept each, so that what the model learns from English
# attacks also reaches "oubliez les consignes précédentes". Folded (lower-case) forms.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "IGNORE": (
        "ignore", "ignoring", "disregard", "forget", "ignora", "ignorar", "ignores", "olvida",
        "olvides", "olvidar", "ignorez", "oublie", "oubliez", "ignoriere", "ignorieren",
        "vergiss", "vergessen", "missachte", "esqueça", "esqueca", "desconsidere", "ignorem",
        "dimentica", "dimenticare", "忽略", "忘记", "忘掉", "无视", "無視", "忘れ",
    ),
    "PREVIOUS": (
        "previous", "prior", "above", "earlier", "preceding", "anteriores", "anterior",
        "previas", "précédentes", "précédents", "antérieures", "vorherigen", "vorherige",
        "obigen", "bisherigen", "precedenti", "sopra", "acima", "之前", "以上", "上面", "先前",
        "以前", "上記", "これまで",
    ),
    "INSTRUCTIONS": (
        "instructions", "instruction", "rules", "guidelines", "directives", "directions",
        "instrucciones", "reglas", "indicaciones", "normas", "consignes", "règles",
        "anweisungen", "regeln", "vorgaben", "richtlinien", "instruções", "instrucoes",
        "regras", "diretrizes", "orientações", "istruzioni", "regole", "indicazioni", "指令",
        "指示", "规则", "命令", "ルール", "设定",
    ),
    "REVEAL": (
        "reveal", "show", "print", "display", "output", "repeat", "disclose", "dump", "revela",
        "muestra", "muéstrame", "repite", "révèle", "révélez", "affiche", "montre", "répète",
        "zeige", "verrate", "wiederhole", "revele", "mostre", "repita", "rivela", "mostra",
        "mostrami", "ripeti", "显示", "输出", "告诉", "重复", "表示", "出力", "教えて", "繰り返",
    ),
    "SYSTEM": (
        "system", "sistema", "système", "systemprompt", "systemnachricht", "系统", "システム",
    ),
    "PROMPT": ("prompt", "prompts", "提示词", "プロンプト"),
    "HIDDEN": (
        "hidden", "secret", "confidential", "initial", "original", "ocultas", "secretas",
        "iniciales", "cachées", "secrètes", "initiales", "versteckten", "geheimen",
        "ursprünglichen", "ocultas", "secretas", "iniciais", "nascoste", "segrete", "iniziali",
        "隐藏", "秘密", "最初", "隠された",
    ),
    "UNRESTRICTED": (
        "restrictions", "restriction", "filters", "censorship", "uncensored", "unfiltered",
        "restricción", "restricciones", "filtros", "einschränkung", "einschränkungen",
        "restrição", "restrições", "restrizione", "restrizioni", "限制", "制限", "フィルター",
        "过滤",
    ),
}  # fmt: skip
_CONCEPT = {term: concept for concept, terms in CONCEPTS.items() for term in terms}
# Chinese and Japanese have no spaces between words: their terms are searched for.
_CJK_TERMS = re.compile(
    "|".join(
        sorted(
            (t for t in _CONCEPT if any("\u3040" <= c <= "\u9fff" for c in t)),
            key=len,
            reverse=True,
        )
    )
)
# Pronouns of address are left out: nearly every attack says "you", and so does every
# question a student asks an assistant ("what is your favourite planet?"); kept, they made
# any short request to the assistant look like an attack.
PRONOUNS = frozenset(
    (
        "you", "your", "yours", "yourself", "yourselves", "u", "ur", "me", "my", "mine", "i",
        "tu", "te", "ti", "toi", "vous", "votre", "vos", "ton", "ta", "tes", "tuo", "tua",
        "tuoi", "tue", "du", "dich", "dir", "dein", "deine", "deinen", "deiner", "você",
        "voce", "seu", "sua",
    )
)  # fmt: skip
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?。！？\n]+\s*")


def features(folded: str) -> set[str]:
    """The n-grams of one folded window (training calls this very function)."""
    words = [word for word in _WORD.findall(folded) if word not in PRONOUNS]
    found = {"w " + word for word in words}
    found.update("b " + a + " " + b for a, b in pairwise(words))
    joined = " " + " ".join(words) + " "
    for size in CHAR_NGRAMS:
        found.update(joined[i : i + size] for i in range(len(joined) - size + 1))
    concepts = [_CONCEPT[word] for word in words if word in _CONCEPT]
    if not folded.isascii():
        concepts += (_CONCEPT[m.group()] for m in _CJK_TERMS.finditer(folded))
    # Pairs, not single concepts: "above" alone is everyday ("the above text"); "ignore"
    # with "instructions" in one window is what attacks are made of.
    distinct = sorted(set(concepts))
    found.update("c " + a + " " + b for i, a in enumerate(distinct) for b in distinct[i + 1 :])
    return found


def windows(folded: str) -> list[tuple[int, int]]:
    """[start, end) spans of the folded text: sentences packed up to WINDOW_CHARS each; a
    longer sentence is cut into overlapping pieces so no phrase falls between two cuts."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(folded):
        pieces.append((start, match.end()))
        start = match.end()
    if start < len(folded):
        pieces.append((start, len(folded)))
    spans: list[tuple[int, int]] = []
    for piece_start, end in pieces:
        start = piece_start
        while end - start > WINDOW_CHARS:
            spans.append((start, start + WINDOW_CHARS))
            start += WINDOW_CHARS - OVERLAP_CHARS
        if spans and spans[-1][1] >= start and end - spans[-1][0] <= WINDOW_CHARS:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(s, e) for s, e in spans if not folded[s:e].isspace()]


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    slope: float  # Platt: probability = 1 / (1 + exp(slope * margin + intercept))
    intercept: float
    load_seconds: float = 0.0

    def margin_of(self, found: set[str] | frozenset[str], size: int) -> float:
        """`size` is the window's number of features, in the vocabulary or not."""
        if not size:
            return self.bias
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in found) / math.sqrt(max(size, NORM_FLOOR))

    def calibrated(self, margin: float) -> float:
        z = self.slope * margin + self.intercept
        return 1.0 / (1.0 + math.exp(z)) if z < 700 else 0.0

    def probability(self, folded: str) -> float:
        found = features(folded)
        return self.calibrated(self.margin_of(found, len(found)))

    def probability_of_windows(self, found: list[frozenset[str]], sizes: list[int]) -> float:
        margin = max(self.margin_of(f, n) for f, n in zip(found, sizes, strict=True))
        return self.calibrated(margin)

    def best_window(self, folded: str) -> tuple[float, int, int]:
        """(probability, start, end) of the highest-scoring window of a folded text."""
        best = (0.0, 0, 0)
        for start, end in windows(folded):
            p = self.probability(folded[start:end])
            if p > best[0]:
                best = (p, start, end)
        return best


def from_document(document: dict[str, object], load_seconds: float = 0.0) -> Model:
    calibration = document["calibration"]
    assert isinstance(calibration, dict)
    return Model(
        weights=dict(document["weights"]),  # type: ignore[call-overload]
        bias=float(document["bias"]),  # type: ignore[arg-type]
        slope=float(calibration["slope"]),
        intercept=float(calibration["intercept"]),
        load_seconds=load_seconds,
    )


@cache
def load(path: Path = ARTIFACT) -> Model:
    started = time.perf_counter()
    document = json.loads(gzip.decompress(path.read_bytes()))
    return from_document(document, time.perf_counter() - started)


def probability(text: str) -> float:
    """The calibrated score of a raw text (folded here), its best window's."""
    return load().best_window(fold(text).text)[0]
