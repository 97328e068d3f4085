"""Admin function (HTTP): the `/v1/` API over templates, labels and the audit log.

Deployed from the repository root with GOOGLE_FUNCTION_SOURCE=functions/admin/main.py and
entry point `admin`. Thin: the route table says which role each operation needs and which
model validates its body; handlers call the services in `shared` and shape the answer.
`GET /v1/openapi.json` serves the OpenAPI 3.1 document generated from the same table.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from flask import Request, Response
from werkzeug.exceptions import HTTPException

from shared.analytics.aggregate import AnalyticsReport, summarize
from shared.auth.authenticator import Authenticator
from shared.config import get_settings
from shared.errors import BadRequest, FieldError, NotFound
from shared.executions.model import ExecutionOut, ExecutionPage
from shared.experiments.admin import ExperimentAdminService
from shared.experiments.model import (
    ExperimentCreate,
    ExperimentOut,
    ExperimentPage,
    ExperimentSpec,
    StopRequest,
)
from shared.experiments.results import ExperimentResults, analyze
from shared.guardrails.admin import (
    GuardrailAdminService,
    GuardrailOut,
    GuardrailPage,
    GuardrailSpec,
)
from shared.guardrails.model import Guardrail
from shared.http.api import Api, Call, QueryParam, Route, json_answer
from shared.http.pagination import decode_cursor, encode_cursor, parse_limit, parse_window
from shared.http.parsing import positive_int
from shared.http.problems import framework_error_response, http_endpoint
from shared.observability import configure_logging
from shared.resilience import request_budget
from shared.storage.audit import AuditLogStore
from shared.storage.documents import etag_for
from shared.storage.observations import ObservationStore
from shared.storage.template_admin import TemplateAdminStore
from shared.templates import admin_models as m
from shared.templates.admin import TemplateAdminService

settings = get_settings()
configure_logging(settings.log_level)
authenticator = Authenticator.from_settings(settings)
template_store = TemplateAdminStore(settings)
experiments = ExperimentAdminService(settings, template_store)
templates = TemplateAdminService(template_store, delete_blocker=experiments.running_blocker)
guardrails = GuardrailAdminService(settings)
observations = ObservationStore(settings)
audit_log = AuditLogStore(settings)
functions_framework.errorhandler(HTTPException)(framework_error_response)

PAGE = (
    QueryParam("cursor", "next_cursor of the previous page"),
    QueryParam(
        "limit", "page size, 1..200 (default 50)", {"type": "integer", "minimum": 1, "maximum": 200}
    ),
)


def _version_arg(call: Call, key: str = "version") -> int:
    version = positive_int(str(call.args.get(key) or call.query.get(key) or ""))
    if version is None:
        raise BadRequest(
            f"{key} must be a positive integer", errors=[FieldError(key, "a positive integer")]
        )
    return version


def _etagged(answer: m.TemplateOut) -> Response:
    return json_answer(answer, etag=etag_for(answer.revision))


# Templates ------------------------------------------------------------------------------


def list_templates(call: Call) -> Response:
    return json_answer(
        templates.list(cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit")))
    )


def create_template(call: Call) -> Response:
    return json_answer(templates.create(call.body, actor=call.actor), status=201)  # type: ignore[arg-type]


def get_template(call: Call) -> Response:
    return _etagged(templates.get(call.args["name"]))


def create_version(call: Call) -> Response:
    created = templates.add_version(
        call.args["name"],
        call.body,
        actor=call.actor,
        if_match=call.if_match(),  # type: ignore[arg-type]
    )
    return json_answer(created, status=201)


def list_versions(call: Call) -> Response:
    page = templates.versions(
        call.args["name"],
        cursor=call.query.get("cursor"),
        limit=parse_limit(call.query.get("limit")),
    )
    return json_answer(page)


def get_version(call: Call) -> Response:
    version = templates.version(call.args["name"], _version_arg(call))
    return json_answer(version, etag=f'"{version.content_hash.removeprefix("sha256:")[:32]}"')


def get_label(call: Call) -> Response:
    return json_answer(templates.label(call.args["name"], call.args["label"]))


def move_label(call: Call) -> Response:
    moved = templates.move_label(
        call.args["name"],
        call.args["label"],
        call.body,
        actor=call.actor,
        if_match=call.if_match(),  # type: ignore[arg-type]
    )
    return json_answer(moved)


def remove_label(call: Call) -> Response:
    moved = templates.remove_label(
        call.args["name"], call.args["label"], actor=call.actor, if_match=call.if_match()
    )
    return json_answer(moved)


def activate(call: Call) -> Response:
    moved = templates.activate(
        call.args["name"], call.body, actor=call.actor, if_match=call.if_match()
    )  # type: ignore[arg-type]
    return json_answer(moved)


def rollback(call: Call) -> Response:
    moved = templates.rollback(
        call.args["name"], call.body, actor=call.actor, if_match=call.if_match()
    )  # type: ignore[arg-type]
    return json_answer(moved)


def delete_template(call: Call) -> Response:
    templates.delete(call.args["name"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


def restore_template(call: Call) -> Response:
    return _etagged(templates.restore(call.args["name"], actor=call.actor))


def diff(call: Call) -> Response:
    return json_answer(
        templates.diff(call.args["name"], _version_arg(call, "from"), _version_arg(call, "to"))
    )


# Guardrails -----------------------------------------------------------------------------


def _revisioned(answer: GuardrailOut | ExperimentOut, status: int = 200) -> Response:
    return json_answer(answer, status=status, etag=etag_for(answer.revision))


def list_guardrails(call: Call) -> Response:
    return json_answer(
        guardrails.list(cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit")))
    )


def create_guardrail(call: Call) -> Response:
    return _revisioned(guardrails.create(call.body, actor=call.actor), status=201)  # type: ignore[arg-type]


def get_guardrail(call: Call) -> Response:
    return _revisioned(guardrails.get(call.args["name"]))


def replace_guardrail(call: Call) -> Response:
    return _revisioned(
        guardrails.replace(call.args["name"], call.body, actor=call.actor, if_match=call.if_match())
    )  # type: ignore[arg-type]


def activate_guardrail(call: Call) -> Response:
    return _revisioned(
        guardrails.set_active(call.args["name"], True, actor=call.actor, if_match=call.if_match())
    )


def deactivate_guardrail(call: Call) -> Response:
    return _revisioned(
        guardrails.set_active(call.args["name"], False, actor=call.actor, if_match=call.if_match())
    )


def delete_guardrail(call: Call) -> Response:
    guardrails.delete(call.args["name"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


# Experiments ----------------------------------------------------------------------------


def list_experiments(call: Call) -> Response:
    return json_answer(
        experiments.list(
            cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit"))
        )
    )


def create_experiment(call: Call) -> Response:
    return _revisioned(experiments.create(call.body, actor=call.actor), status=201)  # type: ignore[arg-type]


def get_experiment(call: Call) -> Response:
    return _revisioned(experiments.get(call.args["id"]))


def experiment_results(call: Call) -> Response:
    experiment = experiments.get(call.args["id"])
    summary = observations.experiment_summary(experiment.id)
    return json_answer(analyze(experiment, summary))


def replace_experiment(call: Call) -> Response:
    return _revisioned(
        experiments.replace(call.args["id"], call.body, actor=call.actor, if_match=call.if_match())
    )  # type: ignore[arg-type]


def start_experiment(call: Call) -> Response:
    return _revisioned(
        experiments.start(call.args["id"], actor=call.actor, if_match=call.if_match())
    )


def stop_experiment(call: Call) -> Response:
    return _revisioned(
        experiments.stop(call.args["id"], call.body, actor=call.actor, if_match=call.if_match())
    )  # type: ignore[arg-type]


def delete_experiment(call: Call) -> Response:
    experiments.delete(call.args["id"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


# Executions and analytics (written by the audit pipeline) ------------------------------


def list_executions(call: Call) -> Response:
    start, end = parse_window(call.query.get("from"), call.query.get("to"))
    version = _version_arg(call) if "version" in call.query else None
    if version is not None and "template" not in call.query:
        raise BadRequest(
            "version needs template", errors=[FieldError("query.version", "give template too")]
        )
    limit = parse_limit(call.query.get("limit"))
    rows = observations.executions(
        template=call.query.get("template"),
        version=version,
        start=start,
        end=end,
        after_id=decode_cursor(call.query.get("cursor")),
        limit=limit + 1,
    )
    items = [ExecutionOut.model_validate(r) for r in rows[:limit]]
    cursor = encode_cursor(items[-1].execution_id) if len(rows) > limit else None
    return json_answer(ExecutionPage(items=items, next_cursor=cursor))


def get_execution(call: Call) -> Response:
    row = observations.execution(call.args["execution_id"])
    if row is None:
        raise NotFound(f"execution '{call.args['execution_id']}' does not exist")
    return json_answer(ExecutionOut.model_validate(row))


def _report(call: Call, template: str | None) -> Response:
    start, end = parse_window(call.query.get("from"), call.query.get("to"))
    rows = observations.rollups(template=template, start=start, end=end)
    if "version" in call.query:
        version = _version_arg(call)
        rows = [row for row in rows if row.get("version") == version]
    items = summarize(rows, by_variant=template is not None)
    return json_answer(AnalyticsReport(start=start.isoformat(), end=end.isoformat(), items=items))


def analytics_overview(call: Call) -> Response:
    return _report(call, None)


def analytics_for_template(call: Call) -> Response:
    return _report(call, call.args["name"])


# Audit log and the document itself ------------------------------------------------------


def read_audit_log(call: Call) -> Response:
    limit = parse_limit(call.query.get("limit"))
    rows = audit_log.entries(
        actor=call.query.get("actor"),
        target=call.query.get("target"),
        after_id=decode_cursor(call.query.get("cursor")),
        limit=limit + 1,
    )
    items = rows[:limit]
    cursor = encode_cursor(items[-1]["id"]) if len(rows) > limit else None
    return json_answer(m_audit_page(items, cursor))


def m_audit_page(items: list[dict], cursor: str | None) -> dict:
    return {
        "items": [  # `scope` is the store's index of the target, not part of the entry
            {
                **{k: v for k, v in i.items() if k != "scope"},
                "at": i["at"].isoformat() if i.get("at") else None,
            }
            for i in items
        ],
        "next_cursor": cursor,
    }


def openapi(call: Call) -> Response:
    return json_answer(api.openapi())


WINDOW = (
    QueryParam(
        "from",
        "start, ISO 8601 with zone (default: 24 h before 'to')",
        {"type": "string", "format": "date-time"},
    ),
    QueryParam(
        "to",
        "end, ISO 8601 with zone (default: now); at most 31 days after 'from'",
        {"type": "string", "format": "date-time"},
    ),
)
T = "/v1/templates/<name>"
G = "/v1/guardrails/<name>"
E = "/v1/experiments/<id>"
api = Api(
    [
        Route(
            "GET",
            "/v1/templates",
            "viewer",
            list_templates,
            "List templates",
            response=m.TemplatePage,
            query=PAGE,
        ),
        Route(
            "POST",
            "/v1/templates",
            "editor",
            create_template,
            "Create a template (version 1)",
            body=m.TemplateCreate,
            response=m.VersionCreated,
            status=201,
        ),
        Route(
            "GET",
            T,
            "viewer",
            get_template,
            "Get a template's head (labels, latest version)",
            response=m.TemplateOut,
        ),
        Route(
            "PUT",
            T,
            "editor",
            create_version,
            "Update: create version n+1",
            body=m.TemplateContent,
            response=m.VersionCreated,
            status=201,
        ),
        Route("DELETE", T, "admin", delete_template, "Soft-delete a template", status=204),
        Route(
            "POST",
            f"{T}/restore",
            "admin",
            restore_template,
            "Restore a soft-deleted template",
            response=m.TemplateOut,
        ),
        Route(
            "GET",
            f"{T}/versions",
            "viewer",
            list_versions,
            "List versions, newest first",
            response=m.VersionPage,
            query=PAGE,
        ),
        Route(
            "POST",
            f"{T}/versions",
            "editor",
            create_version,
            "Create version n+1",
            body=m.TemplateContent,
            response=m.VersionCreated,
            status=201,
        ),
        Route(
            "GET",
            f"{T}/versions/<version>",
            "viewer",
            get_version,
            "Get one version",
            response=m.VersionOut,
        ),
        Route(
            "GET",
            f"{T}/labels/<label>",
            "viewer",
            get_label,
            "A label's version and history",
            response=m.LabelOut,
        ),
        Route(
            "PUT",
            f"{T}/labels/<label>",
            "publisher",
            move_label,
            "Move a label to a version",
            body=m.LabelMove,
            response=m.LabelMoved,
        ),
        Route(
            "DELETE",
            f"{T}/labels/<label>",
            "publisher",
            remove_label,
            "Remove a label",
            response=m.LabelMoved,
        ),
        Route(
            "POST",
            f"{T}/activate",
            "publisher",
            activate,
            "Move production to a version",
            body=m.LabelMove,
            response=m.LabelMoved,
        ),
        Route(
            "POST",
            f"{T}/rollback",
            "publisher",
            rollback,
            "Move a label back to its previous version",
            body=m.Rollback,
            response=m.LabelMoved,
        ),
        Route(
            "GET",
            f"{T}/diff",
            "viewer",
            diff,
            "Diff two versions",
            response=m.DiffOut,
            query=(
                QueryParam("from", "older version", {"type": "integer", "minimum": 1}),
                QueryParam("to", "newer version", {"type": "integer", "minimum": 1}),
            ),
        ),
        Route(
            "GET",
            "/v1/guardrails",
            "viewer",
            list_guardrails,
            "List guardrails",
            response=GuardrailPage,
            query=PAGE,
        ),
        Route(
            "POST",
            "/v1/guardrails",
            "editor",
            create_guardrail,
            "Create a guardrail",
            body=Guardrail,
            response=GuardrailOut,
            status=201,
        ),
        Route("GET", G, "viewer", get_guardrail, "Get a guardrail", response=GuardrailOut),
        Route(
            "PUT",
            G,
            "editor",
            replace_guardrail,
            "Replace a guardrail's configuration",
            body=GuardrailSpec,
            response=GuardrailOut,
        ),
        Route("DELETE", G, "admin", delete_guardrail, "Delete a guardrail", status=204),
        Route(
            "POST",
            f"{G}/activate",
            "publisher",
            activate_guardrail,
            "Activate a guardrail",
            response=GuardrailOut,
        ),
        Route(
            "POST",
            f"{G}/deactivate",
            "publisher",
            deactivate_guardrail,
            "Deactivate a guardrail",
            response=GuardrailOut,
        ),
        Route(
            "GET",
            "/v1/experiments",
            "viewer",
            list_experiments,
            "List experiments",
            response=ExperimentPage,
            query=PAGE,
        ),
        Route(
            "POST",
            "/v1/experiments",
            "editor",
            create_experiment,
            "Define an experiment (draft)",
            body=ExperimentCreate,
            response=ExperimentOut,
            status=201,
        ),
        Route("GET", E, "viewer", get_experiment, "Get an experiment", response=ExperimentOut),
        Route(
            "PUT",
            E,
            "editor",
            replace_experiment,
            "Edit a draft experiment",
            body=ExperimentSpec,
            response=ExperimentOut,
        ),
        Route(
            "DELETE", E, "admin", delete_experiment, "Delete a non-running experiment", status=204
        ),
        Route(
            "POST",
            f"{E}/start",
            "publisher",
            start_experiment,
            "Start (one per template and label)",
            response=ExperimentOut,
        ),
        Route(
            "POST",
            f"{E}/stop",
            "publisher",
            stop_experiment,
            "Stop, recording the decision; a winner moves the label",
            body=StopRequest,
            response=ExperimentOut,
        ),
        Route(
            "GET",
            f"{E}/results",
            "viewer",
            experiment_results,
            "Per-variant figures, tests against the control, sample-ratio check, guidance",
            response=ExperimentResults,
        ),
        Route(
            "GET",
            "/v1/executions",
            "viewer",
            list_executions,
            "Execution records, newest first",
            response=ExecutionPage,
            query=(
                *PAGE,
                *WINDOW,
                QueryParam("template", "only this template"),
                QueryParam(
                    "version",
                    "only this version (with template)",
                    {"type": "integer", "minimum": 1},
                ),
            ),
        ),
        Route(
            "GET",
            "/v1/executions/<execution_id>",
            "viewer",
            get_execution,
            "One execution record",
            response=ExecutionOut,
        ),
        Route(
            "GET",
            "/v1/analytics",
            "viewer",
            analytics_overview,
            "Per template and version, over a time window",
            response=AnalyticsReport,
            query=WINDOW,
        ),
        Route(
            "GET",
            "/v1/analytics/<name>",
            "viewer",
            analytics_for_template,
            "One template, per version and experiment variant",
            response=AnalyticsReport,
            query=(
                *WINDOW,
                QueryParam("version", "only this version", {"type": "integer", "minimum": 1}),
            ),
        ),
        Route(
            "GET",
            "/v1/audit-log",
            "viewer",
            read_audit_log,
            "Admin change log, newest first",
            query=(
                *PAGE,
                QueryParam("actor", "only this actor"),
                QueryParam("target", "only this target, e.g. templates/x"),
            ),
        ),
        Route("GET", "/v1/openapi.json", "viewer", openapi, "This document"),
    ],
    title="Prompt management admin API",
    version="1.0.0",
    max_body=settings.max_request_bytes,
)


@functions_framework.http
@http_endpoint(lambda: settings.project_id)
def admin(request: Request) -> Response:
    with request_budget(settings.admin_deadline_seconds):  # every Firestore call shares it
        return api.dispatch(request, authenticator)
