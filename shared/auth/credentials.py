"""The credentials document: API key hashes and Google identities, with their roles.

    {"api_keys": [{"id": "ci", "sha256": "<hex of sha256(key)>", "roles": ["publisher"]}],
     "identities": {"deployer@p.iam.gserviceaccount.com": ["admin"]}}

In GCP it lives in Secret Manager (`AUTH_CONFIG_SECRET`, e.g.
`projects/P/secrets/prompt-auth/versions/latest`); locally in a file (`AUTH_CONFIG_FILE`).
Only hashes are stored, never keys. It is read once and cached for `AUTH_CONFIG_TTL_SECONDS`,
so adding a new secret version rotates keys without a redeploy; when a refresh fails the
last good copy keeps serving (a Secret Manager blip must not lock every caller out).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.auth.principals import Role
from shared.errors import ServiceUnavailable
from shared.validation import summarize

logger = logging.getLogger(__name__)

KEY_PREFIX = "pmk_"
KEY_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class ApiKeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=KEY_ID_PATTERN)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[Role] = Field(min_length=1)
    description: str = ""


class CredentialsDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_keys: list[ApiKeyEntry] = Field(default_factory=list)
    identities: dict[str, list[Role]] = Field(default_factory=dict)

    @cached_property
    def _keys_by_id(self) -> dict[str, ApiKeyEntry]:
        return {entry.id: entry for entry in self.api_keys}

    def key_entry(self, key: str) -> ApiKeyEntry | None:
        """Find the key's entry by its id part and compare hashes in constant time."""
        entry = self._keys_by_id.get(parse_key_id(key) or "")
        if entry is None:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        return entry if hmac.compare_digest(entry.sha256, digest) else None


def parse_key_id(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX) or "." not in key:
        return None
    return key[len(KEY_PREFIX) :].split(".", 1)[0] or None


def public_key_of(key_id: str) -> str:
    """The Langfuse SDKs' public key for the API key with this id (its secret key)."""
    return f"{KEY_PREFIX}{key_id}"


def new_api_key(key_id: str) -> tuple[str, str]:
    """A fresh key `pmk_<id>.<256 random bits>` and the sha256 hex to store."""
    key = f"{KEY_PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    return key, hashlib.sha256(key.encode()).hexdigest()


def parse_document(raw: bytes | str, *, where: str) -> CredentialsDocument:
    try:
        return CredentialsDocument.model_validate(json.loads(raw))
    except ValueError as exc:
        detail = summarize(exc, prefix=where) if isinstance(exc, ValidationError) else str(exc)
        raise ServiceUnavailable(f"the credentials document is invalid: {detail}") from exc


class CredentialsSource:
    """Reads the document through `fetch`, caches it, serves the last good copy on errors."""

    def __init__(
        self,
        fetch: Callable[[], CredentialsDocument],
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._document: CredentialsDocument | None = None
        self._fetched_at = 0.0

    def document(self) -> CredentialsDocument:
        with self._lock:
            if self._document is not None and self._clock() - self._fetched_at < self._ttl:
                return self._document
            try:
                self._document = self._fetch()
                self._fetched_at = self._clock()
            except ServiceUnavailable:
                if self._document is None:
                    raise
                logger.warning("credentials refresh failed; serving the last good copy")
            return self._document


def file_fetcher(path: Path) -> Callable[[], CredentialsDocument]:
    def fetch() -> CredentialsDocument:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ServiceUnavailable(f"cannot read AUTH_CONFIG_FILE ({exc.strerror})") from exc
        return parse_document(raw, where="AUTH_CONFIG_FILE")

    return fetch
