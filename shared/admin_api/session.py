"""`/v1/me`: who the credentials sent are, and which role they hold. The console reads it
to decide which controls to show; the API still checks the role on every call."""

from __future__ import annotations

from flask import Response
from pydantic import BaseModel, Field

from shared.admin_api.context import AdminRoute, AdminServices
from shared.auth.principals import ROLE_RANK
from shared.http.api import Call, json_answer


class Me(BaseModel):
    id: str = Field(description="an email for Google identities, key:<id> for API keys")
    kind: str
    roles: list[str]
    role: str = Field(description="the highest of the roles (service < viewer < ... < admin)")


def whoami(call: Call, app: AdminServices) -> Response:
    principal = call.principal
    if principal is None:
        raise RuntimeError("/v1/me is declared with a role")
    roles = sorted((r for r in principal.roles if r in ROLE_RANK), key=ROLE_RANK.__getitem__)
    return json_answer(
        Me(id=principal.id, kind=principal.kind, roles=roles, role=roles[-1] if roles else "")
    )


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        method="GET",
        path="/v1/me",
        role="service",
        handler=whoami,
        summary="The caller's identity and role",
        response=Me,
    ),
)
