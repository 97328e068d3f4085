"""Secret Manager adapter: read one secret version's payload (lazily imported client)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.errors import ServiceUnavailable
from shared.storage.firestore import store_errors


def secret_reader(secret_version: str) -> Callable[[], bytes]:
    """A function returning the payload of `projects/P/secrets/S/versions/V`."""
    client: Any = None

    def read() -> bytes:
        nonlocal client
        from google.cloud import secretmanager

        try:
            client = client or secretmanager.SecretManagerServiceClient()
            response = client.access_secret_version(name=secret_version, timeout=5.0)
        except store_errors() as exc:
            raise ServiceUnavailable(f"Secret Manager failed ({type(exc).__name__})") from exc
        return bytes(response.payload.data)

    return read
