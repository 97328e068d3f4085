"""Usability checks over every main page, with data on them (an experiment with results, a
template with labels and versions, a guardrail, audit entries): at tablet (768 px) and laptop
(1280 px) widths nothing scrolls sideways, and every input, select, textarea and button of the
document (header, sign-in form, open dialogs included) has an accessible name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from shared.config import Settings
from tests.conftest import PROJECT
from tests.e2e.console.conftest import Admin, assert_clean, screenshot, sign_in, visit
from tests.e2e.console.test_experiments_analytics import (
    _execution,
    _report_and_roll_up,
    _two_versions,
    _user,
)
from tests.e2e.test_admin_guardrails_experiments import PII

pytestmark = pytest.mark.emulator

# The accessible name as the accessibility tree computes it, for the sources our markup
# uses: aria-labelledby, aria-label, <label> elements, a button's text, a title.
UNNAMED = """() => [...document.querySelectorAll("input, select, textarea, button, progress")]
  .filter((el) => {
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent || "").join(" ");
    const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(" ") : "";
    const text = el.tagName === "BUTTON" ? el.textContent : "";
    const name = byIds || el.getAttribute("aria-label") || labels || text || el.title || "";
    return !name.trim();
  })
  .map((el) => el.outerHTML.slice(0, 160))"""

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

PAGES = (
    "#/templates",
    "#/templates/wide_probe",
    "#/templates/wide_probe/versions/1",
    "#/templates/wide_probe/edit/2",
    "#/templates/wide_probe/diff/1/2",
    "#/experiments",
    "#/experiments/wide-test",
    "#/analytics",
    "#/guardrails",
    "#/audit",
)


@pytest.fixture(scope="module")
def populated(console_admin: Admin, firestore_emulator) -> Admin:
    _two_versions(console_admin, "wide_probe")
    console_admin.call("POST", "/v1/guardrails", json={**PII, "name": "pii_wide"})
    console_admin.call(
        "POST",
        "/v1/experiments",
        json={
            "id": "wide-test",
            "template": "wide_probe",
            "seed": "wide-seed",
            "variants": [
                {"name": "control", "version": 1, "weight": 0.5},
                {"name": "treatment", "version": 2, "weight": 0.5},
            ],
        },
    )
    console_admin.call("POST", "/v1/experiments/wide-test/start")
    settings = Settings.from_env(
        {
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "ENVIRONMENT": "test",
            "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
        }
    )
    executions = [
        _execution(
            n,
            "wide_probe",
            1 + n % 2,
            ago=timedelta(minutes=5),
            experiment_id="wide-test",
            variant=("control", "treatment")[n % 2],
            user_key=_user(n),
        )
        for n in range(40)
    ]
    _report_and_roll_up(settings, executions)
    return console_admin


def _check_page(page: Page, admin: Admin, hash_: str) -> None:
    visit(page, admin, hash_)
    expect(page.locator("#view h1")).to_be_visible()
    expect(page.locator("#view .loading")).to_have_count(0)
    assert page.evaluate(UNNAMED) == [], hash_
    assert page.evaluate(OVERFLOW) <= 0, (hash_, page.evaluate(OVERFLOW))


@pytest.mark.parametrize("width", [768, 1280])
def test_main_pages_fit_the_width_and_every_control_has_a_name(populated, watched, width):
    page = watched.page
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{populated.url}/console/")
    assert page.evaluate(UNNAMED) == []  # the sign-in page
    assert page.evaluate(OVERFLOW) <= 0
    sign_in(page, populated, "admin")
    for hash_ in PAGES:
        _check_page(page, populated, hash_)
        if hash_ == "#/experiments/wide-test":  # the widest page: tables and charts
            expect(page.get_by_test_id("results").locator("figure svg").first).to_be_visible()
            screenshot(page, f"experiment-{width}")
    # Open dialogs are part of the page too.
    visit(page, populated, "#/templates/wide_probe")
    page.get_by_role("button", name="Review move…").click()
    expect(page.get_by_test_id("confirm-move")).to_be_visible()
    assert page.evaluate(UNNAMED) == []
    assert page.evaluate(OVERFLOW) <= 0
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Remove production…").click()
    expect(page.get_by_test_id("confirm-remove")).to_be_visible()
    assert page.evaluate(UNNAMED) == []
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("confirm-remove")).to_have_count(0)
    assert_clean(watched)


def test_new_controls_are_reached_and_used_from_the_keyboard(populated, watched):
    page = watched.page
    page.set_viewport_size({"width": 768, "height": 1000})
    sign_in(page, populated, "admin")
    visit(page, populated, "#/experiments")
    page.get_by_label("Primary metric").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Assignment seed (optional)")).to_be_focused()
    visit(page, populated, "#/templates/wide_probe")
    remove = page.get_by_role("button", name="Remove production…")
    remove.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("confirm-remove")
    # A destructive dialog opens on Cancel; the action is one Shift+Tab away.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Remove production", exact=True)).to_be_focused()
    page.keyboard.press("Escape")  # closes with nothing sent
    expect(dialog).to_have_count(0)
    assert populated.call("GET", "/v1/templates/wide_probe")["labels"] == {"production": 1}
    assert_clean(watched)
