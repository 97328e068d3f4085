"""Scanning a rendered prompt around what the variables put into it.

A rendered prompt is mostly template text, the same on every render of a template version;
only the substituted spans change. For a detector whose findings depend only on their own
line and on at most CONTEXT_CHARS of text around them (LINE_LOCAL_TYPES), the findings of a
scan of the whole text are the union of the findings of scans of line-aligned regions,
each region read with CONTEXT_CHARS of its neighbours on both sides and keeping the
findings that start inside it. So the text is cut into:

- fixed regions: template text at least CONTEXT_CHARS away from every substitution, from
  a line start to a line start (or the text's ends). Their text, and that of the context
  read around them, is template text only, so their findings are cached by that text
  (FixedTextFindings, one per guardrail engine: new guardrails, new cache; a new template
  version has other text, so other entries);
- the rest (every substitution with the lines around it), scanned on each render.

PII qualifies: none of its candidate patterns (e-mail, card, IBAN, SSN, IP, phone windows,
secrets) matches a line break, overlapping findings are resolved among themselves, and its
context words are looked for at most `pii.CONTEXT_CHARS` (48) before a span. Should a
detector change and return a finding that crosses a line break, the scan falls back to the
whole text, and a test holds the result equal to a scan of the whole text on the
evaluation set rendered into templates. Toxic segments are sentences and the injection
model packs sentences across lines, so those scan the whole text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shared.cache import FOREVER, TTLCache
from shared.guardrails.text import Finding

LINE_LOCAL_TYPES = frozenset({"pii_detection"})
# Read on each side of a region: PII reads 48 characters of context before a span, and
# looks for an e-mail's local part up to 64 characters before its "@" (on the same line).
CONTEXT_CHARS = 128
# A fixed region shorter than this is scanned with its neighbours: not worth an entry.
MIN_FIXED_CHARS = 128
CACHE_ENTRIES = 1024

Detector = Callable[[str, Any], list[Finding]]
Scan = Callable[[Detector, str, Any], list[Finding]]
Region = tuple[int, int, bool]  # [start, end), fixed (template text only)


def regions(text: str, spans: Sequence[tuple[int, int]]) -> list[Region]:
    """Consecutive regions covering the text; `spans` are the substituted [start, end)."""
    size = len(text)
    gaps, position = [], 0
    for start, end in sorted(spans):
        if start > position:
            gaps.append((position, start))
        position = max(position, end)
    if position < size:
        gaps.append((position, size))
    cuts: list[Region] = []
    position = 0
    for start, end in gaps:
        low = start if start == 0 else _line_start_from(text, start + CONTEXT_CHARS, end)
        high = end if end == size else _line_start_until(text, end - CONTEXT_CHARS, start)
        if low is None or high is None or high - low < MIN_FIXED_CHARS:
            continue
        if low > position:
            cuts.append((position, low, False))
        cuts.append((low, high, True))
        position = high
    if position < size:
        cuts.append((position, size, False))
    return cuts


def _line_start_from(text: str, position: int, limit: int) -> int | None:
    """The first line start at or after `position`, if one is at or before `limit`."""
    if position > limit:
        return None
    newline = text.find("\n", position - 1, limit)
    return None if newline < 0 else newline + 1


def _line_start_until(text: str, position: int, floor: int) -> int | None:
    """The last line start at or before `position`, if one is after `floor`."""
    if position <= floor:
        return None
    newline = text.rfind("\n", floor, position)
    return None if newline < 0 else newline + 1


class FixedTextFindings:
    """Findings on template text, by guardrail and the exact text read (bounded LRU)."""

    def __init__(self, max_entries: int = CACHE_ENTRIES) -> None:
        self._cache: TTLCache[tuple[str, str, int, int], tuple[Finding, ...]] = TTLCache(
            ttl=FOREVER, max_entries=max_entries
        )

    @property
    def entries(self) -> int:
        return len(self._cache)

    def scanner(self, guardrail: str, spans: Sequence[tuple[int, int]]) -> Scan:
        def scan(detector: Detector, text: str, config: Any) -> list[Finding]:
            return self.scan(guardrail, detector, text, config, spans)

        return scan

    def scan(
        self,
        guardrail: str,
        detector: Detector,
        text: str,
        config: Any,
        spans: Sequence[tuple[int, int]],
    ) -> list[Finding]:
        cuts = regions(text, spans)
        if not any(fixed for _, _, fixed in cuts):
            return detector(text, config)
        found: list[Finding] = []
        for start, end, fixed in cuts:
            low, high = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
            read = text[low:high]
            if fixed:
                key = (guardrail, read, start - low, end - low)
                cached = self._cache.get(key)
                if cached is None:
                    local = tuple(_starting_in(detector(read, config), start - low, end - low))
                    self._cache.put(key, local)
                else:
                    local = cached.value
            else:
                local = tuple(_starting_in(detector(read, config), start - low, end - low))
            found.extend(Finding(f.type, f.start + low, f.end + low, f.score) for f in local)
        if any("\n" in text[f.start : f.end] for f in found):
            return detector(text, config)  # not line-local after all: the whole text
        return found


def _starting_in(findings: list[Finding], start: int, end: int) -> list[Finding]:
    return [f for f in findings if start <= f.start < end]
