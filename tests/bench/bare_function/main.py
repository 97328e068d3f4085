"""The benchmark's baselines: functions-framework endpoints answering a constant JSON body.

Both return the same bytes the resolve function returns for the benchmarked template (the
benchmark passes them in BARE_BODY_PATH), so the comparison isolates resolution work.
`bare` sends only what any JSON answer carries (Content-Type, Content-Length);
`bare_like_get` also sends the three headers every cache-hit GET must send (ETag,
Cache-Control, X-Request-Id) and is asked the GET's path with its key header, so what the
framework spends on those (gunicorn's and werkzeug's per-header work, routing a longer
path) is told apart from what the resolve function's own code spends.
"""

from __future__ import annotations

import os
from pathlib import Path

import functions_framework
from flask import Request, Response

_BODY = Path(os.environ["BARE_BODY_PATH"]).read_bytes()
# Shaped as the GET's own: a weak ETag of 32 hex digits, the default max-age, 128-bit id.
_GET_HEADERS = {
    "ETag": 'W/"0123456789abcdef0123456789abcdef"',
    "Cache-Control": "private, max-age=10",
    "X-Request-Id": "0123456789abcdef0123456789abcdef",
}


@functions_framework.http
def bare(request: Request) -> Response:
    return Response(_BODY, mimetype="application/json")


@functions_framework.http
def bare_like_get(request: Request) -> Response:
    response = Response(_BODY, mimetype="application/json")
    for name, value in _GET_HEADERS.items():
        response.headers[name] = value
    return response
