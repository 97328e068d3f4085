"""The benchmark's baseline: a functions-framework endpoint answering a constant JSON body.

It returns the same bytes the resolve function returns for the benchmarked template (the
benchmark passes them in BARE_BODY_PATH), so the comparison isolates resolution work.
"""

from __future__ import annotations

import os
from pathlib import Path

import functions_framework
from flask import Request, Response

_BODY = Path(os.environ["BARE_BODY_PATH"]).read_bytes()


@functions_framework.http
def bare(request: Request) -> Response:
    return Response(_BODY, mimetype="application/json")
