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
