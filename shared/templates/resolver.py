"""Template resolution: the fallback chain the seed promised, made explicit.

    fresh cache -> Firestore (short deadline within the request's budget, circuit breaker)
        -> stale cache (on error)
        -> CUSTOM_TEMPLATES_JSON -> bundled DEFAULT_TEMPLATES -> 404

Stale-while-revalidate is done inline: when an entry's TTL has passed, exactly one request
(single-flight) refreshes it under the deadline while concurrent requests keep getting the
stale copy. No background thread: on Cloud Functions gen2 with request-based CPU a thread
only runs while a request is in flight, so an inline, deadline-bounded refresh is the honest
design. Negative answers ("not in Firestore") are cached like positive ones, so an
unmigrated database costs one read per name per TTL, not one per request.

Every answer says where it came from (`source`) and is logged with the phase that served it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from shared.cache import FOREVER, SingleFlight, TTLCache
from shared.config import Settings
from shared.errors import (
    CircuitOpen,
    LabelNotFound,
    ServiceUnavailable,
    StoreUnavailable,
    TemplateNotFound,
    VersionNotFound,
)
from shared.resilience import CircuitBreaker
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.model import DEFAULT_LABEL, PromptTemplate, check_label, check_template_name
from shared.templates.overrides import parse_custom_templates

logger = logging.getLogger(__name__)

Source = Literal["firestore", "cache", "env", "default"]
FallbackReason = Literal["not_in_firestore", "firestore_unavailable"]


class TemplateReader(Protocol):
    reads: int  # documents read so far (health and benchmarks show it)

    def read_head(self, name: str, *, timeout: float) -> _Head | None: ...
    def read_version(self, name: str, version: int, *, timeout: float) -> PromptTemplate | None: ...


class _Head(Protocol):
    labels: dict[str, int]
    deleted: bool


@dataclass(frozen=True)
class Missing:
    """A definite "no" from Firestore, cached like a hit."""

    what: Literal["template", "label", "version"]


StoreAnswer = PromptTemplate | Missing


@dataclass(frozen=True)
class Resolution:
    template: PromptTemplate
    source: Source
    label: str | None
    stale: bool = False
    fallback_reason: FallbackReason | None = None
    experiment: Any = None  # an ExperimentChoice when a running experiment chose the version

    @property
    def version(self) -> int | None:
        return self.template.version


def cache_key(name: str, *, label: str | None, version: int | None) -> tuple[str, str, str]:
    """One key function, keyword-only, so a pinned-version fetch never reads a label's copy."""
    if version is not None:
        return (name, "version", str(version))
    return (name, "label", label or DEFAULT_LABEL)


class Resolver:
    def __init__(
        self,
        *,
        store: TemplateReader,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
        defaults: dict[str, PromptTemplate] | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._cache: TTLCache[tuple[str, str, str], StoreAnswer] = TTLCache(
            ttl=settings.template_cache_ttl_seconds,
            max_entries=settings.template_cache_max_entries,
            clock=clock,
        )
        self._flight: SingleFlight[tuple[str, str, str]] = SingleFlight()
        self._breaker = breaker or CircuitBreaker.for_firestore(settings, clock)
        self._overrides = parse_custom_templates(settings.custom_templates_json)
        self._defaults = DEFAULT_TEMPLATES if defaults is None else defaults

    @property
    def cache(self) -> TTLCache[tuple[str, str, str], StoreAnswer]:
        return self._cache

    @property
    def store_reads(self) -> int:
        return self._store.reads

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    @property
    def budget_seconds(self) -> float:
        """The most one request waits on Firestore in total, whatever it reads."""
        return self._settings.firestore_cold_deadline_seconds

    def resolve(
        self, name: str, *, label: str | None = None, version: int | None = None
    ) -> Resolution:
        check_template_name(name)
        if version is None:
            label = check_label(label or DEFAULT_LABEL)
        key = cache_key(name, label=label, version=version)

        cached = self._cache.get(key)
        if cached is not None and cached.fresh:
            return self._answer(name, label, version, cached.value, source="cache")
        owns_refresh = self._flight.claim(key)
        if not owns_refresh:
            if cached is not None:  # another request is refreshing: stale-while-revalidate
                return self._answer(name, label, version, cached.value, source="cache", stale=True)
            self._flight.wait(key, self._settings.firestore_cold_deadline_seconds)
            cached = self._cache.get(key)
            if cached is not None:
                return self._answer(name, label, version, cached.value, source="cache")
        try:
            budget = (
                self._settings.firestore_deadline_seconds
                if cached is not None
                else self._settings.firestore_cold_deadline_seconds
            )
            answer = self._fetch(name, label, version, budget)
        except StoreUnavailable as exc:
            if not isinstance(exc, CircuitOpen):  # one line per real failure, not per request
                logger.warning(
                    "Firestore unavailable for template lookup",
                    extra={"json_fields": {"template": name, "error": exc.detail}},
                )
            if cached is not None and cached.age <= self._settings.template_stale_if_error_seconds:
                return self._answer(name, label, version, cached.value, source="cache", stale=True)
            return self._fallback(name, version, "firestore_unavailable")
        finally:
            if owns_refresh:
                self._flight.release(key)
        self._cache.put(key, answer)
        return self._answer(name, label, version, answer, source="firestore")

    def _fetch(
        self, name: str, label: str | None, version: int | None, budget: float
    ) -> StoreAnswer:
        if not self._breaker.allow():
            raise CircuitOpen("circuit breaker open after repeated Firestore failures")
        started = self._clock()
        try:
            answer = self._fetch_unguarded(name, label, version, started + budget)
        except StoreUnavailable:
            self._breaker.record_failure()
            raise
        self._breaker.record_success()
        return answer

    def _fetch_unguarded(
        self, name: str, label: str | None, version: int | None, deadline: float
    ) -> StoreAnswer:
        if version is None:
            head = self._store.read_head(name, timeout=self._remaining(deadline))
            if head is None or head.deleted:
                return Missing("template")
            version = head.labels.get(label or DEFAULT_LABEL)
            if version is None:
                return Missing("label")
        version_key = cache_key(name, label=None, version=version)
        known = self._cache.get(version_key)
        if known is not None and isinstance(known.value, PromptTemplate):
            return known.value
        template = self._store.read_version(name, version, timeout=self._remaining(deadline))
        if template is None:
            return Missing("version")
        self._cache.put(version_key, template, ttl=FOREVER)  # versions are immutable
        return template

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise StoreUnavailable("Firestore deadline exceeded")
        return remaining

    def _answer(
        self,
        name: str,
        label: str | None,
        version: int | None,
        answer: StoreAnswer,
        *,
        source: Source,
        stale: bool = False,
    ) -> Resolution:
        if isinstance(answer, PromptTemplate):
            resolution = Resolution(answer, source, label if version is None else None, stale)
            phase = (
                "Using cached database template"
                if source == "cache"
                else ("Using database template")
            )
            _log_served(logging.INFO, f"{phase}: {name} (version {answer.version})", resolution)
            return resolution
        if answer.what == "template":
            return self._fallback(name, version, "not_in_firestore")
        if answer.what == "label":
            raise LabelNotFound(name, label or DEFAULT_LABEL)
        raise VersionNotFound(name, version or 0)

    def _fallback(self, name: str, version: int | None, reason: FallbackReason) -> Resolution:
        severity = logging.WARNING if reason == "firestore_unavailable" else logging.INFO
        if version is not None:
            # A pinned version is a contract: never answer it with different content.
            if reason == "firestore_unavailable":
                raise ServiceUnavailable(
                    f"version {version} of template '{name}' is not cached and Firestore is "
                    "unavailable; retry, or resolve by label to get a fallback"
                )
            raise VersionNotFound(name, version)
        if name in self._overrides:
            resolution = Resolution(self._overrides[name], "env", None, fallback_reason=reason)
            _log_served(severity, f"Using CUSTOM_TEMPLATES_JSON override: {name}", resolution)
            return resolution
        if name in self._defaults:
            resolution = Resolution(self._defaults[name], "default", None, fallback_reason=reason)
            _log_served(severity, f"Using DEFAULT_TEMPLATES fallback: {name}", resolution)
            return resolution
        if reason == "firestore_unavailable":
            raise ServiceUnavailable(
                f"template '{name}' is not cached, has no fallback, and Firestore is unavailable"
            )
        raise TemplateNotFound(name)


def _log_served(severity: int, message: str, resolution: Resolution) -> None:
    logger.log(
        severity,
        message,
        extra={
            "json_fields": {
                "template": resolution.template.name,
                "version": resolution.version,
                "label": resolution.label,
                "source": resolution.source,
                "stale": resolution.stale,
                "fallback_reason": resolution.fallback_reason,
            }
        },
    )
