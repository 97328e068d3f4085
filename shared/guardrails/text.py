"""What every guardrail shares: findings, redaction, and folding text the way attackers'
disguises are undone (NFKC, homoglyphs, case, invisible and bidirectional characters).

Folding keeps a map back to the original text, so every finding's span points at the
characters the caller sent, whatever the detector matched on.

Texts are remembered by digest, never by their characters: `text_digest` (128-bit BLAKE2b)
keys the engine's verdicts and the detectors' `ScoreMemo`s of the pieces they score alone
(a toxic sentence, an injection window), so a piece seen in an earlier request costs one
digest and one look-up.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.cache import FOREVER, TTLCache

INVISIBLE = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF}
BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ѕ": "s",
        "ј": "j",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ν": "v",
        "ο": "o",
        "ι": "i",
        "κ": "k",
        "τ": "t",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "ӏ": "l",
        "α": "a",
        "ρ": "p",
        "υ": "u",
        "օ": "o",
        "ս": "u",
    }
)

# l33t symbols read back as the letters they stand for.
LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "i",
    }
)
# A word with l33t inside: letters and l33t symbols mixed, at least one letter (the toxic
# filter and the injection guard both undo it).
LEET_WORD = re.compile(
    r"(?<![\w@$!|])(?=[\w@$!|]{0,39}[a-z])(?=[\w@$!|]{0,39}[0134578@$!|])[\w@$!|]{2,40}"
)


@dataclass(frozen=True)
class Finding:
    type: str
    start: int
    end: int
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end, "score": self.score}


@dataclass(frozen=True)
class Folded:
    text: str
    origin: Sequence[int]  # origin[i] = index in the original text of folded character i
    hidden: list[int]  # indexes of invisible/bidi characters removed

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of folded characters [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


# A line break or tab written as an escape, as JSON and YAML tool output carry them: read as
# the white space it stands for ("hi\nignore all ..." holds the word "ignore"), two spaces
# for its two characters so that every index stays in place.
_ESCAPED_BREAK = re.compile(r"\\[nrt]")


def fold(text: str) -> Folded:
    if text.isascii():  # the common case: lowercasing ASCII keeps every index in place
        return Folded(_escaped_breaks_read(text.lower()), range(len(text)), [])
    out: list[str] = []
    origin: list[int] = []
    hidden: list[int] = []
    for index, char in enumerate(text):
        code = ord(char)
        if code in INVISIBLE or code in BIDI or 0xE0000 <= code <= 0xE007F:
            hidden.append(index)
            continue
        if char.isascii():
            out.append(char.lower())
            origin.append(index)
            continue
        # Case first: the table holds lower-case look-alikes, and "І" (U+0406) is "і" once
        # folded; translated first, a capital would slip past it as Cyrillic.
        for folded in unicodedata.normalize("NFKC", char).casefold().translate(HOMOGLYPHS):
            out.append(folded)
            origin.append(index)
    return Folded(_escaped_breaks_read("".join(out)), origin, hidden)


def _escaped_breaks_read(folded: str) -> str:
    return _ESCAPED_BREAK.sub("  ", folded) if "\\" in folded else folded


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Each finding's span becomes `<TYPE>`; every other character stays as it was.

    Overlapping findings merge into the first one's placeholder."""
    parts, position = [], 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.end <= position:
            continue
        parts.append(text[position : max(position, finding.start)])
        if finding.start >= position:
            parts.append(f"<{finding.type}>")
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


# hashlib lets go of the GIL to hash 2,048 bytes or more at once; on a busy instance the
# thread then waits for it behind the others, and each hand-over costs two context
# switches. A few microseconds of hashing are cheaper kept: smaller pieces, same digest.
_HASH_PIECE = 2047


def hash_update(digest: hashlib.blake2b, data: bytes) -> None:
    """`digest.update(data)`, in pieces small enough that hashlib keeps the GIL."""
    if len(data) <= _HASH_PIECE:
        digest.update(data)
        return
    view = memoryview(data)
    for start in range(0, len(data), _HASH_PIECE):
        digest.update(view[start : start + _HASH_PIECE])


def text_digest(text: str, prefix: bytes = b"") -> bytes:
    """The 128-bit BLAKE2b digest of `prefix` then the text's UTF-8 bytes (surrogatepass:
    JSON may carry lone surrogates, which plain UTF-8 refuses to encode)."""
    digest = hashlib.blake2b(prefix, digest_size=16)
    hash_update(digest, text.encode("utf-8", "surrogatepass"))
    return digest.digest()


class ScoreMemo:
    """A detector's scores of the pieces of text it scores independently of each other, by
    the piece's digest (never its text), bounded LRU (the one TTLCache, entries that never
    expire; thread-safe). For a pure scoring function, a remembered score is the very float
    the scoring gives; `max_entries=0` remembers nothing."""

    def __init__(self, max_entries: int) -> None:
        self._cache: TTLCache[bytes, float] = TTLCache(ttl=FOREVER, max_entries=max_entries)

    def get(self, key: bytes) -> float | None:
        cached = self._cache.get(key)
        return None if cached is None else cached.value

    def put(self, key: bytes, score: float) -> None:
        self._cache.put(key, score)

    def clear(self) -> None:
        self._cache.clear()

    @property
    def entries(self) -> int:
        return len(self._cache)
