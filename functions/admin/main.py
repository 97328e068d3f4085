"""Admin function (HTTP): the `/v1/` API over templates, labels, guardrails, experiments,
executions, analytics and the audit log.

Deployed from the repository root with GOOGLE_FUNCTION_SOURCE=functions/admin/main.py and
entry point `admin`. The routes live with their handlers in `shared/admin_api/`; the object
graph is built in `shared/bootstrap/admin.py`. `GET /v1/openapi.json` serves the OpenAPI 3.1
document generated from the same route table.
"""

from __future__ import annotations

import sys
from pathlib import Path

# functions-framework puts this file's folder on sys.path, not the repository root that
# holds `shared/`; both the local stack and Cloud Functions run us from the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from flask import Request, Response
from werkzeug.exceptions import HTTPException

from shared.bootstrap.admin import admin_app
from shared.config import get_settings
from shared.http.problems import framework_error_response, http_endpoint
from shared.observability import configure_logging

settings = get_settings()
configure_logging(settings.log_level)
app = admin_app(settings)
functions_framework.errorhandler(HTTPException)(framework_error_response)


@functions_framework.http
@http_endpoint(lambda: settings.project_id)
def admin(request: Request) -> Response:
    return app(request)
