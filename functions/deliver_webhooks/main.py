"""deliver_webhooks (CloudEvent, Pub/Sub): change events in, signed webhook POSTs out.

Two push subscriptions reach it: CHANGES_TOPIC (a change event: one delivery task per
matching subscription) and WEBHOOK_DELIVERIES_TOPIC (a task: one signed attempt). A failed
attempt with budget left raises, so Pub/Sub redelivers that task alone with exponential
backoff; malformed messages are logged and acknowledged. Entry point `deliver_webhooks`,
deployed from the repository root with GOOGLE_FUNCTION_SOURCE=functions/deliver_webhooks/
main.py. Thin: decode, call `shared`. See `shared.webhooks.delivery`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from cloudevents.http import CloudEvent

from shared.bootstrap.changes import webhook_delivery
from shared.config import get_settings
from shared.observability import configure_logging, request_context
from shared.webhooks.delivery import handle_message

settings = get_settings()
configure_logging(settings.log_level)
delivery = webhook_delivery(settings)


@functions_framework.cloud_event
def deliver_webhooks(event: CloudEvent) -> None:
    data = event.get_data()
    message = data.get("message") if isinstance(data, dict) else None
    message_id = (message if isinstance(message, dict) else {}).get("messageId") or event["id"]
    with request_context(project_id=settings.project_id, request_id=str(message_id)):
        handle_message(delivery, data, message_id=str(message_id))
