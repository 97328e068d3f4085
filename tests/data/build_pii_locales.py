"""Builds tests/data/pii_locale_eval.jsonl, the PII evaluation set by locale.

    .venv/bin/python -m tests.data.build_pii_locales      # rewrites the file (seeded)

Every line names its `region`, so `eval` reports recall and precision per finding type and
region. It is scored with tests/data/pii_locale_guardrails.json (the PII guardrail with
all the regions below configured). Where the values come from:

- Phone numbers: libphonenumber's example number of each region for mobile and fixed-line
  numbers, with random subscriber digits, kept only when libphonenumber says the number is
  valid and of the same type; written in the NATIONAL, INTERNATIONAL and E164 styles and in
  the region's common local spellings (dashes or dots for spaces, a German slash after the
  area code, an Indian mobile without its trunk 0, ...). A national number written as one
  run of digits appears only after a phone word: without one it is as much an order number
  (the detector's documented rule).
- National identifiers: random bodies whose check digits are computed by python-stdnum's
  own `calc_check_digit(s)` where it has one (NIR, DNI, NIE, codice fiscale, CNPJ, Steuer-ID
  via ISO 7064 mod 11,10, Aadhaar via Verhoeff, SIN via Luhn), else chosen among the
  candidates stdnum's `is_valid` accepts (CPF, BSN); every value is checked with `is_valid`.
  The UK NINO has no check digit: HMRC's allocation rules make it.
- Negatives, per region: each identifier's invalid twin (check digit changed until stdnum
  rejects it), and look-alikes people send: ISBN-13 and EAN-13 with valid check digits,
  order and invoice numbers of the identifiers' lengths and groupings, dates in the local
  way of writing them, software versions, prices and populations in prose, and numbers in
  code (constants, ports, timestamps, hex).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import ean, isbn, luhn, verhoeff
from stdnum.br import cnpj, cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.in_ import aadhaar, pan
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

from shared.guardrails.national_ids import BY_TYPE

HERE = Path(__file__).parent
OUT = HERE / "pii_locale_eval.jsonl"
GUARDRAILS = HERE / "pii_locale_guardrails.json"
PII = "pii_detection"
REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "JP", "IN", "CA"]
Line = dict[str, Any]


def line(template: str, value: str, kind: str | None, region: str, source: str) -> Line:
    before, after = template.split("{}")
    entities = (
        []
        if kind is None
        else [{"type": kind, "start": len(before), "end": len(before) + len(value)}]
    )
    return {
        "text": before + value + after,
        "expect": {PII: kind is not None},
        "entities": entities,
        "region": region,
        "source": source,
    }


# --- phone numbers --------------------------------------------------------------------

# Sentences people write around a number, in the region's language; the first ones carry
# a phone word, the last ones none (for numbers whose grouping says "phone" by itself).
PHONE_TEMPLATES = {
    "US": (
        ["Call me at {} tonight.", "My cell is {}", "phone: {}"],
        ["{} is the front desk", "Reach Dana on {} after 5."],
    ),
    "GB": (
        ["Ring me on {} please.", "Mobile: {}", "call {} after school"],
        ["{} is the office", "Reach the surgery on {}."],
    ),
    "DE": (
        ["Ruf mich unter {} an.", "Telefon: {}", "Handy {} (nach 18 Uhr)"],
        ["{} ist das Sekretariat", "Erreichbar unter {}."],
    ),
    "FR": (
        ["Appelez-moi au {} demain.", "Téléphone : {}", "portable {}"],
        ["{} pour le secrétariat", "Joignable au {}."],
    ),
    "ES": (
        ["Llámame al {} por la tarde.", "Teléfono: {}", "móvil {}"],
        ["{} es la secretaría", "Contacto en el {}."],
    ),
    "IT": (
        ["Chiamami al {} stasera.", "Telefono: {}", "cellulare {}"],
        ["{} è la segreteria", "Sono raggiungibile al {}."],
    ),
    "NL": (
        ["Bel me op {} vanavond.", "Telefoon: {}", "mobiel {}"],
        ["{} is de administratie", "Bereikbaar op {}."],
    ),
    "BR": (
        ["Me liga no {} amanhã.", "Telefone: {}", "celular {}"],
        ["{} é a secretaria", "Falar com a Ana no {}."],
    ),
    "JP": (
        ["電話番号は {} です。", "Tel: {}", "携帯 {} までお願いします"],
        ["{} まで", "連絡先 {}"],
    ),
    "IN": (
        ["Call me on {} after 6.", "Mobile no. {}", "phone: {}"],
        ["{} is the school office", "Whatsapp me at {} anytime"],
    ),
    "CA": (
        ["Call me at {} tonight.", "Cell: {}", "téléphone {}"],
        ["{} is the front desk", "Reach the office at {}."],
    ),
}


def make_phone(rng: random.Random, region: str, kind: int) -> phonenumbers.PhoneNumber:
    example = phonenumbers.example_number_for_type(region, kind)
    national = str(example.national_number)
    same_type = {kind, PhoneNumberType.FIXED_LINE_OR_MOBILE}  # the US and Canada do not tell
    while True:
        digits = national[:-4] + "".join(rng.choice(string.digits) for _ in range(4))
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code,
            national_number=int(digits),
            italian_leading_zero=example.italian_leading_zero,  # Italy's fixed lines keep a 0
        )
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in same_type:
            return number


def local_spellings(region: str, number: phonenumbers.PhoneNumber) -> list[tuple[str, bool]]:
    """(spelling, grouped): grouped spellings say "phone" by themselves, the others need a word."""
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    digits = "".join(c for c in national if c.isdigit())
    spellings = [
        (national, " " in national or "-" in national),
        (international, True),
        (e164, True),
    ]
    spellings.append((digits, False))
    if " " in national:
        spellings.append((national.replace(" ", "-"), True))
    if region in ("US", "CA"):
        area, rest = national.split(" ", 1)
        spellings += [
            (area.strip("()") + "-" + rest, True),
            (area.strip("()") + "." + rest.replace("-", "."), True),
        ]
    if region == "FR":
        spellings.append((national.replace(" ", "."), True))
    if region == "DE" and " " in national:
        area, rest = national.split(" ", 1)
        spellings += [
            (f"{area}/{rest.replace(' ', '')}", True),
            (f"({area}) {rest.replace(' ', '')}", True),
        ]
    if region == "GB" and " " in national:
        area, rest = national.split(" ", 1)
        spellings.append((f"({area}) {rest}", True))
    if region == "IN" and national.startswith("0"):
        spellings.append((national[1:].lstrip(), True))
    if region == "NL" and " " in national:
        area, rest = national.split(" ", 1)
        spellings.append((f"{area}-{rest.replace(' ', '')}", True))
    if region == "BR":
        spellings.append((national.replace("(", "").replace(")", ""), True))
    return spellings


def phone_lines(rng: random.Random, region: str) -> list[Line]:
    worded, plain = PHONE_TEMPLATES[region]
    lines: list[Line] = []
    for index in range(8):
        kind = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)[index % 2]
        number = make_phone(rng, region, kind)
        for position, (spelling, grouped) in enumerate(local_spellings(region, number)):
            pool = worded + plain if grouped else worded
            template = pool[(index + position) % len(pool)]
            lines.append(line(template, spelling, "PHONE", region, f"phone {region}"))
    return lines


# --- national identifiers -------------------------------------------------------------


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _first_valid(candidates: Callable[[], str], is_valid: Callable[[str], bool]) -> str:
    while True:
        value = candidates()
        if is_valid(value):
            return value


def _by_search(body: str, width: int, is_valid: Callable[[str], bool]) -> str | None:
    """The check digits stdnum accepts after `body`, for numbers it has no calculator for."""
    for suffix in range(10**width):
        if is_valid(body + f"{suffix:0{width}d}"):
            return body + f"{suffix:0{width}d}"
    return None


def _nino(rng: random.Random) -> str:
    first = "ABCEGHJKLMNOPRSTWXYZ"
    second = "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = rng.choice(first) + rng.choice(second)
        if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            return prefix + _digits(rng, 6) + rng.choice("ABCD")


def _idnr(rng: random.Random) -> str:
    def candidate() -> str:
        body = rng.choice("123456789") + _digits(rng, 9)
        return body + mod_11_10.calc_check_digit(body)

    return _first_valid(candidate, idnr.is_valid)


def _nir(rng: random.Random) -> str:
    def candidate() -> str:
        dept = rng.choice([f"{rng.randint(1, 95):02d}", "2A", "2B"])
        n = rng.randint
        body = f"{rng.choice('12')}{n(0, 99):02d}{n(1, 12):02d}{dept}{n(1, 990):03d}{n(1, 999):03d}"
        return body + nir.calc_check_digits(body)

    return _first_valid(candidate, nir.is_valid)


def _dni(rng: random.Random) -> str:
    body = _digits(rng, 8)
    return body + dni.calc_check_digit(body)


def _nie(rng: random.Random) -> str:
    body = rng.choice("XYZ") + _digits(rng, 7)
    return body + nie.calc_check_digit(body)


def _codice_fiscale(rng: random.Random) -> str:
    def candidate() -> str:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(6))
        day = rng.randint(1, 28) + rng.choice([0, 40])
        month, town = rng.choice("ABCDEHLMPRST"), rng.choice("ABCDEFGHILM")
        body = f"{letters}{rng.randint(0, 99):02d}{month}{day:02d}{town}{rng.randint(1, 999):03d}"
        return body + codicefiscale.calc_check_digit(body)

    return _first_valid(candidate, codicefiscale.is_valid)


def _bsn(rng: random.Random) -> str:
    return _first_valid(
        lambda: _by_search(rng.choice("123456789") + _digits(rng, 7), 1, bsn.is_valid) or "",
        bsn.is_valid,
    )


def _cpf(rng: random.Random) -> str:
    return _first_valid(lambda: _by_search(_digits(rng, 9), 2, cpf.is_valid) or "", cpf.is_valid)


def _cnpj(rng: random.Random) -> str:
    def candidate() -> str:
        body = _digits(rng, 8) + rng.choice(["0001", "0002", f"{rng.randint(1, 9999):04d}"])
        return body + cnpj.calc_check_digits(body)

    return _first_valid(candidate, cnpj.is_valid)


def _aadhaar(rng: random.Random) -> str:
    def candidate() -> str:
        body = rng.choice("23456789") + _digits(rng, 10)
        return body + verhoeff.calc_check_digit(body)

    return _first_valid(candidate, aadhaar.is_valid)


def _pan(rng: random.Random) -> str:
    def candidate() -> str:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
        return (
            letters
            + rng.choice("PCHFATBLJG")
            + rng.choice(string.ascii_uppercase)
            + f"{rng.randint(1, 9999):04d}"
            + rng.choice(string.ascii_uppercase)
        )

    return _first_valid(candidate, pan.is_valid)


def _sin(rng: random.Random) -> str:
    def candidate() -> str:
        body = rng.choice("1234567") + _digits(rng, 7)
        return body + luhn.calc_check_digit(body)

    return _first_valid(candidate, sin.is_valid)


def _ssn(rng: random.Random) -> str:
    def candidate() -> str:
        area = rng.choice([a for a in range(1, 900) if a != 666])
        return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"

    return _first_valid(candidate, ssn.is_valid)


def _group(value: str, sizes: tuple[int, ...], seps: str | tuple[str, ...]) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(value[position : position + size])
        position += size
    if isinstance(seps, str):
        return seps.join(parts)
    return "".join(p + (seps[i] if i < len(seps) else "") for i, p in enumerate(parts))


# type: (region, generator, validator, written spellings, bare spelling or None,
#        labelled templates, unlabelled templates (written shapes only))
IdSpec = tuple[
    str,
    Callable[[random.Random], str],
    Callable[[str], bool],
    list[Callable[[str], str]],
    bool,
    list[str],
    list[str],
]
IDS: dict[str, IdSpec] = {
    "US_SSN": ("US", _ssn, ssn.is_valid, [lambda v: _group(v, (3, 2, 4), "-")], True,
               ["SSN: {}", "my social security number is {}", "SSN {} on the W-4"],
               ["{} is on the form", "Employee record: {}."]),
    "UK_NINO": ("GB", _nino, BY_TYPE["UK_NINO"].validate,
                [lambda v: v, lambda v: _group(v, (2, 2, 2, 2, 1), " ")], False,
                ["National Insurance number: {}", "NINO {}", "my NI number is {}"],
                ["{} on the payslip", "Payroll: {}."]),
    "DE_TAX_ID": ("DE", _idnr, idnr.is_valid, [lambda v: _group(v, (2, 3, 3, 3), " ")], True,
                  ["Steuer-ID: {}", "Meine Steueridentifikationsnummer lautet {}.", "IdNr {}"],
                  ["{} (Lohnsteuerbescheinigung)", "Arbeitnehmer: {}."]),
    "FR_NIR": ("FR", _nir, nir.is_valid, [lambda v: _group(v, (1, 2, 2, 2, 3, 3, 2), " ")], True,
               ["Numéro de sécurité sociale : {}", "NIR {}", "carte vitale {}"],
               ["{} (assuré)", "Dossier : {}."]),
    "ES_DNI": ("ES", _dni, dni.is_valid, [lambda v: v, lambda v: v[:8] + "-" + v[8]], False,
               ["DNI: {}", "Mi DNI es {}.", "NIF {}"],
               ["{} (titular)", "Alumno: {}."]),
    "ES_NIE": ("ES", _nie, nie.is_valid,
               [lambda v: v, lambda v: v[0] + "-" + v[1:8] + "-" + v[8]], False,
               ["NIE: {}", "Mi NIE es {}.", "tarjeta de extranjero {}"],
               ["{} (titular)", "Solicitante: {}."]),
    "IT_FISCAL_CODE": ("IT", _codice_fiscale, codicefiscale.is_valid, [lambda v: v], False,
                       ["Codice fiscale: {}", "il mio CF è {}", "C.F. {}"],
                       ["{} (intestatario)", "Studente: {}."]),
    "NL_BSN": ("NL", _bsn, bsn.is_valid, [lambda v: _group(v, (4, 2, 3), ".")], True,
               ["BSN: {}", "Mijn burgerservicenummer is {}.", "sofinummer {}"],
               ["{} (ouder)", "Leerling: {}."]),
    "BR_CPF": ("BR", _cpf, cpf.is_valid, [lambda v: _group(v, (3, 3, 3, 2), (".", ".", "-"))], True,
               ["CPF: {}", "Meu CPF é {}.", "cpf {}"],
               ["{} (titular)", "Aluno: {}."]),
    "BR_CNPJ": ("BR", _cnpj, cnpj.is_valid,
                [lambda v: _group(v, (2, 3, 3, 4, 2), (".", ".", "/", "-"))], True,
                ["CNPJ: {}", "CNPJ da escola {}", "cnpj {}"],
                ["{} (fornecedor)", "Empresa: {}."]),
    "IN_AADHAAR": ("IN", _aadhaar, aadhaar.is_valid,
                   [lambda v: _group(v, (4, 4, 4), " "), lambda v: _group(v, (4, 4, 4), "-")], True,
                   ["Aadhaar: {}", "my aadhaar number is {}", "UID {}"],
                   ["{} (parent)", "Student: {}."]),
    "IN_PAN": ("IN", _pan, pan.is_valid, [lambda v: v], False,
               ["PAN: {}", "my PAN card number is {}", "PAN {}"],
               ["{} (parent)", "Vendor: {}."]),
    "CA_SIN": ("CA", _sin, sin.is_valid,
               [lambda v: _group(v, (3, 3, 3), " "), lambda v: _group(v, (3, 3, 3), "-")], True,
               ["SIN: {}", "my social insurance number is {}", "NAS : {}"],
               []),  # 3-3-3 is how many numbers are written: a SIN needs its label
}  # fmt: skip


def break_check(value: str, is_valid: Callable[[str], bool], rng: random.Random) -> str | None:
    """The value with its check character changed until its validator rejects it; None for
    identifiers without one (an SSN, a PAN), whose invalid forms the main set covers."""
    alphabet = string.ascii_uppercase if value[-1].isalpha() else string.digits
    for _ in range(100):
        bad = value[:-1] + rng.choice(alphabet.replace(value[-1], ""))
        if not is_valid(bad):
            return bad
    return None


def id_lines(rng: random.Random, kind: str) -> list[Line]:
    region, make, is_valid, written, bare, labelled, unlabelled = IDS[kind]
    lines: list[Line] = []
    for index in range(24):
        value = make(rng)
        assert is_valid(value), (kind, value)
        spell = written[index % len(written)]
        pool = labelled + unlabelled
        lines.append(line(pool[index % len(pool)], spell(value), kind, region, f"{kind} written"))
        template = labelled[index % len(labelled)]
        if bare and index % 2:
            lines.append(line(template, value, kind, region, f"{kind} bare, labelled"))
        bad = break_check(value, is_valid, rng)
        if bad is not None:
            lines.append(line(template, spell(bad), None, region, f"{kind} check digit broken"))
    return lines


# --- look-alikes ------------------------------------------------------------------------

ORDER_WORDS = {
    "US": "Order", "GB": "Order", "DE": "Bestellung", "FR": "Commande", "ES": "Pedido",
    "IT": "Ordine", "NL": "Bestelling", "BR": "Pedido", "JP": "注文番号", "IN": "Order",
    "CA": "Order",
}  # fmt: skip
DATE_STYLES = {
    "US": "{m:02d}/{d:02d}/{y}", "GB": "{d:02d}/{m:02d}/{y}", "DE": "{d:02d}.{m:02d}.{y}",
    "FR": "{d:02d}/{m:02d}/{y}", "ES": "{d:02d}/{m:02d}/{y}", "IT": "{d:02d}/{m:02d}/{y}",
    "NL": "{d:02d}-{m:02d}-{y}", "BR": "{d:02d}/{m:02d}/{y}", "JP": "{y}年{m:02d}月{d:02d}日",
    "IN": "{d:02d}-{m:02d}-{y}", "CA": "{y}-{m:02d}-{d:02d}",
}  # fmt: skip
GROUPINGS = [
    (3, 3, 4),
    (4, 4, 4),
    (3, 3, 3),
    (2, 3, 3, 3),
    (4, 2, 3),
    (3, 4, 4),
    (2, 4, 4),
    (4, 3, 3),
]


def look_alike_lines(rng: random.Random, region: str) -> list[Line]:
    order, date, n = ORDER_WORDS[region], DATE_STYLES[region], rng.randint
    lines: list[Line] = []
    for index in range(24):
        book = "978" + rng.choice("0123") + _digits(rng, 8)
        book += ean.calc_check_digit(book)  # an ISBN-13 is an EAN-13 in the 978 range
        assert isbn.is_valid(book), book
        barcode = _digits(rng, 12)
        barcode += ean.calc_check_digit(barcode)
        grouping = GROUPINGS[index % len(GROUPINGS)]
        grouped = _group(_digits(rng, sum(grouping)), grouping, rng.choice([" ", "-"]))
        y, m, d = n(1990, 2030), n(1, 12), n(1, 28)
        values = [
            (f"ISBN {isbn.format(book)} is the textbook", "ISBN"),
            (f"EAN {barcode} on the label", "EAN-13"),
            (f"barcode {barcode}", "EAN-13"),
            (f"{order} {grouped} shipped", "order number, grouped"),
            (f"{order} #{_digits(rng, rng.choice([9, 10, 11, 12, 14]))}", "order number"),
            (f"Invoice {_digits(rng, 4)}-{_digits(rng, 6)} paid", "invoice number"),
            (
                date.format(y=y, m=m, d=d) + f" {n(0, 23):02d}:{n(0, 59):02d}",
                "date",
            ),
            (
                f"{date.format(y=y, m=m, d=d)} - {date.format(y=y, m=m % 12 + 1, d=d)}",
                "date range",
            ),
            (f"version {n(1, 20)}.{n(0, 40)}.{n(0, 99)}", "version"),
            (f"build {y}.{m:02d}.{d:02d}.{n(1000, 9999)}", "version"),
            (
                f"The city has {n(100, 999)} {n(100, 999)} {n(100, 999)} inhabitants.",
                "number in prose",
            ),
            (
                f"It cost {n(1, 999)}.{n(100, 999)},{n(10, 99)} in {y}.",
                "price in prose",
            ),
            (
                f"Between {y} and {y + 7} the score rose from {n(100, 999)} to {n(1000, 99999)}.",
                "numbers in prose",
            ),
            (f"const TIMEOUT_MS = {_digits(rng, 9)};", "number in code"),
            (
                f"ts={n(1_600_000_000_000, 1_800_000_000_000)} level=info",
                "timestamp in code",
            ),
            (f"mask = 0x{n(0, 2**32 - 1):08X}", "hex in code"),
            (
                f"assert f({_digits(rng, 4)}, {_digits(rng, 4)}) == {_digits(rng, 4)}",
                "numbers in code",
            ),
            (
                f"listen :{n(1024, 65535)} (workers={n(2, 64)})",
                "port in config",
            ),
            (
                f"Room {n(100, 999)}, floor {n(1, 9)}, seat {n(10, 99)}",
                "numbers in prose",
            ),
            (f"Tracking {rng.choice(['1Z', 'JD', 'RR'])}{_digits(rng, 16)}", "tracking number"),
            (
                "sku "
                + "".join(rng.choice(string.ascii_uppercase) for _ in range(5))
                + _digits(rng, 4)
                + "Q",
                "product code",
            ),
            (
                f"Ticket {_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 3)}-{_digits(rng, 2)}",
                "ticket number",
            ),
            (
                f"page {n(1, 999)} of {n(1000, 9999)}, {n(1, 99)}% done",
                "numbers in prose",
            ),
            (
                "Score: " + " ".join(str(n(0, 99)) for _ in range(5)),
                "numbers in prose",
            ),
        ]
        text, source = values[index % len(values)]
        lines.append(
            {
                "text": text,
                "expect": {PII: False},
                "entities": [],
                "region": region,
                "source": f"look-alike: {source}",
            }
        )
    return lines


def build(seed: int = 20261202) -> list[Line]:
    rng = random.Random(seed)
    lines: list[Line] = []
    for region in REGIONS:
        lines += phone_lines(rng, region)
        for kind, spec in IDS.items():
            if spec[0] == region:
                lines += id_lines(rng, kind)
        lines += look_alike_lines(rng, region)
    return lines


def guardrails() -> list[dict[str, Any]]:
    return [
        {
            "name": "pii_detection",
            "type": "pii_detection",
            "description": "The PII guardrail with every region of the locale set configured.",
            "threshold": 0.5,
            "action": "redact",
            "surfaces": ["input_variables", "rendered_prompt", "response"],
            "config": {
                "entities": [
                    "EMAIL",
                    "PHONE",
                    "CREDIT_CARD",
                    "IBAN",
                    "NATIONAL_ID",
                    "IP_ADDRESS",
                    "SECRET",
                ],
                "regions": REGIONS,
            },
        }
    ]


def main() -> None:
    lines = build()
    with OUT.open("w", encoding="utf-8") as out:
        for item in lines:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    GUARDRAILS.write_text(json.dumps(guardrails(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} lines to {OUT} and the guardrail to {GUARDRAILS}")


if __name__ == "__main__":
    main()
