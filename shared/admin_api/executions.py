"""`/v1/executions` and `/v1/analytics`: what the audit pipeline wrote, read back."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import PAGE, WINDOW, AdminRoute, AdminServices, version_arg
from shared.analytics.aggregate import AnalyticsReport, summarize
from shared.errors import BadRequest, FieldError, NotFound
from shared.executions.model import ExecutionOut, ExecutionPage
from shared.http.api import Call, QueryParam, json_answer
from shared.http.pagination import paginate, parse_limit, parse_window


def list_executions(call: Call, app: AdminServices) -> Response:
    start, end = parse_window(call.query.get("from"), call.query.get("to"))
    version = version_arg(call) if "version" in call.query else None
    if version is not None and "template" not in call.query:
        raise BadRequest(
            "version needs template", errors=[FieldError("query.version", "give template too")]
        )
    items, next_cursor = paginate(
        lambda after, n: app.observations.executions(
            template=call.query.get("template"),
            version=version,
            start=start,
            end=end,
            after_id=after,
            limit=n,
        ),
        cursor=call.query.get("cursor"),
        limit=parse_limit(call.query.get("limit")),
        shape=ExecutionOut.model_validate,
        key=lambda e: e.execution_id,
    )
    return json_answer(ExecutionPage(items=items, next_cursor=next_cursor))


def get_execution(call: Call, app: AdminServices) -> Response:
    row = app.observations.execution(call.args["execution_id"])
    if row is None:
        raise NotFound(f"execution '{call.args['execution_id']}' does not exist")
    return json_answer(ExecutionOut.model_validate(row))


def _report(call: Call, app: AdminServices, template: str | None) -> Response:
    start, end = parse_window(call.query.get("from"), call.query.get("to"))
    rows = app.observations.rollups(template=template, start=start, end=end)
    if "version" in call.query:
        version = version_arg(call)
        rows = [row for row in rows if row.get("version") == version]
    items = summarize(rows, by_variant=template is not None)
    return json_answer(AnalyticsReport(start=start.isoformat(), end=end.isoformat(), items=items))


def analytics_overview(call: Call, app: AdminServices) -> Response:
    return _report(call, app, None)


def analytics_for_template(call: Call, app: AdminServices) -> Response:
    return _report(call, app, call.args["name"])


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/executions",
        role="viewer",
        handler=list_executions,
        summary="Execution records, newest first",
        response=ExecutionPage,
        query=(
            *PAGE,
            *WINDOW,
            QueryParam("template", "only this template"),
            QueryParam(
                "version", "only this version (with template)", {"type": "integer", "minimum": 1}
            ),
        ),
    ),
    AdminRoute(
        method="GET",
        path="/v1/executions/{execution_id}",
        role="viewer",
        handler=get_execution,
        summary="One execution record",
        response=ExecutionOut,
    ),
    AdminRoute(
        method="GET",
        path="/v1/analytics",
        role="viewer",
        handler=analytics_overview,
        summary="Per template and version, over a time window",
        response=AnalyticsReport,
        query=WINDOW,
    ),
    AdminRoute(
        method="GET",
        path="/v1/analytics/{name}",
        role="viewer",
        handler=analytics_for_template,
        summary="One template, per version and experiment variant",
        response=AnalyticsReport,
        query=(
            *WINDOW,
            QueryParam("version", "only this version", {"type": "integer", "minimum": 1}),
        ),
    ),
)
