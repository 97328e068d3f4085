"""One authenticator for every HTTP function: who is calling, and may they do this?

- `X-API-Key: pmk_<id>.<secret>`: looked up by id in the credentials document and compared
  by sha256 in constant time. A separate header, because on an IAM-protected function the
  `Authorization` header carries the ID token Cloud Run itself checks.
- `Authorization: Basic base64(<public>:<secret>)`, the Langfuse SDKs' pair: the secret is an
  API key as above and the public key is its id part, `pmk_<id>` (`public_key_of`), so one
  minted key is both; a pair whose halves do not belong together is a 401. On GCP the IAM
  check reads the caller's ID token from `X-Serverless-Authorization`, leaving this free.
- `Authorization: Bearer <Google ID token>`: verified (signature, expiry, audience,
  issuer); the verified email's roles come from the credentials document's `identities`.
- `X-Goog-IAP-JWT-Assertion`, only where `IAP_AUDIENCE` is set (a function behind
  Identity-Aware Proxy): IAP's signed statement of who it signed in, verified the same way
  against IAP's keys and the IAP resource as audience; the email's roles come from
  `identities` too. A browser behind IAP sends it on every request without holding any
  credential itself. An API key, when also sent, takes precedence (its role is explicit).
  Without `IAP_AUDIENCE` the header is ignored: unverifiable, it proves nothing.

Nothing is open by default: no credentials configured means every call is a 401. Where the
credentials document comes from (Secret Manager or a file) is wired by
`shared.bootstrap.http.authenticator`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Literal

from shared.auth.credentials import CredentialsDocument, CredentialsSource, public_key_of
from shared.auth.principals import Principal, Role
from shared.auth.tokens import GoogleIdTokenVerifier
from shared.errors import Forbidden, Unauthenticated

API_KEY_HEADER = "X-API-Key"
IAP_ASSERTION_HEADER = "X-Goog-IAP-JWT-Assertion"
HOW_TO_AUTHENTICATE = (
    f"send an API key in {API_KEY_HEADER} or a Google ID token as 'Authorization: Bearer <token>'"
)


class Authenticator:
    def __init__(
        self,
        *,
        credentials: CredentialsSource | None,
        verifier: GoogleIdTokenVerifier,
        iap: GoogleIdTokenVerifier | None = None,
    ) -> None:
        self._credentials = credentials
        self._verifier = verifier
        self._iap = iap

    def _document(self) -> CredentialsDocument:
        if self._credentials is None:
            raise Unauthenticated(
                "no credentials are configured for this function (AUTH_CONFIG_SECRET or "
                "AUTH_CONFIG_FILE), so nobody is allowed in"
            )
        return self._credentials.document()

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        key = headers.get(API_KEY_HEADER)
        if key:
            document = self._document()
            entry = document.key_entry(key.strip())
            if entry is None:
                raise Unauthenticated(f"unknown or revoked API key in {API_KEY_HEADER}")
            return document.key_principal(entry)
        assertion = headers.get(IAP_ASSERTION_HEADER, "").strip()
        if assertion and self._iap is not None:
            return self._identity(self._iap.verify(assertion), "iap")
        authorization = headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "basic":
            return self._basic(token.strip())
        if scheme.lower() == "bearer" and token.strip():
            return self._identity(self._verifier.verify(token.strip()), "google")
        raise Unauthenticated(HOW_TO_AUTHENTICATE)

    def _identity(self, email: str, kind: Literal["google", "iap"]) -> Principal:
        roles = self._document().identities.get(email)
        if not roles:
            raise Forbidden(f"{email} is authenticated but has no role here")
        return Principal(email, kind, frozenset(roles))

    def _basic(self, token: str) -> Principal:
        try:
            public, sep, secret = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            sep, public, secret = "", "", ""
        if not sep or not public or not secret:
            raise Unauthenticated("Basic credentials must be base64(<public key>:<secret key>)")
        document = self._document()
        entry = document.key_entry(secret)
        if entry is None or not hmac.compare_digest(public, public_key_of(entry.id)):
            raise Unauthenticated("unknown or revoked key pair in Authorization: Basic")
        return document.key_principal(entry)

    def require(self, headers: Mapping[str, str], minimum: Role) -> Principal:
        principal = self.authenticate(headers)
        if not principal.allows(minimum):
            raise Forbidden(
                f"this needs role '{minimum}' or higher; {principal.id} has "
                f"{', '.join(sorted(principal.roles))}"
            )
        return principal
