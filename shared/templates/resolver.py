"""Template resolution: the fallback chain the seed promised, made explicit.

    fresh cache -> Firestore (short deadline within the request's budget, circuit breaker)
        -> stale cache (on error)
        -> CUSTOM_TEMPLATES_JSON -> bundled DEFAULT_TEMPLATES -> 404

The last two links stand for the `production` label only: they are what the seed served when
the database said nothing. Any other label, or a pinned version, that neither Firestore nor
the cache can answer is a 404 when Firestore said so and a 503 during an outage, never a
different label's content. A soft-deleted template is a 404 on every selector (label, version,
the default), also when its name has a bundled default, and also during an outage when the
cache last saw it deleted; restoring it brings it back (seen within the cache TTL).

Stale-while-revalidate is done inline: when an entry's TTL has passed, exactly one request
(single-flight) refreshes it under the deadline while concurrent requests keep getting the
stale copy. No background thread: on Cloud Functions gen2 with request-based CPU a thread
only runs while a request is in flight, so an inline, deadline-bounded refresh is the honest
design. Negative answers ("not in Firestore") are cached like positive ones, so an
unmigrated database costs one read per name per TTL, not one per request.

Changes are usually seen before the TTL: the change poll (`shared.changes.poll`, on a thread
a request started) calls `refresh(name)` for each template the audit log says changed, and
requests keep the copy they have until the new one is in.

Every answer says where it came from (`source`) and is logged with the phase that served it,
except that plain cache hits (a fresh cached copy, nothing degraded) log only a
LOG_CACHE_HITS_SAMPLE share of their lines: Cloud Run logs every request already, and the
line was a measurable part of a cache hit's cost. Stale, fallback and Firestore answers
always log theirs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from shared.cache import FOREVER, SingleFlight, TTLCache
from shared.config import Settings
from shared.errors import (
    CircuitOpen,
    LabelNotFound,
    ServiceUnavailable,
    StoreUnavailable,
    TemplateDeleted,
    TemplateNotFound,
    VersionNotFound,
)
from shared.observability import LogSampler
from shared.resilience import CircuitBreaker, request_budget
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.model import (
    DEFAULT_LABEL,
    LATEST_LABEL,
    PromptTemplate,
    check_label,
    check_template_name,
    version_labels,
)
from shared.templates.overrides import parse_custom_templates

logger = logging.getLogger(__name__)

Source = Literal["firestore", "cache", "env", "default"]
# Why an answer is not a fresh Firestore read. Outage reasons say why Firestore could not be
# asked: a read failed, a read missed its deadline, or the breaker refused to try.
FallbackReason = Literal[
    "not_in_firestore",  # Firestore answered: it holds no such template
    "firestore_unavailable",
    "deadline_exceeded",
    "breaker_open",
    "refresh_in_progress",  # stale-while-revalidate: another request is refreshing this entry
]
OUTAGE_REASONS: frozenset[str] = frozenset(
    {"firestore_unavailable", "deadline_exceeded", "breaker_open"}
)


class TemplateReader(Protocol):
    reads: int  # documents read so far (health and benchmarks show it)

    def read_head(self, name: str, *, timeout: float) -> _Head | None: ...
    def read_version(self, name: str, version: int, *, timeout: float) -> PromptTemplate | None: ...


class _Head(Protocol):
    # Read-only: the store hands out frozen values.
    @property
    def labels(self) -> Mapping[str, int]: ...
    @property
    def latest_version(self) -> int: ...
    @property
    def deleted(self) -> bool: ...


@dataclass(frozen=True)
class Missing:
    """A definite "no" from Firestore, cached like a hit."""

    what: Literal["template", "label", "version", "deleted"]


@dataclass(frozen=True)
class Found:
    """A version Firestore served, with the labels the head that chose it pointed at it
    (`latest` included when it was the newest): cached together, so an answer's labels are
    never from a different head read than its version."""

    template: PromptTemplate
    labels: tuple[str, ...]
    # The plain cache-hit resolution of this answer, by the label it was asked for: built
    # once per cached read, so what callers derive from it (`Resolution.derived`) is too.
    hits: dict[str | None, Resolution] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def cache_hit(self, label: str | None) -> Resolution:
        known = self.hits.get(label)
        if known is None:
            known = self.hits[label] = Resolution(self.template, "cache", label, labels=self.labels)
        return known


StoreAnswer = Found | Missing


@dataclass(frozen=True)
class Resolution:
    template: PromptTemplate
    source: Source
    label: str | None
    stale: bool = False
    fallback_reason: FallbackReason | None = None
    experiment: Any = None  # an ExperimentChoice when a running experiment chose the version
    # What composition included (Langfuse's `resolutionGraph`); None when nothing was.
    composition: dict[str, Any] | None = None
    # Every label on the served version as of the head read that chose it (`latest` last,
    # when it was the newest); empty for env/default answers and for a pinned version
    # served from the content cache during an outage, whose labels are not known.
    labels: tuple[str, ...] = ()
    # What the layers above build from this resolution alone (the HTTP answer's bytes and
    # headers), by what they build: a plain cache hit answers the same Resolution object
    # until its entry is re-read, so each is built once per cached read. Never copied by
    # `dataclasses.replace`: a changed resolution starts empty.
    derived: dict[Hashable, Any] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def version(self) -> int | None:
        return self.template.version

    @property
    def degraded(self) -> bool:
        """Served without a fresh Firestore answer because of an outage, or stale."""
        return self.stale or self.fallback_reason in OUTAGE_REASONS


def cache_key(
    name: str, *, label: str | None, version: int | None, content: bool = False
) -> tuple[str, str, str]:
    """One key function, keyword-only, so a pinned-version fetch never reads a label's copy.

    `content=True` keys a version's immutable content (kept forever); the other keys hold
    the answer to one request (kept for the TTL, so a deletion or label move is seen)."""
    if content:
        return (name, "content", str(version))
    if version is not None:
        return (name, "version", str(version))
    return (name, "label", label or DEFAULT_LABEL)


def _state_key(name: str) -> tuple[str, str, str]:
    """The last head state seen for a name: whether Firestore says it is deleted."""
    return (name, "state", "")


def outage_reason(exc: StoreUnavailable) -> FallbackReason:
    """Classify a store failure for the answer's `fallback_reason`."""
    if isinstance(exc, CircuitOpen):
        return "breaker_open"
    if "deadline" in exc.detail.lower():
        return "deadline_exceeded"
    seen: BaseException | None = exc.__cause__
    while seen is not None:
        # google.api_core raises DeadlineExceeded for a missed gRPC deadline and RetryError
        # (carrying the last attempt's error as `.cause`) when retries ran out of time.
        if isinstance(seen, TimeoutError) or type(seen).__name__ == "DeadlineExceeded":
            return "deadline_exceeded"
        seen = getattr(seen, "cause", None) or seen.__cause__
    return "firestore_unavailable"


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
        self._cache: TTLCache[tuple[str, str, str], Any] = TTLCache(
            ttl=settings.template_cache_ttl_seconds,
            max_entries=settings.template_cache_max_entries,
            clock=clock,
        )
        self._flight: SingleFlight[tuple[str, str, str]] = SingleFlight()
        self._breaker = breaker or CircuitBreaker.for_firestore(settings, clock)
        self._overrides = parse_custom_templates(settings.custom_templates_json)
        self._defaults = DEFAULT_TEMPLATES if defaults is None else defaults
        self._log_cache_hit = LogSampler(settings.log_cache_hits_sample)

    @property
    def cache(self) -> TTLCache[tuple[str, str, str], Any]:
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
        if version is None:
            label = label or DEFAULT_LABEL
        key = cache_key(name, label=label, version=version)
        cached = self._cache.get(key)
        if cached is not None and cached.fresh:
            # Only answers to a checked name and label are stored, so a hit needs no check.
            return self._answer(name, label, version, cached.value, source="cache")
        check_template_name(name)
        if version is None:
            check_label(label or DEFAULT_LABEL)
        owns_refresh = self._flight.claim(key)
        if not owns_refresh:
            if cached is not None:  # another request is refreshing: stale-while-revalidate
                return self._answer(
                    name, label, version, cached.value, stale_because="refresh_in_progress"
                )
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
            reason = outage_reason(exc)
            if not isinstance(exc, CircuitOpen):  # one line per real failure, not per request
                logger.warning(
                    "Firestore unavailable for template lookup",
                    extra={
                        "json_fields": {"template": name, "error": exc.detail, "reason": reason}
                    },
                )
            if cached is not None and cached.age <= self._settings.template_stale_if_error_seconds:
                return self._answer(name, label, version, cached.value, stale_because=reason)
            return self._fallback(name, label, version, reason)
        finally:
            if owns_refresh:
                self._flight.release(key)
        self._cache.put(key, answer)
        return self._answer(name, label, version, answer, source="firestore")

    def fresh_copy(self, name: str) -> PromptTemplate | None:
        """The template a label-less `resolve(name)` would answer from a fresh cached copy
        alone, without reading or counting anything; None when it would do more (a miss, a
        stale copy, a cached "no")."""
        cached = self._cache.peek(cache_key(name, label=DEFAULT_LABEL, version=None))
        if cached is None or not cached.fresh or not isinstance(cached.value, Found):
            return None
        return cached.value.template

    def refresh(self, name: str) -> int:
        """Re-read now every answer cached for `name`, for the change poll (off the request
        path: requests keep the copy they have until the new one is in). Returns how many were
        re-read. A read that fails leaves the copy expired, not fresh: the next request
        refreshes it inline and, while Firestore fails, serves it as stale, as after its TTL."""
        refreshed = 0
        for key in self._cache.snapshot_keys():
            if key[0] != name or key[1] not in ("label", "version"):
                continue
            if not self._flight.claim(key):
                continue  # a request is refreshing it right now
            label, version = (key[2], None) if key[1] == "label" else (None, int(key[2]))
            try:
                with request_budget(self.budget_seconds):  # each re-read as long as a request's
                    answer = self._fetch(name, label, version, self.budget_seconds)
            except StoreUnavailable:
                self._cache.expire(key)
                continue
            finally:
                self._flight.release(key)
            self._cache.put(key, answer)
            refreshed += 1
        return refreshed

    def expire_all(self) -> None:
        """Every cached answer is due for a refresh (immutable version contents are kept)."""
        for key in self._cache.snapshot_keys():
            if key[1] in ("label", "version"):
                self._cache.expire(key)

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
        # The head is read for a pinned version too: it is what says the template is deleted.
        head = self._store.read_head(name, timeout=self._remaining(deadline))
        self._cache.put(_state_key(name), bool(head is not None and head.deleted))
        if head is None:
            return Missing("template")
        if head.deleted:
            return Missing("deleted")
        if version is None:
            if label == LATEST_LABEL:  # reserved: always the newest version
                version = head.latest_version or None
            else:
                version = head.labels.get(label or DEFAULT_LABEL)
            if version is None:
                return Missing("label")
        labels = version_labels(head.labels, version, head.latest_version)
        content_key = cache_key(name, label=None, version=version, content=True)
        known = self._cache.get(content_key)
        if known is not None and isinstance(known.value, PromptTemplate):
            return Found(known.value, labels)
        template = self._store.read_version(name, version, timeout=self._remaining(deadline))
        if template is None:
            return Missing("version")
        self._cache.put(content_key, template, ttl=FOREVER)  # versions are immutable
        return Found(template, labels)

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
        answer: StoreAnswer | PromptTemplate,
        *,
        source: Source = "cache",
        stale_because: FallbackReason | None = None,
    ) -> Resolution:
        """Turn a (fresh or cached) store answer into a resolution; a stale one says why."""
        if isinstance(answer, PromptTemplate):  # a pinned version's content, labels unknown
            answer = Found(answer, ())
        if isinstance(answer, Found):
            sample_rate = None
            if source == "cache" and stale_because is None:  # a plain cache hit
                resolution = answer.cache_hit(label if version is None else None)
                if not self._log_cache_hit():
                    return resolution
                sample_rate = self._log_cache_hit.rate
            else:
                resolution = Resolution(
                    answer.template,
                    source,
                    label if version is None else None,
                    stale=stale_because is not None,
                    fallback_reason=stale_because,
                    labels=answer.labels,
                )
            phase = (
                "Using cached database template" if source == "cache" else "Using database template"
            )
            severity = logging.WARNING if stale_because in OUTAGE_REASONS else logging.INFO
            message = f"{phase}: {name} (version {answer.template.version})"
            _log_served(severity, message, resolution, sample_rate=sample_rate)
            return resolution
        if answer.what == "deleted":
            raise TemplateDeleted(name)
        if answer.what == "label":
            raise LabelNotFound(name, label or DEFAULT_LABEL)
        if answer.what == "version":
            raise VersionNotFound(name, version or 0)
        # Firestore (last) said it holds no such template: the production fallbacks apply.
        outage = stale_because if stale_because in OUTAGE_REASONS else None
        return self._fallback(name, label, version, outage or "not_in_firestore", known_absent=True)

    def _fallback(
        self,
        name: str,
        label: str | None,
        version: int | None,
        reason: FallbackReason,
        *,
        known_absent: bool = False,
    ) -> Resolution:
        """What to answer when Firestore holds nothing (`not_in_firestore`) or cannot be asked.

        `known_absent`: a (possibly stale) cached answer says Firestore holds no such template,
        so a non-production selector is a 404 even during an outage, as it was before it."""
        outage = reason in OUTAGE_REASONS and not known_absent
        severity = logging.WARNING if reason in OUTAGE_REASONS else logging.INFO
        if reason in OUTAGE_REASONS:
            deleted = self._cache.get(_state_key(name))
            if deleted is not None and deleted.value is True:
                raise TemplateDeleted(name)  # last seen deleted: no default resurrects it
        if version is not None:
            # A pinned version is a contract: never answer it with different content. Its
            # content is immutable, so a copy cached by an earlier label lookup still serves.
            if outage:
                known = self._cache.get(cache_key(name, label=None, version=version, content=True))
                if known is not None and isinstance(known.value, PromptTemplate):
                    return self._answer(name, None, version, known.value, stale_because=reason)
                raise ServiceUnavailable(
                    f"version {version} of template '{name}' is not cached and Firestore is "
                    f"unavailable ({reason}); retry later"
                )
            raise VersionNotFound(name, version)
        label = label or DEFAULT_LABEL
        if label != DEFAULT_LABEL:
            # The environment override and the bundled defaults stand for production only.
            if outage:
                raise ServiceUnavailable(
                    f"label '{label}' of template '{name}' is not cached and Firestore is "
                    f"unavailable ({reason}); the fallbacks hold '{DEFAULT_LABEL}' only; "
                    "retry later"
                )
            if name in self._overrides or name in self._defaults:
                raise LabelNotFound(name, label)
            raise TemplateNotFound(name)
        if name in self._overrides:
            resolution = Resolution(self._overrides[name], "env", None, fallback_reason=reason)
            _log_served(severity, f"Using CUSTOM_TEMPLATES_JSON override: {name}", resolution)
            return resolution
        if name in self._defaults:
            resolution = Resolution(self._defaults[name], "default", None, fallback_reason=reason)
            _log_served(severity, f"Using DEFAULT_TEMPLATES fallback: {name}", resolution)
            return resolution
        if outage:
            raise ServiceUnavailable(
                f"template '{name}' is not cached, has no fallback, and Firestore is unavailable "
                f"({reason}); retry later"
            )
        raise TemplateNotFound(name)


def _log_served(
    severity: int, message: str, resolution: Resolution, *, sample_rate: float | None = None
) -> None:
    fields: dict[str, Any] = {
        "template": resolution.template.name,
        "version": resolution.version,
        "label": resolution.label,
        "source": resolution.source,
        "stale": resolution.stale,
        "fallback_reason": resolution.fallback_reason,
    }
    if sample_rate is not None and sample_rate < 1:
        fields["log_sample_rate"] = sample_rate  # this line stands for 1/rate cache hits
    logger.log(severity, message, extra={"json_fields": fields})
