"""Resolve function (HTTP): serves templates to the services that run prompts.

    GET  /templates/{name}?label=|version=&user_key=
    POST /templates/{name}/render   {"variables": {...}, "label"?, "version"?, "user_key"?}
    POST /executions                one execution report, published to Pub/Sub (202)
    GET  /healthz                   (never touches Firestore; needs no credentials)

Deployed from the repository root with GOOGLE_FUNCTION_SOURCE=functions/resolve/main.py and
entry point `resolve`. The routes live with their handlers in `shared/resolve_api.py`; the
object graph is built in `shared/bootstrap/resolve.py`.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

# functions-framework puts this file's folder on sys.path, not the repository root that
# holds `shared/`; both the local stack and Cloud Functions run us from the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import functions_framework
from flask import Request, Response
from werkzeug.exceptions import HTTPException

from shared.bootstrap.resolve import install_fast_path, resolve_app
from shared.config import get_settings
from shared.http.problems import framework_error_response, http_endpoint
from shared.observability import configure_logging

settings = get_settings()
configure_logging(settings.log_level)
app = resolve_app(settings)
functions_framework.errorhandler(HTTPException)(framework_error_response)
# What import built lives as long as the process: keep it out of every full collection
# (gunicorn forks the worker after this; the gc docs' advice for pre-fork servers).
gc.freeze()


@functions_framework.http
@http_endpoint(lambda: settings.project_id)
def resolve(request: Request) -> Response:
    return app(request)


# Plain cache-hit GETs answered, and renders handed to `resolve`, beneath Flask: the same
# answers (shared/http/fast_path.py).
install_fast_path(app, resolve)
