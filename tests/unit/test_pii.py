"""PII detection: generated valid entities, checksum-invalid look-alikes, hard negatives and
adversarial inputs. Generators make the valid and invalid numbers, so nothing is hard-coded
but a few famous documented examples."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from stdnum import luhn

from shared.guardrails.pii import detect, redact

ALL = ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS", "SECRET"]
RNG = random.Random(5)

# Issuer prefixes and lengths of the networks (Mastercard 2-series included).
CARD_SHAPES = [
    ("4", 16),
    ("4", 13),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("65", 16),
    ("3530", 16),
    ("36", 14),
    ("62", 16),
]


def _card(prefix: str, length: int, *, valid: bool = True) -> str:
    body = prefix + "".join(str(RNG.randrange(10)) for _ in range(length - len(prefix) - 1))
    check = luhn.calc_check_digit(body)
    if not valid:
        check = str((int(check) + 1 + RNG.randrange(9)) % 10)
    return body + check


def _spaced(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _types(text: str) -> list[str]:
    return [f.type for f in detect(text, entities=ALL)]


@pytest.mark.parametrize(("prefix", "length"), CARD_SHAPES)
def test_luhn_valid_cards_of_every_network_are_found_and_invalid_ones_are_not(prefix, length):
    for _ in range(20):
        good, bad = _card(prefix, length), _card(prefix, length, valid=False)
        assert _types(f"pay with {good} today") == ["CREDIT_CARD"], good
        assert _types(f"pay with {_spaced(good)} today") == ["CREDIT_CARD"], good
        assert "CREDIT_CARD" not in _types(f"order number {bad} shipped"), bad


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "NG", "MX"])
def test_valid_international_phone_numbers_are_found(region):
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    findings = detect(f"reach me on {international} after school", entities=["PHONE"])
    assert [f.type for f in findings] == ["PHONE"], international


@pytest.mark.parametrize(
    "number",
    [
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
    ],
)
def test_ibans_with_a_valid_checksum_are_found_and_a_broken_one_is_not(number):
    assert _types(f"transfer to {number} please") == ["IBAN"]
    broken = number[:2] + ("00" if number[2:4] != "00" else "01") + number[4:]
    assert "IBAN" not in _types(f"transfer to {broken} please")


def test_ssn_rules_dashed_always_bare_only_with_its_label():
    assert _types("SSN 536-90-4399 on file") == ["US_SSN"]
    assert _types("my ssn is 536904399") == ["US_SSN"]
    assert "US_SSN" not in _types("order 536904399 shipped")  # presidio flags this; we do not
    for invalid in (
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        "078-05-1120",
    ):
        assert "US_SSN" not in _types(f"ssn {invalid}"), invalid


def test_emails_ips_and_secrets():
    assert _types("write to Ada.Lovelace+notes@math.example.co.uk!") == ["EMAIL"]
    assert _types("server 10.0.0.12 and 2001:db8::8a2e:370:7334") == ["IP_ADDRESS", "IP_ADDRESS"]
    assert "IP_ADDRESS" not in _types("version 999.1.2.3 or a::b::c")
    assert _types("aws AKIAIOSFODNN7EXAMPLE") == ["SECRET"]
    assert _types("token ghp_" + "aB3" * 12) == ["SECRET"]
    assert _types("-----BEGIN RSA PRIVATE KEY-----") == ["SECRET"]
    random_token = "".join(
        RNG.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(40)
    )
    assert _types(f"api_key={random_token}") == ["SECRET"]


@pytest.mark.parametrize(
    "text",
    [
        "Photosynthesis converts 6 CO2 + 6 H2O into C6H12O6 and 6 O2.",
        "The Battle of Hastings was in 1066; the Magna Carta in 1215.",
        "Call the function kill_process(pid=4242) to stop process 4242.",
        "The ISBN is 978-3-16-148410-0 and the page count is 1234567.",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 verifies it",
        "In 2023 the population was 331449281 people.",
        "Our address is 221B Baker Street, London.",
        "Ratio 3:4:5 and time 12:30:45 are not addresses.",
    ],
)
def test_educational_hard_negatives_find_nothing(text):
    assert detect(text, entities=ALL) == []


def test_redaction_replaces_spans_and_keeps_everything_else_byte_for_byte():
    text = "Hi 👋, I'm Zoë <ada@example.com>; card 4111-1111-1111-1111. Thanks!"
    findings = detect(text, entities=ALL)
    assert redact(text, findings) == "Hi 👋, I'm Zoë <<EMAIL>>; card <CREDIT_CARD>. Thanks!"
    for finding in findings:
        assert text[finding.start : finding.end] in {"ada@example.com", "4111-1111-1111-1111"}


@pytest.mark.parametrize(
    "hostile",
    [
        "1" * 300_000,
        "1 " * 150_000,
        "a@" * 100_000,
        ("a" * 63 + ".") * 5000 + "@",
        "::" * 100_000,
        "1." * 150_000,
        "Ab1" * 100_000,
        "DE89 " * 60_000,
    ],
)
def test_adversarial_inputs_scan_without_backtracking_blowups(hostile):
    # pytest-timeout is the guard; the assertion is that it returns a well-formed answer.
    findings = detect(hostile, entities=ALL)
    assert all(0 <= f.start < f.end <= len(hostile) for f in findings)


def test_scanning_only_numeric_windows_finds_exactly_what_a_full_scan_finds(monkeypatch):
    """The windows are a speed-up only: on random text made of the characters candidates
    are built from, detection equals a scan of the whole text as one window."""
    import random

    from shared.guardrails import pii

    rng = random.Random(5)
    pieces = ["4111 1111 1111 1111", "+44 7400 123456", "123-45-6789", "10.0.0.1", "SSN: ",
              "DE89370400440532013000", "(415) 555-2671", "a@b.co", " ", "-", ".", "+", "(",
              "x", "7", "0", "card ", "::1", "2001:db8::1"]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    windowed = [pii.detect(t, entities=ALL) for t in texts]
    monkeypatch.setattr(pii, "numeric_windows", lambda text: [(0, len(text))])
    assert [pii.detect(t, entities=ALL) for t in texts] == windowed
    assert sum(map(len, windowed)) > 400  # the texts do hold findings


def test_context_words_raise_and_lower_scores():
    card = "4111 1111 1111 1111"
    (plain,) = detect(f"here: {card}", entities=ALL)
    (raised,) = detect(f"my credit card: {card}", entities=ALL)
    (lowered,) = detect(f"the test card {card} always works", entities=ALL)
    assert lowered.score < plain.score < raised.score
    assert detect("see the example SSN 123456789", entities=ALL) == []  # no label, no SSN
