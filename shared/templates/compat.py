"""A drop-in for the seed's `get_template()`, so calling services migrate with no code change.

    from shared.templates.compat import get_template
    prompt = get_template("nlu_extraction_gemini_25")
    text = prompt["template"].format(grade_level="5", student_query="...")

Same dict shape as the seed (`name`, `description`, `model_name`, `temperature`,
`max_output_tokens`, `top_p`, `top_k`, `stop_sequences`, `response_mime_type`, `template`),
with `template` in `str.format` syntax as the seed's callers expect, plus `version`,
`variables`, `label` and `source`. It is backed by the same chain as the resolve function.
An unknown name raises `UnknownTemplate`, which is both our 404 error and a `KeyError`, so
callers that caught the seed's `KeyError` keep working.
"""

from __future__ import annotations

import threading
from typing import Any

from shared.config import get_settings
from shared.errors import TemplateNotFound
from shared.templates.service import ResolutionService

# The keys the seed's callers read from `get_template()`; they must always be present.
SEED_KEYS = frozenset(
    {"name", "description", "model_name", "temperature", "max_output_tokens", "top_p", "template"}
)


class UnknownTemplate(TemplateNotFound, KeyError):
    def __str__(self) -> str:
        return self.detail


_lock = threading.Lock()
_service: ResolutionService | None = None


def _shared_service() -> ResolutionService:
    global _service  # noqa: PLW0603 - one resolver (and cache) per process, built on first use
    with _lock:
        if _service is None:
            _service = ResolutionService.from_settings(get_settings())
        return _service


def get_template(
    template_key: str = "nlu_extraction_gemini_25",
    *,
    label: str | None = None,
    version: int | None = None,
    service: ResolutionService | None = None,
) -> dict[str, Any]:
    try:
        resolution = (service or _shared_service()).get(template_key, label=label, version=version)
    except TemplateNotFound as exc:
        raise UnknownTemplate(template_key) from exc
    legacy = resolution.template.to_legacy_dict()
    legacy.update(label=resolution.label, source=resolution.source)
    return legacy
