"""`/v1/audit-log`: who changed what, when, before and after."""

from __future__ import annotations

from typing import Any

from flask import Response

from shared.admin_api.context import PAGE, AdminRoute, AdminServices
from shared.http.api import Call, QueryParam, json_answer
from shared.http.pagination import paginate, parse_limit


def read_audit_log(call: Call, app: AdminServices) -> Response:
    items, next_cursor = paginate(
        lambda after, n: app.audit_log.entries(
            actor=call.query.get("actor"), target=call.query.get("target"), after_id=after, limit=n
        ),
        cursor=call.query.get("cursor"),
        limit=parse_limit(call.query.get("limit")),
        shape=entry_json,
        key=lambda entry: entry["id"],
    )
    return json_answer({"items": items, "next_cursor": next_cursor})


def entry_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored entry as answered: `scope` is the store's index of the target, not part of
    the entry; the time is ISO 8601."""
    return {
        **{k: v for k, v in row.items() if k != "scope"},
        "at": row["at"].isoformat() if row.get("at") else None,
    }


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/audit-log",
        role="viewer",
        handler=read_audit_log,
        summary="Admin change log, newest first",
        query=(
            *PAGE,
            QueryParam("actor", "only this actor"),
            QueryParam("target", "only this target, e.g. templates/x"),
        ),
    ),
)
