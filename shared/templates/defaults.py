"""The bundled defaults: the seed's three templates, the last link of the fallback chain.

They are what `get_template()` serves before the database is migrated and when it and the
environment override both fail, so they must always validate (a unit test checks they do).
They stand for the `production` label only, and never for a template Firestore says is
deleted (see `shared.templates.resolver`).
"""

from __future__ import annotations

from typing import Any

from shared.templates.default_texts import DEFAULT_TEXT_SPECS
from shared.templates.model import ModelConfig, PromptTemplate


def _build(name: str, spec: dict[str, Any]) -> PromptTemplate:
    return PromptTemplate(
        name=name,
        description=spec["description"],
        template=spec["text"],
        variables=spec["variables"],
        generation=ModelConfig(
            model_name="gemini-2.5-flash",
            temperature=spec["temperature"],
            max_output_tokens=spec["max_output_tokens"],
            response_mime_type=spec["response_mime_type"],
        ),
    )


DEFAULT_TEMPLATES: dict[str, PromptTemplate] = {
    name: _build(name, spec) for name, spec in DEFAULT_TEXT_SPECS.items()
}
