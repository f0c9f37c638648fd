"""Progress means passed (issue 15): a failed quiz gets no tick and moves no progress, its attempt is
shown against the pass mark and the course says "In progress" at 0 %; passing ticks it; with every step
done, the certificate card makes the exam the next step, the course page and dashboard say "Exam
remaining" (not "Completed"), and the exam page says where its questions come from."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.catalog import services as catalog
from lms.catalog.models import Item
from lms.extensions import db
from lms.learning import services as learning
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, met_profile_step

COURSE = "llm-api-fundamentals"
QUIZ = "first-request"
EMAIL = "passed@example.com"


def quiz_answers(slug: str, right: bool) -> dict[str, list[int]]:
    """Options to tick per question: the right ones, or a single wrong one (call inside the app context)."""
    quiz = db.session.scalar(select(Item).where(Item.slug == slug))
    return {
        q["id"]: q["correct"] if right else [next(i for i in range(len(q["options"])) if i not in q["correct"])]
        for q in quiz.data["questions"]
    }


def answer(page, answers: dict[str, list[int]]) -> None:
    """Tick exactly these options (the form comes back with the last attempt's choices)."""
    for qid, options in answers.items():
        for box in page.locator(f"input[type=checkbox][name='q-{qid}']").all():
            box.uncheck()
        for index in options:
            page.locator(f"input[name='q-{qid}'][value='{index}']").check()


def finish_everything_else(live_app) -> None:
    """The other steps done on the server, as the learner and the grader would (not this journey's point)."""
    with live_app.app_context():
        user = accounts.find_user(EMAIL)
        for _module, items in catalog.syllabus(catalog.get_course(COURSE)):
            for item in items:
                if item.kind == "lesson":
                    learning.complete_lesson(user.id, item)
                elif item.kind == "quiz" and item.slug != QUIZ:
                    learning.submit_quiz(user.id, item, quiz_answers(item.slug, right=True))
                elif item.kind == "assignment":
                    learning.record_event(
                        user.id,
                        item.course_id,
                        "assignment_graded",
                        item_id=item.id,
                        score=10,
                        max_score=10,
                        data={"submission_id": 10_000 + item.id},
                    )
        db.session.commit()


def progress_value(page) -> int:
    return int(page.locator(".course-side progress").get_attribute("value"))


def test_failed_quiz_is_not_done_passed_one_is_and_the_exam_comes_next(page, base_url, live_app):
    with live_app.app_context():
        met_profile_step(accounts.create_user(EMAIL, PASSWORD, "Pat Passmark"))
        db.session.commit()
        wrong, right = quiz_answers(QUIZ, right=False), quiz_answers(QUIZ, right=True)
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base_url}/courses/{COURSE}")
    page.get_by_role("button", name="Enroll for free").click()
    assert progress_value(page) == 0

    # Fail the quiz: the result says which attempt counts, against the pass mark
    quiz_row = page.locator("li.item-quiz", has_text="First request check")
    quiz_row.get_by_role("link").click()
    answer(page, wrong)
    page.get_by_role("button", name="Submit answers").click()
    result = page.locator("#results")
    expect(result).to_contain_text("Your best attempt counts: 0% · pass mark 70% · 1 attempt")
    expect(result).to_contain_text("Not passed yet")
    expect(page.locator(".outline li.done", has_text="First request check")).to_have_count(0)
    shot(page, "passed-01-quiz-failed")

    # The course page: no tick, the attempt against the pass mark, progress unchanged
    page.goto(f"{base_url}/courses/{COURSE}")
    expect(quiz_row).to_contain_text("0% · pass mark 70% · 1 attempt")
    expect(quiz_row.locator(".check-mark")).to_have_count(0)
    expect(quiz_row).not_to_have_class(re.compile(r"\bdone\b"))
    assert progress_value(page) == 0
    status = page.locator(".course-side > .card > p.muted.small").first
    expect(status).to_have_text("In progress · 0%")  # started, though nothing is passed yet
    card = page.locator("#certificate-card")
    expect(card).to_contain_text("First request check")
    expect(card.locator("#take-exam")).to_have_count(0)
    shot(page, "passed-02-course-after-fail")

    # Pass it: ticked, progress moves
    quiz_row.get_by_role("link").click()
    answer(page, right)
    page.get_by_role("button", name="Submit again").click()
    expect(page.locator("#results")).to_contain_text("100% · pass mark 70% · 2 attempts")
    expect(page.locator("#results")).to_contain_text("Passed: this step is done.")
    page.goto(f"{base_url}/courses/{COURSE}")
    expect(quiz_row.locator(".check-mark")).to_have_text("✓")
    assert progress_value(page) > 0
    expect(card).not_to_contain_text("First request check")

    # Everything else done: the exam is the next step, not "completed"
    finish_everything_else(live_app)
    page.reload()
    assert progress_value(page) == 100
    expect(card).to_contain_text("the exam is all that remains for your certificate")
    expect(page.get_by_text("You have completed this course.")).to_have_count(0)
    expect(status).to_have_text("Exam remaining · 100%")
    shot(page, "passed-03-exam-next")
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "passed-03-exam-next-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    card.get_by_role("link", name="Take the certification exam").click()
    expect(page.get_by_text("8, drawn at random from a bank of 14 for each attempt")).to_be_visible()
    expect(page.locator(".exam-intro .prose")).not_to_contain_text("below")
    shot(page, "passed-04-exam-intro")

    # The dashboard says the same, and its link leads to the exam
    page.goto(f"{base_url}/dashboard")
    row = page.locator("article.dash-row", has_text="LLM API fundamentals")
    expect(row).to_contain_text("Exam remaining")
    expect(row).not_to_contain_text("Completed")
    shot(page, "passed-05-dashboard-exam-remaining")
    row.get_by_role("link", name="Take the certification exam").click()
    expect(page).to_have_url(f"{base_url}/courses/{COURSE}/exam")
