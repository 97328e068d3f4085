"""`get_template()` over HTTP: the resolve function, an in-process cache, then fallbacks.

    fresh cached copy (no I/O: a dict read)
      -> GET /templates/{name} under the call's deadline, `If-None-Match` when a copy is held
           200: store and serve; 304: the copy is fresh again; 404: not found (cached too)
      -> on failure (unreachable, timeout, 5xx, 401/403, no ID token): the cached copy,
           however stale, up to `stale_if_error_seconds` (stale-if-error)
      -> production label only: `CUSTOM_TEMPLATES_JSON`, then the bundled defaults
      -> `PromptsUnavailable` (a pinned version or another label is never made up)

Stale-while-revalidate: when a copy is past its TTL one caller refreshes it inline (short
deadline, single-flight) while concurrent callers keep getting the stale copy at once. The
refresh is inline on purpose: on Cloud Run with request-based CPU a background thread only
runs while a request is in flight, so a background refresher would stall unpredictably.
After a failed call the server is left alone for `retry_after_seconds`, so an outage costs
one deadline per interval, not one per lookup. A server 404 for the production label that
is not a deletion lets `CUSTOM_TEMPLATES_JSON` answer (as the server's own override does);
the bundled defaults are the server's, so they never contradict its 404.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from prompt_client.auth import Credentials, CredentialsUnavailable
from prompt_client.cache import FOREVER, Clock, SingleFlight, TTLCache
from prompt_client.config import ClientConfig
from prompt_client.errors import (
    NotAChatTemplate,
    NotATextTemplate,
    PromptClientError,
    PromptsUnavailable,
    TemplateNotFound,
)
from prompt_client.fallbacks import Answer, bundled_defaults, parse_custom_templates
from prompt_client.placeholders import to_format_string

logger = logging.getLogger(__name__)

DEFAULT_LABEL = "production"
Key = tuple[str, str | None, int | None]
# Background reports in flight at once; past it a report is dropped (and logged), never
# queued without bound in the caller's memory.
MAX_BACKGROUND_REPORTS = 64


def cache_key(name: str, *, label: str | None, version: int | None) -> Key:
    """A pinned version and a label are different entries, whatever they resolve to."""
    if version is not None:
        return (name, None, version)
    return (name, label or DEFAULT_LABEL, None)


@dataclass(frozen=True)
class Resolved:
    """One lookup's answer: the seed's dict, where it came from, and why if degraded."""

    template: dict[str, Any]
    source: str  # the server's source, "cache", "env" or "default"
    stale: bool = False
    fallback_reason: str | None = None


@dataclass(frozen=True)
class _Found:
    legacy: dict[str, Any]  # the seed's dict without `source`
    etag: str | None


@dataclass(frozen=True)
class _Missing:
    detail: str
    deleted: bool


@dataclass(frozen=True)
class Report:
    """What became of one `report_execution`: `accepted` is None while it is in flight."""

    execution_id: str
    accepted: bool | None
    status: int | None = None
    error: str | None = None


class ReportRejected(PromptClientError):
    def __init__(self, report: Report) -> None:
        super().__init__(f"execution {report.execution_id} not accepted: {report.error}")
        self.report = report


class _Failed(Exception):
    pass


@dataclass
class ClientStats:
    requests: int = 0
    not_modified: int = 0
    failures: int = 0
    fallbacks: int = 0
    reports_dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class PromptClient:
    def __init__(
        self,
        config: ClientConfig,
        *,
        credentials: Credentials | None = None,
        session: requests.Session | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config
        self._credentials = credentials or Credentials(config)
        self._session = session or requests.Session()
        self._clock = clock
        self._cache: TTLCache[Key, _Found | _Missing] = TTLCache(
            ttl=config.cache_ttl_seconds, max_entries=config.cache_max_entries, clock=clock
        )
        self._flight: SingleFlight[Key] = SingleFlight()
        # Hot path: a fresh hit is one dict read and a clock call, without the cache's lock.
        self._fresh: dict[Key, tuple[float, Resolved]] = {}
        self._overrides = parse_custom_templates(config.custom_templates_json)
        self._retry_at = -FOREVER
        self._reports = threading.BoundedSemaphore(MAX_BACKGROUND_REPORTS)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.stats = ClientStats()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PromptClient:
        return cls(ClientConfig.from_env(environ))

    # -- lookups -----------------------------------------------------------------------

    def get_template(
        self,
        template_key: str = "nlu_extraction_gemini_25",
        *,
        label: str | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """The seed's dict, `template` in `str.format` syntax; `NotATextTemplate` for chat."""
        resolved = self._resolve(template_key, label, version)
        if "template" not in resolved.template:
            raise NotATextTemplate(template_key, resolved.template["version"])
        return dict(resolved.template)  # callers may edit their copy, never the cached one

    def get_chat_template(
        self, template_key: str, *, label: str | None = None, version: int | None = None
    ) -> dict[str, Any]:
        """The same dict with `messages` (`role`, `content` in `str.format` syntax)."""
        resolved = self._resolve(template_key, label, version)
        if "messages" not in resolved.template:
            raise NotAChatTemplate(template_key, resolved.template["version"])
        return dict(resolved.template)

    def resolve(
        self, name: str, *, label: str | None = None, version: int | None = None
    ) -> Resolved:
        """The seed's dict (text or chat) with where it came from and why if degraded."""
        resolved = self._resolve(name, label, version)
        return replace(resolved, template=dict(resolved.template))  # the caller's own copy

    def _resolve(self, name: str, label: str | None, version: int | None) -> Resolved:
        key = cache_key(name, label=label, version=version)
        fresh = self._fresh.get(key)
        if fresh is not None and self._clock() < fresh[0]:
            return fresh[1]
        cached = self._cache.get(key)
        if cached is not None and cached.fresh:
            return self._from_cache(key, cached.value)
        if not self._flight.claim(key):
            if cached is not None:  # stale-while-revalidate: someone is refreshing it
                return self._from_cache(key, cached.value, reason="refresh_in_progress")
            self._flight.wait(key, self.config.cold_deadline_seconds)
            cached = self._cache.get(key)
            if cached is not None:
                return self._from_cache(key, cached.value)
            return self._fallback(key, "refresh_in_progress")
        try:
            return self._refresh(key, cached.value if cached else None, _age(cached))
        finally:
            self._flight.release(key)

    def _refresh(self, key: Key, held: _Found | _Missing | None, age: float) -> Resolved:
        name, label, version = key
        etag = held.etag if isinstance(held, _Found) else None
        deadline = self.config.deadline_seconds if held else self.config.cold_deadline_seconds
        try:
            status, body, new_etag = self._fetch(name, label, version, etag, deadline)
        except _Failed as exc:
            return self._on_failure(key, held, age, str(exc))
        if status == 304 and held is not None:
            self.stats.not_modified += 1
            self._store(key, held)
            return self._from_cache(key, held)
        if status == 200:
            found = _Found(_legacy(body), new_etag)
            # The server marks a degraded answer (its own fallback or stale copy) not to be
            # held on to: keep it only until the next retry, then ask again.
            degraded = body.get("fallback_reason") is not None
            self._store(key, found, ttl=self.config.retry_after_seconds if degraded else None)
            return Resolved(
                {**found.legacy, "source": body.get("source", "firestore")},
                str(body.get("source", "firestore")),
                bool(body.get("stale", False)),
                body.get("fallback_reason"),
            )
        missing = _Missing(
            str(body.get("detail", f"template '{name}' not found")),
            bool(body.get("deleted", False)),
        )
        self._store(key, missing)
        return self._from_cache(key, missing)

    def _from_cache(
        self, key: Key, value: _Found | _Missing, *, reason: str | None = None
    ) -> Resolved:
        if isinstance(value, _Missing):
            override = self._override_for(key, value)
            if override is not None:
                return override
            raise TemplateNotFound(key[0], value.detail)
        return Resolved({**value.legacy, "source": "cache"}, "cache", reason is not None, reason)

    def _on_failure(
        self, key: Key, held: _Found | _Missing | None, age: float, reason: str
    ) -> Resolved:
        self.stats.failures += 1
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        if held is not None and age <= self.config.stale_if_error_seconds:
            if isinstance(held, _Missing):
                return self._from_cache(key, held)  # a known 404 stays a 404
            return Resolved({**held.legacy, "source": "cache"}, "cache", True, reason)
        return self._fallback(key, reason)

    def _fallback(self, key: Key, reason: str) -> Resolved:
        name, label, version = key
        if version is None and label == DEFAULT_LABEL:
            for source, templates in (("env", self._overrides), ("default", bundled_defaults())):
                if name in templates:
                    self.stats.fallbacks += 1
                    legacy = _legacy({**templates[name], "version": None, "label": None})
                    return Resolved({**legacy, "source": source}, source, False, reason)
        raise PromptsUnavailable(name, reason)

    def _override_for(self, key: Key, missing: _Missing) -> Resolved | None:
        name, label, version = key
        if missing.deleted or version is not None or label != DEFAULT_LABEL:
            return None
        answer = self._overrides.get(name)
        if answer is None:
            return None
        legacy = _legacy({**answer, "version": None, "label": None})
        return Resolved({**legacy, "source": "env"}, "env", False, "not_in_server")

    def _store(self, key: Key, value: _Found | _Missing, *, ttl: float | None = None) -> None:
        if ttl is None and key[2] is not None and isinstance(value, _Found):
            ttl = FOREVER  # a pinned version is immutable
        self._cache.put(key, value, ttl=ttl)
        if isinstance(value, _Found):
            until = self._clock() + (self.config.cache_ttl_seconds if ttl is None else ttl)
            self._fresh[key] = (until, Resolved({**value.legacy, "source": "cache"}, "cache"))
            if len(self._fresh) > self.config.cache_max_entries:
                self._fresh.clear()  # rare; the LRU keeps the copies, this only indexes them
        else:
            self._fresh.pop(key, None)

    def _fetch(
        self, name: str, label: str | None, version: int | None, etag: str | None, budget: float
    ) -> tuple[int, dict[str, Any], str | None]:
        if self._clock() < self._retry_at:
            raise _Failed("backing_off")
        started = self._clock()
        params: dict[str, str] = {}
        if version is not None:
            params["version"] = str(version)
        elif label and label != DEFAULT_LABEL:
            params["label"] = label
        try:
            headers = dict(self._credentials.headers(budget))
            if etag:
                headers["If-None-Match"] = etag
            remaining = max(budget - (self._clock() - started), 0.001)
            self.stats.requests += 1
            response = self._session.get(
                f"{self.config.base_url}/templates/{quote(name, safe='')}",
                params=params,
                headers=headers,
                timeout=(remaining, remaining),
            )
        except CredentialsUnavailable as exc:
            logger.error("no ID token for the prompts URL: %s", exc)
            raise self._failed("no_credentials") from exc
        except requests.Timeout as exc:
            raise self._failed("deadline_exceeded") from exc
        except requests.RequestException as exc:
            raise self._failed("unreachable") from exc
        status = response.status_code
        if status == 304:
            return status, {}, etag
        if status in (200, 404):
            try:
                body = response.json()
            except ValueError as exc:
                raise self._failed("bad_answer") from exc
            if isinstance(body, dict) and ("name" in body if status == 200 else _not_found(body)):
                return status, body, response.headers.get("ETag")
            raise self._failed("bad_answer" if status == 200 else "http_404")
        if status in (401, 403):
            logger.error(
                "the prompts URL refused our credentials (HTTP %s): check PROMPTS_API_KEY / "
                "PROMPTS_AUTH and the caller's role",
                status,
            )
        raise self._failed(f"http_{status}")

    def _failed(self, reason: str) -> _Failed:
        self._retry_at = self._clock() + self.config.retry_after_seconds
        return _Failed(reason)

    # -- execution reports -------------------------------------------------------------

    def report_execution(
        self,
        template: str,
        *,
        latency_ms: float,
        success: bool,
        execution_id: str | None = None,
        finished_at: datetime | str | None = None,
        background: bool = False,
        raise_errors: bool = False,
        **fields: Any,
    ) -> Report:
        """Report one execution to `POST /executions`, bounded by the report deadline.

        `fields` are the other fields of the execution event (`version`, `label`, `source`,
        `model`, `rendered_prompt`, `response`, `input_tokens`, `output_tokens`, `cost_usd`
        as a decimal string, `error_class`, `error_message`, `user_id`, `experiment_id`,
        `variant`, `started_at`). The execution id is generated when not given and kept
        across the one retry, so a report is stored once. Never raises unless
        `raise_errors`; `background=True` returns at once (`accepted=None`) and sends it
        from a worker thread (only sound where the CPU keeps running between requests).
        """
        body: dict[str, Any] = {
            "execution_id": execution_id or f"pc-{uuid.uuid4().hex}",
            "template": template,
            "latency_ms": latency_ms,
            "success": success,
            "finished_at": _iso(finished_at or datetime.now(UTC)),
            **{k: _iso(v) if isinstance(v, datetime) else v for k, v in fields.items()},
        }
        if not background:
            report = self._post_execution(body)
            if raise_errors and not report.accepted:
                raise ReportRejected(report)
            return report
        if not self._reports.acquire(blocking=False):
            self.stats.reports_dropped += 1
            logger.warning("too many execution reports in flight; dropped %s", body["execution_id"])
            return Report(body["execution_id"], False, None, "dropped: too many in flight")
        future = self._executor().submit(self._post_execution, body)
        future.add_done_callback(lambda _: self._reports.release())
        return Report(body["execution_id"], None)

    def _post_execution(self, body: dict[str, Any]) -> Report:
        execution_id = str(body["execution_id"])
        started = self._clock()
        budget = self.config.report_deadline_seconds
        report = Report(execution_id, False, None, "not sent")
        for _attempt in range(2):  # one retry, same id: stored once whatever happens
            remaining = budget - (self._clock() - started)
            if remaining <= 0.01:
                break
            report = self._post_once(body, remaining)
            if report.accepted or (report.status is not None and report.status < 500):
                break
        if not report.accepted:
            logger.warning(
                "execution report not accepted",
                extra={"json_fields": {"execution_id": execution_id, "status": report.status}},
            )
        return report

    def _post_once(self, body: dict[str, Any], budget: float) -> Report:
        execution_id = str(body["execution_id"])
        started = self._clock()
        try:
            headers = dict(self._credentials.headers(budget))
            remaining = max(budget - (self._clock() - started), 0.001)
            response = self._session.post(
                f"{self.config.base_url}/executions",
                json=body,
                headers=headers,
                timeout=(remaining, remaining),
            )
        except (CredentialsUnavailable, requests.RequestException) as exc:
            return Report(execution_id, False, None, type(exc).__name__)
        if response.status_code == 202:
            return Report(execution_id, True, 202)
        return Report(execution_id, False, response.status_code, _problem(response))

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prompt-report")
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._session.close()


def _age(cached: Any) -> float:
    return float(cached.age) if cached is not None else FOREVER


def _legacy(answer: Answer) -> dict[str, Any]:
    """The seed's dict from an answer of the resolve function (or a fallback in its shape)."""
    legacy: dict[str, Any] = {
        "name": answer["name"],
        "description": answer.get("description", ""),
        **answer["model_config"],
        "variables": list(answer.get("variables", [])),
        "version": answer.get("version"),
    }
    if answer.get("template") is not None:
        legacy["template"] = to_format_string(answer["template"])
    else:
        legacy["messages"] = [
            {"role": m["role"], "content": to_format_string(m["content"])}
            for m in answer["messages"]
        ]
    legacy["label"] = answer.get("label")
    return legacy


def _not_found(problem: dict[str, Any]) -> bool:
    """A 404 about the template, not about the path (a wrong PROMPTS_URL is an outage)."""
    kind = str(problem.get("type", ""))
    return kind.endswith(("template-not-found", "label-not-found", "version-not-found"))


def _iso(value: datetime | str) -> str:
    return value.isoformat() if isinstance(value, datetime) else value


def _problem(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return f"HTTP {response.status_code} {body.get('type', '')}: {body.get('detail', '')}"
    return f"HTTP {response.status_code}"
