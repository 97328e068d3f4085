"""Langfuse-compatible function (HTTP): the prompt part of Langfuse's public API, so the
Langfuse SDKs work against us by setting LANGFUSE_BASE_URL to this function's URL.

    GET   /api/public/v2/prompts/{name}?label=|version=
    GET   /api/public/v2/prompts
    POST  /api/public/v2/prompts
    PATCH /api/public/v2/prompts/{name}/versions/{n}

Deployed from the repository root with GOOGLE_FUNCTION_SOURCE=functions/langfuse/main.py
and entry point `langfuse`. The routes live in `shared/langfuse_api/`; the object graph is
built in `shared/bootstrap/langfuse.py`. Errors answer in Langfuse's `{"message", "error"}`.
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

from shared.bootstrap.langfuse import langfuse_app
from shared.config import get_settings
from shared.http.problems import framework_error_response, http_endpoint, langfuse_error_response
from shared.observability import configure_logging

settings = get_settings()
configure_logging(settings.log_level)
app = langfuse_app(settings)
functions_framework.errorhandler(HTTPException)(
    lambda exc: framework_error_response(exc, langfuse_error_response)
)


@functions_framework.http
@http_endpoint(lambda: settings.project_id, render=langfuse_error_response)
def langfuse(request: Request) -> Response:
    return app(request)
