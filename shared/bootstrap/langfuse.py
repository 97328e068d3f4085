"""The Langfuse-compatible function's graph: the resolution service the resolve function
uses (same cache, fallbacks and deadline), the one template repository for writes, and its
route table, with errors rendered in Langfuse's shape."""

from __future__ import annotations

from shared import langfuse_api
from shared.bootstrap.http import HttpApp, authenticator
from shared.bootstrap.resolution import resolution_service
from shared.config import Settings
from shared.http.api import Api
from shared.langfuse_api import LangfuseServices
from shared.storage.firestore import import_in_each_worker
from shared.storage.templates import TemplateRepository


def langfuse_services(settings: Settings) -> LangfuseServices:
    return LangfuseServices(
        resolution=resolution_service(settings),
        store=TemplateRepository(settings),
    )


def langfuse_app(
    settings: Settings, services: LangfuseServices | None = None
) -> HttpApp[LangfuseServices]:
    import_in_each_worker()  # before the worker serves (docs/operations.md, "Cold start")
    api = Api(
        langfuse_api.ROUTES,
        context=services or langfuse_services(settings),
        max_body=settings.max_request_bytes,
        path_patterns={},  # names hold `/` here; handlers check them (400, Langfuse's shape)
    )
    # One budget per request, the admin API's: writes and list reads stay within it, and a
    # prompt lookup nests the resolver's shorter budget inside it (never extended).
    return HttpApp(
        settings=settings,
        authenticator=authenticator(settings),
        api=api,
        deadline_seconds=settings.admin_deadline_seconds,
    )
