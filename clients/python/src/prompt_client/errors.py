"""What the client raises. Lookups raise only these; `report_execution` raises nothing unless
asked to (`raise_errors=True`)."""

from __future__ import annotations


class PromptClientError(Exception):
    """Base of the client's errors."""


class ClientConfigError(PromptClientError, ValueError):
    """A `PROMPTS_*` setting is invalid; the message names the variable."""


class TemplateNotFound(PromptClientError, KeyError):
    """No such template (or label, or version), or it is deleted: a `KeyError`, as the
    seed's `get_template()` raised for an unknown name."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(detail)
        self.name = name
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class WrongTemplateKind(PromptClientError, TypeError):
    """The template exists but is text where chat was asked for, or the reverse. A
    `TypeError`, deliberately not a `KeyError`: code falling back on `KeyError` must not
    take "this is a chat template" for "no such template"."""

    def __init__(self, name: str, version: int | None, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.version = version


class NotATextTemplate(WrongTemplateKind):
    def __init__(self, name: str, version: int | None) -> None:
        super().__init__(
            name,
            version,
            f"template '{name}' is a chat template (messages), not text: it has no 'template' "
            f"string to format; use get_chat_template('{name}') or the resolve API",
        )


class NotAChatTemplate(WrongTemplateKind):
    def __init__(self, name: str, version: int | None) -> None:
        super().__init__(
            name, version, f"template '{name}' is a text template: use get_template('{name}')"
        )


class PromptsUnavailable(PromptClientError):
    """The resolve function could not answer, nothing is cached, and no fallback may stand
    in (fallbacks answer the `production` label only, never a pinned version)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"template '{name}' is unavailable: {reason}")
        self.name = name
        self.reason = reason
