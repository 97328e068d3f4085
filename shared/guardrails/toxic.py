"""Toxic content: alt-profanity-check's classifier behind a de-obfuscating front end.

Why that library (README, "Guardrails", says more): alt-profanity-check is a TF-IDF +
calibrated linear SVM trained on ~200k human-labelled comments, so it returns a probability
to hold against the threshold and it weighs words by context ("kill a process" scores 0.08,
"kill yourself" 0.95). better-profanity, the word-list alternative, flagged most of our
educational hard negatives ("sexual reproduction", "the nazi regime") and took 9.8 s to scan
45 KB (quadratic), so it fails both the false-positive and the 1 MB bound.

The classifier alone misses disguises ("f u c k", "fuuuuck", "sh1t", "ｆｕｃｋ"), so each
sentence is scored as written and as de-obfuscated variants (folded by NFKC/homoglyphs,
l33t digits mapped back to letters, spaced-out letters joined, letter runs collapsed) and
keeps the highest probability. Text is split into bounded segments (sentences, at most
`SEGMENT_CHARS` each), so long prose neither dilutes a single insult nor costs more than
linear time. The model is alt-profanity-check's, exported to `toxic_model.json.gz` and
scored in plain Python (_Scorer): serving imports neither scikit-learn, scipy nor numpy.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from array import array
from collections.abc import Iterable, Sequence
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from shared.guardrails.text import LEET as _LEET
from shared.guardrails.text import LEET_WORD as _LEET_WORD
from shared.guardrails.text import Finding, ScoreMemo, fold, text_digest

SEGMENT_CHARS = 2000
FINDING_TYPE = "TOXIC_LANGUAGE"
REPORT_FLOOR = 0.3  # segments scoring below this are not worth a finding

# A sentence ends at . ! ? followed by a space or the end, or at a newline; "f.u.c.k" and
# "b!tch" stay whole. Bounded alternation, no nesting: linear.
_SEGMENT = re.compile(rf"(?:[^.!?\n]|[.!?](?=[^\s.!?])){{1,{SEGMENT_CHARS}}}[.!?\n]*|[.!?\n]+")
# Letters spelled out with separators: "f u c k", "f.u.c.k", "f-u-c-k", "f_u_c_k".
_SPACED = re.compile(r"(?<!\w)(?:[a-z][ .\-_*]{1,2}){2,30}[a-z](?!\w)")
_SEPARATOR = re.compile(r"[ .\-_*]")
_RUNS = re.compile(r"([a-z])\1{2,}")
_DOUBLES = re.compile(r"([a-z])\1+")
_FIRST_GROUP = itemgetter(1)  # `m[1]`, as the `\1` template gives it, without a Python frame
# What `_LEET_WORD` needs inside a match, and runs of word characters (what `\b` delimits).
_LEET_SYMBOL = re.compile(r"[0134578@$!|]")
_WORD_RUN = re.compile(r"\w+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")  # what str.isalpha() accepts among ASCII characters


# Identity terms carry no abuse by themselves, yet classifiers trained on comments learn
# them as toxic ("he was gay and happy" scores 0.90). They are neutralised to "people"
# before scoring, so what is said *about* a group still counts ("gay people are
# disgusting freaks" stays toxic) but naming the group does not.
IDENTITY_TERMS = (
    "gay", "gays", "lesbian", "lesbians", "homosexual", "homosexuals", "bisexual", "trans",
    "transgender", "queer", "black", "blacks", "white", "whites", "jew", "jews", "jewish",
    "muslim", "muslims", "islamic", "christian", "christians", "hindu", "hindus", "sikh",
    "immigrant", "immigrants", "mexican", "mexicans", "african", "africans", "asian", "asians",
    "negro", "women", "woman", "girls",
)  # fmt: skip
# Words with an everyday or clinical sense (anatomy, animals, tools, names) count only when
# the sentence addresses someone: "our dog is a bitch" is breeding, "you bitch" is abuse.
AMBIGUOUS_TERMS = (
    "dick", "cock", "ass", "asses", "bitch", "hoe", "hoes", "tit", "tits", "booby", "pussy",
    "penis", "vagina", "genitalia", "testes", "breast", "breasts", "anal", "sex", "sexual",
    "screw", "balls", "nuts", "bloody", "damn", "hell", "devil", "kill", "killed", "killer",
    "die", "dying", "dead", "death", "murder", "execute", "sperm", "crap",
)  # fmt: skip
ADDRESSED_TERMS = ("you", "your", "yours", "yourself", "youre", "u", "ur", "ya", "my", "me")
_ADDRESSED = re.compile(r"\b(?:" + "|".join(ADDRESSED_TERMS) + r")\b")
_IDENTITY = re.compile(r"\b(?:" + "|".join(IDENTITY_TERMS) + r")\b")
_AMBIGUOUS = re.compile(r"\b(?:" + "|".join(AMBIGUOUS_TERMS) + r")\b")
_IDENTITY_WORDS = frozenset(IDENTITY_TERMS)
_AMBIGUOUS_WORDS = frozenset(AMBIGUOUS_TERMS)
_ADDRESSED_WORDS = frozenset(ADDRESSED_TERMS)

# What a profanity classifier was not trained for: threats, incitement, dehumanisation,
# doxxing and sexual coercion. Short, bounded phrases; each is abuse aimed at someone.
THREAT_SCORE = 0.9
_THREATS = re.compile(
    r"\b(?:i ?'?ll|i will|i'm going to|i am going to|im going to|gonna|we'll|we will)\s"
    r"(?:\w+\s){0,6}?(?:find|hurt|kill|beat|stab|shoot|rape|burn|punch|murder)\s(?:you|u|him|her|them)\b"
    r"|\b(?:someone|somebody|they) should (?:shoot|kill|stab|hurt|rape|hang|beat up)\b"
    r"|\b(?:kill|hang) (?:yo)?urself\b|\bkys\b|\bgo die\b|\bi hope (?:you|u) (?:die|get hurt)\b"
    r"|\b(?:should|must|deserve to|ought to) (?:all )?(?:be )?(?:wiped out|exterminated|gassed|"
    r"killed|eliminated|shot|hanged|deported)\b"
    r"|\bare (?:\w+ ){0,2}?(?:vermin|rats|parasites|cockroaches|subhuman|animals|filth|"
    r"inferior|terrorists)\b"
    r"|\bwaste of (?:oxygen|space|air)\b"
    r"|\bsend (?:me )?(?:nudes|naked (?:pics|pictures|photos))\b"
    r"|\b(?:post|share|leak) (?:his|her|their|your) (?:address|nudes|photos|number)\b"
    r"|\bmake (?:his|her|their|your) life (?:hell|miserable)\b"
)
# The same matches, tried only where one of the branches' first letters stands (each branch
# starts with `\b` and a word from this set): a third less work on ordinary text.
_THREAT_STARTS = re.compile(r"(?=[agdhiklmopstw])(?:" + _THREATS.pattern + ")")
MASK_CHARS = "*#"
# Known-abusive words a mask (`f*ck`, `sh#t`) may stand for: the classifier's own vocabulary,
# every word whose weight towards "offensive" exceeds this.
MASK_LEXICON_WEIGHT = 1.5
_MASKED = re.compile(r"(?<![\w*#])(?=[\w*#]{0,39}[*#])[\w*#]{2,40}")


# A sentence's score depends on its text and the guardrail's extra terms alone: each is
# remembered (by digest, never the text) across requests, so text a request repeats (chat
# history sent again each turn, a retrieved document) costs one look-up per sentence.
# About 280 bytes an entry (measured): 2.3 MB when full.
SENTENCE_MEMO_ENTRIES = 8192
_MEMO = ScoreMemo(SENTENCE_MEMO_ENTRIES)

ARTIFACT = Path(__file__).with_name("toxic_model.json.gz")
FOLDS = 5  # calibrated folds of the exported model (CalibratedClassifierCV's default cv)
# scikit-learn's default token pattern, which the exported vectorizer uses (the export checks).
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # noqa: S105 (a regex, not a password)
_TOKEN = re.compile(TOKEN_PATTERN)
# The same tokens, found a third faster: scanning left to right, `\w\w+` enters every run of
# word characters at its start and takes all of it, so the boundaries hold by themselves
# (a test holds both equal).
_TOKENS = re.compile(r"\w\w+")


class _Scorer:
    """alt-profanity-check's fitted model, scored in plain Python from its exported artifact
    (`python -m shared.guardrails export-toxic` writes it; toxic_export.py says what it holds).

    Same arithmetic as the library's `vectorizer.transform` + `model.predict_proba` (a test
    holds them equal on the evaluation set): lower-case, tokens of two or more word
    characters, raw counts times IDF, L2-normalised; each calibrated fold's linear decision
    `x.w + c`, mapped through its sigmoid `1 / (1 + exp(a*d + b))`; the folds' probabilities
    averaged. Terms are summed in column order, as scikit-learn's sparse product does."""

    def __init__(self, document: dict[str, Any]) -> None:
        # Flat float64 arrays, not a tuple of float objects per word: a third of the memory
        # for the same values.
        self._columns: dict[str, int] = {w: i for i, w in enumerate(document["vocabulary"])}
        self._idf = array("d", document["idf"])
        folds: list[dict[str, Any]] = document["folds"]
        self._weights = [array("d", fold["coef"]) for fold in folds]
        self._intercepts = tuple(float(fold["intercept"]) for fold in folds)
        self._a = tuple(float(fold["a"]) for fold in folds)
        self._b = tuple(float(fold["b"]) for fold in folds)
        # Each fold's weight of a column, gathered on first use (words that occur, not the
        # whole vocabulary: a row is five floats, a vocabulary's worth would be megabytes).
        self._rows: dict[int, tuple[float, ...]] = {}

    @property
    def vocabulary(self) -> dict[str, int]:
        return self._columns

    def mean_weight(self, word: str) -> float:
        column = self._columns[word]
        total: float = sum(weights[column] for weights in self._weights)
        return total / len(self._weights)

    def probability(self, text: str) -> float:
        columns = self._columns
        counts: dict[int, int] = {}
        for token in _TOKENS.findall(text.lower()):
            column = columns.get(token)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        decisions = list(self._intercepts)
        if counts:
            present = sorted(counts)
            idf = self._idf
            tfidf = [counts[column] * idf[column] for column in present]
            squares = 0.0
            for x in tfidf:
                squares += x * x
            norm = math.sqrt(squares)
            normalised = [x / norm for x in tfidf]
            dots = self._dots(normalised, present)
            decisions = [dot + c for dot, c in zip(dots, self._intercepts, strict=True)]
        total = 0.0
        for decision, a, b in zip(decisions, self._a, self._b, strict=True):
            z = a * decision + b
            total += 1.0 / (1.0 + math.exp(z)) if z < 700 else 0.0
        return total / len(decisions)

    def _dots(self, normalised: list[float], present: list[int]) -> list[float]:
        """Each fold's `x.w`, summed in column order."""
        if len(self._weights) != FOLDS:
            return self._dots_by_fold(normalised, present)
        # The five folds' sums in one pass over the columns: each accumulator still adds
        # its products in column order, so the floats are those of one pass per fold.
        rows = self._rows
        d0 = d1 = d2 = d3 = d4 = 0.0
        for x, column in zip(normalised, present):  # noqa: B905 (equal by construction)
            row = rows.get(column)
            if row is None:
                row = rows[column] = tuple(weights[column] for weights in self._weights)
            w0, w1, w2, w3, w4 = row
            d0 += x * w0
            d1 += x * w1
            d2 += x * w2
            d3 += x * w3
            d4 += x * w4
        return [d0, d1, d2, d3, d4]

    def _dots_by_fold(self, normalised: list[float], present: list[int]) -> list[float]:
        dots = []
        for weights in self._weights:
            dot = 0.0
            for x, column in zip(normalised, present):  # noqa: B905 (equal by construction)
                dot += x * weights[column]
            dots.append(dot)
        return dots

    def probabilities(self, texts: list[str]) -> list[float]:
        return [self.probability(text) for text in texts]


@cache
def _scorer() -> _Scorer:
    return _Scorer(json.loads(gzip.decompress(ARTIFACT.read_bytes())))


@cache
def _mask_lexicon() -> dict[int, tuple[str, ...]]:
    """Abusive vocabulary by word length, strongest first."""
    scorer = _scorer()
    weights = {word: scorer.mean_weight(word) for word in scorer.vocabulary}
    words = sorted(
        (w for w, weight in weights.items() if weight > MASK_LEXICON_WEIGHT),
        key=lambda w: -weights[w],
    )
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(word)
    return {length: tuple(group) for length, group in by_length.items()}


def warm_up() -> None:
    """Load the classifier now (cold start) instead of on the first request that needs it."""
    _scorer()
    _mask_lexicon()


def _unmask(match: re.Match[str]) -> str:
    token = match.group()
    if not any(c.isalpha() for c in token):
        return token
    shape = re.compile("".join("." if c in MASK_CHARS else re.escape(c) for c in token))
    for word in _mask_lexicon().get(len(token), ()):
        if shape.fullmatch(word):
            return word
    return token


def _variants(segment: str) -> list[str]:
    """The segment as written, then each disguise undone; distinct strings only.

    Each rewrite runs only where it can change something, which is decided exactly: a
    term pattern `\\b(?:t1|t2|...)\\b` matches only where a whole run of word characters
    equals a term, so the runs' set says whether it matches; a mask needs a `*` or `#`; a
    l33t word needs a l33t symbol; a letter run of three needs a double. `_reference_variants`
    is the plain sequence of rewrites, and a test holds both equal."""
    words = set(_WORD_RUN.findall(segment))
    if not words.isdisjoint(_IDENTITY_WORDS):
        # Whole words become the whole word "people": no other run changes, and neither
        # an identity term nor "people" is an addressed or an ambiguous word.
        segment = _IDENTITY.sub("people", segment)
    if words.isdisjoint(_ADDRESSED_WORDS) and not words.isdisjoint(_AMBIGUOUS_WORDS):
        segment = _AMBIGUOUS.sub(" ", segment)
    unmasked = _MASKED.sub(_unmask, segment) if "*" in segment or "#" in segment else segment
    deleet = _LEET_WORD.sub(_deleet, unmasked) if _LEET_SYMBOL.search(unmasked) else unmasked
    joined = _SPACED.sub(_join_spaced, deleet)
    singles, doubles = _DOUBLES.subn(_FIRST_GROUP, joined)
    collapsed = _RUNS.sub(_FIRST_GROUP, joined) if doubles else joined
    return list(dict.fromkeys((segment, deleet, joined, collapsed, singles)))


def _reference_variants(segment: str) -> list[str]:
    """`_variants` without its shortcuts: every rewrite, in order (tests compare the two)."""
    segment = _IDENTITY.sub("people", segment)
    if not _ADDRESSED.search(segment):
        segment = _AMBIGUOUS.sub(" ", segment)
    unmasked = _MASKED.sub(_unmask, segment)
    deleet = _LEET_WORD.sub(lambda m: m.group().translate(_LEET), unmasked)
    joined = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), deleet)
    collapsed = _RUNS.sub(r"\1", joined)
    singles = _DOUBLES.sub(r"\1", joined)
    return list(dict.fromkeys((segment, deleet, joined, collapsed, singles)))


def _deleet(match: re.Match[str]) -> str:
    return match.group().translate(_LEET)


def _join_spaced(match: re.Match[str]) -> str:
    return _SEPARATOR.sub("", match.group())


def _has_letter(text: str) -> bool:
    if text.isascii():  # the common case, decided by one C scan
        return _ASCII_LETTER.search(text) is not None
    return any(c.isalpha() for c in text)


def _allow_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    words = [re.escape(term.casefold()) for term in terms if term.strip()]
    return re.compile(r"\b(?:" + "|".join(words) + r")\b") if words else None


def _probabilities(texts: list[str]) -> list[float]:
    return _scorer().probabilities(texts)


def _judge(segment: str, extra: re.Pattern[str] | None) -> tuple[list[str], float]:
    """The segment's variants to score, and the score its terms or threats force (or 0)."""
    variants = _variants(segment)
    if extra is not None and any(extra.search(v) for v in variants):
        return variants, 1.0
    if any(_THREAT_STARTS.search(v) for v in variants):
        return variants, THREAT_SCORE
    return variants, 0.0


def _segment_scores(
    text: str, allow: re.Pattern[str] | None, extra: re.Pattern[str] | None
) -> tuple[list[tuple[int, int]], list[float]]:
    """The [start, end) of each segment of a folded text that holds a letter, and its score:
    remembered (`_MEMO`, by the digest of the segment as scored and of the extra terms'
    pattern) or computed now, the highest of its variants' probabilities and of the score
    its terms or threats force."""
    memo = _MEMO
    prefix = (
        b"-"
        if extra is None
        else f"{len(extra.pattern)}:{extra.pattern}".encode("utf-8", "surrogatepass")
    )
    segments: list[tuple[int, int]] = []
    scores: list[float] = []
    # Segments not remembered: their indexes, variants and forced score by key. A segment
    # repeated in one text (boilerplate) is de-obfuscated, matched and scored once.
    pending: dict[bytes, tuple[list[int], list[str], float]] = {}
    for match in _SEGMENT.finditer(text):
        segment = match.group()
        if not _has_letter(segment):
            continue
        if allow is not None:
            segment = allow.sub(" ", segment)
        index = len(segments)
        segments.append((match.start(), match.end()))
        key = text_digest(segment, prefix)
        if key in pending:
            pending[key][0].append(index)
            scores.append(0.0)
            continue
        remembered = memo.get(key)
        if remembered is None:
            pending[key] = ([index], *_judge(segment, extra))
        scores.append(0.0 if remembered is None else remembered)
    if pending:
        candidates = list(dict.fromkeys(v for _, variants, _ in pending.values() for v in variants))
        scored = dict(zip(candidates, _probabilities(candidates), strict=True))
        for key, (indexes, variants, floor) in pending.items():
            best = 0.0
            for variant in variants:
                best = max(best, scored[variant])
            value = max(best, floor)
            memo.put(key, value)
            for index in indexes:
                scores[index] = value
    return segments, scores


def scan(
    text: str, *, extra_terms: Iterable[str] = (), allow_terms: Sequence[str] = ()
) -> list[Finding]:
    """One finding per segment that scores at least REPORT_FLOOR, in text order.

    `allow_terms` are removed before scoring (a school's "dick van dyke" essay);
    `extra_terms` (word-bounded, matched after de-obfuscation) score 1.0."""
    folded = fold(text)
    segments, scores = _segment_scores(
        folded.text, _allow_pattern(allow_terms), _allow_pattern(list(extra_terms))
    )
    findings = []
    for (start, end), score in zip(segments, scores, strict=True):
        if score >= REPORT_FLOOR:
            # Trim the segment's trailing punctuation and spaces off the reported span.
            stripped = folded.text[start:end].rstrip(" .!?\n\t")
            begin = start + len(stripped) - len(stripped.lstrip())
            stop = start + len(stripped)
            if stop > begin:
                original = folded.span(begin, stop)
                findings.append(Finding(FINDING_TYPE, original[0], original[1], round(score, 4)))
    return findings


def score(findings: list[Finding]) -> float:
    return max((f.score for f in findings), default=0.0)
