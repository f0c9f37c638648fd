"""Accessibility and small screens, checked in Chromium: axe-core over the main pages of each role
(no serious or critical violation), no page scrolls sideways at 375 px, and one keyboard journey
(skip link, focus ring contrast, the menu button, the collapsible outline, form errors tied to
their fields, the exam's time warnings, the editor under the strict CSP)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.assignments import services as assignments
from lms.catalog import services as catalog
from lms.certification import exams
from lms.config import ROOT
from lms.extensions import db
from lms.learning.services import enroll
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user
from tests.lms.assignments.helpers import solve

AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
COURSE = "/courses/llm-api-fundamentals"
NARROW = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 860}


@pytest.fixture(scope="module")
def people(live_app):
    """One account per role; the learner enrolled, with a notebook submitted for the instructor."""
    with live_app.app_context():
        learner = make_user(email="lin@example.com", name="Lin Learner")
        make_user("instructor", email="instructor@academy.test", name="Ines Instructor")
        make_user("manager", email="mona@example.com", name="Mona Manager")
        make_user("admin", email="ada@example.com", name="Ada Admin")
        item = catalog.get_item(catalog.get_course("llm-api-fundamentals"), "token-counter")
        enroll(learner.id, item.course)
        release = assignments.engine_release(assignments.current_release(item.id)).notebook_bytes
        answer = solve(release, "pairs_and_merge", "def get_pair_counts(tokens):\n    return {}\n")
        submission, _ = assignments.submit(learner, item, answer, max_bytes=1 << 20)
        attempt = exams.start(learner.id, item.course)
        db.session.commit()
        return {"submission": submission.id, "attempt": attempt.id}


def _log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


def _axe(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it stands (WCAG 2.x A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # through DevTools: the page's CSP (script-src 'self') stays as it is
    return page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: TAGS}})"
        ".then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary).join(' | ')))".replace(
            "TAGS", "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']"
        )
    )


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# The focused element's outline colour and the colours around it: the first ancestor with a
# background (every stop of a gradient banner, or its flat colour).
RING = """el => {
  const style = getComputedStyle(el);
  const rgb = text => (text.match(/rgba?\\([^)]*\\)/g) || []).map(c => c.match(/[\\d.]+/g).map(Number))
    .filter(c => c.length < 4 || c[3] > 0);
  let behind = [], node = el.parentElement;
  while (node && !behind.length) {
    const s = getComputedStyle(node);
    behind = rgb(s.backgroundImage).concat(rgb(s.backgroundColor));
    node = node.parentElement;
  }
  return {visible: el.matches(':focus-visible') || el.matches(':focus'), style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), ring: rgb(style.outlineColor)[0],
          behind: behind.length ? behind : [[255, 255, 255]]};
}"""


def _ring_contrast(locator) -> float:
    """The lowest contrast between the focus outline of `locator` (focused) and what lies behind it."""
    if not locator.evaluate("el => el === document.activeElement"):
        locator.page.keyboard.press("Shift")  # a keyboard user's focus (after a click, a div's is not :focus-visible)
        locator.focus()
    ring = locator.evaluate(RING)
    assert ring["visible"] and ring["style"] != "none" and ring["width"] >= 2, ring
    return min(_contrast(ring["ring"], colour) for colour in ring["behind"])


def _pages(people) -> dict[str, list[tuple[str, str]]]:
    return {
        "lin@example.com": [
            ("learner-dashboard", "/dashboard"),
            ("learner-catalog", "/"),
            ("learner-course", COURSE),
            ("learner-lesson", COURSE + "/02-tokens-and-bpe"),
            ("learner-quiz", COURSE + "/first-request"),
            ("learner-assignment", COURSE + "/token-counter"),
            ("learner-workspace", COURSE + "/token-counter/workspace"),
            ("learner-certificates", "/certificates"),
            ("learner-exam", f"/exam/attempts/{people['attempt']}"),
            ("learner-skills", "/skills"),
            ("learner-workshops", "/workshops/"),
            ("learner-profile", "/profile"),
        ],
        "instructor@academy.test": [
            ("instructor-teaching", "/teach/"),
            ("instructor-gradebook", "/teach/assignments/llm-api-fundamentals/token-counter"),
            ("instructor-submission", f"/teach/assignments/submissions/{people['submission']}"),
        ],
        "mona@example.com": [("manager-reports", "/reports/")],
        "ada@example.com": [
            ("admin-users", "/admin/users"),
            ("admin-mail-deliveries", "/admin/mail/deliveries"),
            ("admin-mail-outbox", "/admin/mail/outbox"),
        ],
    }


def test_main_pages_of_every_role_pass_axe_and_fit_375px(browser, base_url, people):
    found: dict[str, list[str]] = {}
    for email, pages in _pages(people).items():
        context = browser.new_context(viewport=NARROW, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        _log_in(page, base_url, email)
        for name, path in pages:
            page.goto(base_url + path)
            violations = _axe(page)
            if violations:
                found[name] = violations
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wide > 1:
                found.setdefault(name, []).append(f"page scrolls sideways by {wide}px at 375 px")
            shot(page, f"a11y-375-{name}")
            page.set_viewport_size(WIDE)
            shot(page, f"a11y-1280-{name}")
            page.set_viewport_size(NARROW)
        context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def test_keyboard_and_small_screen_journey(browser, base_url, live_app, people):
    """Skip link, menu button, folded outline, focus ring contrast, form errors, exam warnings and
    the editor under the CSP, in one learner's session (and one signed-out tab for the form)."""
    context = browser.new_context(viewport=NARROW, locale="en-US")
    context.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    _log_in(page, base_url, "lin@example.com")

    # The skip link is the first stop of the keyboard and moves it to the content
    page.goto(base_url + "/dashboard")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    assert _ring_contrast(skip) >= 3
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Below 768 px the menu hides behind a button that says whether it is open
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(nav.get_by_role("link", name="Certificates")).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Certificates")).to_be_visible()
    controlled = menu.get_attribute("aria-controls")
    assert page.evaluate(f"document.getElementById({controlled!r}).contains(document.querySelector('nav'))")
    shot(page, "a11y-menu-open-375")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav.get_by_role("link", name="Certificates")).to_be_hidden()

    # A lesson: the outline is folded above it (the lesson starts in the first screen), its table
    # scrolls inside a named, focusable region, not the page
    page.goto(base_url + COURSE + "/02-tokens-and-bpe")
    outline = page.locator("details.outline")
    expect(outline.get_by_role("link", name="Context windows and cost")).to_be_hidden()
    assert page.get_by_role("heading", level=1).bounding_box()["y"] < 250
    outline.get_by_text("Course outline").click()
    expect(outline.get_by_role("link", name="Context windows and cost")).to_be_visible()
    table = page.get_by_role("region", name="Why not characters or words?")
    assert table.get_attribute("tabindex") == "0"
    assert table.evaluate("r => r.scrollWidth > r.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _ring_contrast(table) >= 3
    page.set_viewport_size(WIDE)
    expect(outline.get_by_role("link", name="Context windows and cost")).to_be_visible()
    expect(outline.get_by_text("Course outline")).to_be_hidden()
    outline.get_by_text("Course outline").evaluate("s => s.parentElement.open = false")
    expect(outline.get_by_role("link", name="Context windows and cost")).to_be_visible()

    # The focus ring: at least 3:1 on white and on the purple banner
    page.goto(base_url + "/")
    assert _ring_contrast(page.locator(".course-card h2 a").first) >= 3
    assert _ring_contrast(page.locator(".hero").get_by_role("searchbox")) >= 3
    assert _ring_contrast(page.locator(".hero").get_by_role("button", name="Search")) >= 3

    # The exam: warnings at 5 and 1 minutes left, in an assertive live region (the page's clock
    # is run forward; the deadline is the server's)
    page.clock.install()
    page.goto(base_url + f"/exam/attempts/{people['attempt']}")
    warning = page.locator("#exam-warning")
    expect(warning).to_have_attribute("aria-live", "assertive")
    expect(warning).to_have_text("")
    left = "(Date.parse(document.getElementById('exam-timer').dataset.deadline) - Date.now()) / 1000"

    def run_until(seconds_left: int) -> None:
        page.clock.fast_forward(int((page.evaluate(left) - seconds_left) * 1000))

    run_until(305)
    expect(page.locator("#exam-timer .timer")).to_have_text(re.compile(r"^5:0[45]$"))
    expect(warning).to_have_text("")
    run_until(299)
    expect(warning).to_have_text(re.compile(r"^5 minutes left"))
    run_until(62)
    expect(warning).to_have_text(re.compile(r"^5 minutes left"))
    run_until(59)
    expect(warning).to_have_text(re.compile(r"^1 minute left"))
    shot(page, "a11y-exam-warning")

    # The notebook editor: replacing its text breaks no CSP rule; the style nonce it is given is the
    # one this response's CSP allows (a <style> carrying it, as CodeMirror's fallback does, applies)
    response = page.goto(base_url + COURSE + "/token-counter/workspace")
    nonce = page.evaluate("document.querySelector('meta[property=\"csp-nonce\"]').nonce")
    assert nonce and f"'nonce-{nonce}'" in response.headers["content-security-policy"]
    page.evaluate(
        "n => { const s = document.createElement('style'); s.nonce = n; s.textContent = '#main { --probe: 1 }';"
        " document.head.append(s); }",
        nonce,
    )
    assert page.evaluate("getComputedStyle(document.getElementById('main')).getPropertyValue('--probe')") == "1"
    editor = page.locator('li[data-key="pairs_and_merge"] .cm-content')
    for text in ("def get_pair_counts(tokens):\n    return {}\n", "x = 1\n" * 30):
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(text)
    expect(page.locator(".ws-save")).to_have_text("All changes saved")
    assert page.evaluate("window.__violations") == []
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()

    # Without JavaScript the menu button stays hidden and the navigation is simply shown
    context = browser.new_context(viewport=NARROW, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "a11y-no-js-375")
    context.close()

    # Form errors: tied to their fields, summed up in an alert that takes the focus
    context = browser.new_context(viewport=NARROW, locale="en-US")
    page = context.new_page()
    page.goto(base_url + "/register")
    page.get_by_label("E-mail").fill("not an address")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    email = page.get_by_label("E-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby")
    message = page.locator(f"#{described}")
    expect(message).not_to_have_text("")
    expect(summary).to_contain_text(message.inner_text())
    summary.get_by_role("link", name=re.compile("E-mail")).click()
    expect(email).to_be_focused()
    assert _axe(page) == []
    shot(page, "a11y-form-errors-375")
    context.close()
