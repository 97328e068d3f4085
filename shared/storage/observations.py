"""Reading what the audit pipeline writes: execution records and hourly rollups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.storage.firestore import FirestoreRepository
from shared.storage.queries import QueryShape, register

EXECUTIONS = "executions"
ROLLUPS = "analytics_hourly"

register(
    QueryShape(
        "executions, newest first",
        EXECUTIONS,
        range_field="finished_at",
        order_by=(("finished_at", "DESCENDING"),),
    )
)
register(
    QueryShape(
        "executions of a template",
        EXECUTIONS,
        equality=("template",),
        range_field="finished_at",
        order_by=(("finished_at", "DESCENDING"),),
    )
)
register(
    QueryShape(
        "executions of a version",
        EXECUTIONS,
        equality=("template", "version"),
        range_field="finished_at",
        order_by=(("finished_at", "DESCENDING"),),
    )
)
register(QueryShape("rollups in a time range", ROLLUPS, range_field="hour"))
register(
    QueryShape(
        "rollups of a template in a time range",
        ROLLUPS,
        equality=("template",),
        range_field="hour",
        order_by=(("hour", "ASCENDING"),),
    )
)


class ObservationStore(FirestoreRepository):
    def execution(self, execution_id: str) -> dict[str, Any] | None:
        snapshot = self.client.collection(EXECUTIONS).document(execution_id).get()
        return snapshot.to_dict() if snapshot.exists else None

    def executions(
        self,
        *,
        template: str | None,
        version: int | None,
        start: datetime,
        end: datetime,
        after_id: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        from google.cloud import firestore
        from google.cloud.firestore_v1.base_query import FieldFilter

        collection = self.client.collection(EXECUTIONS)
        query: Any = collection
        if template:
            query = query.where(filter=FieldFilter("template", "==", template))
        if version is not None:
            query = query.where(filter=FieldFilter("version", "==", version))
        query = (
            query.where(filter=FieldFilter("finished_at", ">=", start))
            .where(filter=FieldFilter("finished_at", "<", end))
            .order_by("finished_at", direction=firestore.Query.DESCENDING)
        )
        if after_id:
            last = collection.document(after_id).get()
            if last.exists:
                query = query.start_after(last)
        return [s.to_dict() or {} for s in query.limit(limit).stream()]

    def rollups(
        self, *, template: str | None, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        query: Any = self.client.collection(ROLLUPS)
        if template:
            query = query.where(filter=FieldFilter("template", "==", template))
        query = query.where(filter=FieldFilter("hour", ">=", start)).where(
            filter=FieldFilter("hour", "<", end)
        )
        if template:
            query = query.order_by("hour")
        return [s.to_dict() or {} for s in query.stream()]
