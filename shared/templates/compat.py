"""A drop-in for the seed's `get_template()`, so calling services migrate with no code change.

    from shared.templates.compat import get_template
    prompt = get_template("nlu_extraction_gemini_25")
    text = prompt["template"].format(grade_level="5", student_query="...")

Same dict shape as the seed (`name`, `description`, `model_name`, `temperature`,
`max_output_tokens`, `top_p`, `top_k`, `stop_sequences`, `response_mime_type`, `template`),
with `template` in `str.format` syntax as the seed's callers expect, plus `version`,
`variables`, `label` and `source`. It is backed by the same chain as the resolve function.
An unknown name raises `UnknownTemplate`, which is both our 404 error and a `KeyError`, so
callers that caught the seed's `KeyError` keep working (a deleted template is unknown too).

With `PROMPTS_URL` set (and no `service` passed), it resolves through that resolve function
over HTTP instead: the `prompt_client` distribution, with its own cache, deadlines and the
same last fallbacks (docs/client.md). The dict and the errors raised are the same either way.

The seed only had text templates. A chat template has no `str.format` text to hand out, so
`get_template()` raises `NotATextTemplate` (a `TypeError`, deliberately not a `KeyError`:
"this template is of another kind" must not be handled like "no such template" by code that
falls back on `KeyError`). Chat templates are read with `get_chat_template()`, the same dict
with `messages` (each `content` in `str.format` syntax) instead of `template`; it raises
`NotAChatTemplate` for a text template.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

# One family of "wrong kind" errors for both paths (Firestore here, HTTP through the client).
from prompt_client.errors import NotAChatTemplate, NotATextTemplate, WrongTemplateKind

from shared.config import get_settings
from shared.errors import ConfigurationError, ServiceUnavailable, TemplateNotFound
from shared.templates.service import ResolutionService

if TYPE_CHECKING:
    from prompt_client import PromptClient

__all__ = [
    "NotAChatTemplate",
    "NotATextTemplate",
    "UnknownTemplate",
    "WrongTemplateKind",
    "get_chat_template",
    "get_template",
]

# The keys the seed's callers read from `get_template()`; they must always be present.
SEED_KEYS = frozenset(
    {"name", "description", "model_name", "temperature", "max_output_tokens", "top_p", "template"}
)


class UnknownTemplate(TemplateNotFound, KeyError):
    def __init__(self, name: str, detail: str | None = None) -> None:
        super().__init__(name)
        if detail:  # keep why (e.g. "is deleted") from the resolver's error
            self.detail = detail
            self.args = (detail,)

    def __str__(self) -> str:
        return self.detail


_lock = threading.Lock()
_service: ResolutionService | None = None


def _shared_service() -> ResolutionService:
    global _service  # noqa: PLW0603 - one resolver (and cache) per process, built on first use
    with _lock:
        if _service is None:
            # Imported here: the composition root depends on this package, not the reverse.
            from shared.bootstrap.resolution import resolution_service

            _service = resolution_service(get_settings(), preload_clients=True)
        return _service


def get_template(
    template_key: str = "nlu_extraction_gemini_25",
    *,
    label: str | None = None,
    version: int | None = None,
    service: ResolutionService | None = None,
) -> dict[str, Any]:
    """The seed's dict, `template` in `str.format` syntax; `NotATextTemplate` for chat."""
    legacy = _legacy(template_key, label, version, service)
    if "template" not in legacy:
        raise NotATextTemplate(template_key, legacy["version"])
    return legacy


def get_chat_template(
    template_key: str,
    *,
    label: str | None = None,
    version: int | None = None,
    service: ResolutionService | None = None,
) -> dict[str, Any]:
    """The same dict with `messages` (`role`, `content` in `str.format` syntax)."""
    legacy = _legacy(template_key, label, version, service)
    if "messages" not in legacy:
        raise NotAChatTemplate(template_key, legacy["version"])
    return legacy


def _http_client() -> PromptClient | None:
    """The process's HTTP client when `PROMPTS_URL` is set (imported only then)."""
    if not get_settings().prompts_url:
        return None
    import prompt_client

    try:
        return prompt_client.default_client()
    except prompt_client.ClientConfigError as exc:
        raise ConfigurationError(str(exc)) from exc


def _over_http(
    client: PromptClient, template_key: str, label: str | None, version: int | None
) -> dict[str, Any]:
    import prompt_client

    try:
        resolved = client.resolve(template_key, label=label, version=version)
    except prompt_client.TemplateNotFound as exc:
        raise UnknownTemplate(template_key, exc.detail) from exc
    except prompt_client.PromptsUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc
    return dict(resolved.template)  # a copy: callers may edit it, never the cached one


def _legacy(
    template_key: str, label: str | None, version: int | None, service: ResolutionService | None
) -> dict[str, Any]:
    if service is None and (client := _http_client()) is not None:
        return _over_http(client, template_key, label, version)
    try:
        resolution = (service or _shared_service()).get(template_key, label=label, version=version)
    except TemplateNotFound as exc:
        raise UnknownTemplate(template_key, exc.detail) from exc
    legacy = resolution.template.to_legacy_dict()
    legacy.update(label=resolution.label, source=resolution.source)
    return legacy
