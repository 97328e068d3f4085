"""The last links of the chain: `CUSTOM_TEMPLATES_JSON`, then the bundled defaults.

Both are kept in the shape the resolve function answers (`name`, `description`, `template`
or `messages`, `model_config`, `variables`), so every source goes through one conversion.

- The bundled defaults are `defaults.json`, generated from the server's own definition
  (`make client-defaults`; a test fails when they drift).
- `CUSTOM_TEMPLATES_JSON` is the seed's override: a JSON object of name -> template in the
  seed's flat shape (`description`, `model_name`, `temperature`, `max_output_tokens`,
  `top_p`, `top_k`, `stop_sequences`, `response_mime_type`, `template` or `messages`,
  `variables`; model settings may instead sit in `model_config`). Omitted model settings
  take `MODEL_DEFAULTS`, the server's defaults. An entry of the wrong shape is logged and
  skipped, never fatal: a typo in an env var must not take lookups down. The client checks
  shape only; value ranges are the server's to enforce on what it stores.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from typing import Any

from prompt_client.placeholders import PLACEHOLDER_TOKEN

logger = logging.getLogger(__name__)

Answer = dict[str, Any]

MODEL_DEFAULTS: dict[str, Any] = {
    "model_name": "gemini-2.5-flash",
    "temperature": 0.2,
    "max_output_tokens": 2048,
    "top_p": 0.95,
    "top_k": None,
    "stop_sequences": [],
    "response_mime_type": "text/plain",
}
_ROLES = frozenset({"system", "user", "assistant"})


@cache
def bundled_defaults() -> dict[str, Answer]:
    text = resources.files("prompt_client").joinpath("defaults.json").read_text("utf-8")
    document: dict[str, Answer] = json.loads(text)
    return document


def parse_custom_templates(raw: str | None) -> dict[str, Answer]:
    if not raw or not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except ValueError as exc:
        logger.error("CUSTOM_TEMPLATES_JSON is not valid JSON; ignoring it (%s)", exc)
        return {}
    if not isinstance(document, dict):
        logger.error("CUSTOM_TEMPLATES_JSON must be a JSON object of name -> template; ignoring it")
        return {}
    templates: dict[str, Answer] = {}
    for name, entry in document.items():
        try:
            templates[name] = _answer(name, entry)
        except ValueError as exc:
            logger.error(
                "CUSTOM_TEMPLATES_JSON entry %r is invalid; skipping it: %s", str(name)[:128], exc
            )
    return templates


def _answer(name: str, entry: Any) -> Answer:
    if not isinstance(entry, dict):
        raise ValueError("not an object")
    flat = dict(entry)
    if flat.pop("name", name) != name:
        raise ValueError("'name' differs from its key")
    nested = flat.pop("model_config", None)
    flat_model = {key: flat.pop(key) for key in list(flat) if key in MODEL_DEFAULTS}
    if nested is not None and flat_model:
        raise ValueError("give model settings flat or in 'model_config', not both")
    model = nested if nested is not None else flat_model
    if not isinstance(model, dict) or set(model) - set(MODEL_DEFAULTS):
        raise ValueError(f"model settings must be among {sorted(MODEL_DEFAULTS)}")
    answer: Answer = {
        "name": name,
        "description": _string(flat.pop("description", ""), "description"),
        "model_config": {**MODEL_DEFAULTS, **model},
    }
    template, messages = flat.pop("template", None), flat.pop("messages", None)
    if (template is None) == (messages is None):
        raise ValueError("exactly one of 'template' (text) or 'messages' (chat) is required")
    if template is not None:
        answer["template"] = _string(template, "template", empty=False)
        texts = [answer["template"]]
    else:
        answer["messages"] = _messages(messages)
        texts = [m["content"] for m in answer["messages"]]
    variables = flat.pop("variables", None)
    if variables is not None and not (
        isinstance(variables, list) and all(isinstance(v, str) for v in variables)
    ):
        raise ValueError("'variables' must be a list of names")
    answer["variables"] = variables or _placeholders(texts)
    if flat:
        raise ValueError(f"unknown fields {sorted(flat)}")
    return answer


def _string(value: Any, field: str, *, empty: bool = True) -> str:
    if not isinstance(value, str) or (not empty and not value):
        raise ValueError(f"'{field}' must be a {'' if empty else 'non-empty '}string")
    return value


def _messages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise ValueError("'messages' must be a non-empty list")
    out = []
    for message in value:
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise ValueError("each message is {role, content}")
        if message["role"] not in _ROLES:
            raise ValueError(f"a message's role is one of {sorted(_ROLES)}")
        out.append({"role": message["role"], "content": _string(message["content"], "content")})
    return out


def _placeholders(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        for match in PLACEHOLDER_TOKEN.finditer(text):
            if match.group(1) is not None:
                seen.setdefault(match.group(1), None)
    return list(seen)
