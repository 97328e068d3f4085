"""Rendering: the case file, the str.format bridge, and adversarial input."""

from __future__ import annotations

import pytest

from shared.errors import RenderError
from shared.rendering import placeholder_names, render_text, to_format_string
from shared.templates.model import PromptTemplate
from shared.templates.service import render


def test_rendering_case(rendering_case):
    template, variables = rendering_case["template"], rendering_case["variables"]
    if "missing" in rendering_case:
        with pytest.raises(RenderError) as raised:
            render_text(template, variables)
        fields = [e.field for e in raised.value.errors]
        assert fields == [f"variables.{n}" for n in rendering_case["missing"]]
        for name in rendering_case["missing"]:
            assert name in raised.value.detail
        assert raised.value.status == 422
        return
    result = render_text(template, variables)
    assert result.text == rendering_case["rendered"]
    assert sorted(set(variables) - result.used) == rendering_case["unused"]


@pytest.mark.parametrize(
    ("template", "variables"),
    [
        ('Hello {{name}}, {"json": {"x": 1}} \\{{name}} {{{name}}}', {"name": "Ada"}),
        ("{{a}}{{b}} }{ {{ a }}", {"a": "x", "b": "y"}),
        ("no placeholders at all {} {0} %s", {}),
    ],
)
def test_format_string_bridge_renders_the_same(template, variables):
    assert to_format_string(template).format(**variables) == render_text(template, variables).text


def test_placeholder_names_in_order_of_first_use():
    assert placeholder_names("{{b}} {{a}} {{b}} {{ c }} \\{{d}}") == ["b", "a", "c"]


def test_adversarial_template_renders_in_linear_time_shape():
    # Many unterminated openers and long identifier runs: the scanner must not backtrack.
    hostile = "{{" + " " * 50_000 + "a" * 50_000 + " x" + "{{a" * 20_000
    assert render_text(hostile, {}).text == hostile


def test_chat_messages_render_each_message_and_name_the_failing_one():
    template = PromptTemplate(
        name="chat",
        messages=[
            {"role": "system", "content": "Tutor for grade {{grade_level}}."},
            {"role": "user", "content": "{{question}}"},
        ],
    )
    text, messages, unused = render(template, {"grade_level": "7", "question": "Why?", "x": 1})
    assert text is None
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Tutor for grade 7."),
        ("user", "Why?"),
    ]
    assert unused == ["x"]
    with pytest.raises(RenderError) as raised:
        render(template, {"grade_level": "7"})
    assert "message 1" in raised.value.detail


def _reference_render(text, variables, max_bytes=None):
    """Rendering as one pass over the tokens, with no remembered cut: what render_text gives."""
    import json

    from prompt_client.placeholders import PLACEHOLDER_TOKEN

    names = []
    for match in PLACEHOLDER_TOKEN.finditer(text):
        if match.group(1) is not None and match.group(1) not in names:
            names.append(match.group(1))
    missing = [n for n in names if n not in variables]
    if missing:
        return ("missing", missing)
    pieces, spans, length, position = [], [], 0, 0
    for match in PLACEHOLDER_TOKEN.finditer(text):
        name = match.group(1)
        value = variables[name] if name is not None else "{{"
        if name is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        literal = text[position : match.start()]
        pieces += (literal, value)
        length += len(literal)
        if name is not None and value:
            spans.append((length, length + len(value)))
        length += len(value)
        position = match.end()
    pieces.append(text[position:])
    rendered = "".join(pieces)
    size = len(rendered.encode("utf-8"))
    if max_bytes is not None and size > max_bytes:
        return ("too large", size)
    return (rendered, frozenset(names), size, tuple(spans))


def _outcome(text, variables, max_bytes):
    from shared.errors import RenderedTooLarge

    try:
        got = render_text(text, variables, max_bytes=max_bytes)
    except RenderedTooLarge as exc:
        return ("too large", exc.extra["rendered_bytes"])
    except RenderError as exc:
        return ("missing", [e.field.removeprefix("variables.") for e in exc.errors])
    return (got.text, got.used, got.size, got.spans)


def test_render_text_equals_a_plain_render_on_random_templates():
    import random

    rng = random.Random(1202)
    bits = ["{{a}}", "{{ b }}", "{{\tc\t}}", "\\{{", "{{a", "}}", "{", " é ", "日本", "\n"]
    bits += ["x" * 5, "{{d}}"]
    values = ["", "ü", "plain", "日本語 text", 3, 2.5, None, True, ["a", 1], {"k": "v"}, "x" * 40]
    outcomes = []
    for _ in range(3000):
        text = "".join(rng.choice(bits) for _ in range(rng.randint(0, 12)))
        variables = {n: rng.choice(values) for n in "abcd" if rng.random() < 0.85}
        max_bytes = rng.choice((None, 10, 40, 10_000))
        got = _outcome(text, variables, max_bytes)
        assert got == _reference_render(text, variables, max_bytes), text
        outcomes.append(got[0] if got[0] in ("missing", "too large") else "rendered")
    assert {kind: outcomes.count(kind) > 100 for kind in set(outcomes)} == dict.fromkeys(
        ("missing", "too large", "rendered"), True
    )


def test_long_templates_render_the_same_without_being_remembered():
    from shared.rendering import placeholders

    long = ("Ünïcode {{a}} and \\{{ literal }} " * 1000) + "{{b}}"
    assert len(long) > placeholders.PARSED_MAX_CHARS
    variables = {"a": "x", "b": [1, 2]}
    before = placeholders._remembered_cut.cache_info().currsize
    assert _outcome(long, variables, None) == _reference_render(long, variables)
    assert _outcome(long, variables, 40_000) == _reference_render(long, variables, 40_000)
    assert placeholders._remembered_cut.cache_info().currsize == before
