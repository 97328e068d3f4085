"""National identifiers: one finding type per identifier, each tied to the region issuing it.

Every identifier is validated by python-stdnum (its checksum, and the component rules
stdnum knows: birth dates, ranges, reserved values), except the UK National Insurance
number, which has no check digit: HMRC's allocation rules (letters never used in a prefix,
unallocated prefixes, suffix A-D) are all there is to check.

Identifiers made only of digits are where false positives come from: a random 9-digit
order number passes the Dutch eleven-test one time in eleven and Canada's Luhn check one
time in ten. So each digit-only identifier has a *written* shape that is specific enough
to fire alone (a CPF's `ddd.ddd.ddd-dd`, a NIR's `d dd dd dd ddd ddd dd`) and a bare shape
that is a finding only when one of its own labels ("cpf", "bsn", "steuer-id") stands just
before it. Canada's SIN is written 3-3-3 like many other numbers, so it always needs a
label. Identifiers with letters in fixed places (NINO, DNI, NIE, codice fiscale, PAN) fire
alone; they are matched in upper case, as they are printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from stdnum.br import cnpj, cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.in_ import aadhaar, pan
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

from shared.guardrails.text import Finding

CONTEXT_CHARS = 48
LABEL_CHARS = 32  # a bare identifier needs its label this close before it
SCORE = 0.85
BARE_SCORE = 0.8
CONTEXT_BOOST = 0.1
CONTEXT_PENALTY = 0.25
LOWERING = re.compile(r"\b(?:example|sample|dummy|fake)")
# Right before a number, these say what it is instead: without the identifier's own label
# nearby, such a number is not one even in the identifier's written shape.
NOT_PERSONAL = re.compile(
    r"(?<!\w)(?:order|invoice|tracking|ticket|ref|reference|isbn|ean|sku|serial|item|part|"
    r"batch|lot|version|build|pedido|bestellung|auftrag|rechnung|commande|facture|ordine|"
    r"fattura|factura|bestelling|factuur|nota fiscal)(?!\w)"
)

# Digit-only candidates are looked for inside the detector's numeric windows (runs of digits
# and separators); each pattern starts with its first character class, the boundary
# lookbehind right after it, so the regex engine skips ahead in C.
# Neither a word nor a longer digit grouping ("4111 1111 1111 1112") goes on before or after
# the candidate; the lookahead only tests characters the numeric windows contain, so a
# windowed scan decides as a scan of the whole text would.
_B = r"(?<![\w.,/-]\d)(?<!\d[ -]\d)"
_E = r"(?![\d-]|[./-]\d)"
_E_SPACED = r"(?![\d-]|[./ -]\d)"  # a space-grouped shape: no further group after it


def _digits(pattern: str, end: str = _E) -> re.Pattern[str]:
    return re.compile(r"\d" + _B + pattern + end)


def _letters(first: str, rest: str) -> re.Pattern[str]:
    return re.compile(first + r"(?<![A-Za-z0-9]" + first + ")" + rest + r"(?![A-Za-z0-9])")


_NIR_START = r"[1-478](?<![\w.,/-][1-478])(?<!\d[ -][1-478])"


def _nino(value: str) -> bool:
    """HMRC's allocation rules: the whole of what can be checked (there is no check digit)."""
    compact = value.replace(" ", "")
    if not re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]", compact):
        return False
    return compact[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _ssn(value: str) -> bool:
    return bool(ssn.is_valid(value))


@dataclass(frozen=True)
class NationalId:
    type: str
    region: str
    validate: Callable[[str], bool]
    labels: re.Pattern[str]
    written: re.Pattern[str] | None  # shapes that are a finding without a label
    bare: re.Pattern[str] | None  # shapes that need a label right before them
    numeric: bool  # candidates consist of digits and separators only
    # Digits laid out in this identifier's written shape are no phone number, valid or not.
    distinctive: bool = False


def _words(*words: str) -> re.Pattern[str]:
    """Labels as whole words; long ones also inside compounds ("Steueridentifikationsnummer")."""
    short = [re.escape(w) for w in words if len(w) <= 5]
    long = [re.escape(w) for w in words if len(w) > 5]
    alternatives = [r"(?<!\w)(?:" + "|".join(short) + r")(?!\w)"] if short else []
    return re.compile("|".join(alternatives + long))


NATIONAL_IDS: tuple[NationalId, ...] = (
    NationalId(
        "US_SSN",
        "US",
        _ssn,
        _words("ssn", "ssn#", "ss#", "social security", "social-security", "taxpayer"),
        re.compile(r"\d(?<![\d-]\d)\d{2}-\d{2}-\d{4}(?![\d-])"),
        re.compile(r"\d(?<!\d\d)\d{8}(?!\d)"),
        True,
    ),
    NationalId(
        "UK_NINO",
        "GB",
        _nino,
        _words("national insurance", "nino", "ni number", "ni no", "nin"),
        _letters("[A-Z]", r"[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]"),
        None,
        False,
    ),
    NationalId(
        "DE_TAX_ID",
        "DE",
        idnr.is_valid,
        _words(
            "steuer-id",
            "steuerid",
            "steuer-idnr",
            "idnr",
            "steueridentifikationsnummer",
            "identifikationsnummer",
            "steuernummer",
            "tax id",
            "tin",
        ),
        _digits(r"\d \d{3} \d{3} \d{3}", _E_SPACED),
        _digits(r"\d{10}"),
        True,
    ),
    NationalId(
        "FR_NIR",
        "FR",
        nir.is_valid,
        _words(
            "nir",
            "insee",
            "sécurité sociale",
            "securite sociale",
            "sécu",
            "secu",
            "carte vitale",
            "social security",
        ),
        re.compile(_NIR_START + r" \d{2} \d{2} (?:\d{2}|2[AB]) \d{3} \d{3} \d{2}" + _E_SPACED),
        re.compile(_NIR_START + r"\d{4}(?:\d{2}|2[AB])\d{6} ?\d{2}" + _E),
        False,  # Corsica's departments 2A and 2B put letters in it
        distinctive=True,
    ),
    NationalId(
        "ES_DNI",
        "ES",
        dni.is_valid,
        _words("dni", "nif", "documento nacional", "documento de identidad"),
        _digits(r"\d{7}[ -]?[A-Z](?![A-Za-z0-9])"),
        None,
        False,
    ),
    NationalId(
        "ES_NIE",
        "ES",
        nie.is_valid,
        _words("nie", "nif", "extranjero", "extranjería"),
        _letters("[XYZ]", r"[ -]?\d{7}[ -]?[A-Z]"),
        None,
        False,
    ),
    NationalId(
        "IT_FISCAL_CODE",
        "IT",
        codicefiscale.is_valid,
        _words("codice fiscale", "cod. fiscale", "cf", "c.f.", "fiscal code"),
        _letters(
            "[A-Z]",
            r"[A-Z]{5}[0-9LMNP-V]{2}[A-EHLMPR-T][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]",
        ),
        None,
        False,
    ),
    NationalId(
        "NL_BSN",
        "NL",
        bsn.is_valid,
        _words("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer", "sofi"),
        _digits(r"\d{3}\.\d{2}\.\d{3}"),
        _digits(r"\d{8}"),
        True,
        distinctive=True,
    ),
    NationalId(
        "BR_CPF",
        "BR",
        cpf.is_valid,
        _words("cpf", "cadastro de pessoas físicas", "cadastro de pessoa física"),
        _digits(r"\d{2}\.\d{3}\.\d{3}-\d{2}"),
        _digits(r"\d{10}"),
        True,
        distinctive=True,
    ),
    NationalId(
        "BR_CNPJ",
        "BR",
        cnpj.is_valid,
        _words("cnpj", "cadastro nacional da pessoa jurídica"),
        _digits(r"\d\.\d{3}\.\d{3}/\d{4}-\d{2}"),
        _digits(r"\d{13}"),
        True,
        distinctive=True,
    ),
    NationalId(
        "IN_AADHAAR",
        "IN",
        aadhaar.is_valid,
        _words("aadhaar", "aadhar", "adhaar", "uid", "uidai"),
        _digits(r"\d{3}(?P<sep>[ -])\d{4}(?P=sep)\d{4}", _E_SPACED),
        _digits(r"\d{11}"),
        True,
    ),
    NationalId(
        "IN_PAN",
        "IN",
        pan.is_valid,
        _words("pan", "permanent account number", "pan card"),
        _letters("[A-Z]", r"[A-Z]{2}[ABCFGHJLPT][A-Z]\d{4}[A-Z]"),
        None,
        False,
    ),
    NationalId(
        "CA_SIN",
        "CA",
        sin.is_valid,
        _words("sin", "social insurance", "nas", "assurance sociale", "numéro d'assurance sociale"),
        None,
        _digits(r"\d{2}(?P<sep>[ -]?)\d{3}(?P=sep)\d{3}", _E_SPACED),
        True,
    ),
)
BY_TYPE = {spec.type: spec for spec in NATIONAL_IDS}
TYPES = tuple(BY_TYPE)
REGIONS = tuple(dict.fromkeys(spec.region for spec in NATIONAL_IDS))


LABELS = re.compile("|".join(f"(?:{spec.labels.pattern})" for spec in NATIONAL_IDS))


def types_for(regions: Iterable[str]) -> list[str]:
    """The identifier types the given regions issue, in table order."""
    wanted = set(regions)
    return [spec.type for spec in NATIONAL_IDS if spec.region in wanted]


def _score(text: str, start: int, spec: NationalId, base: float) -> float:
    window = text[max(0, start - CONTEXT_CHARS) : start].lower()
    if LOWERING.search(window):
        return round(max(0.0, base - CONTEXT_PENALTY), 4)
    if spec.labels.search(window):
        return min(1.0, base + CONTEXT_BOOST)
    return base


Scan = Callable[[re.Pattern[str]], Iterator[re.Match[str]]]
# Every identifier holds digits and is at most this long, so one with letters lies within
# this many characters of a run of digits: scanning there finds what a scan of the whole
# text would, and prose without numbers costs nothing.
AROUND_DIGITS = 24


def detect(text: str, types: Iterable[str], within: Scan, around: Scan) -> Iterator[Finding]:
    """Findings of the given identifier types; `within(pattern)` scans the runs of digits and
    separators, `around(pattern)` the text up to `AROUND_DIGITS` characters around them."""
    for kind in types:
        spec = BY_TYPE[kind]
        for pattern, labelled in ((spec.written, False), (spec.bare, True)):
            if pattern is None:
                continue
            for match in (within if spec.numeric else around)(pattern):
                start = match.start()
                if labelled:
                    # A bare number is this identifier only right after its label, and not
                    # when the words there say it is made up.
                    before = text[max(0, start - LABEL_CHARS) : start].lower()
                    if LOWERING.search(before) or not spec.labels.search(before):
                        continue
                    score = BARE_SCORE
                else:
                    score = _score(text, start, spec, SCORE)
                    near = text[max(0, start - LABEL_CHARS) : start].lower()
                    if score < SCORE + CONTEXT_BOOST and NOT_PERSONAL.search(near):
                        continue
                if spec.validate(match.group()):
                    yield Finding(kind, start, match.end(), score)


# One pattern for all distinctive shapes, run inside the numeric windows (where a Corsican
# NIR's letters never are: those are left to the NIR detector itself).
_SHAPES = re.compile(
    "|".join(
        "(?:" + spec.written.pattern + ")"
        for spec in NATIONAL_IDS
        if spec.distinctive and spec.written is not None
    )
)


def shapes(
    within: Callable[[re.Pattern[str]], Iterator[re.Match[str]]],
) -> list[tuple[int, int]]:
    """Spans laid out like a distinctive identifier (a CPF's `ddd.ddd.ddd-dd`), valid or not."""
    return [match.span() for match in within(_SHAPES)]
