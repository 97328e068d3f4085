"""drain_changes (CloudEvent, Pub/Sub CHANGES_TICK_TOPIC): publish what the change outbox
still holds to CHANGES_TOPIC.

Cloud Scheduler ticks every minute. The admin function drains right after each write it
commits; this run picks up what a failed or crashed drain left behind, so an event is late
by at most a tick, never lost. Entry point `drain_changes`, deployed from the repository
root with GOOGLE_FUNCTION_SOURCE=functions/drain_changes/main.py. A publish failure raises
(the tick is redelivered; the next tick would retry anyway). Thin: call `shared`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from cloudevents.http import CloudEvent

from shared.bootstrap.changes import outbox_drainer
from shared.config import get_settings
from shared.observability import configure_logging, request_context

settings = get_settings()
configure_logging(settings.log_level)
drainer = outbox_drainer(settings)


@functions_framework.cloud_event
def drain_changes(event: CloudEvent) -> None:
    with request_context(project_id=settings.project_id, request_id=str(event["id"])):
        drainer.drain()
