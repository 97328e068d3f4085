"""The resolution service the resolve function and `get_template()` call.

It owns one `Resolver` per process (module-level in the function, so warm instances reuse
the cache) and adds rendering on top. Guardrails and experiment assignment plug in here.
Everything is handed in: `shared.bootstrap.resolution.resolution_service` wires the
Firestore-backed graph, tests pass in-memory stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from shared.changes.poll import EVERYTHING, ChangePoller, templates_named
from shared.errors import FieldError, RenderError, ServiceUnavailable, VersionNotFound
from shared.experiments.live import ExperimentLoader, choose
from shared.guardrails.engine import GuardrailEngine, Report, replace_leaves, string_leaves
from shared.guardrails.loader import GuardrailLoader
from shared.rendering import render_text
from shared.resilience import request_budget
from shared.templates import composition
from shared.templates.model import DEFAULT_LABEL, PLACEHOLDER_ROLE, ChatMessage, PromptTemplate
from shared.templates.resolver import Resolution, Resolver


@dataclass(frozen=True)
class Rendered:
    resolution: Resolution
    text: str | None
    messages: list[ChatMessage] | None
    unused_variables: list[str]
    guardrails: Report
    # The guardrails that ran (one load's engine; None without guardrails): an answer kept
    # for a repeat is good only while they are the ones loaded (shared/resolve_api.py).
    engine: GuardrailEngine | None = field(default=None, compare=False, repr=False)


def render(
    template: PromptTemplate, variables: Mapping[str, Any], *, max_bytes: int | None = None
) -> tuple[str | None, list[ChatMessage] | None, list[str]]:
    """Render text or every chat message; report variables the template does not use.
    `max_bytes` bounds the whole rendered prompt (all messages together)."""
    text, messages, unused, _ = render_with_spans(template, variables, max_bytes=max_bytes)
    return text, messages, unused


def render_with_spans(
    template: PromptTemplate, variables: Mapping[str, Any], *, max_bytes: int | None = None
) -> tuple[str | None, list[ChatMessage] | None, list[str], list[tuple[tuple[int, int], ...]]]:
    """`render`, and where the variables went in the text (or in each message, in order):
    the rendered-prompt guardrails scan around those spans only."""
    used: set[str] = set()
    spans: list[tuple[tuple[int, int], ...]] = []
    if template.template is not None:
        result = render_text(template.template, variables, max_bytes=max_bytes)
        text, messages = result.text, None
        used |= result.used
        spans.append(result.spans)
    else:
        text, messages = None, []
        budget = max_bytes
        for index, message in enumerate(template.messages or []):
            if message.role == PLACEHOLDER_ROLE:
                spliced = _placeholder_messages(message.content, variables, index)
                messages.extend(spliced)
                # The caller wrote every character of a spliced message: all of it is scanned.
                spans.extend(((0, len(m.content)),) for m in spliced)
                used.add(message.content)
                continue
            result = render_text(
                message.content, variables, where=f"message {index}", max_bytes=budget
            )
            messages.append(ChatMessage(role=message.role, content=result.text))
            used |= result.used
            spans.append(result.spans)
            budget = None if budget is None else budget - result.size
    return text, messages, sorted(set(variables) - used), spans


def _placeholder_messages(name: str, variables: Mapping[str, Any], index: int) -> list[ChatMessage]:
    """A placeholder takes the list of `{role, content}` messages its variable holds, as is
    (their text is the caller's, so it is not rendered again)."""
    value = variables.get(name)
    try:
        if not isinstance(value, list):
            raise ValueError("not a list")
        spliced = [ChatMessage.model_validate(m) for m in value]
    except ValueError as exc:
        raise RenderError(
            f"placeholder '{name}' (message {index}) needs a list of {{role, content}} messages",
            errors=[FieldError(f"variables.{name}", "must be a list of {role, content} messages")],
        ) from exc
    if any(m.role == PLACEHOLDER_ROLE for m in spliced):
        raise RenderError(
            f"placeholder '{name}' may not insert placeholders",
            errors=[FieldError(f"variables.{name}", "role 'placeholder' is not allowed here")],
        )
    return spliced


class ResolutionService:
    def __init__(
        self,
        resolver: Resolver,
        guardrails: GuardrailLoader | None = None,
        experiments: ExperimentLoader | None = None,
        *,
        max_rendered_bytes: int | None = None,
        changes: ChangePoller | None = None,
    ) -> None:
        self.resolver = resolver
        self.guardrails = guardrails
        self.experiments = experiments
        self.max_rendered_bytes = max_rendered_bytes
        self.changes = changes
        self._apply = self.apply_changes  # bound once: the hot path passes it on every request

    def apply_changes(self, targets: set[str]) -> None:
        """What the change poll saw changed (audit targets) is re-read now: each template's
        cached answers, the guardrail set, the running experiments."""
        everything = EVERYTHING in targets
        if everything:
            self.resolver.expire_all()
        for name in sorted({n for t in targets for n in templates_named(t)}):
            self.resolver.refresh(name)
        if self.guardrails is not None and (
            everything or any(t.startswith("guardrails/") for t in targets)
        ):
            self.guardrails.refresh()
        if self.experiments is not None and (
            everything or any(t.startswith("experiments/") for t in targets)
        ):
            self.experiments.refresh()

    def get(
        self,
        name: str,
        *,
        label: str | None = None,
        version: int | None = None,
        user_key: str | None = None,
        compose: bool = True,
    ) -> Resolution:
        """A pinned version is served as asked. A label with a running experiment serves the
        user's variant (the control outside coverage); without a user key there is nothing
        to assign, so experiments are not looked up and the label is served as usual; when
        the variant's version cannot be read, the label as usual, and the answer says so.

        Every Firestore read of one call shares one budget (FIRESTORE_COLD_DEADLINE_SECONDS),
        so a cold instance facing an unreachable Firestore waits one deadline, not one per
        read, before its fallback answer. `compose=False` leaves includes unexpanded."""
        if self.changes is not None:
            self.changes.tick(self._apply)  # a clock read, unless a poll is due
        with request_budget(self.resolver.budget_seconds):
            resolution = self._get(name, label=label, version=version, user_key=user_key)
            if not compose or not composition.includes_prompts(resolution.template):
                return resolution
            composed = composition.compose(resolution.template, self._load_include)
            return replace(resolution, template=composed.template, composition=composed.graph)

    def cached_get(self, name: str) -> Resolution | None:
        """`get(name)` when the cache alone answers it: a fresh copy of a template that
        includes no other prompt; None when `get` would read or compose (its caller then
        takes the usual way). No label, version or user key: those requests go that way."""
        template = self.resolver.fresh_copy(name)
        if template is None or composition.includes_prompts(template):
            return None
        return self.get(name)

    def _load_include(self, name: str, *, label: str | None, version: int | None) -> PromptTemplate:
        return self.resolver.resolve(name, label=label, version=version).template

    def _get(
        self, name: str, *, label: str | None, version: int | None, user_key: str | None
    ) -> Resolution:
        if version is not None or self.experiments is None or user_key is None:
            return self.resolver.resolve(name, label=label, version=version)
        label = label or DEFAULT_LABEL
        live = self.experiments.running(name, label)
        if live is None:
            return self.resolver.resolve(name, label=label)
        choice = choose(live, user_key)
        try:
            resolution = self.resolver.resolve(name, version=choice.version)
        except (ServiceUnavailable, VersionNotFound):
            resolution = self.resolver.resolve(name, label=label)
            choice = replace(
                choice,
                variant=None,
                version=resolution.version,
                in_experiment=False,
                reason="variant_unavailable",
            )
        return replace(resolution, label=label, experiment=choice)

    def render(
        self,
        name: str,
        variables: Mapping[str, Any],
        *,
        label: str | None = None,
        version: int | None = None,
        user_key: str | None = None,
    ) -> Rendered:
        """Input guardrails run on the variables (a `redact` rewrites them before rendering),
        then on the rendered prompt; a firing `block` raises GuardrailBlocked (422)."""
        with request_budget(self.resolver.budget_seconds):  # guardrails share it too
            resolution = self.get(name, label=label, version=version, user_key=user_key)
            return self._render(resolution, name, variables)

    def guardrail_engine(self) -> GuardrailEngine | None:
        """The guardrails a render runs now: one load's engine, the same object until they
        change."""
        return self.guardrails.load().value if self.guardrails is not None else None

    def _render(self, resolution: Resolution, name: str, variables: Mapping[str, Any]) -> Rendered:
        engine = self.guardrail_engine()
        try:
            guarded = render_guarded(
                resolution.template, variables, engine, max_bytes=self.max_rendered_bytes
            )
        except RenderError as exc:
            exc.extra.update({"template": name, "version": resolution.version})
            raise
        return Rendered(
            resolution,
            guarded.text,
            guarded.messages,
            guarded.unused_variables,
            guarded.report,
            engine,
        )


@dataclass(frozen=True)
class GuardedRender:
    text: str | None
    messages: list[ChatMessage] | None
    unused_variables: list[str]
    report: Report


def render_guarded(
    template: PromptTemplate,
    variables: Mapping[str, Any],
    engine: GuardrailEngine | None,
    *,
    max_bytes: int | None,
) -> GuardedRender:
    """Render with the guardrails a render runs: input guardrails on the variables (a
    `redact` rewrites them before rendering), then on the rendered prompt; a firing `block`
    raises GuardrailBlocked (422). The resolve function's render and the admin preview of an
    unsaved draft both come through here, so a preview shows what a render would do."""
    report = Report()
    if engine is not None:
        leaves: dict[str, str] = {}
        string_leaves(variables, "variables", leaves)
        checked = engine.apply(leaves, "input_variables", report)
        if checked != leaves:
            variables = replace_leaves(variables, "variables", checked)
    text, messages, unused, spans = render_with_spans(template, variables, max_bytes=max_bytes)
    if engine is not None:
        if text is not None:
            text = engine.apply(
                {"rendered": text}, "rendered_prompt", report, spans={"rendered": spans[0]}
            )["rendered"]
        else:
            contents = {f"rendered[{i}]": m.content for i, m in enumerate(messages or [])}
            located = {f"rendered[{i}]": s for i, s in enumerate(spans)}
            checked = engine.apply(contents, "rendered_prompt", report, spans=located)
            messages = [
                ChatMessage(role=m.role, content=checked[f"rendered[{i}]"])
                for i, m in enumerate(messages or [])
            ]
    return GuardedRender(text, messages, unused, report)
