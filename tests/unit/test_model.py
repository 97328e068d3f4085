"""The template model: validation, hashing, the seed's flat shape and the bundled defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.errors import ValidationFailed
from shared.rendering import render_text
from shared.templates.compat import SEED_KEYS
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.model import PromptTemplate, check_label, check_template_name

SEED_NAMES = {"nlu_extraction_gemini_25", "clarification_gemini_25", "script_generation_gemini_25"}


def test_bundled_defaults_are_the_seed_templates():
    assert set(DEFAULT_TEMPLATES) == SEED_NAMES
    for template in DEFAULT_TEMPLATES.values():
        assert template.generation.model_name == "gemini-2.5-flash"
        assert "grade_level" in template.variables
        assert template.variables == template.placeholders()
        assert len(template.template or "") > 500  # realistic prompts, not stubs


def test_defaults_render_with_their_declared_variables():
    for template in DEFAULT_TEMPLATES.values():
        values = {name: f"<{name}>" for name in template.variables}
        rendered = render_text(template.template or "", values).text
        assert "{{" not in rendered
        assert all(value in rendered for value in values.values())


def test_seed_shape_round_trips_and_formats_like_the_seed():
    template = DEFAULT_TEMPLATES["nlu_extraction_gemini_25"]
    legacy = template.to_legacy_dict()
    assert set(legacy) >= SEED_KEYS
    values = {"grade_level": "5", "student_query": "Explain {photosynthesis}"}
    assert legacy["template"].format(**values) == render_text(template.template, values).text


def test_body_must_be_text_or_messages_not_both():
    with pytest.raises(ValidationError, match="exactly one"):
        PromptTemplate(name="x")
    with pytest.raises(ValidationError, match="exactly one"):
        PromptTemplate(name="x", template="a", messages=[{"role": "user", "content": "b"}])


def test_placeholders_must_be_declared_when_variables_are_given():
    with pytest.raises(ValidationError, match="not declared"):
        PromptTemplate(name="x", template="{{a}} {{b}}", variables=["a"])
    assert PromptTemplate(name="x", template="{{a}} {{b}}").variables == ["a", "b"]


def test_unknown_fields_and_out_of_range_model_settings_are_rejected():
    with pytest.raises(ValidationError):
        PromptTemplate(name="x", template="a", colour="blue")
    with pytest.raises(ValidationError):
        PromptTemplate.from_legacy_dict("x", {"template": "a", "temperature": 3})
    with pytest.raises(ValidationError):
        PromptTemplate.from_legacy_dict("x", {"template": "a", "top_p": 0})


def test_content_hash_ignores_metadata_and_tracks_content():
    a = PromptTemplate(name="x", template="a", version=1, author="p")
    b = PromptTemplate(name="x", template="a", version=7, author="q")
    c = PromptTemplate(name="x", template="a", model_config={"temperature": 0.9})
    assert a.content_hash == b.content_hash != c.content_hash


@pytest.mark.parametrize("name", ["nlu_extraction_gemini_25", "a", "A.b-c_1", "x" * 128])
def test_valid_names(name):
    assert check_template_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "../x", "a//b", "/x", "__x__", ".", "x" * 129, "_x", "a b", "é"]
)
def test_invalid_names_are_422(name):
    with pytest.raises(ValidationFailed) as raised:
        check_template_name(name)
    assert raised.value.errors[0].field == "name"


@pytest.mark.parametrize("label", ["Production", "", "1st", "a" * 64, "stag ing"])
def test_invalid_labels(label):
    with pytest.raises(ValidationFailed):
        check_label(label)
