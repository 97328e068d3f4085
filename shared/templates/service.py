"""The resolution service the resolve function and `get_template()` call.

It owns one `Resolver` per process (module-level in the function, so warm instances reuse
the cache) and adds rendering on top. Guardrails and experiment assignment plug in here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.config import Settings
from shared.errors import RenderError
from shared.rendering import render_text
from shared.storage.templates import FirestoreTemplateStore
from shared.templates.model import ChatMessage, PromptTemplate
from shared.templates.resolver import Resolution, Resolver


@dataclass(frozen=True)
class Rendered:
    resolution: Resolution
    text: str | None
    messages: list[ChatMessage] | None
    unused_variables: list[str]


def render(
    template: PromptTemplate, variables: Mapping[str, Any]
) -> tuple[str | None, list[ChatMessage] | None, list[str]]:
    """Render text or every chat message; report variables the template does not use."""
    used: set[str] = set()
    if template.template is not None:
        result = render_text(template.template, variables)
        text, messages = result.text, None
        used |= result.used
    else:
        text, messages = None, []
        for index, message in enumerate(template.messages or []):
            result = render_text(message.content, variables, where=f"message {index}")
            messages.append(ChatMessage(role=message.role, content=result.text))
            used |= result.used
    return text, messages, sorted(set(variables) - used)


class ResolutionService:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    @classmethod
    def from_settings(cls, settings: Settings) -> ResolutionService:
        return cls(Resolver(store=FirestoreTemplateStore(settings), settings=settings))

    def get(self, name: str, *, label: str | None = None, version: int | None = None) -> Resolution:
        return self.resolver.resolve(name, label=label, version=version)

    def render(
        self,
        name: str,
        variables: Mapping[str, Any],
        *,
        label: str | None = None,
        version: int | None = None,
    ) -> Rendered:
        resolution = self.get(name, label=label, version=version)
        try:
            text, messages, unused = render(resolution.template, variables)
        except RenderError as exc:
            exc.extra.update({"template": name, "version": resolution.version})
            raise
        return Rendered(resolution, text, messages, unused)
