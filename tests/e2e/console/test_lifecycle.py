"""Removing labels and deleting/restoring templates from the console, each behind a
confirmation, gated by role the way the API gates it (a forced click shows the API's 403)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.console.conftest import assert_clean, screenshot, sign_in, visit
from tests.e2e.console.test_browser import _template

pytestmark = pytest.mark.emulator


def test_remove_a_label_after_confirming_then_delete_and_restore_the_template(
    console_admin, watched
):
    _template(console_admin, "retire_me", "Old {{x}}")
    page = watched.page
    sign_in(page, console_admin, "admin")
    visit(page, console_admin, "#/templates/retire_me")
    lifecycle = page.get_by_test_id("template-lifecycle")
    # A template serving a label cannot be deleted: the console says so before the API would.
    expect(lifecycle.get_by_role("button", name="Delete template…")).to_be_disabled()
    expect(lifecycle).to_contain_text("Remove its labels first (production)")

    page.get_by_role("button", name="Remove production…").click()
    dialog = page.get_by_test_id("confirm-remove")
    expect(dialog).to_contain_text("production serves v1 now")
    dialog.get_by_role("button", name="Cancel").click()  # nothing is sent
    expect(dialog).to_have_count(0)
    assert console_admin.call("GET", "/v1/templates/retire_me")["labels"] == {"production": 1}
    page.get_by_role("button", name="Remove production…").click()
    screenshot(page, "confirm-remove")
    dialog.get_by_role("button", name="Remove production", exact=True).click()
    expect(page.locator("#banner")).to_have_text("production removed (it served v1).")
    assert console_admin.call("GET", "/v1/templates/retire_me")["labels"] == {}
    expect(page.locator("td", has_text="remove: 1 → –")).to_have_count(1)  # the label history

    page.get_by_role("button", name="Delete template…").click()
    page.get_by_test_id("confirm-delete").get_by_role("button", name="Delete retire_me").click()
    expect(page.locator("#banner")).to_have_text("retire_me deleted.")
    expect(page.get_by_test_id("deleted-note")).to_be_visible()
    assert console_admin.call("GET", "/v1/templates/retire_me")["deleted"] is True
    visit(page, console_admin, "#/templates")
    expect(page.get_by_role("row", name="retire_me")).to_contain_text("deleted")

    visit(page, console_admin, "#/templates/retire_me")
    page.get_by_role("button", name="Restore template").click()
    expect(page.locator("#banner")).to_have_text("retire_me restored.")
    expect(page.get_by_test_id("deleted-note")).to_have_count(0)
    assert console_admin.call("GET", "/v1/templates/retire_me")["deleted"] is False
    actions = [
        e["action"]
        for e in console_admin.call("GET", "/v1/audit-log?target=templates/retire_me")["items"]
    ]
    assert actions[:3] == ["template.restore", "template.delete", "label.remove"]
    assert_clean(watched)


def test_removing_a_label_someone_else_changed_meanwhile_is_a_conflict_to_reload(
    console_admin, watched
):
    _template(console_admin, "remove_race", "One {{x}}")
    console_admin.call("PUT", "/v1/templates/remove_race", json={"template": "Two {{x}}"})
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/templates/remove_race")
    page.get_by_role("button", name="Remove production…").click()
    # Someone else moves production while this page shows the older state.
    console_admin.call("PUT", "/v1/templates/remove_race/labels/production", json={"version": 2})
    page.get_by_test_id("confirm-remove").get_by_role("button", name="Remove production").click()
    expect(page.locator("#banner")).to_have_text(
        "Someone else changed this since you loaded it; reload and try again."
    )
    assert console_admin.call("GET", "/v1/templates/remove_race")["labels"] == {"production": 2}
    assert_clean(watched)


def test_below_admin_deleting_is_shown_disabled_and_a_forced_click_shows_the_403(
    console_admin, watched
):
    _template(console_admin, "keep_me", "Keep {{x}}", production=False)
    page = watched.page
    sign_in(page, console_admin, "viewer")
    visit(page, console_admin, "#/templates/keep_me")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    expect(page.get_by_test_id("template-lifecycle")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/templates/keep_me")
    lifecycle = page.get_by_test_id("template-lifecycle")
    delete = lifecycle.get_by_role("button", name="Delete template…")
    expect(delete).to_be_disabled()
    expect(lifecycle).to_contain_text("needs role admin")
    # The control is disabled for clarity; the API is what refuses.
    delete.evaluate("(button) => { button.disabled = false; }")
    delete.click()
    page.get_by_test_id("confirm-delete").get_by_role("button", name="Delete keep_me").click()
    expect(page.locator("#banner")).to_contain_text("Forbidden: this needs role 'admin' or higher")
    assert console_admin.call("GET", "/v1/templates/keep_me")["deleted"] is False
    assert_clean(watched)
