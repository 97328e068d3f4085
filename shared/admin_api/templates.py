"""`/v1/templates`: templates and their immutable versions."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import PAGE, AdminRoute, AdminServices, revisioned, version_arg
from shared.http.api import Call, QueryParam, json_answer
from shared.http.pagination import parse_limit
from shared.templates import admin_models as m
from shared.templates.service import render_guarded


def list_templates(call: Call, app: AdminServices) -> Response:
    return json_answer(
        app.templates.list(
            cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit"))
        )
    )


def create_template(call: Call, app: AdminServices) -> Response:
    created = app.templates.create(call.body_as(m.TemplateCreate), actor=call.actor)
    return json_answer(created, status=201)


def get_template(call: Call, app: AdminServices) -> Response:
    return revisioned(app.templates.get(call.args["name"]))


def create_version(call: Call, app: AdminServices) -> Response:
    created = app.templates.add_version(
        call.args["name"],
        call.body_as(m.TemplateContent),
        actor=call.actor,
        if_match=call.if_match(),
    )
    return json_answer(created, status=201)


def list_versions(call: Call, app: AdminServices) -> Response:
    page = app.templates.versions(
        call.args["name"],
        cursor=call.query.get("cursor"),
        limit=parse_limit(call.query.get("limit")),
    )
    return json_answer(page)


def get_version(call: Call, app: AdminServices) -> Response:
    version = app.templates.version(call.args["name"], version_arg(call))
    return json_answer(version, etag=f'"{version.content_hash.removeprefix("sha256:")[:32]}"')


def preview(call: Call, app: AdminServices) -> Response:
    body = call.body_as(m.PreviewRequest)
    name = call.args["name"]
    draft = body.to_template(name)
    guarded = render_guarded(
        draft, body.values, app.guardrails.engine(), max_bytes=app.max_rendered_bytes
    )
    answer = m.PreviewOut(
        name=name,
        variables=draft.variables,
        rendered=guarded.text,
        messages=guarded.messages,
        unused_variables=guarded.unused_variables,
        guardrails=guarded.report.as_dict(),
    )
    return json_answer(answer)


def delete_template(call: Call, app: AdminServices) -> Response:
    app.templates.delete(call.args["name"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


def restore_template(call: Call, app: AdminServices) -> Response:
    return revisioned(app.templates.restore(call.args["name"], actor=call.actor))


def diff(call: Call, app: AdminServices) -> Response:
    return json_answer(
        app.templates.diff(call.args["name"], version_arg(call, "from"), version_arg(call, "to"))
    )


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/templates",
        role="viewer",
        handler=list_templates,
        summary="List templates",
        response=m.TemplatePage,
        query=PAGE,
    ),
    AdminRoute(
        method="POST",
        path="/v1/templates",
        role="editor",
        handler=create_template,
        summary="Create a template (version 1)",
        body=m.TemplateCreate,
        response=m.VersionCreated,
        status=201,
    ),
    AdminRoute(
        method="GET",
        path="/v1/templates/{name}",
        role="viewer",
        handler=get_template,
        summary="Get a template's head (labels, latest version)",
        response=m.TemplateOut,
    ),
    AdminRoute(
        method="PUT",
        path="/v1/templates/{name}",
        role="editor",
        handler=create_version,
        summary="Update: create version n+1",
        body=m.TemplateContent,
        response=m.VersionCreated,
        status=201,
    ),
    AdminRoute(
        method="DELETE",
        path="/v1/templates/{name}",
        role="admin",
        handler=delete_template,
        summary="Soft-delete a template",
        status=204,
    ),
    AdminRoute(
        method="POST",
        path="/v1/templates/{name}/restore",
        role="admin",
        handler=restore_template,
        summary="Restore a soft-deleted template",
        response=m.TemplateOut,
    ),
    AdminRoute(
        method="GET",
        path="/v1/templates/{name}/versions",
        role="viewer",
        handler=list_versions,
        summary="List versions, newest first",
        response=m.VersionPage,
        query=PAGE,
    ),
    AdminRoute(
        method="POST",
        path="/v1/templates/{name}/versions",
        role="editor",
        handler=create_version,
        summary="Create version n+1",
        body=m.TemplateContent,
        response=m.VersionCreated,
        status=201,
    ),
    AdminRoute(
        method="GET",
        path="/v1/templates/{name}/versions/{version}",
        role="viewer",
        handler=get_version,
        summary="Get one version",
        response=m.VersionOut,
    ),
    AdminRoute(
        method="POST",
        path="/v1/templates/{name}/preview",
        role="viewer",
        handler=preview,
        summary="Render an unsaved draft with sample values and the active guardrails "
        "(stores nothing)",
        body=m.PreviewRequest,
        response=m.PreviewOut,
    ),
    AdminRoute(
        method="GET",
        path="/v1/templates/{name}/diff",
        role="viewer",
        handler=diff,
        summary="Diff two versions",
        response=m.DiffOut,
        query=(
            QueryParam("from", "older version", {"type": "integer", "minimum": 1}),
            QueryParam("to", "newer version", {"type": "integer", "minimum": 1}),
        ),
    ),
)
