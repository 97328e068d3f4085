"""The resolve function's graph: the resolution service (resolver, guardrail and experiment
loaders sharing one Firestore breaker), execution reporting, and its route table."""

from __future__ import annotations

from shared import resolve_api
from shared.auth.authenticator import Authenticator
from shared.bootstrap.http import HttpApp
from shared.bootstrap.resolution import resolution_service
from shared.config import Settings
from shared.executions.publisher import ExecutionPublisher
from shared.executions.reporting import ExecutionReporting
from shared.http.api import Api
from shared.resolve_api import ResolveServices


def resolve_services(settings: Settings) -> ResolveServices:
    return ResolveServices(
        service=resolution_service(settings),
        reporting=ExecutionReporting(settings, publisher=ExecutionPublisher(settings)),
        http_max_age_seconds=settings.http_max_age_seconds,
    )


def resolve_app(
    settings: Settings, services: ResolveServices | None = None
) -> HttpApp[ResolveServices]:
    api = Api(
        resolve_api.ROUTES,
        context=services or resolve_services(settings),
        max_body=settings.max_request_bytes,
        # The resolver checks names itself (its 422 names the field `name`), and a trailing
        # slash is answered as it was before resolve shared the admin API's router.
        path_patterns={},
        strict_slashes=True,
    )
    return HttpApp(settings=settings, authenticator=Authenticator.from_settings(settings), api=api)
