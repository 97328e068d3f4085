"""The documentation's examples, read from the Markdown so they cannot drift from the code.

A fenced block whose info string is `bash example` or `python example` is an example; the
next fenced block, when it is `json answer` or `text answer`, is what the example must
print. Renderers show the first word of the info string only, so readers see plain bash,
python and json.

How an answer matches (so samples can stay short and readable):
- JSON: the sample is a subset of the last JSON object the example printed. Objects match
  key by key (extra keys in the real answer are fine); `"..."` matches anything; a string
  ending in `...` matches any string that starts with what precedes it; a list matches
  element by element, and a last element `"..."` allows more elements.
- text: every non-empty line of the sample is a line of the output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_FENCE = re.compile(r"^```(\S*)(?:[ \t]+(\S+))?[ \t]*$")
ANY = "..."


@dataclass(frozen=True)
class Example:
    path: Path
    line: int
    language: str  # bash | python
    code: str
    answer_kind: str | None = None  # json | text
    answer: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def read_examples(path: Path) -> list[Example]:
    blocks: list[tuple[int, str, str, str]] = []  # line, language, role, body
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match and match.group(1):
            start, body = index + 1, []
            index += 1
            while index < len(lines) and lines[index].rstrip() != "```":
                body.append(lines[index])
                index += 1
            blocks.append((start, match.group(1), match.group(2) or "", "\n".join(body)))
        index += 1
    examples: list[Example] = []
    for position, (line, language, role, body) in enumerate(blocks):
        if role != "example":
            continue
        after = blocks[position + 1] if position + 1 < len(blocks) else None
        if after and after[2] == "answer":
            examples.append(Example(path, line, language, body, after[1], after[3]))
        else:
            examples.append(Example(path, line, language, body))
    return examples


def last_json_object(output: str) -> Any:
    for line in reversed(output.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def mismatches(sample: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` fails to match `sample` (empty when it matches)."""
    if sample == ANY:
        return []
    if isinstance(sample, str) and sample.endswith(ANY):
        prefix = sample[: -len(ANY)].rstrip()
        ok = isinstance(actual, str) and actual.startswith(prefix)
        return [] if ok else [f"{where}: {actual!r} does not start with {prefix!r}"]
    if isinstance(sample, dict):
        return _object_mismatches(sample, actual, where)
    if isinstance(sample, list):
        return _list_mismatches(sample, actual, where)
    return [] if sample == actual else [f"{where}: {actual!r} != {sample!r}"]


def _object_mismatches(sample: dict[str, Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, dict):
        return [f"{where}: expected an object, got {actual!r}"]
    found: list[str] = []
    for key, value in sample.items():
        if key not in actual:
            found.append(f"{where}.{key}: missing")
        else:
            found += mismatches(value, actual[key], f"{where}.{key}")
    return found


def _list_mismatches(sample: list[Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: expected a list, got {actual!r}"]
    open_ended = bool(sample) and sample[-1] == ANY
    items = sample[:-1] if open_ended else sample
    if len(actual) < len(items) or (not open_ended and len(actual) != len(items)):
        return [f"{where}: {len(actual)} elements, expected {len(items)}"]
    return [m for i, s in enumerate(items) for m in mismatches(s, actual[i], f"{where}[{i}]")]


def answer_mismatches(example: Example, output: str) -> list[str]:
    if example.answer_kind == "json":
        actual = last_json_object(output)
        if actual is None:
            return ["the example printed no JSON object"]
        return mismatches(json.loads(example.answer or "null"), actual)
    if example.answer_kind == "text":
        printed = {line.strip() for line in output.splitlines()}
        wanted = [line.strip() for line in (example.answer or "").splitlines() if line.strip()]
        return [f"not printed: {line!r}" for line in wanted if line not in printed]
    return []
