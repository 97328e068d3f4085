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

from shared.auth.principals import Principal, Role
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

    @cached_property
    def _principals_by_id(self) -> dict[str, Principal]:
        # One Principal per key for this document's life: a refreshed document (a key
        # revoked, its roles changed) is a new object with its own.
        return {
            entry.id: Principal(f"key:{entry.id}", "api_key", frozenset(entry.roles))
            for entry in self.api_keys
        }

    def key_principal(self, entry: ApiKeyEntry) -> Principal:
        """Who an entry of this document authenticates as."""
        return self._principals_by_id[entry.id]

    @cached_property
    def _verified(self) -> dict[str, ApiKeyEntry]:
        # Keys this document has verified, at most one per entry (only the key whose hash
        # matched is kept): a service sends the same key on every request, and hashing it
        # each time was a measurable part of a cache hit. It lives as long as the document,
        # so a key revoked or re-rolled stops working with the next document, as before.
        return {}

    def key_entry(self, key: str) -> ApiKeyEntry | None:
        """Find the key's entry by its id part and compare hashes in constant time."""
        known = self._verified.get(key)
        if known is not None:
            return known
        entry = self._keys_by_id.get(parse_key_id(key) or "")
        if entry is None:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        if not hmac.compare_digest(entry.sha256, digest):
            return None
        self._verified[key] = entry
        return entry


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
        # (document, when it was fetched), replaced whole: read without the lock while fresh.
        self._current: tuple[CredentialsDocument, float] | None = None

    def document(self) -> CredentialsDocument:
        current = self._current
        if current is not None and self._clock() - current[1] < self._ttl:
            return current[0]
        with self._lock:
            current = self._current
            if current is not None and self._clock() - current[1] < self._ttl:
                return current[0]
            try:
                self._current = current = (self._fetch(), self._clock())
            except ServiceUnavailable:
                if current is None:
                    raise
                logger.warning("credentials refresh failed; serving the last good copy")
            return current[0]


def file_fetcher(path: Path) -> Callable[[], CredentialsDocument]:
    def fetch() -> CredentialsDocument:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ServiceUnavailable(f"cannot read AUTH_CONFIG_FILE ({exc.strerror})") from exc
        return parse_document(raw, where="AUTH_CONFIG_FILE")

    return fetch
