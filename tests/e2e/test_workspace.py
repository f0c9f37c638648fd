"""A learner does a notebook assignment in the browser: writes a wrong answer, runs, sees the
visible test fail; fixes it (keyboard only), sees it pass; reloads and finds the draft; submits
and sees the score. Learner HTML/script executes nothing; CodeMirror works under the strict CSP."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.config import ROOT
from lms.extensions import db
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, enrolled_learner, make_user
from tests.grading.notebooks import solutions

SOURCE = ROOT / "courses" / "llm-api-fundamentals" / "assignments" / "token-counter.ipynb"
ASSIGNMENT = "/courses/llm-api-fundamentals/token-counter"
WRONG = "from collections import Counter\n\ndef get_pair_counts(tokens):\n    return Counter()\n"
# Records CSP violations (CodeMirror's runtime styles must not be blocked) and any script we did not write.
WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def _type_into(page, key: str, code: str) -> None:
    """Replace an answer cell's text the way a learner pasting would."""
    editor = page.locator(f'li[data-key="{key}"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def _cell(page, key: str):
    return page.locator(f'li[data-key="{key}"]')


def test_learner_writes_runs_fixes_reloads_and_submits_in_the_browser(browser, base_url, live_app, worker, tmp_path):
    with live_app.app_context():
        make_user(email="grace@example.com", name="Grace Hopper")
        db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base_url + "/courses/llm-api-fundamentals")
    page.get_by_role("button", name="Enroll for free").click()
    page.goto(base_url + ASSIGNMENT)
    page.get_by_role("link", name="Open in browser").click()

    # The page: Markdown rendered, answer cells in CodeMirror (styled: its CSS was not blocked)
    expect(page.get_by_role("heading", name=re.compile("Assignment: a tiny BPE"))).to_be_visible()
    expect(page.locator(".cm-editor")).to_have_count(3)
    assert page.locator(".cm-editor").first.evaluate("e => getComputedStyle(e).flexDirection") == "column"
    shot(page, "workspace-01-page")

    # A wrong answer: the visible test fails, with its assertion message
    _type_into(page, "pairs_and_merge", WRONG)
    _cell(page, "test_pairs_and_merge").get_by_role("button", name="Run this cell (and the cells above it)").click()
    expect(_cell(page, "test_pairs_and_merge")).to_have_class(re.compile(r"\bfail\b"))
    expect(_cell(page, "test_pairs_and_merge").locator(".ws-error")).to_contain_text("AssertionError")
    shot(page, "workspace-02-failing-test")

    # Fixed, and run with Shift+Enter from the editor (keyboard only)
    answers = solutions(SOURCE)
    _type_into(page, "pairs_and_merge", answers["pairs_and_merge"])
    page.keyboard.press("Shift+Enter")
    expect(_cell(page, "test_pairs_and_merge")).to_have_class(re.compile(r"\bpass\b"))
    expect(_cell(page, "test_pairs_and_merge").locator(".ws-status")).to_contain_text("passed")
    expect(page.locator(".ws-save")).to_have_text("All changes saved")

    # Reload: the draft is back
    page.reload()
    expect(_cell(page, "pairs_and_merge").locator(".cm-content")).to_contain_text("zip(tokens, tokens[1:])")

    # Learner output that looks like HTML or script stays text; nothing runs
    hostile = (
        answers["train"] + "\nprint('<script>window.__pwned = 1</script>')\n"
        "from IPython.display import HTML, display\n"
        "display(HTML('<img src=x onerror=\"window.__pwned = 2\"><script>window.__pwned = 3</script>'))\n"
    )
    _type_into(page, "train", hostile)
    _cell(page, "train").get_by_role("button", name="Run this answer and its tests").click()
    expect(_cell(page, "train").locator(".ws-out").first).to_have_text("<script>window.__pwned = 1</script>")
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".ws-output img, .ws-output script").count() == 0

    # Everything answered: run all, then submit and see the score arrive
    _type_into(page, "train", answers["train"])
    _type_into(page, "encode", answers["encode"])
    page.get_by_role("button", name="Run all").click()
    expect(page.locator("li.ws-test.pass")).to_have_count(3)
    shot(page, "workspace-03-all-pass")
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator(".ws-result-text")).to_have_text("Score: 8 / 8", timeout=60_000)
    expect(page.locator("#ws-result .test.pass")).to_have_count(3)
    shot(page, "workspace-04-graded")
    assert page.evaluate("window.__violations") == []

    # Typed just before leaving (no time for the debounce): saved on the way out
    _type_into(page, "encode", answers["encode"] + "\n# typed just before leaving\n")
    page.goto(base_url + ASSIGNMENT)
    page.get_by_role("link", name="Open in browser").click()
    expect(_cell(page, "encode").locator(".cm-content")).to_contain_text("typed just before leaving")

    # Download the draft as .ipynb, upload it back: confirmed, it replaces the draft
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .ipynb").click()
    saved = tmp_path / "draft.ipynb"
    download.value.save_as(saved)
    assert "typed just before leaving" in saved.read_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#ws-upload-file").set_input_files(str(saved))
    expect(page.locator(".ws-message.ok")).to_have_text("Your notebook replaced the draft.")

    # A second tab saves newer work; the stale first tab is told, and keeps its copy
    other = context.new_page()
    other.goto(page.url)
    _type_into(other, "encode", answers["encode"] + "\n# newer, from the second tab\n")
    expect(other.locator(".ws-save")).to_have_text("All changes saved")
    _type_into(page, "encode", answers["encode"] + "\n# older tab\n")
    expect(page.locator(".ws-banner")).to_contain_text("another tab or device")
    shot(page, "workspace-05-conflict")
    other.close()

    # A narrow screen: no sideways scrolling, the toolbar wraps
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "workspace-06-narrow")
    context.close()
    assert not [e for e in errors if "409" not in e], errors


def _log_in(page, email: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _kept_in_browser(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).map(k => localStorage.getItem(k))")


def test_signed_out_or_offline_the_learner_is_told_which_and_loses_nothing(browser, base_url, live_app):
    with live_app.app_context():
        enrolled_learner("llm-api-fundamentals", email="kim@example.com", name="Kim Kept")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base_url + "/login")
    _log_in(page, "kim@example.com")
    page.goto(base_url + ASSIGNMENT + "/workspace")
    _type_into(page, "encode", "# saved while signed in\n")
    expect(page.locator(".ws-save")).to_have_text("All changes saved")

    # Signed out in another tab: the page says so (not "could not be reached"), keeps the text in
    # this browser, and Submit says why nothing was sent, with a link to sign in and come back
    other = context.new_page()
    other.goto(base_url + "/")
    other.get_by_role("button", name="Log out").click()
    other.close()
    _type_into(page, "encode", "# typed after signing out\n")
    expect(page.locator(".ws-save")).to_have_text("Not saved: you are signed out. Your text is kept in this browser.")
    message = page.locator(".ws-message")
    expect(message).to_contain_text("You are signed out (your session ended)")
    assert any("typed after signing out" in kept for kept in _kept_in_browser(page))
    page.get_by_role("button", name="Submit for grading").click()
    expect(message).to_contain_text("Not submitted: You are signed out")
    assert "could not be reached" not in message.inner_text()
    shot(page, "workspace-07-signed-out")

    # Signing in from the link comes back here, and the text typed while signed out is saved
    message.get_by_role("link", name="Sign in and come back here").click()
    _log_in(page, "kim@example.com")
    expect(page).to_have_url(re.compile(r"/token-counter/workspace$"))
    expect(_cell(page, "encode").locator(".cm-content")).to_contain_text("typed after signing out")
    expect(page.locator(".ws-save")).to_have_text("All changes saved")
    page.reload()
    expect(_cell(page, "encode").locator(".cm-content")).to_contain_text("typed after signing out")  # the server's
    assert not any("typed after signing out" in kept for kept in _kept_in_browser(page))

    # The network fails: said as that, retried, and saved once the connection is back
    page.route("**/workspace/draft", lambda route: route.abort())
    _type_into(page, "encode", "# typed offline\n")
    expect(page.locator(".ws-save")).to_contain_text("the server cannot be reached")
    page.get_by_role("button", name="Submit for grading").click()
    expect(message).to_contain_text("Not submitted: The server could not be reached")
    page.unroute("**/workspace/draft")
    expect(page.locator(".ws-save")).to_have_text("All changes saved", timeout=20_000)  # the retry runs every 5 s

    # Refused by the server (a draft over its size limit): Submit shows the server's own words
    _type_into(page, "encode", "# " + "x" * (1 << 20) + "\n")
    page.get_by_role("button", name="Submit for grading").click()
    expect(message).to_contain_text("Not submitted: Your answers are")
    expect(message).to_contain_text("Nothing was saved: shorten them and try again.")
    context.close()
    assert not [e for e in errors if "Failed to load resource" not in e], errors
