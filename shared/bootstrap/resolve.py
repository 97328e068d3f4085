"""The resolve function's graph: the resolution service (resolver, guardrail and experiment
loaders sharing one Firestore breaker), execution reporting, and its route table."""

from __future__ import annotations

from shared import resolve_api
from shared.bootstrap.http import HttpApp, authenticator
from shared.bootstrap.publishing import execution_publisher
from shared.bootstrap.resolution import resolution_service
from shared.config import Settings
from shared.executions.reporting import ExecutionReporting
from shared.guardrails import engine as guardrails
from shared.http.api import Api
from shared.resolve_api import ResolveServices
from shared.storage.firestore import import_in_each_worker
from shared.storage.secrets import secret_reader


def execution_reporting(settings: Settings) -> ExecutionReporting:
    """`POST /executions`: events published to EXECUTIONS_TOPIC, user ids pseudonymized
    with PSEUDONYMIZATION_KEY or the Secret Manager version PSEUDONYMIZATION_KEY_SECRET."""
    secret = settings.pseudonymization_key_secret
    return ExecutionReporting(
        settings,
        execution_publisher(settings),
        key_secret=secret_reader(secret) if secret is not None else None,
    )


def resolve_services(settings: Settings) -> ResolveServices:
    return ResolveServices(
        service=resolution_service(settings),
        reporting=execution_reporting(settings),
        http_max_age_seconds=settings.http_max_age_seconds,
    )


def resolve_app(
    settings: Settings, services: ResolveServices | None = None
) -> HttpApp[ResolveServices]:
    """The resolve function's app; its guardrail models are loaded here, at import, not by
    the first render, and each forked worker imports the Firestore client before its
    first request (docs/operations.md, "Cold start", says why)."""
    guardrails.warm_up()
    import_in_each_worker()
    api = Api(
        resolve_api.ROUTES,
        context=services or resolve_services(settings),
        max_body=settings.max_request_bytes,
        # The resolver checks names itself (its 422 names the field `name`), and a trailing
        # slash is answered as it was before resolve shared the admin API's router.
        path_patterns={},
        strict_slashes=True,
    )
    return HttpApp(settings=settings, authenticator=authenticator(settings), api=api)
