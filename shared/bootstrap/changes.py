"""The change-event graphs: the outbox drainer (the admin function after each write, and
the scheduled `drain_changes` function), and webhook delivery (`deliver_webhooks`, and the
admin's redeliver action)."""

from __future__ import annotations

from shared.changes.outbox import OutboxDrainer
from shared.config import Settings
from shared.storage.outbox import OutboxStore
from shared.storage.pubsub import PubSubTopic
from shared.storage.templates import TemplateRepository
from shared.storage.webhooks import DeliveryStore, WebhookStore
from shared.webhooks.admin import WebhookAdminService
from shared.webhooks.delivery import WebhookDelivery
from shared.webhooks.rules import OutboundPolicy
from shared.webhooks.transport import WebhookTransport


def outbox_drainer(settings: Settings) -> OutboxDrainer:
    topic = PubSubTopic(
        settings, settings.changes_topic, timeout=settings.changes_publish_timeout_seconds
    )
    return OutboxDrainer(
        OutboxStore(settings), topic, timeout=settings.changes_publish_timeout_seconds
    )


def outbound_policy(settings: Settings) -> OutboundPolicy:
    return OutboundPolicy(private_ok=settings.webhooks_reach_private_networks)


def delivery_tasks(settings: Settings) -> PubSubTopic:
    return PubSubTopic(
        settings,
        settings.webhook_deliveries_topic,
        timeout=settings.changes_publish_timeout_seconds,
    )


def webhook_admin(settings: Settings) -> WebhookAdminService:
    return WebhookAdminService(
        WebhookStore(settings),
        DeliveryStore(settings),
        delivery_tasks(settings),
        policy=outbound_policy(settings),
        publish_timeout=settings.changes_publish_timeout_seconds,
    )


def webhook_delivery(settings: Settings) -> WebhookDelivery:
    timeout = settings.changes_publish_timeout_seconds
    return WebhookDelivery(
        subscriptions=WebhookStore(settings),
        log=DeliveryStore(settings),
        tasks=delivery_tasks(settings),
        dead_letters=PubSubTopic(settings, settings.webhook_dead_letter_topic, timeout=timeout),
        transport=WebhookTransport(
            outbound_policy(settings),
            timeout=settings.webhook_timeout_seconds,
            max_body_bytes=settings.webhook_max_body_bytes,
        ),
        max_attempts=settings.webhook_max_attempts,
        max_body_bytes=settings.webhook_max_body_bytes,
        publish_timeout=timeout,
        # Subscribers of a template also hear about the prompts it includes.
        includers=TemplateRepository(settings),
    )
