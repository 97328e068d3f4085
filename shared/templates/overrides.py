"""`CUSTOM_TEMPLATES_JSON`: the environment override, second link of the fallback chain.

The value is a JSON object mapping a template name to a template in the seed's flat shape
(`description`, `model_name`, `temperature`, `max_output_tokens`, `top_p`, `top_k`,
`stop_sequences`, `response_mime_type`, `template` or `messages`, `variables`); omitted
model fields take the `ModelConfig` defaults. Like the bundled defaults, an override stands
for the `production` label only and never resurrects a template Firestore says is deleted.
A malformed document or entry is logged once (at parse time, which happens once per process)
and skipped: a typo in an env var must never take resolution down.
"""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError

from shared.templates.model import PromptTemplate
from shared.validation import summarize

logger = logging.getLogger(__name__)


def parse_custom_templates(raw: str | None) -> dict[str, PromptTemplate]:
    if not raw or not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        logger.error(
            "CUSTOM_TEMPLATES_JSON is not valid JSON; ignoring it",
            extra={"json_fields": {"error": f"{exc.msg} at line {exc.lineno} col {exc.colno}"}},
        )
        return {}
    if not isinstance(document, dict):
        logger.error("CUSTOM_TEMPLATES_JSON must be a JSON object of name -> template; ignoring it")
        return {}
    templates: dict[str, PromptTemplate] = {}
    for name, entry in document.items():
        if not isinstance(entry, dict):
            logger.error(
                "CUSTOM_TEMPLATES_JSON entry is not an object; skipping it",
                extra={"json_fields": {"template": str(name)[:128]}},
            )
            continue
        try:
            templates[name] = PromptTemplate.from_legacy_dict(name, entry)
        except (ValidationError, ValueError) as exc:
            logger.error(
                "CUSTOM_TEMPLATES_JSON entry is invalid; skipping it",
                extra={"json_fields": {"template": str(name)[:128], "error": _describe(exc)}},
            )
    return templates


def _describe(exc: Exception) -> str:
    return summarize(exc, prefix="entry") if isinstance(exc, ValidationError) else str(exc)
