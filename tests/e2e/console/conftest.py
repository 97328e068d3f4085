"""Fixtures for the console's browser tests: the admin function served by the
functions-framework CLI on the emulators, and Debian's Chromium driven by Playwright.

Chromium is launched from /usr/bin/chromium (`make chromium` installs it), never a browser
Playwright downloads, with the flags a closed network needs (without them it waits on
refused connections to Google's services), in a fresh profile per launch. Each test gets a
new browser context, so session storage starts empty. Every page records its script
errors and Content-Security-Policy violations; `assert_clean` fails a test that caused any.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from infra.local.dev import ServedFunction, serve, wait_until_up
from infra.local.emulators import clear_firestore, free_port, stop_process_group
from tests.conftest import PROJECT, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / ".local" / "screenshots"  # git-ignored

# Installed before any page script runs: CSP violations are events, not console lines.
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def serve_admin(
    firestore_host: str, credentials: str, log_dir: Path, **extra: str
) -> ServedFunction:
    env = {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ENVIRONMENT": "test",
        "FIRESTORE_EMULATOR_HOST": firestore_host,
        "AUTH_CONFIG_FILE": credentials,
        # A busy shared machine must not turn a slow answer into "Firestore unavailable".
        "FIRESTORE_DEADLINE_SECONDS": "5",
        "FIRESTORE_COLD_DEADLINE_SECONDS": "10",
        **extra,
    }
    function = serve("admin", free_port(), env, log_dir=log_dir)
    wait_until_up(function)
    return function


@dataclass
class Admin:
    """The served admin function, and the API as a test script reaches it (with a key)."""

    url: str
    keys: dict[str, str]

    def call(self, method: str, path: str, *, role: str = "admin", **kwargs: Any) -> Any:
        response = requests.request(
            method,
            self.url + path,
            headers={"X-API-Key": self.keys[role], **kwargs.pop("headers", {})},
            timeout=30,
            **kwargs,
        )
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def console_admin(firestore_emulator, api_keys, tmp_path_factory) -> Iterator[Admin]:
    clear_firestore(firestore_emulator.host, PROJECT)
    function = serve_admin(
        firestore_emulator.host, api_keys["_file"], tmp_path_factory.mktemp("console-logs")
    )
    yield Admin(function.url, api_keys)
    stop_process_group(function.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watched:
    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    context.add_init_script(_WATCH_CSP)
    page = context.new_page()
    seen = Watched(page)
    page.on("pageerror", lambda error: seen.errors.append(f"pageerror: {error}"))
    page.on("request", lambda request: seen.requests.append((request.url, request.headers)))
    yield seen
    context.close()


def assert_clean(seen: Watched) -> None:
    """No script error, no CSP violation, no request that carried the key in its URL."""
    assert seen.errors == []
    assert seen.page.evaluate("window.__cspViolations") == []
    for url, _headers in seen.requests:
        assert "pmk_" not in url, url


def sign_in(page: Page, admin: Admin, role: str) -> None:
    page.goto(f"{admin.url}/console/")
    page.get_by_label("API key").fill(admin.keys[role])
    page.get_by_role("button", name="Sign in").click()
    page.locator("#who").filter(has_text=f"· {role}").wait_for()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def visit(page: Page, admin: Admin, hash_: str) -> None:
    """Go to a console page (same tab: the session's key stays)."""
    page.goto(f"{admin.url}/console/{hash_}")
