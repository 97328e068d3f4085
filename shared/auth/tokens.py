"""Google-signed ID tokens: what Cloud Run / Cloud Functions IAM gives callers.

Signature (Google's public certificates, cached for an hour), expiry, audience (this
function's URL, `AUTH_AUDIENCE`) and issuer are all checked with `google-auth`; the email
must be verified. The certificates are fetched lazily and cached, so a warm instance
verifies a token without network I/O.

A token whose `kid` is not among the cached certificates triggers a refetch (Google rotated
its keys), but at most one per `CERTS_REFETCH_INTERVAL_SECONDS` per process, single-flight
(one caller fetches, concurrent ones wait for its result): a stream of tokens with made-up
`kid`s is answered 401 from the cache instead of becoming one Google fetch per request. A
failed refetch keeps the cached certificates (the token is then a 401).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from google.auth import exceptions

from shared.errors import ServiceUnavailable, Unauthenticated

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
IAP_CERTS_URL = "https://www.gstatic.com/iap/verify/public_key"
IAP_ISSUERS = frozenset({"https://cloud.google.com/iap"})
CERTS_TTL_SECONDS = 3600.0
# Google publishes a new key well before signing with it, so one refetch per half minute sees
# a rotation promptly; more often would let unknown-kid tokens drive traffic to Google.
CERTS_REFETCH_INTERVAL_SECONDS = 30.0


def _fetch_certs(url: str, whose: str) -> dict[str, str]:
    """Current signing keys, `kid -> PEM` (the network boundary)."""
    import google.auth.transport.requests

    response = google.auth.transport.requests.Request()(url=url, method="GET")
    if response.status != 200:
        raise ServiceUnavailable(f"could not fetch {whose} certificates (HTTP {response.status})")
    certs: dict[str, str] = json.loads(response.data)
    return certs


def fetch_google_certs() -> dict[str, str]:
    return _fetch_certs(GOOGLE_CERTS_URL, "Google's")


def fetch_iap_certs() -> dict[str, str]:
    return _fetch_certs(IAP_CERTS_URL, "IAP's")


class GoogleIdTokenVerifier:
    def __init__(
        self,
        audience: str | None,
        *,
        fetch_certs: Callable[[], dict[str, str]] = fetch_google_certs,
        clock: Callable[[], float] = time.monotonic,
        issuers: frozenset[str] = GOOGLE_ISSUERS,
        verified_email_claim: bool = True,
        kind: str = "ID token",
        issuer_name: str = "Google",
        audience_setting: str = "AUTH_AUDIENCE",
    ) -> None:
        self._audience = audience
        self._issuers = issuers
        self._verified_email_claim = verified_email_claim
        self._kind = kind
        self._issuer_name = issuer_name
        self._audience_setting = audience_setting
        self._fetch_certs = fetch_certs
        self._clock = clock
        self._lock = threading.Lock()
        self._certs: dict[str, str] | None = None
        self._fetched_at = 0.0
        self._attempted_at = -math.inf  # last fetch attempt, successful or not

    def _certificates(self, *, refresh: bool = False) -> dict[str, str]:
        """The cached certificates; fetched when absent or older than the TTL, and on
        `refresh` (an unknown kid) only if no fetch was attempted within the refetch
        interval. The lock makes it single-flight: waiters see the fetch that just ran."""
        with self._lock:
            now = self._clock()
            expired = self._certs is None or now - self._fetched_at >= CERTS_TTL_SECONDS
            may_refetch = refresh and now - self._attempted_at >= CERTS_REFETCH_INTERVAL_SECONDS
            if expired or may_refetch:
                self._attempted_at = now
                try:
                    certs = self._fetch_certs()
                except (ServiceUnavailable, exceptions.GoogleAuthError, ValueError):
                    if self._certs is None or expired:
                        raise  # nothing usable cached: the caller answers 503/401
                    return self._certs  # a failed rotation check keeps what we have
                self._certs, self._fetched_at = certs, now
                return certs
            assert self._certs is not None  # not expired, so fetched before
            return self._certs

    def verify(self, token: str) -> str:
        """The verified email of the caller, or `Unauthenticated` saying what was wrong."""
        kind = self._kind
        if not self._audience:
            raise Unauthenticated(
                f"{kind}s are not accepted here: {self._audience_setting} is not set"
            )
        from google.auth import jwt

        try:
            certs = self._certificates()
            if _kid(token) not in certs:  # the issuer rotated its keys since we cached them
                certs = self._certificates(refresh=True)
            claims: dict[str, Any] = jwt.decode(  # type: ignore[no-untyped-call]
                token, certs=certs, audience=self._audience
            )
        except (ValueError, exceptions.GoogleAuthError) as exc:
            raise Unauthenticated(f"invalid {kind}: {_reason(exc)}") from exc
        if claims.get("iss") not in self._issuers:
            raise Unauthenticated(f"invalid {kind}: not issued by {self._issuer_name}")
        email = claims.get("email")
        verified = claims.get("email_verified") is True or not self._verified_email_claim
        if not email or not verified:
            raise Unauthenticated(f"invalid {kind}: no verified email claim")
        return str(email)


def iap_assertion_verifier(
    audience: str | None,
    *,
    fetch_certs: Callable[[], dict[str, str]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> GoogleIdTokenVerifier:
    """The verifier of IAP's signed header, for the IAP resource `audience`."""
    return GoogleIdTokenVerifier(
        audience,
        fetch_certs=fetch_certs or fetch_iap_certs,
        clock=clock,
        issuers=IAP_ISSUERS,
        verified_email_claim=False,
        kind="IAP assertion",
        issuer_name="IAP",
        audience_setting="IAP_AUDIENCE",
    )


def _kid(token: str) -> str | None:
    from google.auth import jwt

    try:
        header = jwt.decode_header(token)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return None
    return header.get("kid") if isinstance(header, dict) else None


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in (
        "expired",
        "audience",
        "signature",
        "Wrong number of segments",
        "Token used too early",
    ):
        if marker.lower() in text.lower():
            return {"Wrong number of segments": "malformed token"}.get(marker, marker)
    return "could not be verified"
