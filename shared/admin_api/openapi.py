"""`/v1/openapi.json`: the document generated from the route table it describes."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import AdminRoute, AdminServices
from shared.http.api import Call, json_answer


def openapi(call: Call, app: AdminServices) -> Response:
    return json_answer(app.document())


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/openapi.json",
        role="viewer",
        handler=openapi,
        summary="This document",
    ),
)
