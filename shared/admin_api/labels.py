"""`/v1/templates/{name}/labels`, `activate`, `rollback`: which version a label serves."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import AdminRoute, AdminServices
from shared.http.api import Call, json_answer
from shared.templates import admin_models as m


def get_label(call: Call, app: AdminServices) -> Response:
    return json_answer(app.templates.label(call.args["name"], call.args["label"]))


def move_label(call: Call, app: AdminServices) -> Response:
    moved = app.templates.move_label(
        call.args["name"],
        call.args["label"],
        call.body_as(m.LabelMove),
        actor=call.actor,
        if_match=call.if_match(),
    )
    return json_answer(moved)


def remove_label(call: Call, app: AdminServices) -> Response:
    moved = app.templates.remove_label(
        call.args["name"], call.args["label"], actor=call.actor, if_match=call.if_match()
    )
    return json_answer(moved)


def activate(call: Call, app: AdminServices) -> Response:
    moved = app.templates.activate(
        call.args["name"], call.body_as(m.LabelMove), actor=call.actor, if_match=call.if_match()
    )
    return json_answer(moved)


def rollback(call: Call, app: AdminServices) -> Response:
    moved = app.templates.rollback(
        call.args["name"], call.body_as(m.Rollback), actor=call.actor, if_match=call.if_match()
    )
    return json_answer(moved)


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/templates/{name}/labels/{label}",
        role="viewer",
        handler=get_label,
        summary="A label's version and history",
        response=m.LabelOut,
    ),
    AdminRoute(
        method="PUT",
        path="/v1/templates/{name}/labels/{label}",
        role="publisher",
        handler=move_label,
        summary="Move a label to a version",
        body=m.LabelMove,
        response=m.LabelMoved,
    ),
    AdminRoute(
        method="DELETE",
        path="/v1/templates/{name}/labels/{label}",
        role="publisher",
        handler=remove_label,
        summary="Remove a label",
        response=m.LabelMoved,
    ),
    AdminRoute(
        method="POST",
        path="/v1/templates/{name}/activate",
        role="publisher",
        handler=activate,
        summary="Move production to a version",
        body=m.LabelMove,
        response=m.LabelMoved,
    ),
    AdminRoute(
        method="POST",
        path="/v1/templates/{name}/rollback",
        role="publisher",
        handler=rollback,
        summary="Move a label back to its previous version",
        body=m.Rollback,
        response=m.LabelMoved,
    ),
)
