"""The admin function's graph: template, guardrail and experiment services over their
stores, the observation and audit-log readers, the `/v1/` route table, and the console's
static files under `/console/` (open routes, outside the API's OpenAPI document)."""

from __future__ import annotations

from shared import admin_api, console
from shared.admin_api import AdminServices
from shared.bootstrap.changes import outbox_drainer, webhook_admin
from shared.bootstrap.http import HttpApp, authenticator
from shared.config import Settings
from shared.errors import GuardrailNotFound
from shared.experiments.admin import ExperimentAdminService
from shared.guardrails.admin import GuardrailAdminService
from shared.http.api import Api
from shared.storage.audit import AuditLogStore
from shared.storage.documents import AuditedDocuments
from shared.storage.experiments import ExperimentStore
from shared.storage.firestore import import_in_each_worker
from shared.storage.observations import ObservationStore
from shared.storage.templates import TemplateRepository
from shared.templates.admin import TemplateAdminService


def guardrail_documents(settings: Settings) -> AuditedDocuments:
    """The `guardrails` collection, every write audited (what the service is given)."""
    return AuditedDocuments(
        settings, settings.guardrails_collection, "guardrail", GuardrailNotFound
    )


def admin_services(settings: Settings) -> AdminServices:
    template_store = TemplateRepository(settings)
    experiments = ExperimentAdminService(ExperimentStore(settings), template_store)
    return AdminServices(
        templates=TemplateAdminService(template_store, delete_blocker=experiments.running_blocker),
        template_store=template_store,
        guardrails=GuardrailAdminService(guardrail_documents(settings)),
        experiments=experiments,
        observations=ObservationStore(settings),
        audit_log=AuditLogStore(settings),
        webhooks=webhook_admin(settings),
        document=admin_api.document,
        max_rendered_bytes=settings.max_rendered_bytes,
    )


def admin_app(settings: Settings, services: AdminServices | None = None) -> HttpApp[AdminServices]:
    import_in_each_worker()  # before the worker serves (docs/operations.md, "Cold start")
    api = Api(
        (*admin_api.ROUTES, *console.ROUTES),
        context=services or admin_services(settings),
        title=admin_api.TITLE,
        version=admin_api.VERSION,
        max_body=settings.max_request_bytes,
    )
    return HttpApp(
        settings=settings,
        authenticator=authenticator(settings),
        api=api,
        deadline_seconds=settings.admin_deadline_seconds,
        after_write=outbox_drainer(settings).drain_quietly,
    )
