"""PII beyond the US: national phone formats in the configured regions, national identifiers
validated by python-stdnum, their configuration (old stored configurations included), and
the evaluation by locale against its targets. Values come from the locale set's generator
(stdnum computes the check digits), so nothing is hard-coded but the issue's own examples."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.guardrails import __main__ as cli
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import GuardrailEngine, run_guardrail
from shared.guardrails.evaluation import LabelledLine, evaluate
from shared.guardrails.model import Guardrail, PiiConfig
from shared.guardrails.national_ids import TYPES
from shared.guardrails.pii import detect
from tests.data import build_pii_locales as locales

DATA = Path(__file__).parents[1] / "data"
TEN = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "JP", "IN"]
EVERYTHING = ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS", "SECRET"]


def found(text: str, regions: list[str] = TEN) -> list[tuple[str, str]]:
    findings = detect(text, entities=EVERYTHING, phone_regions=regions, id_regions=regions)
    return [(f.type, text[f.start : f.end]) for f in findings if f.score >= 0.5]


# --- phones in national formats --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Appelez-moi au 04 68 43 25 68.", "04 68 43 25 68"),  # France
        ("Büro: (030) 4284514", "(030) 4284514"),  # Germany
        ("携帯 090-1619-9456 まで", "090-1619-9456"),  # Japan
        ("the surgery is (0121) 496 0948", "(0121) 496 0948"),  # United Kingdom
        ("call 0474765237 tonight", "0474765237"),  # one digit run, after a phone word
        ("Me liga no (11) 96123-7339", "(11) 96123-7339"),  # the longest reading wins
    ],
)
def test_national_formats_of_the_configured_regions_are_phones(text, number):
    assert found(text) == [("PHONE", number)]


def test_national_formats_need_their_region_and_plus_numbers_need_none():
    assert found("Büro: (030) 4284514", regions=["US"]) == []
    assert found("Büro: +49 30 4284514", regions=["US"]) == [("PHONE", "+49 30 4284514")]


@pytest.mark.parametrize(
    "text",
    [
        "0474765237",  # one digit run and no phone word: an order number as much as a phone
        "The city has 849 939 834 inhabitants.",  # a Spanish number, grouped like thousands
        "Invoice 6220-615313 paid",
        "Bestellung #06554842592",
        "05.12.1996 20:21",
        "SIN: 686 251 353",  # a (broken) identifier's label says what it is
        "cnpj 25.353.693/0001-22",  # a CNPJ's shape, checksum broken: neither CNPJ nor phone
        "Score: 90 24 27 87 75",
    ],
)
def test_ambiguous_digit_runs_and_look_alikes_are_not_phones(text):
    assert found(text) == []


# --- national identifiers ----------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_every_identifier_is_found_with_its_check_digits_and_not_without(kind):
    region, make, is_valid, written, bare, labelled, _ = locales.IDS[kind]
    rng = random.Random(kind)
    for index in range(20):
        value = make(rng)
        assert is_valid(value)
        spelled = written[index % len(written)](value)
        text = labelled[index % len(labelled)].format(spelled)
        assert found(text, regions=[region]) == [(kind, spelled)], text
        if bare:
            bare_text = labelled[index % len(labelled)].format(value)
            assert found(bare_text, regions=[region]) == [(kind, value)], bare_text
            assert found(f"Order #{value} shipped", regions=[region]) == [], value
        broken = locales.break_check(value, is_valid, rng)
        if broken is not None:
            broken_text = labelled[index % len(labelled)].format(written[0](broken))
            assert kind not in [t for t, _ in found(broken_text, regions=[region])], broken_text


def test_national_id_means_the_regions_identifiers_and_a_named_type_needs_no_region():
    text = "Steuer-ID: 36 574 261 809, SSN 536-90-4399"
    us_only = detect(text, entities=["NATIONAL_ID"], id_regions=["US"])
    assert [f.type for f in us_only] == ["US_SSN"]
    both = detect(text, entities=["NATIONAL_ID"], id_regions=["US", "DE"])
    assert [f.type for f in both] == ["DE_TAX_ID", "US_SSN"]
    named = detect(text, entities=["DE_TAX_ID"], id_regions=["US"])
    assert [f.type for f in named] == ["DE_TAX_ID"]


def test_each_identifier_is_redacted_under_its_own_type():
    guardrail = Guardrail(
        **{**DEFAULT_GUARDRAILS["pii_detection"].model_dump(), "config": {"regions": ["BR", "IT"]}}
    )
    check = run_guardrail(guardrail, "CPF 390.533.447-05, codice fiscale RSSMRA85T10A562S.")
    assert check.redacted == "CPF <BR_CPF>, codice fiscale <IT_FISCAL_CODE>."


# --- configuration, old and new ------------------------------------------------------------


def test_regions_are_validated_and_said_one_way():
    assert PiiConfig.model_validate({"regions": ["GB", "DE"]}).phone_region_codes == ["GB", "DE"]
    for bad in (["XX"], ["gb"], [], ["GBR"]):
        with pytest.raises(ValidationError):
            PiiConfig.model_validate({"regions": bad})
    with pytest.raises(ValidationError, match="older"):
        PiiConfig.model_validate({"regions": ["GB"], "phone_regions": ["GB"]})


def test_stored_configurations_keep_validating_and_meaning_what_they_meant():
    """The seeded guardrail (migration 0003) and one an admin saved with `phone_regions`."""
    stored = [
        DEFAULT_GUARDRAILS["pii_detection"].model_dump(),
        {
            **DEFAULT_GUARDRAILS["pii_detection"].model_dump(),
            "name": "pii_gb",
            "config": {"entities": ["PHONE", "NATIONAL_ID"], "phone_regions": ["GB"]},
        },
    ]
    seeded, legacy = TypeAdapter(list[Guardrail]).validate_python(stored)
    text = "SSN 536-90-4399, ring (0121) 496 0948, Steuer-ID 36574261809"
    assert run_guardrail(seeded, text).redacted == (
        "SSN <US_SSN>, ring (0121) 496 0948, Steuer-ID 36574261809"  # US only, as before
    )
    assert run_guardrail(legacy, text).redacted == (
        "SSN <US_SSN>, ring <PHONE>, Steuer-ID 36574261809"  # GB phones, US identifiers
    )


def test_eval_reports_per_region_and_old_national_id_labels_still_match(monkeypatch, capsys):
    lines = [
        {"text": "SSN 536-90-4399", "region": "US", "expect": {"pii_detection": True},
         "entities": [{"type": "NATIONAL_ID", "start": 4, "end": 15}]},
        {"text": "Ruf an: (030) 4284514", "region": "DE", "expect": {"pii_detection": True},
         "entities": [{"type": "PHONE", "start": 8, "end": 21}]},
        {"text": "Bestellung 12.03.2025", "region": "DE", "expect": {"pii_detection": False},
         "entities": []},
    ]  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    guardrails = str(DATA / "pii_locale_guardrails.json")
    assert cli.main(["eval", "--guardrails", guardrails, "--thresholds", "0.5"]) == 0
    rows = [json.loads(raw) for raw in capsys.readouterr().out.splitlines()]
    by_region = {
        (r.get("guardrail") or r["finding_type"], r["region"]): r for r in rows if "region" in r
    }
    assert by_region["pii_detection", "DE"]["tp"] == 1
    assert by_region["pii_detection", "DE"]["false_positive_rate"] == 0.0
    assert by_region["PHONE", "DE"]["recall"] == 1.0
    assert by_region["NATIONAL_ID", "US"]["tp"] == 1  # a US_SSN finding answers the old label


# --- the locale evaluation set against its targets ---------------------------------------


def test_locale_set_and_its_guardrail_are_what_the_generator_builds():
    built = [json.dumps(line, ensure_ascii=False) for line in locales.build()]
    assert built == (DATA / "pii_locale_eval.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads((DATA / "pii_locale_guardrails.json").read_text()) == locales.guardrails()


@pytest.fixture(scope="module")
def locale_rows():
    raw = (DATA / "pii_locale_eval.jsonl").read_text(encoding="utf-8").splitlines()
    guardrails = TypeAdapter(list[Guardrail]).validate_json(
        (DATA / "pii_locale_guardrails.json").read_text()
    )
    evaluation = evaluate(
        GuardrailEngine(guardrails), [LabelledLine.model_validate_json(x) for x in raw]
    )
    return evaluation.rows()


def test_recall_per_type_and_region_and_precision_meet_the_targets(locale_rows):
    per_region = {
        (r["finding_type"], r["region"]): r
        for r in locale_rows
        if "finding_type" in r and "region" in r
    }
    assert {kind for kind, _ in per_region} == {"PHONE", *TYPES}
    assert {region for kind, region in per_region if kind == "PHONE"} == set(locales.REGIONS)
    for key, row in per_region.items():
        assert row["recall"] >= 0.95, (key, row)
        assert row["precision"] >= 0.99, (key, row)


def test_look_alikes_stay_under_one_percent_false_positives(locale_rows):
    overall = next(
        r for r in locale_rows if r.get("guardrail") == "pii_detection" and "region" not in r
    )
    assert overall["tn"] > 400  # look-alikes and checksum-broken twins of every region
    assert overall["false_positive_rate"] <= 0.01, overall
    for row in locale_rows:
        if row.get("guardrail") == "pii_detection" and "region" in row:
            assert row["false_positive_rate"] <= 0.025, row  # at most one slip per region


def test_windowed_scans_find_what_a_whole_text_scan_finds_with_every_region(monkeypatch):
    """The numeric windows are a speed-up only, for the identifiers' patterns too."""
    from shared.guardrails import pii

    rng = random.Random(11)
    pieces = ["390.533.447-05", "1112.22.333", "36 574 261 809", "2341 2341 2346", "SIN ",
              "CPF ", "bsn ", "16.727.230/0001-97", "(030) 4284514", "04 68 43 25 68",
              "2 95 10 99 126 111 93", "536-90-4399", "call ", "order ", " ", "-", ".", "/",
              "7", "0", "x", "12345678Z", "AB123456C", "RSSMRA85T10A562S", "ABCPE1234F",
              "X1234567L", "Q", "prose without digits, " * 3]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 10))) for _ in range(300)]
    windowed = [found(t, regions=[*TEN, "CA"]) for t in texts]
    monkeypatch.setattr(pii, "numeric_windows", lambda text: [(0, len(text))])
    assert [found(t, regions=[*TEN, "CA"]) for t in texts] == windowed
    assert sum(map(len, windowed)) > 100  # the texts do hold findings
