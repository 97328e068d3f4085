"""A folder name (`team/support/greet`, as Langfuse names prompts) in the console: listed
as it is, its page opened from the list and from the audit log, its label moved, all over
the admin API with the name's `/` sent as `%2F`."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.console.conftest import assert_clean, sign_in, visit

pytestmark = pytest.mark.emulator

NAME = "team/support/greet"
ENCODED = "team%2Fsupport%2Fgreet"


def test_a_folder_template_is_listed_opened_and_its_label_moved(console_admin, watched):
    console_admin.call("POST", "/v1/templates", json={"name": NAME, "template": "Hi {{who}}"})
    console_admin.call("POST", f"/v1/templates/{ENCODED}/versions", json={"template": "Hey"})
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/templates")
    page.get_by_role("link", name=NAME, exact=True).click()
    expect(page.get_by_role("heading", name=NAME, exact=True)).to_be_visible()
    assert page.url.endswith(f"#/templates/{ENCODED}")

    page.get_by_label("Move label").fill("production")
    page.get_by_label("to version").select_option("2")
    page.get_by_role("button", name="Review move…").click()
    page.get_by_test_id("confirm-move").get_by_role("button", name="Move production to v2").click()
    expect(page.locator("#banner")).to_have_text("production now serves v2.")
    assert console_admin.call("GET", f"/v1/templates/{ENCODED}")["labels"] == {"production": 2}

    visit(page, console_admin, "#/audit")
    target = f"templates/{ENCODED}/labels/production"
    page.get_by_role("link", name=target).first.click()
    expect(page.get_by_role("heading", name=NAME, exact=True)).to_be_visible()
    assert_clean(watched)
