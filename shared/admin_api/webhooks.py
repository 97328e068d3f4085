"""`/v1/webhooks`: subscriptions to change events, their delivery log, redelivery. Admin
only: a subscription decides where the system sends data."""

from __future__ import annotations

from flask import Response

from shared.admin_api.context import PAGE, AdminRoute, AdminServices
from shared.http.api import Call, json_answer
from shared.http.pagination import parse_limit
from shared.revision import etag_for
from shared.webhooks.model import (
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookOut,
    WebhookPage,
    WebhookSpec,
)


def _revisioned(answer: WebhookOut, status: int = 200) -> Response:
    return json_answer(answer, status=status, etag=etag_for(answer.revision))


def list_webhooks(call: Call, app: AdminServices) -> Response:
    return json_answer(
        app.webhooks.list(
            cursor=call.query.get("cursor"), limit=parse_limit(call.query.get("limit"))
        )
    )


def create_webhook(call: Call, app: AdminServices) -> Response:
    return _revisioned(app.webhooks.create(call.body_as(WebhookSpec), actor=call.actor), 201)


def get_webhook(call: Call, app: AdminServices) -> Response:
    return _revisioned(app.webhooks.get(call.args["id"]))


def replace_webhook(call: Call, app: AdminServices) -> Response:
    return _revisioned(
        app.webhooks.replace(
            call.args["id"], call.body_as(WebhookSpec), actor=call.actor, if_match=call.if_match()
        )
    )


def delete_webhook(call: Call, app: AdminServices) -> Response:
    app.webhooks.delete(call.args["id"], actor=call.actor, if_match=call.if_match())
    return Response(status=204)


def list_deliveries(call: Call, app: AdminServices) -> Response:
    return json_answer(
        app.webhooks.deliveries(
            call.args["id"],
            cursor=call.query.get("cursor"),
            limit=parse_limit(call.query.get("limit")),
        )
    )


def redeliver(call: Call, app: AdminServices) -> Response:
    answer = app.webhooks.redeliver(call.args["id"], call.args["delivery_id"], actor=call.actor)
    return json_answer(answer, status=202)


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/webhooks",
        role="admin",
        handler=list_webhooks,
        summary="List webhook subscriptions",
        response=WebhookPage,
        query=PAGE,
    ),
    AdminRoute(
        method="POST",
        path="/v1/webhooks",
        role="admin",
        handler=create_webhook,
        summary="Subscribe a receiver to change events (the answer shows the secret once)",
        body=WebhookSpec,
        response=WebhookCreated,
        status=201,
    ),
    AdminRoute(
        method="GET",
        path="/v1/webhooks/{id}",
        role="admin",
        handler=get_webhook,
        summary="Get a webhook subscription",
        response=WebhookOut,
    ),
    AdminRoute(
        method="PUT",
        path="/v1/webhooks/{id}",
        role="admin",
        handler=replace_webhook,
        summary="Replace a webhook subscription (URL, event types, templates, active)",
        body=WebhookSpec,
        response=WebhookOut,
    ),
    AdminRoute(
        method="DELETE",
        path="/v1/webhooks/{id}",
        role="admin",
        handler=delete_webhook,
        summary="Delete a webhook subscription",
        status=204,
    ),
    AdminRoute(
        method="GET",
        path="/v1/webhooks/{id}/deliveries",
        role="admin",
        handler=list_deliveries,
        summary="A subscription's delivery log, newest first",
        response=DeliveryPage,
        query=PAGE,
    ),
    AdminRoute(
        method="POST",
        path="/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        role="admin",
        handler=redeliver,
        summary="Deliver again, with a fresh retry budget",
        response=DeliveryOut,
        status=202,
    ),
)
