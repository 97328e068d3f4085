"""`get_template()` over HTTP, for services that reach prompts through the resolve function.

    from prompt_client import get_template, report_execution

    prompt = get_template("nlu_extraction_gemini_25")      # PROMPTS_URL, PROMPTS_API_KEY, ...
    text = prompt["template"].format(grade_level="5", student_query="...")
    report_execution("nlu_extraction_gemini_25", latency_ms=840.0, success=True)

The module functions share one `PromptClient` per process, configured from the environment
on first use (see `prompt_client.config`). Build a `PromptClient` yourself for anything else.
"""

from __future__ import annotations

import threading
from typing import Any

from prompt_client.client import PromptClient, Report, ReportRejected, Resolved, cache_key
from prompt_client.config import ClientConfig
from prompt_client.errors import (
    ClientConfigError,
    NotAChatTemplate,
    NotATextTemplate,
    PromptClientError,
    PromptsUnavailable,
    TemplateNotFound,
    WrongTemplateKind,
)

__all__ = [
    "ClientConfig",
    "ClientConfigError",
    "NotAChatTemplate",
    "NotATextTemplate",
    "PromptClient",
    "PromptClientError",
    "PromptsUnavailable",
    "Report",
    "ReportRejected",
    "Resolved",
    "TemplateNotFound",
    "WrongTemplateKind",
    "cache_key",
    "default_client",
    "get_chat_template",
    "get_template",
    "report_execution",
    "reset_default_client",
]

_lock = threading.Lock()
_default: PromptClient | None = None


def default_client() -> PromptClient:
    """The process's client, built from the environment on first use."""
    global _default  # noqa: PLW0603 - one client (and cache) per process, built on first use
    client = _default
    if client is not None:
        return client
    with _lock:
        if _default is None:
            _default = PromptClient.from_env()
        return _default


def reset_default_client() -> None:
    """Forget the process's client (its cache too); the next call reads the environment."""
    global _default
    with _lock:
        old, _default = _default, None
    if old is not None:
        old.close()


def get_template(
    template_key: str = "nlu_extraction_gemini_25",
    *,
    label: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    return default_client().get_template(template_key, label=label, version=version)


def get_chat_template(
    template_key: str, *, label: str | None = None, version: int | None = None
) -> dict[str, Any]:
    return default_client().get_chat_template(template_key, label=label, version=version)


def report_execution(template: str, *, latency_ms: float, success: bool, **fields: Any) -> Report:
    return default_client().report_execution(
        template, latency_ms=latency_ms, success=success, **fields
    )
