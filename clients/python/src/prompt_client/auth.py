"""Credentials for the resolve function: an API key, a Google ID token, or both.

ID tokens come from `google.oauth2.id_token.fetch_id_token`: the metadata server on GCP
(Cloud Run, Cloud Functions, GKE, GCE), Application Default Credentials of a service account
locally (`GOOGLE_APPLICATION_CREDENTIALS`). A token is cached until five minutes before it
expires, so a warm instance sends one fetch per hour, not one per call. The fetch gets the
caller's remaining deadline, so a metadata server that hangs cannot hold a lookup past it.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from prompt_client.config import ClientConfig

API_KEY_HEADER = "X-API-Key"
# Refetch this long before expiry: clocks drift, and a token must not expire in flight.
TOKEN_EXPIRY_MARGIN_SECONDS = 300.0
# When a token's expiry cannot be read, keep it for less than Google's one hour.
TOKEN_FALLBACK_LIFETIME_SECONDS = 1800.0


class CredentialsUnavailable(Exception):
    """No ID token could be fetched (no metadata server, no ADC, or it timed out)."""


class Credentials:
    """Headers for one request; thread-safe."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        fetch_token: Callable[[str, float], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._mode = config.auth_mode
        self._api_key = config.api_key
        self._audience = config.token_audience
        self._fetch_token = fetch_token or fetch_google_id_token
        self._clock = clock
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # token, refetch after (epoch seconds)
        self._static: dict[str, str] = {}
        if self._api_key and "api_key" in self._mode:
            self._static[API_KEY_HEADER] = self._api_key

    @property
    def uses_id_token(self) -> bool:
        return "id_token" in self._mode

    def headers(self, timeout: float) -> Mapping[str, str]:
        if not self.uses_id_token:
            return self._static
        return {**self._static, "Authorization": f"Bearer {self._id_token(timeout)}"}

    def _id_token(self, timeout: float) -> str:
        cached = self._token
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        with self._lock:  # single-flight: concurrent callers share one fetch
            cached = self._token
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
            try:
                token = self._fetch_token(self._audience, timeout)
            except Exception as exc:
                raise CredentialsUnavailable(f"{type(exc).__name__}: {exc}") from exc
            self._token = (token, self._refetch_after(token))
            return token

    def _refetch_after(self, token: str) -> float:
        now = self._clock()
        expiry = _expiry(token)
        if expiry is None:
            return now + TOKEN_FALLBACK_LIFETIME_SECONDS
        return max(now, expiry - TOKEN_EXPIRY_MARGIN_SECONDS)


def fetch_google_id_token(audience: str, timeout: float) -> str:
    """An ID token for `audience` from the metadata server or ADC, within `timeout`."""
    import google.auth.transport.requests
    import google.oauth2.id_token

    request = _BoundedRequest(google.auth.transport.requests.Request(), timeout)
    # google-auth ships no annotations for this function; its documented signature is this.
    fetch = cast(Callable[[Any, str], str], google.oauth2.id_token.fetch_id_token)
    return fetch(request, audience)


class _BoundedRequest:
    """google-auth's transport with every call's timeout capped (its default is 120 s)."""

    def __init__(self, inner: Any, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = min(float(kwargs.get("timeout") or self._timeout), self._timeout)
        return self._inner(*args, **kwargs)


def _expiry(token: str) -> float | None:
    """The `exp` claim, read without verifying: the server verifies, we only schedule."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) else None
