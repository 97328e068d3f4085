"""What an instruction says under the disguises attackers wrap it in (pure, standard library).

The injection guard scans each `View` returned here as it scans the text itself, so an
order is judged the same whether it is written plainly, encoded or disguised:

- **encoded runs** of the text as sent, decoded: base64, base32, base85 and Ascii85, hex
  (plain, separated by spaces or colons, `\\x41`, `0x41`), binary octets, `\\u0041` escapes
  and HTML character references, URL percent-encoding, and Morse code;
- **rewritings** of the folded text, undone: words in l33t (`1gn0r3 4ll`), words spelled out
  letter by letter (`i g n o r e   a l l`, `i-g-n-o-r-e`), ROT13, and text written backwards.

A decoded run must be at least 90% printable text; ROT13 and backwards text are found where
a stretch of words that are no common English words becomes common words once decoded, so
ordinary prose, code and identifiers never produce them. Every pattern is bounded and each
view is built only where its disguise can be, so a text costs one pass per disguise and a
text without any costs a handful of substring searches.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress
from operator import not_
from urllib.parse import unquote

from shared.guardrails.text import LEET, LEET_WORD, Folded

ENCODED = "ENCODED_PAYLOAD"
DISGUISED = "DISGUISED_TEXT"

# base64 (and base32, whose letters are among base64's) and hex runs of 24+ characters.
BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,4096}={0,2}(?![A-Za-z0-9+/=])")
BASE32 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Z2-7]{24,4096}={0,6}(?![A-Za-z0-9+/=])")
HEX = re.compile(r"(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}){16,2048}(?![0-9a-fA-F])")
# A text without a run of 24 base64 characters holds none of the three: read with every
# base64 character as "b" and every other ASCII one as a space, it has no "b" * 24.
BASE64_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_SHAPE = str.maketrans(
    {chr(c): "b" if chr(c) in BASE64_LETTERS else " " for c in range(128)}
)
PAYLOAD_RUN = "b" * 24
_BASE64_OR_PAD = frozenset(BASE64_LETTERS + "=")
HEX_SEPARATED = re.compile(
    r"(?<![0-9A-Za-z:-])[0-9a-fA-F]{2}(?:[ :-][0-9a-fA-F]{2}){11,4095}(?![0-9A-Za-z])"
)
BINARY = re.compile(r"(?<![01])[01]{8}(?:[ ,]{0,2}[01]{8}){7,4095}(?![01])")
# One escape, `\u0041`, `\x41`, `0x41`, `&#x41;` or `&#65;`, and the separators after it
# (what joins the escapes is not part of the text); a run is six or more.
_ONE_ESCAPE = (
    r"(?:\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|(?<![0-9A-Za-z])0x([0-9a-fA-F]{2})"
    r"|(&#[xX][0-9a-fA-F]{1,6};|&#[0-9]{1,7};))[ ,]{0,2}"
)
_ESCAPE = re.compile(_ONE_ESCAPE)
ESCAPES = re.compile(f"(?:{_ONE_ESCAPE}){{6,8192}}")
# Percent-encoding: four or more escapes in one run of non-space characters.
PERCENT = re.compile(r"(?:%[0-9a-fA-F]{2}[^\s%]{0,64}){4,8192}")
_NON_SPACE_BEFORE = re.compile(r"[^\s%]{0,64}$")
# Morse code: letters of dots and dashes between single spaces, words between "/" or wider
# gaps; eight letters at least. A text holds ".-" or "-." a few times before it is searched.
MORSE = re.compile(r"(?<![\w.\-/])[.\-]{1,7}(?:(?: {1,3}| ?/ ?)[.\-]{1,7}){7,8192}(?![\w.\-])")
_MORSE_WORD_GAP = re.compile(r" ?/ ?| {2,3}")
_MORSE_CODES = (
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- "
    "...- .-- -..- -.-- --.. ----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----. "
    ".-.-.- --..-- ..--.. .----. -.-.-- -....- ---... .-..-."
)
_MORSE_LETTERS = dict(
    zip(_MORSE_CODES.split(), "abcdefghijklmnopqrstuvwxyz0123456789.,?'!-:\"", strict=True)
)
MORSE_PAIRS = 4
# Ascii85 / base85: a whole non-space token of 25+ characters of their alphabets.
BASE85 = re.compile(r"(?<!\S)[!-~]{25,8192}(?!\S)")
_B85_ALPHABET = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
)
PRINTABLE_SHARE = 0.9
# base85 is a whole token of at least 25 printable ASCII characters: "x" * 25 once each of
# them is read as "x" and whitespace as a space.
_SOLID = str.maketrans({chr(c): " " if chr(c).isspace() else "x" for c in range(33, 127)})
_LONG_TOKEN = "x" * 25
# Separated hex bytes, read with every hex digit as "h" and every separator as a space,
# hold "hh hh hh hh" (and most text does not).
_HEX_SHAPE = str.maketrans(
    {
        **{chr(c): "." for c in range(128)},
        **dict.fromkeys("0123456789abcdefABCDEF", "h"),
        **dict.fromkeys(" :-", " "),
    }
)
_HEX_PAIRS = "hh hh hh hh"
BINARY_DIGITS = 64  # eight octets

# Spelled-out words on folded text: letters joined by one of `.-_*` ("i-g-n-o-r-e"), or a
# run of letters and digits each followed by one space, words apart by two to four
# ("i g n o r e   a l l"). At least three characters a word; digits stay for l33t.
SPELLED_JOINED = re.compile(r"(?<![\w.*-])[^\W\d_](?:[.\-_*][^\W\d_]){2,64}(?![\w*-]|\.\w)")
SPELLED_SPACED = re.compile(r"(?<!\S)[^\W_] [^\W_] [^\W_](?: [^\W_]| {2,4}[^\W_]){3,8192}(?!\S)")
# What each spelled form must hold: " g n " (its 2nd and 3rd letters), "-g-n" once
# separators are read as dashes ("e.g." does not).
_SPACED_LETTERS = re.compile(r" [^\W_] [^\W_] ")
_SEPARATORS_AS_DASH = str.maketrans(".-_*", "----")
# A l33t word's shape: letters "a", l33t symbols "1", "!" and "|" (mostly punctuation) and
# everything else ASCII a space.
_LEET_SHAPE = str.maketrans(
    {
        **{chr(c): " " for c in range(128)},
        **dict.fromkeys("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "a"),
        **dict.fromkeys("0134578@$", "1"),
    }
)
_DASHED_LETTER = re.compile(r"-[^\W\d_]-[^\W\d_]")
# ASCII punctuation but the l33t symbols, read as spaces by the l33t check.
_NOT_LEET_AS_SPACE = str.maketrans(
    dict.fromkeys(
        (chr(c) for c in range(128) if not chr(c).isalnum() and chr(c) not in "@$!|"), " "
    )
)
_SPELLED_SEPARATOR = re.compile(r"[.\-_* ]")
_WORD_GAP = re.compile(r" {2,4}")
# A l33t word counts when undoing it leaves only letters ("1gn0r3" is "ignore", "x86" stays).
_LETTERS = re.compile(r"[^\W\d_]+")
MIN_LEET_WORDS = 2
MIN_SPELLED_LETTERS = 4  # "1 2 3 4 5 6" is a list of numbers, not a word

# ROT13 and backwards writing are told by what they do to common English words (no word
# here is another's ROT13 or reversal: a test checks).
_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM",
)
_COMMON = (
    "the", "and", "you", "your", "all", "any", "are", "was", "were", "not", "now", "from",
    "with", "this", "that", "these", "those", "what", "which", "who", "will", "would",
    "should", "must", "can", "could", "have", "has", "had", "for", "into", "about", "above",
    "below", "before", "after", "again", "then", "than", "them", "they", "their", "there",
    "here", "only", "also", "just", "more", "most", "other", "such", "some", "each", "every",
    "both", "when", "where", "while", "how", "why", "tell", "give", "show", "print", "reveal",
    "ignore", "forget", "instructions", "instruction", "previous", "prior", "rules", "system",
    "prompt", "message", "say", "write", "answer", "user", "assistant", "hidden", "secret",
    "following", "text", "please", "do", "does", "did", "its", "our", "out", "over", "under",
    "because", "been", "being", "very", "make", "like", "know", "want", "need", "use", "said",
    "says", "to", "me", "my", "is", "of", "in", "it", "on", "we", "us",
)  # fmt: skip
COMMON_WORDS = frozenset(_COMMON)
_ASCII_WORD = re.compile(r"(?<![a-z])[a-z]{2,24}(?![a-z])")
# English written in ROT13 or backwards holds one of its commonest words so written ("gur",
# "naq", "lbh", "ubj", "gb"; "eht", "dna", "uoy", "woh", "ot"), and an order mostly
# "ignore" ("vtaber", "erongi"): a text with none of them is not searched for stretches.
_ROT13_MARKERS = ("gur ", "naq ", "lbh", "vtaber", "ubj ", " gb ")
_BACKWARDS_MARKERS = (" eht", " dna", "uoy", "erongi", " woh", " ot ")
DECODED_WORDS = 3  # common words a stretch must gain by decoding
STRETCH_GAP = 6  # decoded common words at most this many words apart form one stretch


@dataclass(frozen=True)
class View:
    """What one disguised part of the text says.

    `start`/`end` locate the disguised part in the text as sent. A rewriting of the whole
    text also says what the undisguised rest said; `rewritten` lists the ranges of `text`
    the rewriting changed, so that only what is found there counts (None: all of it)."""

    finding: str  # ENCODED or DISGUISED
    kind: str
    start: int
    end: int
    text: str
    rewritten: tuple[tuple[int, int], ...] | None = None
    _origin: Callable[[int], int] | None = field(default=None, repr=False, compare=False)

    def span_of(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of what was found at [start, end) of `text`, or None when it
        lies outside what the rewriting changed."""
        if self.rewritten is None or self._origin is None:
            return self.start, self.end
        hit = [(a, b) for a, b in self.rewritten if a < end and start < b]
        if not hit:
            return None
        return self._origin(hit[0][0]), self._origin(hit[-1][1] - 1) + 1


def views(text: str, folded: Folded) -> list[View]:
    """Every encoded run of `text` decoded, then every rewriting of `folded` undone.

    Most texts hold no disguise, so each pattern runs only after a check in C says it
    could match: a substring of the text, or of its shape (the text translated character
    by character, e.g. every letter an "a"): an ordinary text costs a few translations and
    substring searches, not a dozen regex scans. A test holds the views found with the
    checks equal to those found without them."""
    found = list(_encoded(text))
    found += _rewritten(folded)
    found += _decoded_stretches(folded)
    return found


# -- encodings --------------------------------------------------------------------------


def _encoded(text: str) -> Iterator[View]:
    yield from _runs(text, _HEX_PAIRS in text.translate(_HEX_SHAPE))
    yield from _escaped(text)
    long_token = _LONG_TOKEN in text.translate(_SOLID)
    for match in BASE85.finditer(text) if long_token else ():
        raw = match.group()
        if set(raw) <= _BASE64_OR_PAD:
            continue  # base64's letters only: decoded by `_runs`
        yield from _view("base85", match.start(), match.end(), _b85(raw))


def _runs(text: str, separated_hex: bool) -> Iterator[View]:
    if PAYLOAD_RUN in text.translate(_BASE64_SHAPE):
        for kind, pattern, decode in (
            ("base64", BASE64, _b64),
            ("base32", BASE32, _b32),
            ("hex", HEX, _hex),
        ):
            for match in pattern.finditer(text):
                yield from _view(kind, match.start(), match.end(), decode(match.group()))
    if separated_hex:
        for match in HEX_SEPARATED.finditer(text):
            raw = match.group()
            yield from _view("hex", match.start(), match.end(), _hex(re.sub("[ :-]", "", raw)))


def _escaped(text: str) -> Iterator[View]:
    if text.count("0") + text.count("1") >= BINARY_DIGITS:
        for match in BINARY.finditer(text):
            digits = re.sub("[ ,]", "", match.group())
            octets = bytes(int(digits[i : i + 8], 2) for i in range(0, len(digits), 8))
            yield from _view("binary", match.start(), match.end(), _utf8(octets))
    if "\\" in text or "&#" in text or "0x" in text:
        for match in ESCAPES.finditer(text):
            yield from _view("escapes", match.start(), match.end(), _unescape(match.group()))
    if text.count(".-") + text.count("-.") >= MORSE_PAIRS:
        for match in MORSE.finditer(text):
            yield from _view("morse", match.start(), match.end(), _morse(match.group()))
    if "%" in text:
        for match in PERCENT.finditer(text):
            before = _NON_SPACE_BEFORE.search(text, max(0, match.start() - 64), match.start())
            start = before.start() if before is not None else match.start()
            yield from _view("percent", start, match.end(), _percent(text[start : match.end()]))


def _view(kind: str, start: int, end: int, decoded: str | None) -> Iterator[View]:
    if decoded and _printable(decoded):
        yield View(ENCODED, kind, start, end, decoded)


def _printable(decoded: str) -> bool:
    return sum(c.isprintable() or c.isspace() for c in decoded) >= PRINTABLE_SHARE * len(decoded)


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _b64(raw: str) -> str | None:
    try:
        return _utf8(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True))
    except (binascii.Error, ValueError):
        return None


def _b32(raw: str) -> str | None:
    letters = raw.rstrip("=")
    try:
        return _utf8(base64.b32decode(letters + "=" * (-len(letters) % 8)))
    except (binascii.Error, ValueError):
        return None


def _hex(raw: str) -> str | None:
    try:
        return _utf8(bytes.fromhex(raw))
    except ValueError:
        return None


def _b85(raw: str) -> str | None:
    attempts: list[Callable[[], bytes]] = [lambda: base64.a85decode(raw, adobe=raw[:2] == "<~")]
    if set(raw) <= _B85_ALPHABET:
        attempts.append(lambda: base64.b85decode(raw))
    for attempt in attempts:
        try:
            decoded = _utf8(attempt())
        except ValueError:
            continue
        if decoded and _printable(decoded):
            return decoded
    return None


def _morse(raw: str) -> str | None:
    """The letters of a Morse run, or None when a code is no letter (then it is no Morse)."""
    words = []
    for word in _MORSE_WORD_GAP.split(raw):
        codes = word.split()
        if not all(code in _MORSE_LETTERS for code in codes):
            return None
        words.append("".join(_MORSE_LETTERS[code] for code in codes))
    return " ".join(w for w in words if w)


def _percent(raw: str) -> str | None:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None


def _unescape(raw: str) -> str | None:
    def one(match: re.Match[str]) -> str:
        if match.group(4):
            return html.unescape(match.group(4))
        code = int(match.group(1) or match.group(2) or match.group(3), 16)
        return "" if 0xD800 <= code <= 0xDFFF else chr(code)  # no lone surrogates

    return _ESCAPE.sub(one, raw).replace("\ufffd", "") or None


# -- rewritings -------------------------------------------------------------------------


@dataclass
class _Splice:
    """A text with some of its ranges replaced, and the way back to the old coordinates."""

    text: str
    changed: list[tuple[int, int]]  # ranges of `text` that replaced something
    starts: list[int]  # piece starts in `text`, ascending
    origins: list[int]  # where each piece starts in the old text
    scales: list[float]  # old characters per new character in each piece

    def origin(self, index: int) -> int:
        piece = bisect.bisect_right(self.starts, index) - 1
        return self.origins[piece] + int((index - self.starts[piece]) * self.scales[piece])


def _splice(text: str, replacements: Iterable[tuple[int, int, str]]) -> _Splice:
    pieces: list[str] = []
    changed: list[tuple[int, int]] = []
    starts: list[int] = []
    origins: list[int] = []
    scales: list[float] = []
    length = position = 0

    def add(piece: str, origin: int, scale: float) -> None:
        nonlocal length
        pieces.append(piece)
        starts.append(length)
        origins.append(origin)
        scales.append(scale)
        length += len(piece)

    for start, end, new in replacements:
        if start > position:
            add(text[position:start], position, 1.0)
        changed.append((length, length + len(new)))
        add(new, start, (end - start) / len(new))
        position = end
    add(text[position:], position, 1.0)
    return _Splice("".join(pieces), changed, starts, origins, scales)


def _spelled_words(match: re.Match[str]) -> str:
    raw = match.group()
    if raw[1] == " ":  # one space inside a word, two to four between words
        return " ".join(word.replace(" ", "") for word in _WORD_GAP.split(raw))
    return _SPELLED_SEPARATOR.sub("", raw)


def _spelled(text: str) -> list[tuple[int, int, str]]:
    found = []
    if _DASHED_LETTER.search(text.translate(_SEPARATORS_AS_DASH)):
        found += [(m.start(), m.end(), _spelled_words(m)) for m in SPELLED_JOINED.finditer(text)]
    if _SPACED_LETTERS.search(text):
        found += [
            (m.start(), m.end(), _spelled_words(m))
            for m in SPELLED_SPACED.finditer(text)
            if len(_LETTERS.findall(m.group())) >= MIN_SPELLED_LETTERS
        ]
    return list(_without_overlaps(found))


def _without_overlaps(found: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    end = -1
    for item in sorted(found):
        if item[0] >= end:
            yield item
            end = item[1]


def _leet(text: str) -> list[tuple[int, int, str]]:
    """l33t words undone, when at least MIN_LEET_WORDS of them become common English words
    ("7h3", "1gn0r3"): e-mail addresses, decorators, "h1" and "md5" alone never do."""
    found = []
    common = 0
    for match in LEET_WORD.finditer(text):
        start = match.start()
        end = start + len(match.group().rstrip("!|"))  # a trailing "!" is punctuation
        if text.startswith(".", end) and "@" in text[start:end]:
            continue  # an e-mail address
        plain = text[start:end].translate(LEET)
        if len(plain) >= 2 and _LETTERS.fullmatch(plain):
            found.append((start, end, plain))
            common += plain in COMMON_WORDS and plain != text[start:end]
    return found if common >= MIN_LEET_WORDS else []


def _may_hold_leet(text: str) -> bool:
    """Whether a token of letters and l33t symbols reads as a common word once l33t is
    undone. Such a word has a letter beside a l33t symbol ("a1" or "1a" in its shape; "!"
    and "|", mostly punctuation, do not count here); the tokens of a text that has one are
    read with punctuation as spaces, so that most are letters or digits only and C skips
    them."""
    shape = text.translate(_LEET_SHAPE)
    if "a1" not in shape and "1a" not in shape:
        return False
    tokens = text.translate(_NOT_LEET_AS_SPACE).split()
    for token in compress(tokens, map(not_, map(str.isalpha, tokens))):
        core = token.rstrip("!|")
        if not core.isdigit() and core.translate(LEET) in COMMON_WORDS:
            return True
    return False


def _rewritten(folded: Folded) -> list[View]:
    """The folded text with spelled-out words joined, then l33t words undone."""
    text = folded.text
    spelled = _spelled(text)
    joined = _splice(text, spelled) if spelled else None
    after = joined.text if joined is not None else text
    leet = _leet(after) if spelled or _may_hold_leet(text) else []
    if not spelled and not leet:
        return []
    # l33t rewriting keeps lengths, so the joined text's coordinates still hold after it.
    view_text = _splice(after, leet).text if leet else after
    changed = sorted([*(joined.changed if joined else ()), *((a, b) for a, b, _ in leet)])

    def origin(index: int) -> int:
        at = joined.origin(index) if joined is not None else index
        return folded.origin[min(at, len(folded.origin) - 1)]

    first, last = changed[0][0], changed[-1][1] - 1
    kind = "+".join(k for k, present in (("spelled", spelled), ("leet", leet)) if present)
    return [
        View(
            DISGUISED,
            kind,
            origin(first),
            origin(last) + 1,
            view_text,
            rewritten=tuple(changed),
            _origin=origin,
        )
    ]


def _decoded_stretches(folded: Folded) -> list[View]:
    """Stretches that read as English once ROT13 is undone or once read backwards."""
    text = folded.text
    if not any(marker in text for marker in _ROT13_MARKERS + _BACKWARDS_MARKERS):
        return []
    words = [(m.start(), m.end(), m.group()) for m in _ASCII_WORD.finditer(text)]
    if len(words) < DECODED_WORDS:
        return []
    plain = [w in COMMON_WORDS for _, _, w in words]
    found: list[View] = []
    for kind, decode in (("rot13", _rot13), ("reversed", _backwards)):
        shortest = 2 if kind == "rot13" else 3  # "si", "no", "su" are words of other languages
        hits = [
            i
            for i, (_, _, w) in enumerate(words)
            if not plain[i] and len(w) >= shortest and decode(w) in COMMON_WORDS
        ]
        for first, last in _stretches(hits):
            common_before = sum(plain[first : last + 1])
            if last - first + 1 - common_before < DECODED_WORDS or common_before * 3 > (
                last - first + 1
            ):
                continue
            start, end = words[first][0], words[last][1]
            found.append(View(ENCODED, kind, *folded.span(start, end), decode(text[start:end])))
    return found


def _rot13(word: str) -> str:
    return word.translate(_ROT13)


def _backwards(word: str) -> str:
    return word[::-1]


def _stretches(hits: list[int]) -> Iterator[tuple[int, int]]:
    """Runs of at least DECODED_WORDS hit indexes, each within STRETCH_GAP of the last."""
    run: list[int] = []
    for index in hits:
        if run and index - run[-1] > STRETCH_GAP:
            if len(run) >= DECODED_WORDS:
                yield run[0], run[-1]
            run = []
        run.append(index)
    if len(run) >= DECODED_WORDS:
        yield run[0], run[-1]
