"""An engine remembers the findings of texts it scanned (VerdictMemo): a remembered text gets
exactly the findings a scan gives, a render scanned before runs no detector, and new
guardrails start from an empty memo."""

from __future__ import annotations

import json
from pathlib import Path

from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import DETECTORS, GuardrailEngine, Report, VerdictMemo, parse_config
from shared.guardrails.model import Guardrail
from shared.rendering import render_text
from shared.templates.defaults import DEFAULT_TEMPLATES

EVAL_SET = Path(__file__).parents[1] / "data" / "guardrail_eval.jsonl"
NLU = DEFAULT_TEMPLATES["nlu_extraction_gemini_25"].template


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in EVAL_SET.read_text().splitlines()]
    return list(dict.fromkeys(texts))  # distinct: a repeated text is remembered at once


def test_remembered_findings_equal_a_scan_on_the_evaluation_set():
    texts = _texts()
    memo = VerdictMemo(max_entries=len(texts) + 1)
    for guardrail in DEFAULT_GUARDRAILS.values():
        detector, config = DETECTORS[guardrail.type], parse_config(guardrail)
        hits = memo.hits
        for text in texts:
            scanned = detector(text, config)
            assert memo.detect(guardrail.name, detector, text, config) == scanned, text
            assert memo.detect(guardrail.name, detector, text, config) == scanned, text
        assert memo.hits - hits == len(texts)  # every second ask was remembered


def test_a_render_scanned_before_runs_no_detector_and_answers_the_same(mocker):
    engine = GuardrailEngine(DEFAULT_GUARDRAILS.values())
    variables = {
        "grade_level": "8",
        "student_query": "Please mail the notes to li.novak@example.org",
    }
    calls = dict.fromkeys(DETECTORS, 0)
    for name, real in list(DETECTORS.items()):

        def counted(text, config, name=name, real=real):
            calls[name] += 1
            return real(text, config)

        mocker.patch.dict(DETECTORS, {name: counted})

    def render() -> tuple:
        report = Report()
        leaves = {f"variables.{k}": v for k, v in variables.items()}
        checked = engine.apply(leaves, "input_variables", report)
        rendered = render_text(NLU, {k.removeprefix("variables."): v for k, v in checked.items()})
        spans = {"rendered": rendered.spans}
        out = engine.apply({"rendered": rendered.text}, "rendered_prompt", report, spans=spans)
        return checked, out, report.as_dict()

    first = render()
    assert all(calls.values())  # every detector ran
    calls.update(dict.fromkeys(calls, 0))
    assert render() == first
    assert calls == dict.fromkeys(calls, 0)  # none ran again
    assert "<EMAIL>" in first[0]["variables.student_query"]
    assert "<EMAIL>" in first[1]["rendered"]


def test_new_guardrails_start_from_an_empty_memo():
    text = "the banana said hello"
    toxic = DEFAULT_GUARDRAILS["toxic_content_filter"]
    before = GuardrailEngine([toxic])
    assert before.apply({"q": text}, "input_variables", Report()) == {"q": text}
    assert before.verdicts.entries == 1
    stricter = Guardrail.model_validate(
        {**toxic.model_dump(), "config": {"extra_terms": ["banana"]}, "action": "warn"}
    )
    report = Report()
    GuardrailEngine([stricter]).apply({"q": text}, "input_variables", report)
    assert [e["guardrail"] for e in report.fired] == ["toxic_content_filter"]


def test_the_memo_is_bounded_and_takes_any_text():
    memo = VerdictMemo(max_entries=16)
    detector, config = DETECTORS["pii_detection"], parse_config(DEFAULT_GUARDRAILS["pii_detection"])
    for number in range(100):
        memo.detect("pii", detector, f"call 415 555 {number:04d}", config)
    assert memo.entries == 16
    lone = "half a pair \ud800 of surrogates"  # JSON can carry these
    assert memo.detect("pii", detector, lone, config) == detector(lone, config)


def test_an_input_that_ran_clean_is_answered_again_without_any_detector(mocker):
    engine = GuardrailEngine(DEFAULT_GUARDRAILS.values())
    leaves = {"variables.q": "How do plants make food?", "variables.grade": "8th grade"}
    first = Report()
    assert engine.apply(leaves, "input_variables", first) == leaves
    assert engine.verdicts.passes == 0
    remembered = engine.verdicts.hits
    again = Report()
    assert engine.apply(leaves, "input_variables", again) == leaves
    assert again.as_dict() == first.as_dict()
    assert engine.verdicts.passes == 1
    assert engine.verdicts.hits == remembered  # answered before any per-text look-up
    # The same texts under other names, or on another surface, are another input.
    other = {"variables.question": leaves["variables.q"], "variables.grade": "8th grade"}
    engine.apply(other, "input_variables", Report())
    engine.apply(leaves, "response", Report())
    assert engine.verdicts.passes == 1


def test_what_fires_or_fails_is_reported_and_logged_on_every_request(mocker, caplog):
    toxic = DEFAULT_GUARDRAILS["toxic_content_filter"]
    warn = Guardrail.model_validate({**toxic.model_dump(), "action": "warn"})
    pii = DEFAULT_GUARDRAILS["pii_detection"]
    engine = GuardrailEngine([warn, pii])
    fired = {"q": "you are a fucking idiot"}
    reports = []
    for _ in range(3):
        report = Report()
        assert engine.apply(fired, "input_variables", report) == fired
        reports.append(report.as_dict())
    assert [len(r["fired"]) for r in reports] == [1, 1, 1]
    assert sum("Guardrail toxic_content_filter fired" in r.message for r in caplog.records) == 3
    assert engine.verdicts.passes == 0

    caplog.clear()
    mocker.patch("shared.guardrails.pii.detect", side_effect=RuntimeError("boom"))
    for _ in range(2):  # fail_mode open: the text goes on, and each failure is logged
        assert engine.apply({"q": "hello there"}, "input_variables", Report()) == {
            "q": "hello there"
        }
    assert sum(r.message == "Guardrail check failed" for r in caplog.records) == 2
    assert engine.verdicts.passes == 0


def test_a_rendered_text_is_remembered_with_its_substituted_spans():
    engine = GuardrailEngine(DEFAULT_GUARDRAILS.values())
    rendered = render_text(NLU, {"grade_level": "8", "student_query": "Call me at 415 555 0100"})
    spans = {"rendered": rendered.spans}
    first = Report()
    out = engine.apply({"rendered": rendered.text}, "rendered_prompt", first, spans=spans)
    assert "<PHONE>" in out["rendered"]  # fired: redacted, so not remembered as a pass
    clean = render_text(NLU, {"grade_level": "8", "student_query": "How do plants grow?"})
    for located in ({"rendered": clean.spans}, {"rendered": ((0, 1),)}, None):
        report = Report()
        assert engine.apply({"rendered": clean.text}, "rendered_prompt", report, spans=located)
        assert report.as_dict() == {"ran": ["pii_detection"], "fired": []}
    assert engine.verdicts.passes == 0  # three spans, three inputs
    engine.apply({"rendered": clean.text}, "rendered_prompt", Report(), spans=None)
    assert engine.verdicts.passes == 1


def test_digests_hashed_in_pieces_are_the_one_shot_digests():
    import hashlib

    from shared.guardrails.text import hash_update

    for size in (0, 1, 2046, 2047, 2048, 4095, 4096, 100_003):
        data = bytes(i % 251 for i in range(size))
        pieces = hashlib.blake2b(digest_size=16)
        hash_update(pieces, data)
        assert pieces.digest() == hashlib.blake2b(data, digest_size=16).digest(), size
