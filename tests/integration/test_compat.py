"""`get_template()`: the seed's drop-in, backed by the same chain as the resolve function."""

from __future__ import annotations

import pytest

from shared.bootstrap.resolution import resolution_service
from shared.errors import TemplateNotFound
from shared.templates.compat import (
    SEED_KEYS,
    NotAChatTemplate,
    NotATextTemplate,
    UnknownTemplate,
    get_chat_template,
    get_template,
)
from shared.templates.model import PromptTemplate
from tests.support import put_version, seed_versions

pytestmark = pytest.mark.emulator


def test_before_migration_it_returns_the_seed_shape_from_the_defaults(
    make_settings, clean_firestore
):
    service = resolution_service(make_settings())
    prompt = get_template("script_generation_gemini_25", service=service)
    assert set(prompt) >= SEED_KEYS
    assert (prompt["source"], prompt["version"], prompt["model_name"]) == (
        "default",
        None,
        "gemini-2.5-flash",
    )
    text = prompt["template"].format(
        grade_level="8",
        topic="volcanoes",
        learning_objective="explain eruptions",
        duration_seconds=90,
    )
    assert "volcanoes" in text
    assert "{{" not in text


def test_after_seeding_it_returns_the_firestore_version_and_formats_like_the_seed(
    make_settings, clean_firestore
):
    settings = make_settings()
    seed_versions(
        settings,
        [
            {
                "name": "nlu_extraction_gemini_25",
                "template": 'Grade {{grade_level}}: {{student_query}} -> {"topic": "..."}',
                "model_config": {"temperature": 0.3},
                "labels": ["production"],
            }
        ],
    )
    prompt = get_template("nlu_extraction_gemini_25", service=resolution_service(settings))
    assert (prompt["source"], prompt["version"], prompt["temperature"]) == ("firestore", 1, 0.3)
    rendered = prompt["template"].format(grade_level="5", student_query="why {blue}?")
    assert rendered == 'Grade 5: why {blue}? -> {"topic": "..."}'


def test_default_key_is_the_seeds(make_settings, clean_firestore):
    service = resolution_service(make_settings())
    assert get_template(service=service)["name"] == "nlu_extraction_gemini_25"


def test_unknown_template_is_both_a_404_error_and_the_seeds_key_error(
    make_settings, clean_firestore
):
    service = resolution_service(make_settings())
    with pytest.raises(KeyError) as raised:
        get_template("no_such_prompt", service=service)
    assert isinstance(raised.value, UnknownTemplate)
    assert isinstance(raised.value, TemplateNotFound)
    assert raised.value.status == 404
    assert "no_such_prompt" in str(raised.value)


def test_chat_templates_come_back_as_format_ready_messages(make_settings, clean_firestore):
    settings = make_settings()
    service = resolution_service(settings)
    from shared.storage.templates import TemplateRepository

    put_version(
        TemplateRepository(settings),
        PromptTemplate(name="chat", messages=[{"role": "user", "content": "{{q}} {json}"}]),
        author="t",
        labels=("production",),
    )
    prompt = get_chat_template("chat", service=service)
    assert prompt["messages"][0]["content"].format(q="hi") == "hi {json}"


CHAT = {
    "name": "chat_helper",
    "labels": ["production"],
    "messages": [
        {"role": "system", "content": "You help {{who}} with {braces}."},
        {"role": "user", "content": "{{question}}"},
    ],
}


def test_a_chat_template_is_a_named_error_not_a_missing_key(make_settings, clean_firestore):
    settings = make_settings()
    seed_versions(settings, [CHAT])
    service = resolution_service(settings)

    with pytest.raises(NotATextTemplate) as raised:
        get_template("chat_helper", service=service)
    assert not isinstance(raised.value, KeyError)  # not mistaken for "unknown template"
    assert isinstance(raised.value, TypeError)
    assert "get_chat_template('chat_helper')" in str(raised.value)
    assert raised.value.version == 1

    chat = get_chat_template("chat_helper", service=service)
    assert "template" not in chat
    assert chat["messages"][0]["content"].format(who="students") == (
        "You help students with {braces}."
    )
    assert (chat["source"], chat["version"], chat["variables"]) == (
        "cache",  # the get_template() call above read it
        1,
        ["who", "question"],
    )
    with pytest.raises(NotAChatTemplate):
        get_chat_template("nlu_extraction_gemini_25", service=service)


def test_a_deleted_template_is_unknown_even_with_a_bundled_default(make_settings, clean_firestore):
    from shared.audit.model import Actor
    from shared.storage.templates import TemplateRepository

    settings = make_settings()
    seed_versions(settings, [{"name": "nlu_extraction_gemini_25", "template": "v1 {{x}}"}])
    TemplateRepository(settings).delete(
        "nlu_extraction_gemini_25", actor=Actor("t", "r"), if_match=None, blocker=None
    )
    with pytest.raises(UnknownTemplate) as raised:
        get_template("nlu_extraction_gemini_25", service=resolution_service(settings))
    assert "deleted" in str(raised.value)
