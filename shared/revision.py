"""Optimistic concurrency: every admin-managed document carries `update_count`, its revision,
shown to clients as an ETag and checked against `If-Match` before any change is planned."""

from __future__ import annotations

from typing import Any

from shared.errors import PreconditionFailed


def etag_for(update_count: int) -> str:
    return f'"r{update_count}"'


def check_if_match(current: dict[str, Any], if_match: int | None) -> None:
    revision = int(current.get("update_count", 0))
    if if_match is not None and if_match != revision:
        raise PreconditionFailed(
            f"If-Match names revision {if_match} but the stored revision is {revision}; "
            "re-read and retry",
            extra={"current_etag": etag_for(revision)},
        )


def next_revision(current: dict[str, Any] | None) -> int:
    """Strictly increasing per document, so it also orders a document's history."""
    return int((current or {}).get("update_count", 0)) + 1
