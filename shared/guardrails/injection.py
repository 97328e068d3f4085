"""Prompt-injection heuristics (pure, standard library only).

The text is first folded the way an attacker's tricks would be undone: NFKC (fullwidth and
compatibility forms), a small homoglyph table (Cyrillic and Greek look-alikes), casefold,
invisible and bidirectional control characters removed (and reported). Then:

- instruction-override phrases in English, Spanish, French, German, Portuguese, Italian,
  Chinese and Japanese; requests to reveal the system prompt; persona switches;
- chat-template tokens (`<|im_start|>`, `[INST]`, `<<SYS>>`, `### System:`, ...);
- closing a data delimiter the template put around user input (`</student_query>`);
- what an order says under encodings and rewritings (base64, hex, ROT13, l33t, ...:
  `shared/guardrails/disguises.py`), scanned again.

Talking *about* injection is not injection: a phrase right after "such as", "e.g." or
"what is", or inside quotes or a code span in text that discusses attacks, is damped below
the default threshold. Quotes alone are no escape hatch.
Every pattern is bounded; spans map back to the original text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from shared.guardrails import disguises
from shared.guardrails.text import Finding, Folded, fold

if TYPE_CHECKING:
    from shared.guardrails.injection_model import Model

_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}?"
    r"\b(?:previous|prior|above|earlier|preceding|all|any|your|the|these|those)\b[^.\n]{0,30}?"
    r"\b(?:instructions?|prompts?|rules|directions|guidelines|context|messages?)\b"
    # "Disregard the above and instead ...": the object left out, the order that follows.
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:of\s+)?"
    r"(?:the\s+|that\s+|what(?:'s|\s+is|\s+was)\s+(?:written\s+|said\s+)?)?"
    r"(?:above|previous|preceding|prior|before)(?:\s+(?:text|message|prompt|content|ones?))?"
    r"\s*(?:,|and|then|;)\s*(?:and\s+)?(?:instead|now|from\s+now\s+on)\b"
    r"|\bignora(?:r)?\b[^.\n]{0,30}?\binstrucciones\b"
    r"|\bignorez?\b[^.\n]{0,30}?\binstructions\b[^.\n]{0,20}?\b(?:pr[ée]c[ée]dentes|ant[ée]rieures)\b"
    r"|\b(?:ignoriere|vergiss)\b[^.\n]{0,30}?\banweisungen\b"
    r"|\bignore\b[^.\n]{0,30}?\binstru[çc][õo]es\b"
    r"|\bignora\b[^.\n]{0,30}?\bistruzioni\b"
    r"|忽略(?:之前|以上|上面|所有)[^。\n]{0,10}(?:指令|指示|说明)"
    r"|(?:以前|前|上記)の(?:指示|命令)を無視"
)
_REVEAL = re.compile(
    r"\b(?:reveal|print|show|repeat|output|display|tell me|what (?:is|are|were|does))\b"
    r"[^.\n?]{0,30}?"
    r"\b(?:your\s+(?:(?:system|initial|original|hidden|secret)\s+){1,2}|"
    r"the\s+(?:(?:system|initial|hidden|secret)\s+){1,2})(?:prompt|instructions|message|rules)\b"
)
_PERSONA = re.compile(
    r"\b(?:you are now|from now on,? you are|act as|pretend (?:to be|you are))\b[^.\n]{0,30}?"
    r"\b(?:dan|unfiltered|jailbroken|developer mode|no (?:rules|restrictions|filters))\b"
    r"|\b(?:enable|enter|activate|switch to|turn on|you are (?:now )?in)\s(?:the\s)?"
    r"(?:developer|god|jailbreak|dan|unrestricted) mode\b"
    r"|\bjailbreak mode\b"
)
_CHAT_TOKENS = re.compile(
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id)\|>"
    r"|\[/?inst\]|<</?sys>>|(?:^|\n)\s{0,3}#{2,4}\s?(?:system|instruction|assistant)\s?:"
    # A role label on a later line forges a turn; on the first line only when it gives orders
    # ("System: Windows 11" in a bug report is not a turn).
    r"|\n(?:system|assistant)\s?:"
    r"|^(?:system|assistant)\s?:\s{0,3}(?:you|ignore|new |from now|always|never|do not|don't|"
    r"reveal|print|forget|disregard)"
)
_CLOSING_TAG = re.compile(
    r"</(?:student_query|user_input|input|query|data|context|document|topic)\s*>"
)
_ABOUT = re.compile(
    r"(?:such as|e\.g\.|for example|like|what (?:is|does|are)|how (?:do|does|to) (?:i )?"
    r"(?:detect|prevent|stop|defend)|called|known as)[^.\n]{0,20}$"
)

# Words of someone discussing attacks; quoting alone must not be an escape hatch, and
# neither is a host name ("attacker@example.com" discusses nothing).
_DISCUSSION = re.compile(
    r"(?<![@./\w])(?:example|essay|quotes?|attacks?|injection|jailbreak|filter|detect\w*|block\w*|"
    r"security|defen[cs]e|prevent\w*)\b(?!\.\w)"
)


def _starting_with(first: str, pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same matches, tried only where one can start: every branch of the pattern opens
    (after `\b`) with a character of the look-ahead `first`, which fails at once elsewhere."""
    return re.compile(f"(?={first})(?:{pattern.pattern})", pattern.flags)


# Each phrase pattern, and words one of which every match holds (a text without any is
# spared the pattern: a few substring searches instead of a regex tried at every position).
# A test derives both from the patterns: each branch's first characters, and a word of the
# gate in every branch.
_PHRASES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "INSTRUCTION_OVERRIDE",
        _starting_with("[idfobsv忽以前上]", _OVERRIDE),
        ("ignor", "disregard", "forget", "override", "bypass", "skip", "vergiss", "忽略", "無視"),
    ),
    (
        "SYSTEM_PROMPT_REVEAL",
        _starting_with("[rpsotdw]", _REVEAL),
        ("prompt", "instructions", "message", "rules"),
    ),
    (
        "PERSONA_SWITCH",
        _PERSONA,
        ("dan", "unfiltered", "jailbroken", "mode", "rules", "restrictions", "filters"),
    ),
    (
        "CHAT_TEMPLATE_TOKEN",
        _CHAT_TOKENS,
        ("<|", "inst]", "sys>>", "system", "instruction", "assistant"),
    ),
    ("DELIMITER_BREAK", _CLOSING_TAG, ("</",)),
)

SCORES = {
    "INSTRUCTION_OVERRIDE": 0.9,
    "SYSTEM_PROMPT_REVEAL": 0.85,
    "PERSONA_SWITCH": 0.85,
    "CHAT_TEMPLATE_TOKEN": 0.85,
    "DELIMITER_BREAK": 0.8,
    "ENCODED_PAYLOAD": 0.9,
    "INVISIBLE_UNICODE": 0.5,
}
DAMPING = 0.5
MODEL_FINDING = "INJECTION_MODEL"
MODEL_REPORT_FLOOR = 0.2  # below this the model's opinion is not worth a finding


def _quoted(text: str, start: int) -> bool:
    """Inside a code span/block or quotes opened before `start` on the same line."""
    before = text[max(0, start - 200) : start]
    line = before.rsplit("\n", 1)[-1]
    return (
        before.count("```") % 2 == 1
        or line.count("`") % 2 == 1
        or line.count('"') % 2 == 1
        or (line.count("“") > line.count("”"))
    )


def _phrase_findings(folded: Folded) -> list[Finding]:
    findings = []
    text = folded.text
    discusses_attacks = None  # searched once per text (linear), when a phrase matched
    for kind, pattern, gate in _PHRASES:
        if not any(word in text for word in gate):
            continue
        for match in pattern.finditer(text):
            score = SCORES[kind]
            about = _ABOUT.search(text[max(0, match.start() - 60) : match.start()])
            if discusses_attacks is None:
                discusses_attacks = _DISCUSSION.search(text) is not None
            discussed = discusses_attacks and _quoted(text, match.start())
            # A chat token is damped only when asked about ("what does [INST] mean"): quoting
            # one inside an "essay" must not smuggle it through.
            if about if kind == "CHAT_TEMPLATE_TOKEN" else (about or discussed):
                score *= DAMPING  # talking about an attack, not making one
            start, end = folded.span(match.start(), match.end())
            findings.append(Finding(kind, start, end, score))
    return findings


def _model_finding(model: Model, folded: Folded) -> Finding | None:
    probability, start, end = model.best_window(folded.text)
    if probability < MODEL_REPORT_FLOOR:
        return None
    start, end = folded.span(start, end)
    return Finding(MODEL_FINDING, start, end, round(probability, 4))


def _damped_like_the_rules(learned: Finding, rules: list[Finding]) -> Finding:
    """The model reads n-grams, not who is speaking: where the rules saw an attack phrase in
    its window and judged every one of them discussed ("what is ..., e.g. ignore previous
    instructions?"), its score is damped the same way."""
    inside = [f for f in rules if f.start < learned.end and learned.start < f.end]
    if inside and all(f.score < SCORES[f.type] for f in inside if f.type in SCORES):
        return Finding(learned.type, learned.start, learned.end, round(learned.score * DAMPING, 4))
    return learned


def scan(
    text: str,
    *,
    decode_payloads: bool = True,
    canaries: tuple[str, ...] = (),
    model: Model | None = None,
) -> list[Finding]:
    """Findings in the original text's coordinates, highest score first per span.

    With `model`, the learned score of the text's most suspicious window (and of each
    decoded payload) joins the rules' findings as `INJECTION_MODEL`."""
    folded = fold(text)
    findings = _phrase_findings(folded)
    if model is not None and folded.text:
        found = _model_finding(model, folded)
        if found is not None:
            findings.append(_damped_like_the_rules(found, findings))
    if folded.hidden:
        findings.append(
            Finding(
                "INVISIBLE_UNICODE",
                folded.hidden[0],
                folded.hidden[-1] + 1,
                SCORES["INVISIBLE_UNICODE"],
            )
        )
    if decode_payloads:
        findings += _disguised_findings(text, folded, model)
    for canary in canaries:
        position = text.find(canary)
        if canary and position >= 0:
            findings.append(Finding("CANARY_LEAK", position, position + len(canary), 1.0))
    return sorted(findings, key=lambda f: (f.start, -f.score))


def _disguised_findings(text: str, folded: Folded, model: Model | None) -> list[Finding]:
    """What each encoded or disguised part says, scanned as plain text is: a finding of the
    view's type over the disguised part, scored as the highest finding in what it says."""
    found = []
    for view in disguises.views(text, folded):
        inner_folded = fold(view.text)
        inner = _phrase_findings(inner_folded)
        if model is not None:
            learned = _model_finding(model, inner_folded)
            inner += [learned] if learned is not None else []
        spans = [(view.span_of(f.start, f.end), f.score) for f in inner]
        scored = [(span, s) for span, s in spans if span is not None]
        if scored:
            best_span, best = max(scored, key=lambda item: item[1])
            found.append(Finding(view.finding, *best_span, best))
    return found


def score(findings: list[Finding]) -> float:
    return max((f.score for f in findings), default=0.0)
