"""The audit pipeline's documents: execution records and hourly rollups.

Writes: `record_execution` creates `executions/{execution_id}` only if absent (a duplicate
delivery is a no-op); `rollup_analytics` overwrites each rollup document of an hour it
recomputed, and keeps its watermark in `_meta/rollup_watermark`. Reads: the admin API.
"""

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
register(QueryShape("executions received in a time range", EXECUTIONS, range_field="received_at"))
register(QueryShape("executions of an hour", EXECUTIONS, equality=("hour",)))
register(QueryShape("rollups in a time range", ROLLUPS, range_field="hour"))
register(QueryShape("rollups of an hour", ROLLUPS, equality=("hour",)))
register(QueryShape("users of an experiment", "experiment_users", equality=("experiment_id",)))
register(
    QueryShape(
        "rollups of a template in a time range",
        ROLLUPS,
        equality=("template",),
        range_field="hour",
        order_by=(("hour", "ASCENDING"),),
    )
)


WATERMARK_DOCUMENT = "rollup_watermark"
BATCH_LIMIT = 400  # Firestore allows 500 writes per batch
ROLLUP_INPUT_FIELDS = (
    "template",
    "version",
    "experiment_id",
    "variant",
    "hour",
    "success",
    "error_class",
    "input_tokens",
    "output_tokens",
    "cost_micros",
    "latency_ms",
    "user_key",
)
EXPERIMENT_USERS = "experiment_users"
EXPERIMENT_SUMMARIES = "experiment_summaries"


class ObservationStore(FirestoreRepository):
    # Writes (the audit pipeline) ------------------------------------------------------

    def create_execution(self, document: dict[str, Any]) -> bool:
        """Store it unless that execution id exists; False for a duplicate delivery.

        Transient Firestore errors propagate (the message is redelivered)."""
        from google.api_core import exceptions as api_exceptions

        ref = self.client.collection(EXECUTIONS).document(document["execution_id"])
        try:
            ref.create(document)
        except api_exceptions.AlreadyExists:
            return False
        return True

    def hours_received(self, *, since: datetime, until: datetime) -> set[datetime]:
        """The hours of executions received in [since, until] (only their `hour` is read)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self.client.collection(EXECUTIONS)
            .where(filter=FieldFilter("received_at", ">=", since))
            .where(filter=FieldFilter("received_at", "<=", until))
            .select(["hour"])
        )
        return {s.get("hour") for s in query.stream() if s.get("hour") is not None}

    def executions_of_hour(self, hour: datetime) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = (
            self.client.collection(EXECUTIONS)
            .where(filter=FieldFilter("hour", "==", hour))
            .select(list(ROLLUP_INPUT_FIELDS))
        )
        return [s.to_dict() or {} for s in query.stream()]

    def replace_rollups_of_hour(self, hour: datetime, rollups: dict[str, dict[str, Any]]) -> None:
        """The hour's rollup documents become exactly `rollups` (id -> document)."""
        from google.cloud.firestore_v1.base_query import FieldFilter

        collection = self.client.collection(ROLLUPS)
        stale = [
            s.reference
            for s in collection.where(filter=FieldFilter("hour", "==", hour)).stream()
            if s.id not in rollups
        ]
        batch = self.client.batch()
        pending = 0
        for ref in stale:
            batch.delete(ref)
            pending += 1
        for doc_id, document in rollups.items():
            if pending == BATCH_LIMIT:
                batch.commit()
                batch, pending = self.client.batch(), 0
            batch.set(collection.document(doc_id), document)
            pending += 1
        if pending:
            batch.commit()

    def merge_experiment_users(self, hour: datetime, users: dict[str, dict[str, Any]]) -> None:
        """Per-user totals of one hour: each document's `hours.<hour>` entry is replaced."""
        collection = self.client.collection(EXPERIMENT_USERS)
        batch, pending = self.client.batch(), 0
        for doc_id, entry in users.items():
            if pending == BATCH_LIMIT:
                batch.commit()
                batch, pending = self.client.batch(), 0
            batch.set(collection.document(doc_id), entry, merge=True)
            pending += 1
        if pending:
            batch.commit()

    def experiment_users(self, experiment_id: str) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        query = self.client.collection(EXPERIMENT_USERS).where(
            filter=FieldFilter("experiment_id", "==", experiment_id)
        )
        return [s.to_dict() or {} for s in query.stream()]

    def save_experiment_summary(self, experiment_id: str, summary: dict[str, Any]) -> None:
        self.client.collection(EXPERIMENT_SUMMARIES).document(experiment_id).set(summary)

    def experiment_summary(self, experiment_id: str) -> dict[str, Any] | None:
        return self.read_with_deadline(
            lambda options: _data(
                self.client.collection(EXPERIMENT_SUMMARIES).document(experiment_id).get(**options)
            )
        )

    def watermark(self) -> datetime | None:
        snapshot = (
            self.client.collection(self._settings.meta_collection)
            .document(WATERMARK_DOCUMENT)
            .get()
        )
        return (snapshot.to_dict() or {}).get("received_until") if snapshot.exists else None

    def set_watermark(self, received_until: datetime) -> None:
        self.client.collection(self._settings.meta_collection).document(WATERMARK_DOCUMENT).set(
            {"received_until": received_until}
        )

    # Reads (the admin API) --------------------------------------------------------------

    def execution(self, execution_id: str) -> dict[str, Any] | None:
        return self.read_with_deadline(
            lambda options: _data(
                self.client.collection(EXECUTIONS).document(execution_id).get(**options)
            )
        )

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

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
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
                last = collection.document(after_id).get(**options)
                if last.exists:
                    query = query.start_after(last)
            return [s.to_dict() or {} for s in query.limit(limit).stream(**options)]

        return self.read_with_deadline(fetch)

    def rollups(
        self, *, template: str | None, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        from google.cloud.firestore_v1.base_query import FieldFilter

        def fetch(options: dict[str, Any]) -> list[dict[str, Any]]:
            query: Any = self.client.collection(ROLLUPS)
            if template:
                query = query.where(filter=FieldFilter("template", "==", template))
            query = query.where(filter=FieldFilter("hour", ">=", start)).where(
                filter=FieldFilter("hour", "<", end)
            )
            if template:
                query = query.order_by("hour")
            return [s.to_dict() or {} for s in query.stream(**options)]

        return self.read_with_deadline(fetch)


def _data(snapshot: Any) -> dict[str, Any] | None:
    return snapshot.to_dict() if snapshot.exists else None
