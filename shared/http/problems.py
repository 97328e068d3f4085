"""The one place errors become HTTP answers: RFC 9457 problem details, or for the
Langfuse-compatible API the same errors in Langfuse's shape (`langfuse_error_response`).

`http_endpoint` wraps a function's handler: it binds the request's trace and request id to
the logs, turns `AppError`s and routing errors into `application/problem+json`, and turns
anything unexpected into a 500 that carries the request id and no internals.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from flask import Request, Response
from werkzeug.exceptions import HTTPException

from shared import errors
from shared.observability import request_context

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Response]
Renderer = Callable[..., Response]  # (error, *, request_id, instance) -> Response

_ROUTING_ERRORS: dict[int, type[errors.AppError]] = {
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}


def problem_response(error: errors.AppError, *, request_id: str, instance: str) -> Response:
    body: dict[str, Any] = {
        "type": error.type_uri,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": instance,
        "request_id": request_id,
    }
    if error.errors:
        body["errors"] = [e.as_dict() for e in error.errors]
    body.update(error.extra)
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=error.status,
        mimetype="application/problem+json",
    )
    response.headers["Cache-Control"] = "no-store"
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.Unauthenticated):
        response.headers["WWW-Authenticate"] = 'Bearer realm="prompt-management"'

    return response


# Langfuse's error names (its SDKs branch on the status; people read `error`). Langfuse has
# no 409/412/415/422: what is invalid input to it is a 400.
_LANGFUSE_ERRORS: dict[int, tuple[int, str]] = {
    400: (400, "InvalidRequestError"),
    401: (401, "UnauthorizedError"),
    403: (403, "AccessDeniedError"),
    404: (404, "LangfuseNotFoundError"),
    405: (405, "MethodNotAllowedError"),
    409: (409, "ConflictError"),
    412: (400, "InvalidRequestError"),
    413: (413, "PayloadTooLargeError"),
    415: (400, "InvalidRequestError"),
    422: (400, "InvalidRequestError"),
    503: (503, "ServiceUnavailableError"),
}


def langfuse_error_response(error: errors.AppError, *, request_id: str, instance: str) -> Response:
    """The same error as Langfuse's API answers it: `{"message", "error"}`."""
    status, name = _LANGFUSE_ERRORS.get(error.status, (500, "InternalServerError"))
    body: dict[str, Any] = {"message": error.detail, "error": name, "request_id": request_id}
    if error.errors:
        body["details"] = [e.as_dict() for e in error.errors]
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.Unauthenticated):
        response.headers["WWW-Authenticate"] = 'Basic realm="langfuse"'
    return response


def _as_app_error(exc: Exception) -> errors.AppError:
    if isinstance(exc, errors.AppError):
        return exc
    if isinstance(exc, HTTPException) and exc.code in _ROUTING_ERRORS:
        return _ROUTING_ERRORS[exc.code](exc.description or exc.name)
    if isinstance(exc, HTTPException) and exc.code is not None and exc.code < 500:
        return errors.BadRequest(exc.description or exc.name)
    return errors.AppError("an unexpected error occurred; quote the request id when reporting it")


def http_endpoint(
    project_id: Callable[[], str], *, render: Renderer = problem_response
) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(request: Request) -> Response:
            # Read from the environ, as `request.headers.get` does, without the KeyError it
            # raises and catches for each header a request does not carry.
            environ = request.environ
            with request_context(
                project_id=project_id(),
                cloud_trace=environ.get("HTTP_X_CLOUD_TRACE_CONTEXT"),
                traceparent=environ.get("HTTP_TRACEPARENT"),
                request_id=environ.get("HTTP_X_REQUEST_ID"),
            ) as request_id:
                try:
                    response = handler(request)
                except Exception as exc:  # the one catch-all, by design
                    error = _as_app_error(exc)
                    if error.status >= 500:
                        logger.error(
                            "request failed",
                            exc_info=exc if type(error) is errors.AppError else None,
                            extra={"json_fields": _request_fields(request, error)},
                        )
                    else:
                        logger.info(
                            "request rejected",
                            extra={"json_fields": _request_fields(request, error)},
                        )
                    response = render(error, request_id=request_id, instance=request.path)
                response.headers["X-Request-Id"] = request_id
                return response

        return wrapper

    return decorate


def framework_error_response(exc: HTTPException, render: Renderer = problem_response) -> Response:
    """For errors raised by Flask/functions-framework before our handler runs (their own
    `/favicon.ico` rule, paths their router cannot match): the same problem shape."""
    from flask import request

    with request_context(project_id="", request_id=request.headers.get("X-Request-Id")) as rid:
        return render(_as_app_error(exc), request_id=rid, instance=request.path)


def _request_fields(request: Request, error: errors.AppError) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "status": error.status,
        "problem": error.slug,
    }
