"""The admin API (`/v1/`): one module per resource, each declaring its routes next to its
handlers. `ROUTES` is the whole table; the admin function serves it (see
`shared.bootstrap.admin_app`), `infra/local/openapi.py` and the role-matrix test read it
from here, without settings or clients."""

from __future__ import annotations

import functools
from typing import Any

from shared.admin_api import (
    audit_log,
    executions,
    experiments,
    guardrails,
    labels,
    openapi,
    session,
    templates,
    webhooks,
)
from shared.admin_api.context import AdminRoute, AdminServices
from shared.http.api import openapi_document

TITLE = "Prompt management admin API"
VERSION = "1.0.0"

ROUTES: tuple[AdminRoute, ...] = (
    *templates.ROUTES,
    *labels.ROUTES,
    *guardrails.ROUTES,
    *experiments.ROUTES,
    *executions.ROUTES,
    *audit_log.ROUTES,
    *webhooks.ROUTES,
    *openapi.ROUTES,
    *session.ROUTES,
)


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of `ROUTES` (docs/openapi.json is this, committed)."""
    return openapi_document(ROUTES, title=TITLE, version=VERSION)


__all__ = ["ROUTES", "TITLE", "VERSION", "AdminRoute", "AdminServices", "document"]
