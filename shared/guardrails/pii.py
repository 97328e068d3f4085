"""PII detection and redaction (pure; `phonenumbers` and `python-stdnum` do the validation).

Each detector proposes candidate spans with a bounded regular expression (no nested
unbounded quantifiers, so scanning is linear in the input) and keeps only candidates that
pass their real validator: Luhn plus issuer ranges for cards, the ISO 13616 checksum for
IBANs, the SSA rules for US SSNs, `ipaddress` for IPs, Google's libphonenumber for phones
(strict grouping: digits grouped the way the country writes numbers, so IP addresses and
account-number fragments are not phones).
Numbers that fail their checksum are not findings. Context words just before a span raise
its score; a bare 9-digit number is an SSN only with such context (a dashed one always).

Redaction replaces each kept span with `<TYPE>` and leaves every other character as it was.
"""

from __future__ import annotations

import bisect
import ipaddress
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from stdnum import iban, luhn
from stdnum.us import ssn

from shared.guardrails.text import Finding, redact

__all__ = ["Finding", "detect", "redact"]

CONTEXT_CHARS = 48
BARE_SSN_CONTEXT_CHARS = 16  # a bare 9-digit number needs its label right before it
CONTEXT_BOOST = 0.1


# Patterns start with the character class they need, the lookbehind right after it: that
# lets the regex engine skip ahead in C to candidate characters instead of trying every
# position (3x faster on prose). Emails and IPv6 are only looked for near "@" and ":".
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-])"
)
_AT = re.compile("@")
_CARD = re.compile(r"\d(?<![\d+-]\d)(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_SSN_DASHED = re.compile(r"\d(?<![\d-]\d)\d{2}-\d{2}-\d{4}(?![\d-])")
_SSN_BARE = re.compile(r"\d(?<!\d\d)\d{8}(?!\d)")
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
    "NATIONAL_ID": ("ssn", "social security", "social-security", "ss#", "taxpayer"),
    "IP_ADDRESS": ("ip", "address", "host", "server"),
    "SECRET": ("key", "token", "secret", "password", "passwd", "api", "bearer", "credential"),
}

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


def _context_score(
    text: str, start: int, kind: str, base: float, reach: int = CONTEXT_CHARS
) -> float:
    window = text[max(0, start - reach) : start].lower()
    if any(word in window for word in _CONTEXT_WORDS[kind]):
        return min(1.0, base + CONTEXT_BOOST)
    return base


def _emails(text: str) -> Iterator[Finding]:
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
_PHONE_WINDOW = re.compile(r"[+(]?\d[\d \t().\-/]{5,30}\d")
PHONE_WINDOW_MARGIN = 2


def _phones(text: str, regions: Iterable[str], claimed: list[tuple[int, int]]) -> Iterator[Finding]:
    import phonenumbers

    seen: set[tuple[int, int]] = set()
    regions = list(regions)
    starts = [start for start, _ in claimed]  # claimed is sorted by start
    reach = list(itertools.accumulate((end for _, end in claimed), max))
    for window in _PHONE_WINDOW.finditer(text):
        before = bisect.bisect_right(starts, window.start())
        if before and reach[before - 1] >= window.end():
            continue  # inside a card, IBAN, IP or SSN found already
        offset = max(0, window.start() - PHONE_WINDOW_MARGIN)
        snippet = text[offset : window.end() + PHONE_WINDOW_MARGIN]
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(
                snippet, region, leniency=phonenumbers.Leniency.STRICT_GROUPING
            ):
                span = (offset + match.start, offset + match.end)
                if span not in seen:
                    seen.add(span)
                    yield Finding("PHONE", *span, _context_score(text, span[0], "PHONE", 0.85))


def _cards(text: str) -> Iterator[Finding]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if _CARD_PREFIXES.fullmatch(digits) and luhn.is_valid(digits):
            yield Finding(
                "CREDIT_CARD",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "CREDIT_CARD", 0.9),
            )


def _ibans(text: str) -> Iterator[Finding]:
    for match in _IBAN.finditer(text):
        if iban.is_valid(match.group()):
            yield Finding(
                "IBAN",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "IBAN", 0.95),
            )


def _ssns(text: str) -> Iterator[Finding]:
    for match in _SSN_DASHED.finditer(text):
        if ssn.is_valid(match.group()):
            yield Finding(
                "NATIONAL_ID",
                match.start(),
                match.end(),
                _context_score(text, match.start(), "NATIONAL_ID", 0.85),
            )
    for match in _SSN_BARE.finditer(text):
        with_context = _context_score(
            text, match.start(), "NATIONAL_ID", 0.0, reach=BARE_SSN_CONTEXT_CHARS
        )
        if with_context > 0 and ssn.is_valid(match.group()):
            yield Finding("NATIONAL_ID", match.start(), match.end(), 0.8)


def _ips(text: str) -> Iterator[Finding]:
    for pattern in (_IPV4, _IPV6) if text.count(":") >= 2 else (_IPV4,):
        for match in pattern.finditer(text):
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


def _secrets(text: str) -> Iterator[Finding]:
    known: list[tuple[int, int]] = []
    for match in _KNOWN_SECRETS.finditer(text):
        known.append((match.start(), match.end()))
        yield Finding("SECRET", match.start(), match.end(), 0.95)
    for match in _TOKEN.finditer(text):
        token = match.group()
        if any(s <= match.start() < e for s, e in known):
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
    "NATIONAL_ID": _ssns,
    "IP_ADDRESS": _ips,
    "SECRET": _secrets,
}


def detect(
    text: str, *, entities: Iterable[str], phone_regions: Iterable[str] = ("US",)
) -> list[Finding]:
    """Non-overlapping findings in text order; on overlap higher score, then longer span, wins."""
    wanted = set(entities)
    found: list[Finding] = []
    for kind, detector in DETECTORS.items():
        if kind in wanted:
            found.extend(detector(text))
    if "PHONE" in wanted:
        claimed = sorted((f.start, f.end) for f in found)
        found.extend(_phones(text, list(phone_regions) or ["US"], claimed))
    return _without_overlaps(found)


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
