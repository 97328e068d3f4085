"""rollup_analytics (CloudEvent, Pub/Sub ANALYTICS_TICK_TOPIC): recompute hourly rollups.

Cloud Scheduler publishes an empty tick every few minutes; a tick whose data is
`{"from": ISO, "to": ISO}` recomputes exactly those hours instead (on demand, e.g. after a
backfill; also `python -m shared.analytics rollup`). Thin: decode, call `shared`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from cloudevents.http import CloudEvent

from shared.analytics.rollup import handle_tick
from shared.bootstrap.events import rollup_job
from shared.config import get_settings
from shared.observability import configure_logging, request_context

settings = get_settings()
configure_logging(settings.log_level)
job = rollup_job(settings)


@functions_framework.cloud_event
def rollup_analytics(event: CloudEvent) -> None:
    with request_context(project_id=settings.project_id, request_id=str(event["id"])):
        handle_tick(job, event.get_data())
