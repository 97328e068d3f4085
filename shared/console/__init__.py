"""The admin console: static files (plain ES modules, one vendored chart library) that the
admin function serves under `/console/`, talking to the `/v1/` API with the key the user
typed (or, behind Identity-Aware Proxy with `IAP_AUDIENCE` set, with no key: IAP's signed
header on each request says who it is). No build step: the files in `static/` are what the
browser gets.

The routes are open (a sign-in page carries no credentials); everything the console shows
comes from `/v1/` calls that check the key's role as they would from curl. Every answer
carries a strict Content-Security-Policy: scripts, styles and connections from this origin
only, no inline script or style, no framing.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Response

from shared.admin_api.context import AdminRoute, AdminServices
from shared.errors import NotFound
from shared.http.api import Call
from shared.http.responses import is_not_modified, not_modified_response

STATIC = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # Revalidated on every load (304 when unchanged): a deploy is seen at once, and no
    # stale module mixes with a new one.
    "Cache-Control": "no-cache",
}
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".txt": "text/plain"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def _load(directory: Path) -> dict[str, Asset]:
    """Every file of the static folder, read once per instance (they are small)."""
    assets = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        body = path.read_bytes()
        kind = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
        if kind.startswith("text/"):
            kind += "; charset=utf-8"
        assets[path.name] = Asset(body, kind, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    return assets


ASSETS = _load(STATIC)


def _answer(call: Call, name: str) -> Response:
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFound(f"the console has no file '{name}'")
    if is_not_modified(call.request, asset.etag):
        return not_modified_response(asset.etag, SECURITY_HEADERS)
    response = Response(asset.body, status=200, content_type=asset.content_type)
    response.headers.update(SECURITY_HEADERS)
    response.headers["ETag"] = asset.etag
    return response


def to_index(call: Call, app: AdminServices) -> Response:
    # The files refer to each other relatively, so the page must be read from `/console/`.
    return Response(status=308, headers={"Location": "console/", **SECURITY_HEADERS})


def index(call: Call, app: AdminServices) -> Response:
    return _answer(call, "index.html")


def asset(call: Call, app: AdminServices) -> Response:
    return _answer(call, str(call.args["asset"]))


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(method="GET", path="/console", role=None, handler=to_index, summary="The console"),
    AdminRoute(method="GET", path="/console/", role=None, handler=index, summary="The console"),
    AdminRoute(
        method="GET",
        path="/console/{asset}",
        role=None,
        handler=asset,
        summary="A file of the console",
    ),
)
