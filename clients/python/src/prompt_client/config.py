"""The client's settings, read once from the environment (or given directly).

`PROMPTS_URL` (required), `PROMPTS_API_KEY`, `PROMPTS_AUTH` (`api_key`, `id_token` or
`api_key+id_token`), `PROMPTS_AUDIENCE`, `PROMPTS_DEADLINE_SECONDS`,
`PROMPTS_COLD_DEADLINE_SECONDS`, `PROMPTS_CACHE_TTL_SECONDS`,
`PROMPTS_STALE_IF_ERROR_SECONDS`, `PROMPTS_CACHE_MAX_ENTRIES`,
`PROMPTS_RETRY_AFTER_SECONDS`, `PROMPTS_REPORT_DEADLINE_SECONDS` and
`CUSTOM_TEMPLATES_JSON`; docs/client.md describes each. A bad value is a
`ClientConfigError` naming the variable, at construction, never later on a lookup.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from prompt_client.errors import ClientConfigError

AuthMode = Literal["api_key", "id_token", "api_key+id_token"]
AUTH_MODES: tuple[AuthMode, ...] = ("api_key", "id_token", "api_key+id_token")


@dataclass(frozen=True)
class ClientConfig:
    url: str
    api_key: str | None = None
    auth: AuthMode | None = None  # None: `api_key` when a key is given, else `id_token`
    audience: str | None = None
    deadline_seconds: float = 0.5
    cold_deadline_seconds: float = 2.0
    cache_ttl_seconds: float = 60.0
    stale_if_error_seconds: float = 7 * 24 * 3600.0
    cache_max_entries: int = 1024
    retry_after_seconds: float = 5.0
    report_deadline_seconds: float = 2.0
    custom_templates_json: str | None = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ClientConfigError(f"PROMPTS_URL must be an http(s) URL, got {self.url!r}")
        if self.auth is not None and self.auth not in AUTH_MODES:
            raise ClientConfigError(f"PROMPTS_AUTH must be one of {', '.join(AUTH_MODES)}")
        if "api_key" in self.auth_mode and not self.api_key:
            raise ClientConfigError(f"PROMPTS_AUTH={self.auth_mode} needs PROMPTS_API_KEY")
        if self.cold_deadline_seconds < self.deadline_seconds:
            raise ClientConfigError(
                "PROMPTS_COLD_DEADLINE_SECONDS must be >= PROMPTS_DEADLINE_SECONDS"
            )

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    @property
    def auth_mode(self) -> AuthMode:
        if self.auth is not None:
            return self.auth
        return "api_key" if self.api_key else "id_token"

    @property
    def token_audience(self) -> str:
        return self.audience or self.base_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientConfig:
        env = os.environ if environ is None else environ
        url = env.get("PROMPTS_URL", "").strip()
        if not url:
            raise ClientConfigError("PROMPTS_URL is not set (the resolve function's base URL)")
        return cls(
            url=url,
            api_key=env.get("PROMPTS_API_KEY") or None,
            auth=_auth_mode(env.get("PROMPTS_AUTH") or None),
            audience=env.get("PROMPTS_AUDIENCE") or None,
            deadline_seconds=_positive(env, "PROMPTS_DEADLINE_SECONDS", 0.5),
            cold_deadline_seconds=_positive(env, "PROMPTS_COLD_DEADLINE_SECONDS", 2.0),
            cache_ttl_seconds=_positive(env, "PROMPTS_CACHE_TTL_SECONDS", 60.0, zero=True),
            stale_if_error_seconds=_positive(
                env, "PROMPTS_STALE_IF_ERROR_SECONDS", 7 * 24 * 3600.0, zero=True
            ),
            cache_max_entries=int(_positive(env, "PROMPTS_CACHE_MAX_ENTRIES", 1024)),
            retry_after_seconds=_positive(env, "PROMPTS_RETRY_AFTER_SECONDS", 5.0, zero=True),
            report_deadline_seconds=_positive(env, "PROMPTS_REPORT_DEADLINE_SECONDS", 2.0),
            custom_templates_json=env.get("CUSTOM_TEMPLATES_JSON") or None,
        )


def _auth_mode(raw: str | None) -> AuthMode | None:
    if raw is None:
        return None
    for mode in AUTH_MODES:
        if raw.strip() == mode:
            return mode
    raise ClientConfigError(f"PROMPTS_AUTH must be one of {', '.join(AUTH_MODES)}, got {raw!r}")


def _positive(env: Mapping[str, str], name: str, default: float, *, zero: bool = False) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ClientConfigError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise ClientConfigError(f"{name} must be a finite number > {'=' if zero else ''}0")
    return value
