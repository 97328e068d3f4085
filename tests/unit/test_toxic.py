"""Toxic content: the classifier behind the de-obfuscating front end, on abuse, its
disguises, educational hard negatives, configuration terms and adversarial inputs."""

from __future__ import annotations

import pytest

from shared.guardrails.toxic import scan, score

THRESHOLD = 0.7  # the seeded toxic_content_filter's threshold


@pytest.mark.parametrize(
    "text",
    [
        "You are a fucking idiot.",
        "f u c k you",
        "f.u.c.k off",
        "fuuuuuuck this class",
        "sh1t head",
        "you stupid b!tch",
        "what an a$$hole",
        "f*ck off",
        "ｆｕｃｋ ｙｏｕ",  # fullwidth
        "you m\u200bo\u200br\u200bo\u200bn",  # zero-width joiners
        "yоu аrе аn idiоt",  # Cyrillic homoglyphs
        "I'll find where you live and hurt you.",  # a threat the profanity model never learned
        "Send me nudes or I'll tell everyone.",
        "Those people are vermin and should be wiped out.",
        "Gay people are disgusting freaks.",  # the identity term is neutral, the rest is not
    ],
)
def test_abuse_and_its_disguises_fire(text):
    assert score(scan(text)) >= THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "How do I kill a process that is hanging in Linux?",
        "Sexual reproduction mixes genes from two parents.",
        "The Nazi regime murdered six million Jews in the Holocaust.",
        "The penis and testes are part of the male reproductive system.",
        "Our dog is a bitch named Bella who had six puppies.",
        "He was gay and happy at the party.",
        "Dick Van Dyke starred in Mary Poppins.",
        "Scunthorpe is a town in England.",
        "The execution of Charles I took place in 1649.",
        "Breast cancer screening starts at age forty.",
    ],
)
def test_educational_hard_negatives_do_not_fire(text):
    assert score(scan(text)) < THRESHOLD


def test_spans_cover_the_abusive_sentence_in_original_coordinates():
    text = "The homework is due Friday. Ｙｏｕ ａｒｅ ａ ｍｏｒｏｎ! See you then."
    fired = [f for f in scan(text) if f.score >= THRESHOLD]
    assert len(fired) == 1
    assert text[fired[0].start : fired[0].end] == "Ｙｏｕ ａｒｅ ａ ｍｏｒｏｎ"


def test_long_prose_does_not_dilute_one_insult():
    prose = "Photosynthesis turns light into chemical energy in plants. " * 2000
    findings = scan(prose + "You are a worthless idiot. " + prose)
    assert score(findings) >= THRESHOLD
    assert sum(f.score >= THRESHOLD for f in findings) == 1


def test_allow_terms_and_extra_terms_change_the_verdict():
    assert score(scan("Dick Van Dyke movies")) < THRESHOLD  # a name, nobody addressed
    assert score(scan("you dick", allow_terms=["dick"])) < THRESHOLD
    assert score(scan("you dick")) >= THRESHOLD
    assert score(scan("that is such a gronk", extra_terms=["gronk"])) == 1.0
    assert score(scan("that is such a gr0nk", extra_terms=["gronk"])) == 1.0  # after de-l33t


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "hostile",
    [
        "a " * 500_000,  # spaced letters without end
        "f*" * 500_000,  # masks without end
        "a1" * 500_000,  # l33t without end
        "a" * 1_000_000,  # one endless word
        "." * 1_000_000,  # only sentence ends
        "ｆｕｃｋ ｙｏｕ " * 40_000,  # non-ASCII, abusive everywhere
    ],
)
def test_adversarial_inputs_of_a_megabyte_scan_in_linear_time(hostile):
    # The timeout is the guard (a quadratic pattern takes hours on 1 MB); the answer must
    # be well formed.
    findings = scan(hostile)
    assert all(0 <= f.start < f.end <= len(hostile) for f in findings)
    if hostile.startswith("ｆ"):
        assert findings
        assert all(f.score >= THRESHOLD for f in findings)


# The plain-Python scorer sums in scikit-learn's order; what remains is BLAS/pairwise rounding.
TOLERANCE = 1e-12


def test_the_plain_scorer_equals_the_librarys_own_predict_proba_on_the_evaluation_set():
    """The exported artifact, scored without numpy, gives the library's own probabilities."""
    import json
    from pathlib import Path

    from profanity_check import profanity_check  # dev-only: the reference implementation

    from shared.guardrails import toxic

    lines = (Path(__file__).parents[1] / "data" / "guardrail_eval.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    # Edge cases of the analyzer: empty, no tokens, stop words only, one-letter words, case,
    # unicode word characters, repeated terms (counts), and the variants scan() scores.
    texts += ["", "!!!", "the of and", "a b c", "FUCK Fuck fuck", "naïve café ｆｕｃｋ", "x" * 50]
    texts += [v for text in texts[:200] for v in toxic._variants(text.lower())]
    vectorizer, model = profanity_check.vectorizer, profanity_check.model
    expected = model.predict_proba(vectorizer.transform(texts))[:, 1]
    assert toxic._scorer().probabilities(texts) == pytest.approx(list(expected), abs=TOLERANCE)


def test_the_committed_artifact_is_what_the_export_writes_today():
    """A library or export change that alters the model shows as a diff here, not in scores."""
    from shared.guardrails import toxic, toxic_export

    assert toxic_export.check(toxic.ARTIFACT)["identical"]


def test_the_export_refuses_an_analyzer_the_plain_scorer_does_not_implement(mocker):
    from profanity_check import profanity_check

    from shared.guardrails import toxic_export

    mocker.patch.object(profanity_check.vectorizer, "sublinear_tf", True)
    with pytest.raises(ValueError, match="analyzer changed"):
        toxic_export.document()


# The detector's shortcuts (rewrites skipped where they cannot match, a faster tokenizer, a
# threat pattern tried at fewer places) must give exactly what the plain sequence gives.
def _equivalence_texts() -> list[str]:
    import gzip
    import json
    import random
    from pathlib import Path

    data = Path(__file__).parents[1] / "data"
    texts = [json.loads(line)["text"] for line in (data / "guardrail_eval.jsonl").open()]
    with gzip.open(data / "injection" / "corpus.jsonl.gz", "rt") as corpus:
        texts += [json.loads(line)["text"] for _, line in zip(range(1500), corpus, strict=False)]
    rng = random.Random(20261202)
    disguised = []
    for text in texts[:600]:
        disguised += [
            text.upper(),
            text.replace("o", "0").replace("a", "@").replace("s", "$").replace("i", "!"),
            " ".join(text[:80]),
            "-".join(text[:40]),
            text.replace("u", "*").replace("i", "#"),
            "".join(c * rng.choice((1, 1, 2, 3)) if c.isalpha() else c for c in text),
            f"you {text} gay black woman ass kill damn",
            f"the {text} jews hell my dick",
        ]
    return (
        texts
        + disguised
        + [
            "",
            "!!!",
            "a b c d e",
            "f_u_c_k y_o_u",
            "ｆｕｃｋ ｙｏｕ ½ ² ǅ",
            "I'll come over and I will find you",
            "they should hang",
            "so gay-friendly, so black-and-white",
            "naïve café, you sh1t",
        ]
    )


@pytest.fixture(scope="module")
def equivalence_texts() -> list[str]:
    return _equivalence_texts()


def test_the_shortcut_rewrites_give_the_reference_variants(equivalence_texts):
    from shared.guardrails import toxic
    from shared.guardrails.text import fold

    segments = {m.group() for t in equivalence_texts for m in toxic._SEGMENT.finditer(fold(t).text)}
    assert len(segments) > 5000
    differ = [s for s in segments if toxic._variants(s) != toxic._reference_variants(s)]
    assert differ == []


def test_the_fast_tokenizer_threat_pattern_and_letter_test_equal_the_plain_ones(
    equivalence_texts,
):
    from shared.guardrails import toxic

    threats = 0
    for text in equivalence_texts:
        for variant in [text.lower(), *toxic._reference_variants(text.lower())]:
            assert toxic._TOKENS.findall(variant) == toxic._TOKEN.findall(variant)
            found = toxic._THREATS.search(variant) is not None
            assert (toxic._THREAT_STARTS.search(variant) is not None) == found, variant
            threats += found
        assert toxic._has_letter(text) == any(c.isalpha() for c in text)
    assert threats > 20  # the set holds threats, so both outcomes were compared


def test_scan_with_its_shortcuts_equals_scan_without_them(mocker, equivalence_texts):
    from shared.guardrails import toxic

    def scans() -> list[list[object]]:
        return [
            toxic.scan(text, extra_terms=extra, allow_terms=allow)
            for text in equivalence_texts
            for extra, allow in (((), ()), (("gronk", "idiot"), ("dick", "class")))
        ]

    from shared.guardrails.text import ScoreMemo

    mocker.patch.object(toxic, "_MEMO", ScoreMemo(toxic.SENTENCE_MEMO_ENTRIES))
    fast = scans()
    # Nothing remembered from the first pass: each sentence is rewritten and scored again.
    mocker.patch.object(toxic, "_MEMO", ScoreMemo(0))
    mocker.patch.object(toxic, "_variants", toxic._reference_variants)
    mocker.patch.object(toxic, "_THREAT_STARTS", toxic._THREATS)
    mocker.patch.object(toxic, "_TOKENS", toxic._TOKEN)
    mocker.patch.object(toxic, "_has_letter", lambda text: any(c.isalpha() for c in text))
    reference = scans()
    assert sum(map(len, reference)) > 1000  # findings, with scores, were compared
    assert fast == reference


def test_the_one_pass_fold_sums_equal_one_pass_per_fold_exactly(equivalence_texts):
    from shared.guardrails import toxic

    scorer = toxic._scorer()
    assert len(scorer._weights) == toxic.FOLDS  # else the one-pass path never runs
    compared = 0
    for text in equivalence_texts[:3000]:
        tokens = toxic._TOKEN.findall(text.lower())
        columns = sorted({scorer.vocabulary[t] for t in tokens if t in scorer.vocabulary})
        if not columns:
            continue
        normalised = [1.0 / (i + 1) for i in range(len(columns))]
        assert scorer._dots(normalised, columns) == scorer._dots_by_fold(normalised, columns)
        compared += 1
    assert compared > 1000


def _alternatives(pattern: str) -> list[str]:
    """The top-level `|` alternatives of a pattern, up to the `)` that closes its group."""
    depth, alternatives, current = 0, [], ""
    for char in pattern:
        if char == ")" and depth == 0:
            break
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            alternatives.append(current)
            current = ""
        else:
            current += char
    return [*alternatives, current]


def _first_letters(branch: str) -> set[str]:
    """The letters a `\\b`-led branch of the threat pattern can start with."""
    assert branch.startswith(r"\b"), branch
    rest = branch[2:]
    if not rest.startswith("(?:"):
        return {rest[0]}
    return {alternative[0] for alternative in _alternatives(rest[3:])}


def test_every_threat_branch_starts_with_a_letter_the_prefilter_admits():
    """A new threat phrase whose first letter the look-ahead lacks would never match."""
    from shared.guardrails import toxic

    branches = _alternatives(toxic._THREATS.pattern)
    starts = set().union(*map(_first_letters, branches))
    admitted = set(
        toxic._THREAT_STARTS.pattern[len("(?=[") : toxic._THREAT_STARTS.pattern.index("]")]
    )
    assert len(branches) >= 9
    assert starts <= admitted, starts - admitted
    assert all(c.isalpha() for c in starts)
