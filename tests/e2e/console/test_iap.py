"""The console behind Identity-Aware Proxy: IAP signs the person in and adds its signed
header to every request (here: the browser context adds it, as IAP would); the admin
function, configured with IAP_AUDIENCE, verifies it. The console then works without an API
key, with the role the credentials document gives that email. Only IAP's key endpoint is
replaced (tests/e2e/console/iap_admin.py); the function is served by the CLI as deployed."""

from __future__ import annotations

import json
import os

import pytest
from playwright.sync_api import Browser, expect

from infra.local.dev import serve, wait_until_up
from infra.local.emulators import free_port, stop_process_group
from tests.conftest import PROJECT
from tests.e2e.console.conftest import _WATCH_CSP, Admin, Watched, assert_clean, visit
from tests.support import write_credentials
from tests.unit.test_iap_auth import IAP_AUDIENCE, PERSON, _es256_key, assertion

pytestmark = pytest.mark.emulator

NOBODY = "".join(["eve", "@", "example.com"])


@pytest.fixture(scope="module")
def iap(firestore_emulator, console_admin, tmp_path_factory):
    """The admin function behind IAP (sharing the console tests' Firestore), and IAP's key."""
    folder = tmp_path_factory.mktemp("iap")
    signer, public = _es256_key("iap-test")
    (folder / "iap-keys.json").write_text(json.dumps({"iap-test": public}))
    keys = write_credentials(folder / "credentials.json", identities={PERSON: ["publisher"]})
    env = {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ENVIRONMENT": "test",
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
        "AUTH_CONFIG_FILE": str(folder / "credentials.json"),
        "IAP_AUDIENCE": IAP_AUDIENCE,
        "TEST_IAP_KEYS_FILE": str(folder / "iap-keys.json"),
        "FIRESTORE_DEADLINE_SECONDS": "5",
        "FIRESTORE_COLD_DEADLINE_SECONDS": "10",
    }
    function = serve(
        "admin", free_port(), env, source="tests/e2e/console/iap_admin.py", log_dir=folder
    )
    wait_until_up(function)
    yield Admin(function.url, keys), signer
    stop_process_group(function.process)


def _behind_iap(browser: Browser, signed: str) -> Watched:
    context = browser.new_context(
        viewport={"width": 1280, "height": 860},
        extra_http_headers={"X-Goog-IAP-JWT-Assertion": signed},
    )
    context.set_default_timeout(20_000)
    context.add_init_script(_WATCH_CSP)
    seen = Watched(context.new_page())
    seen.page.on("pageerror", lambda error: seen.errors.append(f"pageerror: {error}"))
    seen.page.on("request", lambda request: seen.requests.append((request.url, request.headers)))
    return seen


def test_behind_iap_the_console_signs_in_as_the_person_without_a_key(iap, browser):
    admin, signer = iap
    admin.call("POST", "/v1/templates", json={"name": "iap_probe", "template": "A {{x}}"})
    admin.call("PUT", "/v1/templates/iap_probe", json={"template": "B {{x}}"})
    admin.call("PUT", "/v1/templates/iap_probe/labels/production", json={"version": 1})
    seen = _behind_iap(browser, assertion(signer))
    page = seen.page
    try:
        page.goto(f"{admin.url}/console/")
        expect(page.locator("#who")).to_have_text(f"{PERSON} · publisher (via IAP)")
        assert page.evaluate("sessionStorage.length") == 0  # no key was asked for or kept
        visit(page, admin, "#/templates/iap_probe")
        page.get_by_label("to version").select_option("2")
        page.get_by_role("button", name="Review move…").click()
        page.get_by_test_id("confirm-move").get_by_role(
            "button", name="Move production to v2"
        ).click()
        expect(page.locator("#banner")).to_have_text("production now serves v2.")
        entries = admin.call("GET", "/v1/audit-log?target=templates/iap_probe")["items"]
        assert entries[0]["actor"] == PERSON  # the change is the person's, not a key's
        api_calls = [headers for url, headers in seen.requests if "/v1/" in url]
        assert api_calls
        assert all("x-api-key" not in headers for headers in api_calls)

        page.get_by_role("button", name="Sign out").click()
        expect(page.locator("#sign-in-error")).to_contain_text(f"still signs you in as {PERSON}")
        expect(page.get_by_label("API key")).to_be_visible()
        assert_clean(seen)
    finally:
        page.context.close()


def test_behind_iap_a_person_without_a_role_is_told_and_offered_the_key_form(iap, browser):
    admin, signer = iap
    seen = _behind_iap(browser, assertion(signer, email=NOBODY))
    page = seen.page
    try:
        page.goto(f"{admin.url}/console/")
        expect(page.locator("#sign-in-error")).to_contain_text(
            f"Forbidden: {NOBODY} is authenticated but has no role here"
        )
        expect(page.get_by_label("API key")).to_be_visible()
        page.get_by_label("API key").fill(admin.keys["viewer"])  # a key still works there
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#who")).to_have_text("key:test-viewer · viewer")
        assert_clean(seen)
    finally:
        page.context.close()


def test_without_iap_audience_the_header_is_ignored_and_the_key_form_stays(console_admin, browser):
    seen = _behind_iap(browser, "not-verified-anywhere")
    page = seen.page
    try:
        page.goto(f"{console_admin.url}/console/")
        expect(page.get_by_label("API key")).to_be_focused()
        page.wait_for_load_state("networkidle")
        expect(page.locator("#sign-in-error")).to_have_text("")
        expect(page.locator("#nav")).to_be_hidden()
        assert_clean(seen)
    finally:
        page.context.close()
