"""What every HTTP function is once wired: a route table bound to its services, behind one
authenticator, optionally within one deadline budget per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import Request, Response

from shared.config import Settings
from shared.http.api import Api, Gatekeeper
from shared.resilience import request_budget

C = TypeVar("C")


@dataclass(frozen=True)
class HttpApp(Generic[C]):
    settings: Settings
    authenticator: Gatekeeper
    api: Api[C]
    # One budget shared by every Firestore call of a request; None when the services
    # budget their own calls (resolution does, per lookup).
    deadline_seconds: float | None = None

    @property
    def services(self) -> C:
        return self.api.context

    def __call__(self, request: Request) -> Response:
        if self.deadline_seconds is None:
            return self.api.dispatch(request, self.authenticator)
        with request_budget(self.deadline_seconds):
            return self.api.dispatch(request, self.authenticator)
