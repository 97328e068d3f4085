"""The resolve function's graph: the resolution service (resolver, guardrail and experiment
loaders sharing one Firestore breaker), execution reporting, and its route table."""

from __future__ import annotations

from flask import current_app, has_app_context

from shared import resolve_api
from shared.bootstrap.http import HttpApp, authenticator
from shared.bootstrap.publishing import execution_publisher
from shared.bootstrap.resolution import resolution_service
from shared.config import Settings
from shared.executions.reporting import ExecutionReporting
from shared.guardrails import engine as guardrails
from shared.http.api import Api
from shared.http.fast_path import Direct, Endpoint, FastPath, direct_post
from shared.resolve_api import RenderMemo, ResolveServices
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
        renders=RenderMemo() if settings.resolve_fast_path else None,
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


def install_fast_path(http_app: HttpApp[ResolveServices], endpoint: Endpoint) -> bool:
    """Put `shared.http.fast_path` in front of the Flask app serving this module, when
    RESOLVE_FAST_PATH is on and there is one: functions-framework imports the function's
    module inside its app's context, after wrapping the app's `wsgi_app` in its own
    middleware, so ours goes outside (Flask's documented way to add WSGI middleware).
    Imported any other way (a test calling the function directly), nothing is installed.
    Returns whether it was."""
    settings = http_app.settings
    if not settings.resolve_fast_path or not has_app_context():
        return False
    flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
    flask_app.wsgi_app = FastPath(
        flask_app.wsgi_app,
        resolve_api.fast_get(http_app.services, http_app.authenticator),
        project_id=lambda: settings.project_id,
        # A render (POST .../render) goes to the function's endpoint without Flask around it,
        # unless it repeats one whose answer is kept (resolve_api.RenderMemo).
        direct=Direct(
            lambda environ: direct_post(environ, resolve_api.RENDER_SUFFIX),
            endpoint,
            recall=resolve_api.recall_render(http_app.services, http_app.authenticator),
            recall_max_body=resolve_api.RENDER_MEMO_MAX_BODY,
        ),
    )
    return True
