"""Webhooks admin: subscribe (the signing secret is answered once), read, replace, delete,
read a subscription's delivery log, redeliver one delivery. Every write is audited by the
store; receiver URLs pass the outbound policy (`rules.check_url`) before anything is stored."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any, Protocol

from shared.audit.documents import AuditedCollection
from shared.audit.model import Actor
from shared.errors import DeliveryNotFound, FieldError, ValidationFailed, WebhookNotFound
from shared.http.pagination import paginate
from shared.webhooks import rules
from shared.webhooks.delivery import Topic, publish_task
from shared.webhooks.model import (
    DELIVERY_ID_PATTERN,
    WEBHOOK_ID_PATTERN,
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookOut,
    WebhookPage,
    WebhookSpec,
)
from shared.webhooks.signing import new_secret


class WebhookDocuments(AuditedCollection, Protocol):
    def create_with_secret(
        self, doc_id: str, data: dict[str, Any], secret: str, *, actor: Actor
    ) -> dict[str, Any]: ...


class DeliveryRecords(Protocol):
    def get(self, delivery_id: str) -> dict[str, Any] | None: ...
    def of_subscription(
        self, subscription_id: str, *, after: str | None, limit: int
    ) -> list[dict[str, Any]]: ...
    def reset(self, delivery_id: str, *, subscription_id: str, actor: Actor) -> dict[str, Any]: ...


def _out(document: dict[str, Any]) -> WebhookOut:
    return WebhookOut.model_validate({**document, "revision": int(document.get("update_count", 0))})


def _check(value: str, pattern: str, field: str) -> str:
    if not re.fullmatch(pattern, value):
        raise ValidationFailed(
            f"invalid {field}", errors=[FieldError(f"path.{field}", f"must match {pattern}")]
        )
    return value


def new_webhook_id() -> str:
    return "wh-" + secrets.token_hex(8)


class WebhookAdminService:
    def __init__(
        self,
        documents: WebhookDocuments,
        deliveries: DeliveryRecords,
        tasks: Topic,
        *,
        policy: rules.OutboundPolicy,
        publish_timeout: float,
        new_id: Callable[[], str] = new_webhook_id,
    ) -> None:
        self._docs = documents
        self._deliveries = deliveries
        self._tasks = tasks
        self._policy = policy
        self._timeout = publish_timeout
        self._new_id = new_id

    def list(self, *, cursor: str | None, limit: int) -> WebhookPage:
        items, next_cursor = paginate(
            lambda after, n: self._docs.list(after=after, limit=n),
            cursor=cursor,
            limit=limit,
            shape=_out,
            key=lambda w: w.id,
        )
        return WebhookPage(items=items, next_cursor=next_cursor)

    def get(self, webhook_id: str) -> WebhookOut:
        document = self._docs.get(_check(webhook_id, WEBHOOK_ID_PATTERN, "id"))
        if document is None:
            raise WebhookNotFound(webhook_id)
        return _out(document)

    def create(self, spec: WebhookSpec, *, actor: Actor) -> WebhookCreated:
        rules.check_url(spec.url, self._policy)
        secret = new_secret()
        document = self._docs.create_with_secret(
            self._new_id(), spec.model_dump(mode="json"), secret, actor=actor
        )
        return WebhookCreated.model_validate(
            {**document, "revision": int(document.get("update_count", 0)), "secret": secret}
        )

    def replace(
        self, webhook_id: str, spec: WebhookSpec, *, actor: Actor, if_match: int | None
    ) -> WebhookOut:
        _check(webhook_id, WEBHOOK_ID_PATTERN, "id")
        rules.check_url(spec.url, self._policy)
        fields = spec.model_dump(mode="json")
        return _out(
            self._docs.update(
                webhook_id,
                lambda _current: fields,
                actor=actor,
                if_match=if_match,
                action="replace",
            )
        )

    def delete(self, webhook_id: str, *, actor: Actor, if_match: int | None) -> None:
        self._docs.delete(
            _check(webhook_id, WEBHOOK_ID_PATTERN, "id"),
            actor=actor,
            if_match=if_match,
            guard=lambda _current: None,
        )

    def deliveries(self, webhook_id: str, *, cursor: str | None, limit: int) -> DeliveryPage:
        self.get(webhook_id)  # a 404 for an unknown subscription, not an empty page
        items, next_cursor = paginate(
            lambda after, n: self._deliveries.of_subscription(webhook_id, after=after, limit=n),
            cursor=cursor,
            limit=limit,
            shape=DeliveryOut.model_validate,
            key=lambda d: d.id,
        )
        return DeliveryPage(items=items, next_cursor=next_cursor)

    def redeliver(self, webhook_id: str, delivery_id: str, *, actor: Actor) -> DeliveryOut:
        """A fresh retry budget and a new task, whatever the delivery's status was."""
        self.get(webhook_id)
        _check(delivery_id, DELIVERY_ID_PATTERN, "delivery_id")
        if self._deliveries.get(delivery_id) is None:
            raise DeliveryNotFound(delivery_id)
        record = self._deliveries.reset(delivery_id, subscription_id=webhook_id, actor=actor)
        publish_task(self._tasks, delivery_id, timeout=self._timeout)
        return DeliveryOut.model_validate(record)
