"""What every HTTP function is once wired: a route table bound to its services, behind one
authenticator (its credentials from Secret Manager or a file), optionally within one
deadline budget per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from flask import Request, Response

from shared.auth.authenticator import Authenticator
from shared.auth.credentials import CredentialsSource, file_fetcher, parse_document
from shared.auth.tokens import GoogleIdTokenVerifier, iap_assertion_verifier
from shared.config import Settings
from shared.http.api import Api, Gatekeeper
from shared.resilience import request_budget
from shared.storage.secrets import secret_reader

C = TypeVar("C")


@dataclass(frozen=True)
class HttpApp(Generic[C]):
    settings: Settings
    authenticator: Gatekeeper
    api: Api[C]
    # One budget shared by every Firestore call of a request; None when the services
    # budget their own calls (resolution does, per lookup).
    deadline_seconds: float | None = None
    # Run after a write answered 2xx, in its own budget, never changing the answer: the
    # admin drains the change outbox here, so a committed change's event usually leaves
    # within the request that made it.
    after_write: Callable[[], None] | None = None

    @property
    def services(self) -> C:
        return self.api.context

    def __call__(self, request: Request) -> Response:
        if self.deadline_seconds is None:
            return self.api.dispatch(request, self.authenticator)
        with request_budget(self.deadline_seconds):
            response = self.api.dispatch(request, self.authenticator)
        if self.after_write is not None and request.method != "GET" and response.status_code < 300:
            with request_budget(self.deadline_seconds):
                self.after_write()
        return response


def authenticator(settings: Settings) -> Authenticator:
    """Credentials from AUTH_CONFIG_SECRET (Secret Manager), else AUTH_CONFIG_FILE, else
    none (every call a 401); each re-read after AUTH_CONFIG_TTL_SECONDS."""
    source = None
    if settings.auth_config_secret:
        read = secret_reader(settings.auth_config_secret)
        source = CredentialsSource(
            lambda: parse_document(read(), where="AUTH_CONFIG_SECRET"),
            ttl=settings.auth_config_ttl_seconds,
        )
    elif settings.auth_config_file:
        source = CredentialsSource(
            file_fetcher(Path(settings.auth_config_file)), ttl=settings.auth_config_ttl_seconds
        )
    return Authenticator(
        credentials=source,
        verifier=GoogleIdTokenVerifier(settings.auth_audience),
        iap=iap_assertion_verifier(settings.iap_audience) if settings.iap_audience else None,
    )
