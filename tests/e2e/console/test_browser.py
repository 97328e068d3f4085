"""The console in a real browser (Debian's Chromium, headless) against the admin function
served by the functions-framework CLI on the Firestore emulator: sign-in, editing into a
new version, diff, moving and rolling back a label, conflicts, guardrails, what a viewer
sees, and XSS payloads that must stay text. Screenshots land in .local/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from infra.local.emulators import free_port, stop_process_group
from tests.e2e.console.conftest import Admin, assert_clean, screenshot, serve_admin, sign_in, visit
from tests.e2e.test_admin_guardrails_experiments import PII

pytestmark = pytest.mark.emulator

EMAIL = "".join(["ada", "@", "example.com"])  # runtime data, not source text


def _template(admin, name: str, text: str, *, production: bool = True, **fields) -> None:
    admin.call("POST", "/v1/templates", json={"name": name, "template": text, **fields})
    if production:
        admin.call("PUT", f"/v1/templates/{name}/labels/production", json={"version": 1})


def test_sign_in_keeps_the_key_in_session_storage_and_sends_it_only_as_a_header(
    console_admin, watched
):
    page = watched.page
    page.goto(f"{console_admin.url}/console/")
    page.get_by_label("API key").fill("pmk_nobody.not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("unknown or revoked API key")
    page.get_by_label("API key").fill(console_admin.keys["service"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("needs viewer or higher")

    watched.requests.clear()
    sign_in(page, console_admin, "editor")
    key = console_admin.keys["editor"]
    assert page.evaluate("Object.values(sessionStorage)") == [key]
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    assert key not in page.url
    api_calls = [(url, headers) for url, headers in watched.requests if "/v1/" in url]
    # On arrival the console asks once, with no credential at all, whether a proxy in front
    # (IAP) already signed someone in; every other call carries the key.
    probes = [url for url, headers in api_calls if "x-api-key" not in headers]
    assert probes == [f"{console_admin.url}/v1/me"]
    assert all("authorization" not in headers for _url, headers in api_calls)
    assert len(api_calls) > 1
    assert all(headers.get("x-api-key") == key for url, headers in api_calls if url not in probes)
    page.reload()  # the tab keeps its session
    expect(page.locator("#who")).to_contain_text("key:test-editor · editor")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    assert_clean(watched)


def test_edit_into_a_new_version_with_variables_preview_and_a_refused_identical_copy(
    console_admin, watched
):
    _template(console_admin, "support_reply", "Hello {{customer}}, about {{topic}}.")
    page = watched.page
    sign_in(page, console_admin, "editor")
    page.get_by_label("Search").fill("support")
    page.get_by_role("link", name="support_reply").click()
    expect(page.get_by_role("heading", name="support_reply", exact=True)).to_be_visible()
    page.get_by_role("link", name="Edit from here").click()
    text = page.get_by_label("Text", exact=True)
    expect(text).to_have_value("Hello {{customer}}, about {{topic}}.")
    text.fill("Hi {{customer}}, re {{ topic }} (ticket {{ticket}}).")
    variables = page.get_by_test_id("editor-variables")
    expect(variables).to_have_text("Variables: customertopicticket")
    expect(page.get_by_test_id("editor-highlight").locator("mark.var")).to_have_count(3)
    page.get_by_label("Sample value of customer").fill("Ada")
    page.get_by_label("Sample value of topic").fill("billing")
    page.get_by_label("Sample value of ticket").fill("42")
    page.get_by_role("button", name="Preview render").click()
    expect(page.get_by_test_id("preview-text")).to_have_text("Hi Ada, re billing (ticket 42).")
    expect(page.get_by_test_id("guardrail-report")).to_contain_text("No guardrail fired")
    screenshot(page, "editor")
    page.get_by_label("Commit message").fill("shorter greeting, ticket number")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_role("heading", name="support_reply v2")).to_be_visible()
    expect(page.locator("#banner")).to_have_text("Saved support_reply v2.")  # after the route
    expect(page.get_by_test_id("version-text")).to_have_text(
        "Hi {{customer}}, re {{ topic }} (ticket {{ticket}})."
    )
    expect(page.locator("td", has_text="shorter greeting, ticket number")).to_be_visible()
    screenshot(page, "version")
    stored = console_admin.call("GET", "/v1/templates/support_reply/versions/2")
    assert stored["author"] == "key:test-editor"
    assert stored["variables"] == ["customer", "topic", "ticket"]

    page.get_by_role("link", name="Edit into a new version").click()
    page.get_by_label("Commit message").fill("again")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_test_id("save-status")).to_contain_text(
        "Conflict: version 2 of 'support_reply' already has this exact content"
    )
    assert console_admin.call("GET", "/v1/templates/support_reply")["latest_version"] == 2
    assert_clean(watched)


def test_diff_move_production_with_a_confirmation_then_roll_back(console_admin, watched):
    _template(
        console_admin, "faq", "Answer {{question}} briefly.", model_config={"temperature": 0.2}
    )
    console_admin.call(
        "PUT",
        "/v1/templates/faq",
        json={"template": "Answer {{question}} in one line.", "model_config": {"temperature": 0.5}},
    )
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/templates/faq")
    page.get_by_label("Compare").select_option("1")
    page.get_by_label("with").select_option("2")
    page.get_by_role("button", name="Diff").click()
    inline = page.get_by_test_id("diff-inline")
    expect(inline.locator(".diff-del")).to_have_text(["- Answer {{question}} briefly."])
    expect(inline.locator(".diff-add")).to_have_text(["+ Answer {{question}} in one line."])
    expect(page.locator("td", has_text="model_config.temperature")).to_be_visible()
    page.get_by_role("button", name="Side by side").click()
    side = page.get_by_test_id("diff-side")
    expect(side.locator("td.diff-del")).to_have_text(["Answer {{question}} briefly."])
    expect(side.locator("td.diff-add")).to_have_text(["Answer {{question}} in one line."])
    screenshot(page, "diff")

    visit(page, console_admin, "#/templates/faq")
    page.get_by_label("Move label").fill("production")
    page.get_by_label("to version").select_option("2")
    page.get_by_role("button", name="Review move…").click()
    dialog = page.get_by_test_id("confirm-move")
    expect(dialog).to_contain_text("It serves v1 now")
    expect(dialog.locator(".diff-add")).to_have_text(["+ Answer {{question}} in one line."])
    screenshot(page, "confirm-move")
    assert console_admin.call("GET", "/v1/templates/faq")["labels"] == {"production": 1}
    dialog.get_by_role("button", name="Move production to v2").click()
    expect(page.locator("#banner")).to_have_text("production now serves v2.")
    assert console_admin.call("GET", "/v1/templates/faq")["labels"] == {"production": 2}
    expect(page.locator("td", has_text="move: 1 → 2")).to_have_count(1)
    expect(page.locator("td", has_text="key:test-publisher").first).to_be_visible()
    screenshot(page, "template")

    page.get_by_role("button", name="Roll back production").click()
    expect(page.locator("#banner")).to_have_text("production rolled back from v2 to v1.")
    assert console_admin.call("GET", "/v1/templates/faq")["labels"] == {"production": 1}
    assert_clean(watched)


def test_a_label_moved_by_someone_else_meanwhile_is_a_conflict_to_reload(console_admin, watched):
    _template(console_admin, "race", "One {{x}}")
    console_admin.call("PUT", "/v1/templates/race", json={"template": "Two {{x}}"})
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/templates/race")
    page.get_by_label("to version").select_option("2")
    page.get_by_role("button", name="Review move…").click()
    # Someone else moves production while this page shows the older state.
    console_admin.call("PUT", "/v1/templates/race/labels/production", json={"version": 2})
    console_admin.call("PUT", "/v1/templates/race/labels/production", json={"version": 1})
    page.get_by_test_id("confirm-move").get_by_role("button", name="Move production to v2").click()
    expect(page.locator("#banner")).to_have_text(
        "Someone else changed this since you loaded it; reload and try again."
    )
    assert console_admin.call("GET", "/v1/templates/race")["labels"] == {"production": 1}
    assert_clean(watched)


def test_toggle_edit_and_try_a_guardrail(console_admin, watched):
    console_admin.call("POST", "/v1/guardrails", json=PII)
    page = watched.page
    sign_in(page, console_admin, "publisher")
    visit(page, console_admin, "#/guardrails")
    expect(page.get_by_test_id("state-pii_strict")).to_have_text("active")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_test_id("state-pii_strict")).to_have_text("inactive")
    assert console_admin.call("GET", "/v1/guardrails/pii_strict")["active"] is False
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_test_id("state-pii_strict")).to_have_text("active")
    assert console_admin.call("GET", "/v1/guardrails/pii_strict")["active"] is True

    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Threshold (0..1)").fill("0.55")
    page.get_by_label("Action").select_option("warn")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#banner")).to_have_text("pii_strict saved.")
    stored = console_admin.call("GET", "/v1/guardrails/pii_strict")
    assert (stored["threshold"], stored["action"], stored["active"]) == (0.55, "warn", True)

    page.get_by_label("Text", exact=True).fill(f"write to {EMAIL} today")
    page.get_by_role("button", name="Scan").click()
    results = page.get_by_test_id("scan-results")
    expect(results).to_contain_text("fired")
    expect(results).to_contain_text("EMAIL [9–")
    expect(results.locator("pre")).to_have_text("write to <EMAIL> today")
    screenshot(page, "guardrails")
    assert_clean(watched)


def test_a_viewer_sees_no_write_controls_and_a_forced_write_shows_the_403(console_admin, watched):
    _template(console_admin, "viewer_probe", "See {{x}}")
    console_admin.call("POST", "/v1/guardrails", json={**PII, "name": "pii_viewer"})
    page = watched.page
    sign_in(page, console_admin, "viewer")
    expect(page.get_by_role("link", name="viewer_probe")).to_be_visible()
    expect(page.get_by_role("heading", name="New template")).to_have_count(0)
    visit(page, console_admin, "#/templates/viewer_probe")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    for control in ("Review move…", "Roll back production"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
    expect(page.get_by_role("link", name="Edit from here")).to_have_count(0)
    visit(page, console_admin, "#/templates/viewer_probe/versions/1")
    expect(page.get_by_test_id("version-text")).to_have_text("See {{x}}")
    expect(page.get_by_role("link", name="Edit into a new version")).to_have_count(0)
    visit(page, console_admin, "#/guardrails")
    expect(page.get_by_test_id("state-pii_viewer")).to_be_visible()
    for control in ("Deactivate", "Activate", "Edit"):
        expect(page.get_by_role("button", name=control, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Scan")).to_be_visible()
    visit(page, console_admin, "#/experiments")
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible()
    expect(page.get_by_role("heading", name="New experiment")).to_have_count(0)
    # The controls are hidden for clarity; the API is what refuses.
    visit(page, console_admin, "#/templates/viewer_probe/edit/1")
    page.get_by_label("Text", exact=True).fill("Changed {{x}}")
    page.get_by_label("Commit message").fill("not allowed")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_test_id("save-status")).to_contain_text(
        "Forbidden: this needs role 'editor' or higher"
    )
    assert console_admin.call("GET", "/v1/templates/viewer_probe")["latest_version"] == 1
    assert_clean(watched)


XSS_TEXT = (
    "</textarea><script>window.__xss='text'</script>"
    "<img src=x onerror=\"window.__xss='img'\"> {{name}}"
)
XSS_DESCRIPTION = "<img src=x onerror=\"window.__xss='description'\">"
XSS_COMMIT = "<script>window.__xss='commit'</script>"


def test_xss_payloads_in_texts_descriptions_and_messages_stay_text(console_admin, watched):
    _template(
        console_admin,
        "xss_probe",
        XSS_TEXT,
        description=XSS_DESCRIPTION,
        commit_message=XSS_COMMIT,
    )
    console_admin.call(
        "PUT",
        "/v1/templates/xss_probe",
        json={"template": XSS_TEXT + "</pre>", "commit_message": XSS_COMMIT + "</td>"},
    )
    console_admin.call(
        "POST", "/v1/guardrails", json={**PII, "name": "pii_xss", "description": XSS_DESCRIPTION}
    )
    page = watched.page
    sign_in(page, console_admin, "admin")
    expect(page.get_by_role("cell", name=XSS_DESCRIPTION)).to_be_visible()
    pages = {
        "#/templates/xss_probe": XSS_COMMIT,
        "#/templates/xss_probe/versions/1": XSS_TEXT,
        "#/templates/xss_probe/diff/1/2": XSS_TEXT + "</pre>",
        "#/audit": "xss_probe",
        "#/guardrails": "pii_xss",
    }
    for hash_, visible in pages.items():
        visit(page, console_admin, hash_)
        expect(page.locator("#view")).to_contain_text(visible)
        assert page.locator("#view img").count() == 0, hash_
        assert page.locator("#view script").count() == 0, hash_
    visit(page, console_admin, "#/templates/xss_probe/edit/2")
    expect(page.get_by_label("Text", exact=True)).to_have_value(XSS_TEXT + "</pre>")
    page.get_by_label("Sample value of name").fill(XSS_DESCRIPTION)
    page.get_by_role("button", name="Preview render").click()
    expect(page.get_by_test_id("preview-text")).to_contain_text(
        "<script>window.__xss='text'</script>"
    )
    assert page.locator("#view img").count() == 0
    assert page.evaluate("window.__xss") is None
    assert_clean(watched)


def test_firestore_down_shows_api_degraded_instead_of_spinning(
    firestore_emulator, api_keys, tmp_path, watched
):
    function = serve_admin(
        f"127.0.0.1:{free_port()}",  # nothing listens there
        api_keys["_file"],
        tmp_path,
        ADMIN_DEADLINE_SECONDS="1",
        FIRESTORE_DEADLINE_SECONDS="1",
        FIRESTORE_COLD_DEADLINE_SECONDS="1",
    )
    try:
        page = watched.page
        sign_in(page, Admin(function.url, api_keys), "viewer")  # /v1/me needs no Firestore
        banner = page.locator("#banner")
        expect(banner).to_contain_text("API degraded:", timeout=20_000)
        expect(page.locator("#view")).to_contain_text("This page could not be loaded.")
        expect(page.locator("#view .loading")).to_have_count(0)
        assert re.search(r"Retry in a moment\.$", banner.inner_text())
    finally:
        stop_process_group(function.process)
    assert_clean(watched)


UNLABELLED = """() => [...document.querySelectorAll(
  "#view input, #view select, #view textarea, #view button")].filter((el) => {
    const labels = el.labels ? [...el.labels].map((l) => l.textContent).join("") : "";
    const text = el.tagName === "BUTTON" ? el.textContent : "";
    const name = labels || el.getAttribute("aria-label") || text;
    return !name.trim();
  }).map((el) => el.outerHTML.slice(0, 120))"""


def test_keyboard_sign_in_labelled_controls_and_tablet_width(console_admin, browser):
    _template(console_admin, "kbd_probe", "Keys {{k}}")
    console_admin.call("PUT", "/v1/templates/kbd_probe", json={"template": "Keys {{k}}!"})
    context = browser.new_context(viewport={"width": 820, "height": 1180})  # a tablet
    page = context.new_page()
    try:
        page.goto(f"{console_admin.url}/console/")
        expect(page.get_by_label("API key")).to_be_focused()  # the sign-in page starts there
        page.keyboard.type(console_admin.keys["admin"])
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Sign in")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#who")).to_contain_text("· admin")
        for hash_ in (
            "#/templates",
            "#/templates/kbd_probe",
            "#/templates/kbd_probe/versions/1",
            "#/templates/kbd_probe/edit/2",
            "#/templates/kbd_probe/diff/1/2",
            "#/guardrails",
            "#/experiments",
            "#/analytics",
            "#/audit",
        ):
            page.goto(f"{console_admin.url}/console/{hash_}")
            expect(page.locator("#view h1")).to_be_visible()
            expect(page.locator("#view .loading")).to_have_count(0)
            assert page.evaluate(UNLABELLED) == [], hash_
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (hash_, overflow)
        # The label move is reachable and cancellable from the keyboard.
        page.goto(f"{console_admin.url}/console/#/templates/kbd_probe")
        page.get_by_role("button", name="Review move…").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("confirm-move")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("confirm-move")).to_have_count(0)
    finally:
        context.close()


def test_a_chat_template_is_edited_message_by_message(console_admin, watched):
    messages = [
        {"role": "system", "content": "You answer as {{persona}}."},
        {"role": "user", "content": "Question: {{question}}"},
    ]
    console_admin.call("POST", "/v1/templates", json={"name": "chat_probe", "messages": messages})
    page = watched.page
    sign_in(page, console_admin, "editor")
    visit(page, console_admin, "#/templates/chat_probe/edit/1")
    expect(page.get_by_label("role of message 1")).to_have_value("system")
    page.get_by_label("message 2", exact=True).fill("Q: {{question}} (in {{lang}})")
    expect(page.get_by_test_id("editor-variables")).to_have_text("Variables: personaquestionlang")
    page.get_by_label("Sample value of persona").fill("a librarian")
    page.get_by_label("Sample value of question").fill("where?")
    page.get_by_label("Sample value of lang").fill("French")
    page.get_by_role("button", name="Preview render").click()
    preview = page.get_by_test_id("preview")
    expect(preview.locator("pre")).to_have_text(
        ["You answer as a librarian.", "Q: where? (in French)"]
    )
    page.get_by_label("Commit message").fill("answer in a language")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_test_id("version-messages").locator("pre")).to_have_text(
        ["You answer as {{persona}}.", "Q: {{question}} (in {{lang}})"]
    )
    stored = console_admin.call("GET", "/v1/templates/chat_probe/versions/2")
    assert stored["messages"][1] == {"role": "user", "content": "Q: {{question}} (in {{lang}})"}
    assert stored["template"] is None
    assert_clean(watched)
