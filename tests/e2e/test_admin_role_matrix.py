"""Every role against every admin operation, generated from the route table itself: a role
below the operation's minimum gets 403, one at or above it gets past authorization (any
other status), and no credentials get 401. A new route is covered without editing this."""

from __future__ import annotations

import re

import pytest

from shared.admin_api import ROUTES
from shared.auth.principals import ROLE_RANK
from tests.e2e.conftest import ADMIN_SOURCE as ADMIN

pytestmark = pytest.mark.emulator

SAMPLE_ARGS = {
    "name": "matrix",
    "label": "production",
    "version": "1",
    "id": "exp",
    "execution_id": "e1",
    "delivery_id": "0" * 32 + "~wh-" + "0" * 16,
}


def test_every_role_against_every_operation(load_function, api_keys):
    client, _ = load_function(source=ADMIN, target="admin", role=None)
    checked = 0
    for route in ROUTES:
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_ARGS[m.group(1)], route.path)
        body = {} if route.body is not None else None
        anonymous = client.open(path, method=route.method, json=body)
        assert anonymous.status_code == 401, (route.method, route.path)
        for role, rank in ROLE_RANK.items():
            response = client.open(
                path, method=route.method, json=body, headers={"X-API-Key": api_keys[role]}
            )
            if rank >= ROLE_RANK[route.role]:
                assert response.status_code not in (401, 403), (role, route.method, route.path)
            else:
                assert response.status_code == 403, (
                    role,
                    route.method,
                    route.path,
                    response.status_code,
                )
            assert response.status_code < 500, (role, route.method, route.path)
            checked += 1
    assert checked == len(ROUTES) * len(ROLE_RANK)
