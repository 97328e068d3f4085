"""What the console needs from the admin function besides the `/v1/` it already had: its
files served open with a strict CSP, `/v1/me` for the role, a preview of an unsaved draft
and a guardrail scan (both stores nothing)."""

from __future__ import annotations

import re

import pytest

from shared import console
from shared.admin_api import ROUTES
from tests.e2e.conftest import assert_problem
from tests.e2e.test_admin_guardrails_experiments import PII

pytestmark = pytest.mark.emulator

EMAIL = "".join(["ada", "@", "example.com"])  # runtime data, not source text


def test_console_files_are_open_and_carry_a_strict_csp_and_deny_framing(admin):
    client = admin(role=None)
    page = client.get("/console/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'"):
        assert directive in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe" not in csp  # neither 'unsafe-inline' nor 'unsafe-eval'
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    # No inline script or style anywhere: every script and sheet is a file of ours.
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "<style" not in html
    assert " style=" not in html
    script = client.get("/console/app.js")
    assert (script.status_code, script.mimetype) == (200, "text/javascript")
    assert script.headers["Content-Security-Policy"] == csp
    again = client.get("/console/app.js", headers={"If-None-Match": script.headers["ETag"]})
    assert again.status_code == 304


def test_console_answers_a_missing_file_or_a_path_outside_it_with_a_404_problem(admin):
    client = admin(role=None)
    assert_problem(client.get("/console/nope.js"), 404, "not-found")
    assert_problem(client.get("/console/..%2Fconfig.py"), 404, "not-found")
    assert_problem(client.get("/console/%2e%2e"), 404, "not-found")
    moved = client.get("/console")
    assert (moved.status_code, moved.headers["Location"]) == (308, "console/")


def test_only_the_console_files_are_open_and_every_api_route_needs_a_role():
    assert all(route.role is not None for route in ROUTES)
    assert all(route.role is None and route.path.startswith("/console") for route in console.ROUTES)
    # The vendored chart library travels with its licence.
    assert "uplot-1.6.32.LICENSE.txt" in console.ASSETS


def test_me_names_the_caller_and_its_highest_role(admin, api_keys):
    answer = admin(role="publisher").get("/v1/me")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "id": "key:test-publisher",
        "kind": "api_key",
        "roles": ["publisher"],
        "role": "publisher",
    }
    assert_problem(admin(role=None).get("/v1/me"), 401, "unauthenticated")


def test_preview_renders_a_draft_with_the_active_guardrails_and_stores_nothing(admin):
    client = admin(role="admin")
    assert client.post("/v1/guardrails", json=PII).status_code == 201
    answer = client.post(
        "/v1/templates/draft/preview",
        json={"template": "Write to {{ who }} about {{topic}}.", "values": {"who": EMAIL}},
    )
    assert answer.status_code == 422, "a missing variable is refused as a render refuses it"
    answer = client.post(
        "/v1/templates/draft/preview",
        json={
            "template": "Write to {{ who }} about {{topic}}.",
            "values": {"who": EMAIL, "topic": "</textarea><script>x</script>", "extra": 1},
        },
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["variables"] == ["who", "topic"]
    assert body["rendered"] == "Write to <EMAIL> about </textarea><script>x</script>."
    assert body["unused_variables"] == ["extra"]
    assert body["guardrails"]["ran"] == ["pii_strict"]
    assert [f["types"] for f in body["guardrails"]["fired"]] == [["EMAIL"]]
    assert_problem(client.get("/v1/templates/draft"), 404, "template-not-found")
    viewer = admin(role="viewer").post(
        "/v1/templates/draft/preview",
        json={"messages": [{"role": "user", "content": "Hi {{who}}"}], "values": {"who": "Ada"}},
    )
    assert viewer.get_json()["messages"] == [{"role": "user", "content": "Hi Ada"}]


def test_scan_tries_every_active_guardrail_or_a_named_inactive_one(admin):
    client = admin(role="admin")
    client.post("/v1/guardrails", json=PII)
    client.post("/v1/guardrails/pii_strict/deactivate")
    assert client.post("/v1/guardrails/scan", json={"text": EMAIL}).get_json() == {"checks": []}
    named = client.post(
        "/v1/guardrails/scan", json={"text": f"mail {EMAIL}", "guardrails": ["pii_strict"]}
    )
    [check] = named.get_json()["checks"]
    assert (check["guardrail"], check["triggered"], check["redacted"]) == (
        "pii_strict",
        True,
        "mail <EMAIL>",
    )
    assert [f["type"] for f in check["findings"]] == ["EMAIL"]
    assert client.get("/v1/guardrails/pii_strict").get_json()["active"] is False
    assert_problem(
        client.post("/v1/guardrails/scan", json={"text": "x", "guardrails": ["nope"]}),
        404,
        "guardrail-not-found",
    )
    assert_problem(client.post("/v1/guardrails/scan", json={"text": ""}), 422, "validation-failed")
