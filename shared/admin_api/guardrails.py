"""`/v1/guardrails`: the checks resolution and the audit pipeline run."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import PAGE, AdminRoute, AdminServices, revisioned
from shared.guardrails.admin import (
    GuardrailOut,
    GuardrailPage,
    GuardrailSpec,
    ScanOut,
    ScanRequest,
)
from shared.guardrails.model import Guardrail
from shared.http.api import Call, json_answer
from shared.http.pagination import parse_limit


def list_guardrails(call: Call, app: AdminServices) -> Response:
    return json_answer(
        app.guardrails.list(
            cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit"))
        )
    )


def create_guardrail(call: Call, app: AdminServices) -> Response:
    return revisioned(app.guardrails.create(call.body_as(Guardrail), actor=call.actor), status=201)


def get_guardrail(call: Call, app: AdminServices) -> Response:
    return revisioned(app.guardrails.get(call.args["name"]))


def replace_guardrail(call: Call, app: AdminServices) -> Response:
    return revisioned(
        app.guardrails.replace(
            call.args["name"],
            call.body_as(GuardrailSpec),
            actor=call.actor,
            if_match=call.if_match(),
        )
    )


def activate_guardrail(call: Call, app: AdminServices) -> Response:
    return revisioned(
        app.guardrails.set_active(
            call.args["name"], True, actor=call.actor, if_match=call.if_match()
        )
    )


def deactivate_guardrail(call: Call, app: AdminServices) -> Response:
    return revisioned(
        app.guardrails.set_active(
            call.args["name"], False, actor=call.actor, if_match=call.if_match()
        )
    )


def scan(call: Call, app: AdminServices) -> Response:
    body = call.body_as(ScanRequest)
    checks = app.guardrails.engine(body.guardrails).scan(body.text)
    return json_answer(ScanOut(checks=[check.as_dict() for check in checks]))


def delete_guardrail(call: Call, app: AdminServices) -> Response:
    app.guardrails.delete(call.args["name"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/guardrails",
        role="viewer",
        handler=list_guardrails,
        summary="List guardrails",
        response=GuardrailPage,
        query=PAGE,
    ),
    AdminRoute(
        method="POST",
        path="/v1/guardrails",
        role="editor",
        handler=create_guardrail,
        summary="Create a guardrail",
        body=Guardrail,
        response=GuardrailOut,
        status=201,
    ),
    AdminRoute(
        method="POST",
        path="/v1/guardrails/scan",
        role="viewer",
        handler=scan,
        summary="Try guardrails on a text: every active one, or the named ones (stores nothing)",
        body=ScanRequest,
        response=ScanOut,
    ),
    AdminRoute(
        method="GET",
        path="/v1/guardrails/{name}",
        role="viewer",
        handler=get_guardrail,
        summary="Get a guardrail",
        response=GuardrailOut,
    ),
    AdminRoute(
        method="PUT",
        path="/v1/guardrails/{name}",
        role="editor",
        handler=replace_guardrail,
        summary="Replace a guardrail's configuration",
        body=GuardrailSpec,
        response=GuardrailOut,
    ),
    AdminRoute(
        method="DELETE",
        path="/v1/guardrails/{name}",
        role="admin",
        handler=delete_guardrail,
        summary="Delete a guardrail",
        status=204,
    ),
    AdminRoute(
        method="POST",
        path="/v1/guardrails/{name}/activate",
        role="publisher",
        handler=activate_guardrail,
        summary="Activate a guardrail",
        response=GuardrailOut,
    ),
    AdminRoute(
        method="POST",
        path="/v1/guardrails/{name}/deactivate",
        role="publisher",
        handler=deactivate_guardrail,
        summary="Deactivate a guardrail",
        response=GuardrailOut,
    ),
)
