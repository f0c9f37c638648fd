"""The course page's certificate card: what remains (steps below the pass mark, the exam), the exam as
the primary call to action once the rest is done, and no "completed" while the exam is still needed."""

from __future__ import annotations

import re

from lms.certification import exams, rules
from lms.extensions import db
from lms.learning import services as learning
from tests.factories import login, make_user
from tests.lms.certification.conftest import graded, item, right_answers


def _card(page: str) -> str:
    return re.search(r'<section class="cert-progress".*?</section>', page, re.S).group(0)


def test_card_names_what_remains_then_the_exam_as_next_step(catalog, client):
    course = catalog["cert-basics"]
    learner = make_user()
    login(client, learner.email)
    learning.enroll(learner.id, course)
    learning.complete_lesson(learner.id, item(course, "01-hello"))
    graded(learner, course, 1, 3.1)  # 62 %, the course's pass mark is 70 %
    db.session.commit()

    page = client.get("/courses/cert-basics").get_data(as_text=True)
    card = _card(page)
    assert "What remains for Certified basics:" in card
    assert "Add two numbers" in card and "62% · pass mark 70% · 1 attempt" in card
    assert "Certification exam" in card and "pass mark 60%" in card
    assert 'id="take-exam"' not in card
    assert "You have completed this course." not in page
    # The syllabus shows the attempt against the pass mark, and no tick for it.
    add_row = re.search(r'<li class="item item-assignment[^"]*">.*?</li>', page, re.S).group(0)
    assert "62% · pass mark 70% · 1 attempt" in add_row and "✓" not in add_row and " done" not in add_row
    assert "Continue" in page and "add" in page

    graded(learner, course, 2, 4)  # 80 %: every step done, the exam remains
    db.session.commit()
    page = client.get("/courses/cert-basics").get_data(as_text=True)
    card = _card(page)
    assert "the exam is all that remains for your certificate" in card
    assert 'id="take-exam" href="/courses/cert-basics/exam"' in card and "button primary" in card
    assert "You have completed this course." not in page and "Continue:" not in page

    attempt = exams.start(learner.id, course)
    exams.submit(attempt, right_answers(attempt))
    db.session.commit()
    page = client.get("/courses/cert-basics").get_data(as_text=True)
    assert "Awarded: Certified basics" in _card(page) and "You have completed this course." in page


def test_card_service_lists_steps_in_order_and_is_absent_without_a_certificate(catalog):
    course = catalog["cert-basics"]
    learner = make_user()
    learning.enroll(learner.id, course)
    card = rules.certificate_card(learner.id, course, None)
    assert [(s.kind, s.slug, s.pass_mark) for s in card.steps] == [
        ("lesson", "01-hello", None),
        ("assignment", "add", 70),
    ]
    assert (card.exam.kind, card.exam.pass_mark, card.exam_next, card.complete) == ("exam", 60, False, False)
    stored = rules.certification_of(course)
    stored.rules = {**stored.rules, "enabled": False}
    db.session.flush()
    assert rules.certificate_card(learner.id, course, None) is None


def test_exam_page_says_where_its_questions_come_from(catalog, client):
    learner = make_user()
    login(client, learner.email)
    learning.enroll(learner.id, catalog["cert-basics"])
    db.session.commit()
    page = client.get("/courses/cert-basics/exam").get_data(as_text=True)
    assert "3, drawn at random from a bank of 4 for each attempt" in page


def test_demo_exam_instructions_point_at_nothing_the_page_does_not_show():
    """The bank is never shown to learners: no exam's instructions may send them to it ("below")."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[3] / "courses"
    for bank in sorted(root.glob("*/exam.yml")):
        text = yaml.safe_load(bank.read_text())["instructions"]
        assert "below" not in text, bank
