"""One authenticator for every HTTP function: who is calling, and may they do this?

- `X-API-Key: pmk_<id>.<secret>`: looked up by id in the credentials document and compared
  by sha256 in constant time. A separate header, because on an IAM-protected function the
  `Authorization` header carries the ID token Cloud Run itself checks.
- `Authorization: Bearer <Google ID token>`: verified (signature, expiry, audience,
  issuer); the verified email's roles come from the credentials document's `identities`.

Nothing is open by default: no credentials configured means every call is a 401. Where the
credentials document comes from (Secret Manager or a file) is wired by
`shared.bootstrap.http.authenticator`.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.auth.credentials import CredentialsDocument, CredentialsSource
from shared.auth.principals import Principal, Role
from shared.auth.tokens import GoogleIdTokenVerifier
from shared.errors import Forbidden, Unauthenticated

API_KEY_HEADER = "X-API-Key"
HOW_TO_AUTHENTICATE = (
    f"send an API key in {API_KEY_HEADER} or a Google ID token as 'Authorization: Bearer <token>'"
)


class Authenticator:
    def __init__(
        self, *, credentials: CredentialsSource | None, verifier: GoogleIdTokenVerifier
    ) -> None:
        self._credentials = credentials
        self._verifier = verifier

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
            entry = self._document().key_entry(key.strip())
            if entry is None:
                raise Unauthenticated(f"unknown or revoked API key in {API_KEY_HEADER}")
            return Principal(f"key:{entry.id}", "api_key", frozenset(entry.roles))
        authorization = headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            email = self._verifier.verify(token.strip())
            roles = self._document().identities.get(email)
            if not roles:
                raise Forbidden(f"{email} is authenticated but has no role here")
            return Principal(email, "google", frozenset(roles))
        raise Unauthenticated(HOW_TO_AUTHENTICATE)

    def require(self, headers: Mapping[str, str], minimum: Role) -> Principal:
        principal = self.authenticate(headers)
        if not principal.allows(minimum):
            raise Forbidden(
                f"this needs role '{minimum}' or higher; {principal.id} has "
                f"{', '.join(sorted(principal.roles))}"
            )
        return principal
