"""The rendered prompt scanned around its substituted spans: the same findings as a scan of
the whole text (on the evaluation set rendered into templates, PII in the template text
and next to the placeholders), template-text findings read from the cache on the next
render, configurations parsed once per engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.guardrails import engine as engine_module
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import DETECTORS, GuardrailEngine, Report, parse_config
from shared.guardrails.model import Guardrail
from shared.guardrails.windows import CONTEXT_CHARS, FixedTextFindings, regions
from shared.rendering import render_text
from shared.templates.defaults import DEFAULT_TEMPLATES

DATA = Path(__file__).parents[1] / "data"
EVAL_SET = DATA / "guardrail_eval.jsonl"
# Phones in national formats and identifiers of eleven regions, with their look-alikes.
LOCALE_SET = DATA / "pii_locale_eval.jsonl"
LOCALE_PII = Guardrail.model_validate(
    json.loads((DATA / "pii_locale_guardrails.json").read_text())[0]
    | {"name": "pii_eleven_regions"}
)
PII = DEFAULT_GUARDRAILS["pii_detection"]
EMAIL = "".join(["li.novak", "@", "example.org"])  # runtime data, not source text
FILLER = "Answer in full sentences and cite the textbook chapter you used.\n" * 8
# PII in template text far from and right next to the placeholders, context words on the
# line before a placeholder and in the text before a line break.
TEMPLATES = [
    *(t.template for t in DEFAULT_TEMPLATES.values() if t.template),
    f"Escalations: write to {EMAIL} or call (415) 555-2671.\n{FILLER}"
    "Student says:\n{{ q }}\nphone:\n{{ q }} card {{q}}\n"
    + FILLER
    + "IBAN DE89 3704 0044 0532 0130 00\n",
    FILLER + "Contact phone\n{{q}}" + FILLER + "ssn: 078-05-1120 and {{ q }}",
    "{{q}}",
    "{{q}}\n" + FILLER * 3 + "{{q}}",
]
CASES = [
    (PII, EVAL_SET),
    (
        Guardrail.model_validate(
            {
                **PII.model_dump(),
                "name": "pii_regions",
                "config": {"phone_regions": ["DE", "GB", "US"]},
            }
        ),
        EVAL_SET,
    ),
    (LOCALE_PII, LOCALE_SET),
]


def eval_texts(path: Path = EVAL_SET) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("guardrail", "texts"), CASES, ids=lambda c: getattr(c, "name", ""))
def test_findings_equal_a_scan_of_the_whole_text_on_the_evaluation_set(guardrail, texts):
    detector, config = DETECTORS[guardrail.type], parse_config(guardrail)
    fixed = FixedTextFindings()
    compared = with_fixed_regions = 0
    for template in TEMPLATES:
        for number, value in enumerate(eval_texts(texts)):
            # Every text as the value; some also ending a line, and behind a context word.
            variants = [value] if number % 5 else [value, value + "\n", "tel " + value[:40]]
            for variables in ({"q": v} for v in variants):
                rendered = render_text(template, {**variables, **_others(template)})
                whole = detector(rendered.text, config)
                around = fixed.scan(guardrail.name, detector, rendered.text, config, rendered.spans)
                assert around == whole, (template[:40], rendered.text)
                compared += 1
                with_fixed_regions += any(f for *_, f in regions(rendered.text, rendered.spans))
    assert with_fixed_regions > compared // 2  # most renders did use the cache
    assert fixed.entries >= 3


def _others(template: str) -> dict[str, str]:
    names = ("grade_level", "student_query", "ambiguity_reason", "topic")
    return {n: "8" for n in names} | {"learning_objective": "x", "duration_seconds": "60"}


def test_regions_keep_context_chars_between_template_text_and_any_substitution():
    template = FILLER + "{{q}}" + FILLER
    rendered = render_text(template, {"q": "value"})
    (start, end), cuts = rendered.spans[0], regions(rendered.text, rendered.spans)
    assert [fixed for *_, fixed in cuts] == [True, False, True]
    for low, high, fixed in cuts:
        assert low == 0 or rendered.text[low - 1] == "\n"  # line aligned
        if fixed:
            assert high + CONTEXT_CHARS <= start or low - CONTEXT_CHARS >= end


def test_the_second_render_reads_template_text_from_the_cache(mocker):
    engine = GuardrailEngine([PII])
    template = DEFAULT_TEMPLATES["nlu_extraction_gemini_25"].template
    variables = {"grade_level": "8", "student_query": "How do leaves make food? " * 40}
    rendered = render_text(template, variables)
    seen: list[int] = []
    real = DETECTORS["pii_detection"]
    mocker.patch.dict(DETECTORS, {"pii_detection": lambda t, c: seen.append(len(t)) or real(t, c)})
    read = []
    for _ in range(2):
        engine.apply(
            {"rendered": rendered.text},
            "rendered_prompt",
            Report(),
            spans={"rendered": rendered.spans},
        )
        read.append(sum(seen))
        seen.clear()
    assert read[1] < read[0]
    assert read[1] < len(rendered.text) - 1000  # over a kilobyte of template text skipped


def test_a_text_a_redaction_rewrote_is_scanned_whole():
    """Spans describe the text as rendered; after a `redact` the next guardrail scans it all."""
    engine = GuardrailEngine(
        [PII, Guardrail.model_validate({**PII.model_dump(), "name": "pii_z_second"})]
    )
    text = FILLER + EMAIL + "\n" + FILLER + "call (415) 555-2671\n"
    report = Report()
    spans = {"rendered": ((len(FILLER), len(FILLER) + len(EMAIL)),)}
    out = engine.apply({"rendered": text}, "rendered_prompt", report, spans=spans)
    assert "<EMAIL>" in out["rendered"]
    assert "<PHONE>" in out["rendered"]
    assert [e["guardrail"] for e in report.fired] == ["pii_detection"]


def test_a_finding_across_a_line_break_falls_back_to_the_whole_text(mocker):
    """Should a detector stop being line-local, the answer is still the whole text's."""

    def crossing(text, _config):
        at = text.find("A\nB")
        return [] if at < 0 else [engine_module.Finding("X", at, at + 3, 1.0)]

    text = FILLER + "{{q}}\n" + FILLER
    rendered = render_text(text + "A\nB", {"q": "v"})
    got = FixedTextFindings().scan("g", crossing, rendered.text, None, rendered.spans)
    assert got == crossing(rendered.text, None)
    assert got


def test_configurations_are_parsed_once_per_engine_not_per_call(mocker):
    engine = GuardrailEngine(DEFAULT_GUARDRAILS.values())
    parsed = mocker.spy(engine_module, "parse_config")
    for _ in range(3):
        engine.apply({"variables.q": "hello there"}, "input_variables", Report())
        engine.scan("hello there")
    assert parsed.call_count == 0


def test_a_spliced_placeholder_message_is_scanned_whole_on_render():
    """A chat placeholder takes the caller's messages as they are: all of their text is
    variable text, so the windowed scan still finds PII anywhere in it."""
    from shared.templates.model import PromptTemplate
    from shared.templates.service import render_guarded, render_with_spans

    template = PromptTemplate.model_validate(
        {
            "name": "chat_with_history",
            "messages": [
                {"role": "system", "content": FILLER + "Be kind."},
                {"role": "placeholder", "content": "history"},
                {"role": "user", "content": "{{q}}"},
            ],
        }
    )
    history = [{"role": "user", "content": FILLER + "my mail is " + EMAIL + "\n" + FILLER}]
    _, messages, _, spans = render_with_spans(template, {"history": history, "q": "hi"})
    # One span list per message, in order: a spliced message is a span end to end (were it
    # misaligned, the caller's text would be cached as if it were template text).
    assert messages is not None
    assert len(spans) == len(messages) == 3
    assert spans[1] == ((0, len(history[0]["content"])),)
    assert spans[2] == ((0, 2),)
    guarded = render_guarded(
        template, {"history": history, "q": "hi"}, GuardrailEngine([PII]), max_bytes=None
    )
    assert guarded.messages is not None
    assert [m.role for m in guarded.messages] == ["system", "user", "user"]
    assert EMAIL not in guarded.messages[1].content
    assert "<EMAIL>" in guarded.messages[1].content
