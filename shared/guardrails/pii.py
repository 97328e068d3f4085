"""PII detection and redaction (pure; `phonenumbers` and `python-stdnum` do the validation).

Each detector proposes candidate spans with a bounded regular expression (no nested
unbounded quantifiers, so scanning is linear in the input) and keeps only candidates that
pass their real validator: Luhn plus issuer ranges for cards, the ISO 13616 checksum for
IBANs, python-stdnum for national identifiers (national_ids.py: the SSN and ten other
regions' identifiers, each its own finding type), `ipaddress` for IPs, Google's
libphonenumber for phones, read in the national formats of the configured regions (strict
grouping: digits grouped the way the country writes numbers, so IP addresses and
account-number fragments are not phones). Numbers that fail their checksum are not
findings. Context words just before a span raise its score ("card", "ssn") or lower it
("example", "test card", "order"); a national number written as one digit run is a phone
only after a phone word, a bare identifier only right after its label.

Redaction replaces each kept span with `<TYPE>` and leaves every other character as it was.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from stdnum import iban, luhn

from shared.guardrails import national_ids
from shared.guardrails.text import Finding, redact

__all__ = ["Finding", "detect", "redact"]

CONTEXT_CHARS = 48
CONTEXT_BOOST = 0.1


# Patterns start with the character class they need, the lookbehind right after it: that
# lets the regex engine skip ahead in C to candidate characters instead of trying every
# position (3x faster on prose). Emails and IPv6 are only looked for near "@" and ":".
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-])"
)
_AT = re.compile("@")
_CARD = re.compile(r"\d(?<![\w+-]\d)(?:[ -]?\d){12,18}(?![\d-])")  # "RR5588..." is tracking
_IBAN = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4 = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
_KNOWN_SECRETS = re.compile(
    r"AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{36}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{60,90}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,60}"  # Slack
    r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,120}"  # OpenAI-style
    r"|sk_(?:live|test)_[A-Za-z0-9]{16,99}"  # Stripe
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|pmk_[a-z0-9-]{1,63}\.[A-Za-z0-9_-]{20,64}"  # this system's own API keys
    r"|-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----"
    r"|eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000}"  # JWT
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,256}(?![A-Za-z0-9+/_=-])")

_CONTEXT_WORDS = {
    "EMAIL": ("email", "e-mail", "mail", "contact"),
    "PHONE": ("phone", "call", "tel", "mobile", "cell", "whatsapp", "text me"),
    "CREDIT_CARD": ("card", "visa", "mastercard", "amex", "credit", "cc", "payment"),
    "IBAN": ("iban", "account", "bank", "transfer"),
    "IP_ADDRESS": ("ip", "address", "host", "server"),
    "SECRET": ("key", "token", "secret", "password", "passwd", "api", "bearer", "credential"),
}
# Words right before a span that say it is a made-up or non-personal value lower its score
# (an operator who raises the threshold above 0.7 then lets documentation examples through).
_LOWERING_WORDS = {
    "EMAIL": ("example", "placeholder", "noreply", "no-reply"),
    "PHONE": ("order", "invoice", "tracking", "isbn", "ticket", "fax of the company"),
    "CREDIT_CARD": ("test card", "example", "sample", "dummy"),
    "IBAN": ("example", "sample", "dummy"),
    "IP_ADDRESS": ("version", "example", "documentation"),
    "SECRET": ("example", "placeholder", "dummy", "fake", "sample", "redacted"),
}
CONTEXT_PENALTY = 0.25

# Issuer (IIN) ranges of the major networks; a Luhn-valid number outside them is not a card.
_CARD_PREFIXES = re.compile(
    r"4\d{12}(?:\d{3}){0,2}"  # Visa 13/16/19
    # Mastercard, 2-series included (presidio's patterns miss it)
    r"|(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)\d{12}"
    r"|3[47]\d{13}"  # Amex
    r"|(?:6011|65\d{2}|64[4-9]\d)\d{12,15}"  # Discover
    r"|35(?:2[89]|[3-8]\d)\d{12,15}"  # JCB
    r"|3(?:0[0-5]|[68]\d)\d{11,16}"  # Diners
    r"|(?:5018|5020|5038|6304|6759|676[1-3])\d{8,15}"  # Maestro
    r"|62\d{14,17}"  # UnionPay
)


# Every card, SSN, IPv4 and phone candidate is made of digits and a few separators, so those
# patterns only run inside maximal runs of such characters (plus the one character before,
# for a leading "+" or "("): prose without numbers costs one fast scan. A run ends at a
# character no candidate can contain, so a pattern's lookahead at the window's end decides
# as it would on the whole text; lookbehinds see the real text before the window.
_NUMERIC_RUN = re.compile(r"\d[\d \t().\-/+]*")
Windows = list[tuple[int, int]]


def numeric_windows(text: str) -> Windows:
    return [(max(0, m.start() - 1), m.end()) for m in _NUMERIC_RUN.finditer(text)]


def _around(windows: Windows, length: int, margin: int) -> Windows:
    """The windows widened by `margin` on both sides, overlapping ones merged."""
    merged: Windows = []
    for run_start, run_end in windows:
        start, end = max(0, run_start - margin), min(length, run_end + margin)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _within(pattern: re.Pattern[str], text: str, windows: Windows) -> Iterator[re.Match[str]]:
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


class _Covered:
    """Is [start, end) inside one of these spans? O(log n) per question."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach = list(itertools.accumulate((end for _, end in ordered), max))

    def covers(self, start: int, end: int) -> bool:
        before = bisect.bisect_right(self._starts, start)
        return bool(before) and self._reach[before - 1] >= end


def _context_score(
    text: str, start: int, kind: str, base: float, reach: int = CONTEXT_CHARS
) -> float:
    window = text[max(0, start - reach) : start].lower()
    if any(word in window for word in _LOWERING_WORDS[kind]):
        return round(max(0.0, base - CONTEXT_PENALTY), 4)
    if any(word in window for word in _CONTEXT_WORDS[kind]):
        return min(1.0, base + CONTEXT_BOOST)
    return base


def _emails(text: str, _windows: Windows) -> Iterator[Finding]:
    resume = 0
    for at in _AT.finditer(text):  # a local part is at most 64 characters, a domain 253
        if at.start() < resume:
            continue
        for match in _EMAIL.finditer(text, max(resume, at.start() - 64), at.start() + 256):
            resume = match.end()
            yield Finding(
                "EMAIL",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "EMAIL", 0.9),
            )
            break


# Where a phone number could be: a digit, 6-31 digits and separators, a digit. libphonenumber's
# matcher is exact but slow (pure Python), so it only sees these windows, and not the ones
# another detector already claimed (a card or an IBAN is not also a phone).
# Digits laid out like a card (4-4-4-4, Amex 4-6-5, 16+ in a row) or an IBAN are not a phone
# number in any numbering plan, valid checksum or not.
_CARD_SHAPE = re.compile(
    r"\d(?<![\d+-]\d)\d{3}(?:(?P<sep>[ -])\d{4}(?:(?P=sep)\d{4}){2}|\d{12,15}"
    r"|(?P<amex>[ -])\d{6}(?P=amex)\d{5})(?![\d-])"
)
_PHONE_WINDOW = re.compile(r"[+(]?\d[\d \t().\-/]{5,30}\d")
PHONE_WINDOW_MARGIN = 2
PHONE_SCORE = 0.85
# A national number is only sure to be a phone when written the way phones are: with "+",
# with its trunk prefix or area code in parentheses ("0474 76 52 37", "(030) 4284514"), or
# grouped the way its country groups it ("415-555-2671", "312 345 6789"). Otherwise, as one
# run of digits or grouped like thousands ("849 939 834" is a Spanish number and a
# population), it is a phone only after a word that says so; after a word that says it is
# something else (an order, an invoice, a national identifier's label) it is not one.
AMBIGUOUS_PHONE_SCORE = 0.4
NOT_A_PHONE_SCORE = 0.3
NEAR_CHARS = national_ids.LABEL_CHARS
_THOUSANDS = re.compile(r"\d{1,3}(?:([ .,])\d{3})(?:\1\d{3})*")
_PHONE_WORDS = re.compile(
    r"(?<!\w)(?:tel|tél|phon|fone|mobil|mobiel|móvil|movil|cell|celu|handy|anruf|ruf|appel|llam|llám|"
    r"chiam|whatsapp|portable)\w*"
    r"|(?<!\w)(?:call|ring|text|sms|contact|reach|fax|mob|ph|bel|liga|ligue|zap|my number)(?!\w)"
    r"|電話|携帯|連絡"
)
_NOT_PHONE_WORDS = re.compile(
    r"(?<!\w)(?:order|invoice|tracking|isbn|ean|ticket|ref|reference|account|id|serial|sku|"
    r"item|product|part|batch|lot|case|po|version|build|commit|pedido|bestellung|commande|"
    r"ordine|factura|fattura|rechnung|facture|bestelling|factuur|注文)(?!\w)"
)
_DATE = re.compile(
    r"\d{1,2}([./-])\d{1,2}\1(?:1[89]|20)\d{2}|(?:1[89]|20)\d{2}([./-])\d{1,2}\2\d{1,2}"
)


@functools.lru_cache(maxsize=256)  # a handful of configurations, asked on every text
def _phone_regions(regions: tuple[str, ...]) -> tuple[str, ...]:
    import phonenumbers

    known = [r.upper() for r in regions if r.upper() in phonenumbers.SUPPORTED_REGIONS]
    return tuple(dict.fromkeys(known)) or ("US",)


def _phones(
    text: str, windows: Windows, regions: Iterable[str], claimed: _Covered
) -> Iterator[Finding]:
    """Phone numbers in each window, tried region by region (the order configured).

    A window whose digits the numbers found so far all cover holds nothing more, which ends
    the region loop: a phone number (a "+" one parses the same in every region) costs one
    region's parse, ten regions cost ten parses only on digit runs that are no phone
    number, and a window is at most 32 characters, so the cost stays linear in the text."""
    import phonenumbers

    seen: set[tuple[int, int]] = set()
    regions = _phone_regions(tuple(regions))
    for window in _within(_PHONE_WINDOW, text, windows):
        if claimed.covers(window.start(), window.end()):
            continue  # inside a card, IBAN, IP or national identifier found already
        offset = max(0, window.start() - PHONE_WINDOW_MARGIN)
        snippet = text[offset : window.end() + PHONE_WINDOW_MARGIN]
        inside = range(window.start() - offset, window.end() - offset)
        digits = {i for i in inside if snippet[i].isdigit()}
        candidates: list[Finding] = []
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(
                snippet, region, leniency=phonenumbers.Leniency.STRICT_GROUPING
            ):
                digits.difference_update(range(match.start, match.end))
                span = (offset + match.start, offset + match.end)
                candidates.append(Finding("PHONE", *span, _phone_score(text, span[0], match)))
            if not digits:
                break
        # Regions can read different numbers into one stretch ("(11) 96123-7339" is Brazilian,
        # "96123-7339" Spanish): the longest reading is the number that was written.
        kept: list[Finding] = []
        for finding in sorted(candidates, key=lambda f: (f.start - f.end, -f.score)):
            if (finding.start, finding.end) in seen or any(
                k.start < finding.end and finding.start < k.end for k in kept
            ):
                continue
            seen.add((finding.start, finding.end))
            kept.append(finding)
        yield from kept


def _phone_score(text: str, start: int, match: Any) -> float:
    raw: str = match.raw_string
    if raw.startswith("+"):
        return _context_score(text, start, "PHONE", PHONE_SCORE)
    before = text[max(0, start - CONTEXT_CHARS) : start].lower()
    # The word nearest the number decides: "SSN 536-90-4399, ring 0121 496 0948" is a phone.
    said_phone = _last_end(_PHONE_WORDS, before, 0)
    said_other = max(
        _last_end(_NOT_PHONE_WORDS, before, len(before) - NEAR_CHARS),
        _last_end(national_ids.LABELS, before, len(before) - NEAR_CHARS),
    )
    if _DATE.search(raw) or said_other > said_phone:
        return NOT_A_PHONE_SCORE
    if said_phone >= 0:
        return min(1.0, PHONE_SCORE + CONTEXT_BOOST)
    if _written_like_a_phone(raw, match.number):
        return PHONE_SCORE
    return AMBIGUOUS_PHONE_SCORE


def _last_end(pattern: re.Pattern[str], window: str, start: int) -> int:
    """Where the last match in window[start:] ends (-1: none)."""
    return max((m.end() for m in pattern.finditer(window, max(0, start))), default=-1)


def _digit_groups(written: str) -> list[int]:
    return [len(group) for group in re.findall(r"\d+", written)]


def _written_like_a_phone(raw: str, number: Any) -> bool:
    import phonenumbers

    if raw.isdigit() or _THOUSANDS.fullmatch(raw):
        return False
    if raw.startswith(("0", "(")):
        return True
    groups = _digit_groups(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    written = _digit_groups(raw)
    trunk = sum(groups) - len(phonenumbers.national_significant_number(number))
    if 0 < trunk <= groups[0]:  # also fine without the trunk prefix ("98765 43210")
        without = [groups[0] - trunk, *groups[1:]] if groups[0] > trunk else groups[1:]
        return written in (groups, without)
    return written == groups


def _cards(text: str, windows: Windows) -> Iterator[Finding]:
    for match in _within(_CARD, text, windows):
        digits = re.sub(r"[ -]", "", match.group())
        if _CARD_PREFIXES.fullmatch(digits) and luhn.is_valid(digits):
            yield Finding(
                "CREDIT_CARD",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "CREDIT_CARD", 0.9),
            )


def _ibans(text: str, _windows: Windows) -> Iterator[Finding]:
    for match in _IBAN.finditer(text):
        if iban.is_valid(match.group()):
            yield Finding(
                "IBAN",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "IBAN", 0.95),
            )


def _ips(text: str, windows: Windows) -> Iterator[Finding]:
    ipv4 = _within(_IPV4, text, windows)
    ipv6 = _IPV6.finditer(text) if text.count(":") >= 2 else iter(())
    for matches in (ipv4, ipv6):
        for match in matches:
            candidate = match.group()
            if candidate.count(":") >= 2 and not re.search(r"[0-9A-Fa-f]", candidate):
                continue  # "::" alone, or runs of colons, are punctuation
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                continue
            yield Finding(
                "IP_ADDRESS",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "IP_ADDRESS", 0.75),
            )


def _entropy(token: str) -> float:
    counts = Counter(token)
    return -sum(c / len(token) * math.log2(c / len(token)) for c in counts.values())


def _secrets(text: str, _windows: Windows) -> Iterator[Finding]:
    known: list[tuple[int, int]] = []
    for match in _KNOWN_SECRETS.finditer(text):
        known.append((match.start(), match.end()))
        yield Finding("SECRET", match.start(), match.end(), 0.95)
    covered = _Covered(known)
    for match in _TOKEN.finditer(text):
        token = match.group()
        if covered.covers(match.start(), match.start() + 1):
            continue
        classes = sum(bool(re.search(p, token)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
        if classes == 3 and _entropy(token) >= 4.0:
            yield Finding(
                "SECRET",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "SECRET", 0.7),
            )


DETECTORS: dict[str, Callable[..., Iterator[Finding]]] = {
    "EMAIL": _emails,
    "CREDIT_CARD": _cards,
    "IBAN": _ibans,
    "IP_ADDRESS": _ips,
    "SECRET": _secrets,
}


def detect(
    text: str,
    *,
    entities: Iterable[str],
    phone_regions: Iterable[str] = ("US",),
    id_regions: Iterable[str] = ("US",),
) -> list[Finding]:
    """Non-overlapping findings in text order; on overlap higher score, then longer span, wins.

    `entities` holds finding types; `NATIONAL_ID` stands for every identifier that one of
    `id_regions` issues. `phone_regions` are the regions whose national formats are read."""
    wanted = set(entities)
    windows = numeric_windows(text)
    found: list[Finding] = []
    for kind, detector in DETECTORS.items():
        if kind in wanted:
            found.extend(detector(text, windows))
    id_types = national_id_types(frozenset(wanted), tuple(id_regions))
    if id_types:
        around: list[Windows] = []  # only identifiers with letters need these: built once

        def near_digits(pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
            if not around:
                around.append(_around(windows, len(text), national_ids.AROUND_DIGITS))
            return _within(pattern, text, around[0])

        found.extend(
            national_ids.detect(
                text, id_types, lambda pattern: _within(pattern, text, windows), near_digits
            )
        )
    if "PHONE" in wanted:
        shapes = [m.span() for m in _within(_CARD_SHAPE, text, windows)]
        shapes += [m.span() for m in _IBAN.finditer(text)]
        shapes += national_ids.shapes(lambda pattern: _within(pattern, text, windows))
        claimed = _Covered([(f.start, f.end) for f in found] + shapes)
        found.extend(_phones(text, windows, phone_regions, claimed))
    return _without_overlaps(found)


@functools.lru_cache(maxsize=256)
def national_id_types(entities: frozenset[str], regions: tuple[str, ...]) -> tuple[str, ...]:
    """The identifier types to look for: those named, and with `NATIONAL_ID` the regions'."""
    named = entities & set(national_ids.TYPES)
    if "NATIONAL_ID" in entities:
        named |= set(national_ids.types_for(r.upper() for r in regions))
    return tuple(kind for kind in national_ids.TYPES if kind in named)


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    """Keep the best of overlapping findings (score, then length); O(n log n)."""
    starts: list[int] = []
    kept: list[Finding] = []  # sorted by start, pairwise disjoint
    for finding in sorted(found, key=lambda f: (-f.score, -(f.end - f.start), f.start)):
        index = bisect.bisect_left(starts, finding.start)
        if index > 0 and kept[index - 1].end > finding.start:
            continue
        if index < len(kept) and kept[index].start < finding.end:
            continue
        starts.insert(index, finding.start)
        kept.insert(index, finding)
    return kept
