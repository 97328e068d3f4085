"""The prompt-management part of Langfuse's public API, as a view of our model:

    GET   /api/public/v2/prompts/{name}?label=|version=|resolve=   (service)
    GET   /api/public/v2/prompts?name=&label=&tag=&page=&limit=&fromUpdatedAt=&toUpdatedAt=
                                                                   (service)
    POST  /api/public/v2/prompts                                   (editor; publisher with labels)
    PATCH /api/public/v2/prompts/{name}/versions/{n}  {"newLabels"} (publisher)

A create with labels, and a PATCH of several labels, is one transaction (the store's
`publish` / `move_labels`): the version, every label move, their audit entries and change
events commit together or not at all. Both honour an optional `If-Match: "r<n>"` (the
admin API's ETag of the template) the SDKs never send; without it they apply to whatever
revision they find, each move still checked against the head it changes.
    GET   /api/public/healthz                                      (open)

Reads resolve through the same `ResolutionService` as the resolve function (cache, fallbacks,
deadline, composition); writes go through the one template repository and its audit log,
under the same rules as the admin API. Errors are the one hierarchy rendered in Langfuse's
shape (`shared.http.problems.langfuse_error_response`). Names may hold `/` (`%2F` on the wire).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response

from shared.auth.principals import Principal, Role
from shared.errors import (
    BadRequest,
    FieldError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    TemplateNotFound,
)
from shared.http.api import Call, QueryParam, Route, json_answer
from shared.http.parsing import positive_int
from shared.langfuse_api import shapes
from shared.templates.admin import TemplateStore
from shared.templates.model import (
    LATEST_LABEL,
    PromptTemplate,
    check_label,
    check_template_name,
    version_labels,
)
from shared.templates.service import ResolutionService

MAX_PAGE = 100
MAX_LISTED = 5000  # heads scanned by one list call (filters apply after the scan)


@dataclass(frozen=True)
class LangfuseServices:
    resolution: ResolutionService
    store: TemplateStore


def _name(call: Call) -> str:
    return check_template_name(str(call.args["name"]), field="path.name")


def get_prompt(call: Call, app: LangfuseServices) -> Response:
    name = _name(call)
    label, version = call.query.get("label"), call.query.get("version")
    if label is not None and version is not None:
        raise BadRequest("give either a label or a version, not both")
    number = None
    if version is not None:
        number = positive_int(version)
        if number is None:
            raise BadRequest(
                "version must be a positive integer",
                errors=[FieldError("query.version", "must be a positive integer")],
            )
    if label is not None:
        check_label(label, field="query.label")
    resolve = _flag(call.query.get("resolve", "true"), "resolve")
    try:
        resolution = app.resolution.get(name, label=label, version=number, compose=resolve)
    except ServiceUnavailable as exc:
        # The SDK retries a 5xx many times before using its fallback: during an outage a
        # prompt we cannot answer from cache or fallbacks is "not found here, now".
        raise NotFound(f"prompt '{name}' cannot be served right now: {exc.detail}") from exc
    # Every label on the served version, as the head that chose it said (Langfuse's
    # `labels`); a fallback answer (env, default) holds no version and so no labels.
    answer = shapes.prompt_answer(
        resolution.template, labels=list(resolution.labels), graph=resolution.composition
    )
    return json_answer(answer)


def list_prompts(call: Call, app: LangfuseServices) -> Response:
    q = call.query
    page = _positive(q.get("page", "1"), "page")
    limit = min(_positive(q.get("limit", "50"), "limit"), MAX_PAGE)
    label = check_label(q["label"], field="query.label") if "label" in q else None
    since, until = (
        _time(q.get("fromUpdatedAt"), "fromUpdatedAt"),
        _time(q.get("toUpdatedAt"), "toUpdatedAt"),
    )
    heads = [
        head
        for head in _all_heads(app.store)
        if not head.get("deleted")
        and (q.get("name") in (None, head["name"]))
        and (label is None or label == LATEST_LABEL or label in (head.get("labels") or {}))
        and _within(head.get("updated_at"), since, until)
    ]
    rows: list[tuple[dict[str, Any], PromptTemplate | None]] = []
    if "tag" in q:
        tagged = [(h, _latest(app, h)) for h in heads]
        rows = [(h, latest) for h, latest in tagged if latest and q["tag"] in latest.tags]
        total, rows = len(rows), rows[(page - 1) * limit : page * limit]
    else:
        total = len(heads)
        rows = [(h, _latest(app, h)) for h in heads[(page - 1) * limit : page * limit]]
    return json_answer(
        {
            "data": [shapes.meta_answer(head, latest) for head, latest in rows],
            "meta": {
                "page": page,
                "limit": limit,
                "totalItems": total,
                "totalPages": -(-total // limit),
            },
        }
    )


def create_prompt(call: Call, app: LangfuseServices) -> Response:
    """A new version and its labels in one write: both commit, or neither does."""
    body = call.body_as(shapes.CreatePrompt)
    labels = body.new_labels()
    if labels:
        _require(call.principal, "publisher", "setting labels")
    version = app.store.publish(
        body.name,
        body.content,
        labels=labels,
        actor=call.actor,
        commit_message=body.commit_message or "",
        if_match=call.if_match(),
    )
    return _version_answer(app, body.name, version, status=201)


def update_labels(call: Call, app: LangfuseServices) -> Response:
    name = _name(call)
    version = positive_int(str(call.args["version"]))
    if version is None:
        raise BadRequest(
            "version must be a positive integer",
            errors=[FieldError("path.version", "must be a positive integer")],
        )
    body = call.body_as(shapes.UpdateLabels)
    labels = shapes.check_new_labels(body.new_labels, field="body.newLabels")
    app.store.move_labels(name, labels, version, actor=call.actor, if_match=call.if_match())
    return _version_answer(app, name, version)


def healthz(call: Call, app: LangfuseServices) -> Response:
    return json_answer({"status": "OK", "version": "langfuse-compatible"})


def _version_answer(app: LangfuseServices, name: str, version: int, status: int = 200) -> Response:
    head = app.store.head(name)
    data = app.store.version(name, version)
    if head is None or head.get("deleted"):
        raise TemplateNotFound(name)
    if data is None:
        raise NotFound(f"prompt '{name}' has no version {version}")
    template = PromptTemplate.model_validate({k: v for k, v in data.items() if k != "content_hash"})
    labels = version_labels(
        {str(k): int(v) for k, v in (head.get("labels") or {}).items()},
        version,
        int(head.get("latest_version", 0)),
    )
    answer = shapes.prompt_answer(template, labels=list(labels), graph=None)
    return json_answer(answer, status=status)


def _latest(app: LangfuseServices, head: dict[str, Any]) -> PromptTemplate | None:
    data = app.store.version(head["name"], int(head.get("latest_version", 0)))
    if data is None:
        return None
    return PromptTemplate.model_validate({k: v for k, v in data.items() if k != "content_hash"})


def _all_heads(store: TemplateStore) -> list[dict[str, Any]]:
    heads: list[dict[str, Any]] = []
    after = None
    while len(heads) < MAX_LISTED:
        batch = store.heads(after=after, limit=500)
        heads += batch
        if len(batch) < 500:
            break
        after = str(batch[-1]["name"])
    return heads


def _require(principal: Principal | None, role: Role, what: str) -> None:
    if principal is None or not principal.allows(role):
        raise Forbidden(f"{what} needs role '{role}' or higher")


def _positive(raw: str, name: str) -> int:
    number = positive_int(raw)
    if number is None:
        raise BadRequest(
            f"{name} must be a positive integer",
            errors=[FieldError(f"query.{name}", "must be a positive integer")],
        )
    return number


def _flag(raw: str, name: str) -> bool:
    if raw not in {"true", "false"}:
        raise BadRequest(
            f"{name} must be true or false", errors=[FieldError(f"query.{name}", "true or false")]
        )
    return raw == "true"


def _time(raw: str | None, name: str) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise BadRequest(
            f"{name} must be an ISO 8601 time with a zone",
            errors=[FieldError(f"query.{name}", "ISO 8601 with a zone")],
        )
    return value


def _within(updated: Any, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    if not isinstance(updated, datetime):
        return False
    return (since is None or updated >= since) and (until is None or updated < until)


LangfuseRoute = Route[LangfuseServices]
PROMPTS = "/api/public/v2/prompts"

ROUTES: tuple[LangfuseRoute, ...] = (
    LangfuseRoute(
        method="GET",
        path="/api/public/healthz",
        role=None,
        handler=healthz,
        summary="Health",
        ignores_query=True,
        ignores_body=True,
    ),
    LangfuseRoute(
        method="GET",
        path=PROMPTS,
        role="service",
        handler=list_prompts,
        summary="List prompts",
        query=tuple(
            QueryParam(n, n)
            for n in ("name", "label", "tag", "page", "limit", "fromUpdatedAt", "toUpdatedAt")
        ),
    ),
    LangfuseRoute(
        method="POST",
        path=PROMPTS,
        role="editor",
        handler=create_prompt,
        summary="Create a prompt version",
        body=shapes.CreatePrompt,
        status=201,
    ),
    LangfuseRoute(
        method="GET",
        path=PROMPTS + "/{name:path}",
        role="service",
        handler=get_prompt,
        summary="Get a prompt by label or version",
        query=(
            QueryParam("label", "label"),
            QueryParam("version", "version"),
            QueryParam("resolve", "resolve"),
        ),
        ignores_body=True,
    ),
    LangfuseRoute(
        method="PATCH",
        path=PROMPTS + "/{name:path}/versions/{version}",
        role="publisher",
        handler=update_labels,
        summary="Move labels onto a version",
        body=shapes.UpdateLabels,
    ),
)
