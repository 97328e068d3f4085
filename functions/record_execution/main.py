"""record_execution (CloudEvent, Pub/Sub EXECUTIONS_TOPIC): store each execution, redacted.

Entry point `record_execution`, deployed from the repository root with
GOOGLE_FUNCTION_SOURCE=functions/record_execution/main.py. A malformed message is logged
and acknowledged; a store failure raises, so Pub/Sub redelivers (and dead-letters after
the subscription's maximum attempts). Thin: decode, call `shared`, log.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from cloudevents.http import CloudEvent

from shared.bootstrap.events import execution_recorder
from shared.config import get_settings
from shared.executions.recorder import handle_message
from shared.observability import configure_logging, request_context

settings = get_settings()
configure_logging(settings.log_level)
recorder = execution_recorder(settings)


@functions_framework.cloud_event
def record_execution(event: CloudEvent) -> None:
    data = event.get_data()
    message = data.get("message") if isinstance(data, dict) else None
    message_id = (message if isinstance(message, dict) else {}).get("messageId") or event["id"]
    with request_context(project_id=settings.project_id, request_id=str(message_id)):
        handle_message(recorder, data, message_id=str(message_id))
