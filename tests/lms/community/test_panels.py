"""The "Questions and discussion" panel on the course, lesson, quiz and assignment pages (never on
exams): FAQ first, then the first threads by last activity with pinned first, their counters and
answer state, the links to all threads and to ask; invitations for visitors and non-members; read
only for leavers."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms.catalog import services as catalog
from lms.catalog.models import Item
from lms.community import services
from lms.community.models import FaqEntry
from lms.community.services import panels
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.learning.services import enroll, submit_quiz
from tests.factories import counted_queries, load_fixture_courses, login, make_user
from tests.lms.certification.conftest import COURSES as CERT_COURSES


def item_of(course, slug: str) -> Item:
    return db.session.scalar(select(Item).where(Item.course_id == course.id, Item.slug == slug))


def panel_html(page: str) -> str | None:
    found = re.search(r'<section class="cq-panel.*?</section>', page, re.S)
    return found.group(0) if found else None


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_lessons_panel_lists_faq_then_threads_pinned_first_with_counters_and_links(
    client, asker, answerer, basics, lesson
):
    now = utcnow()
    old = services.ask(asker, basics, title="Old but pinned", body="Body", item=lesson)
    answered = services.ask(asker, basics, title="Answered one", body="Body", item=lesson)
    services.reply(answerer, answered, "Try this")
    accepted = services.ask(asker, basics, title="Accepted one", body="Body", item=lesson)
    accepting = services.reply(answerer, accepted, "Here")
    accepted.accepted_post_id, accepted.accepted_at = accepting.id, now
    open_ = services.ask(asker, basics, title="<script>alert(1)</script> still open", body="Body", item=lesson)
    other = item_of(basics, "02-more")
    services.ask(asker, basics, title="About another lesson", body="Body", item=other)
    old.last_activity_at, old.pinned_at = now - timedelta(days=9), now
    answered.last_activity_at = now - timedelta(hours=3)
    accepted.last_activity_at = now - timedelta(hours=2)
    open_.last_activity_at = now - timedelta(hours=1)
    faq = FaqEntry(course_id=basics.id, item_slug=lesson.slug, question="Where is the FAQ?", answer="", answer_html="")
    db.session.add(faq)
    db.session.commit()
    login(client, asker.email)

    panel = panel_html(page_of(client, f"/courses/{basics.slug}/{lesson.slug}"))
    assert panel is not None and "Questions and discussion" in panel
    assert panel.index("Where is the FAQ?") < panel.index("Old but pinned")
    titles = re.findall(r'<a href="/courses/python-basics/community/\d+">([^<]*)</a>', panel)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; still open"
    assert titles == ["Old but pinned", escaped, "Accepted one", "Answered one"]
    assert "<script>alert(1)" not in panel and "About another lesson" not in panel
    rows = dict(zip(titles, re.findall(r'<li class="cq-thread">.*?</li>', panel, re.S), strict=True))
    assert "Pinned" in rows["Old but pinned"]
    assert "Accepted answer" in rows["Accepted one"] and "1 reply" in rows["Accepted one"]
    assert "Answered" in rows["Answered one"] and "Unanswered" in rows[escaped]
    assert f'href="/courses/python-basics/community/ask?item={lesson.slug}"' in panel
    assert f'href="/courses/python-basics/community?item={lesson.slug}"' in panel
    assert 'href="/courses/python-basics/community/search"' in panel


def test_the_course_page_panel_filters_by_module(client, asker, basics, lesson):
    services.ask(asker, basics, title="On a lesson of start", body="Body", item=lesson)
    services.ask(asker, basics, title="About practice", body="Body", module_slug="practice")
    services.ask(asker, basics, title="About the course", body="Body")
    db.session.commit()
    login(client, asker.email)

    panel = panel_html(page_of(client, "/courses/python-basics"))
    assert all(t in panel for t in ("On a lesson of start", "About practice", "About the course"))
    assert 'href="/courses/python-basics?module=practice#community"' in panel
    panel = panel_html(page_of(client, "/courses/python-basics?module=practice"))
    assert "About practice" in panel and "On a lesson of start" not in panel and "About the course" not in panel
    assert 'href="/courses/python-basics/community/ask?module=practice"' in panel
    assert 'href="/courses/python-basics/community?module=practice"' in panel
    panel = panel_html(page_of(client, "/courses/python-basics?module=no-such-module"))  # ignored, not an error
    assert "About the course" in panel


def test_the_assignment_page_has_the_panel_and_an_empty_one_invites_the_first_question(client, asker, basics):
    db.session.commit()
    login(client, asker.email)
    panel = panel_html(page_of(client, "/courses/python-basics/add"))
    assert panel is not None and "No questions here yet." in panel and "Ask the first question" in panel
    assert 'href="/courses/python-basics/community/ask?item=add"' in panel


def test_a_quiz_shows_the_panel_only_after_the_learner_submitted_it(client, asker, teacher, basics):
    quiz = item_of(basics, "basics")
    services.ask(asker, basics, title="What does question 2 mean?", body="Body", item=quiz)
    db.session.commit()
    login(client, asker.email)
    page = page_of(client, "/courses/python-basics/basics")
    assert panel_html(page) is None and "What does question 2 mean?" not in page
    submit_quiz(asker.id, quiz, {"print": [1], "types": [2]})  # wrong answers count as tried
    db.session.commit()
    assert "What does question 2 mean?" in panel_html(page_of(client, "/courses/python-basics/basics"))

    assert not panels.shows_on(quiz, quiz_submitted=False, staff=False)
    assert panels.shows_on(quiz, quiz_submitted=False, staff=True)  # staff answer quiz questions


def test_exam_pages_never_show_the_panel(client, asker):
    load_fixture_courses(CERT_COURSES)
    course = catalog.get_course("cert-basics")
    enroll(asker.id, course)
    services.ask(asker, course, title="Exam tips?", body="Body")
    db.session.commit()
    login(client, asker.email)
    assert "Exam tips?" in panel_html(page_of(client, "/courses/cert-basics"))
    exam = page_of(client, "/courses/cert-basics/exam")
    assert panel_html(exam) is None and "Exam tips?" not in exam and "cq-panel" not in exam


def test_visitors_and_non_members_see_an_invitation_never_threads(client, app, asker, basics, lesson):
    services.ask(asker, basics, title="A private question", body="Body", item=lesson)
    db.session.commit()
    panel = panel_html(page_of(client, "/courses/python-basics"))
    assert "Sign in to read them" in panel and "A private question" not in panel and "Ask a question" not in panel
    outsider = make_user()
    login(client, outsider.email)
    panel = panel_html(page_of(client, "/courses/python-basics"))
    assert "Enroll to read them" in panel and "A private question" not in panel and "Ask a question" not in panel


def test_a_leaver_reads_threads_without_an_ask_button_and_staff_see_hidden_ones(
    app, client, asker, answerer, teacher, basics, lesson
):
    services.ask(asker, basics, title="Visible question", body="Body", item=lesson)
    hidden = services.ask(asker, basics, title="Hidden question", body="Body", item=lesson)
    deleted = services.ask(asker, basics, title="Deleted question", body="Body", item=lesson)
    hidden.hidden_at = deleted.deleted_at = utcnow()
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == answerer.id))
    enrollment.left_at = utcnow()
    db.session.commit()

    login(client, answerer.email)
    panel = panel_html(page_of(client, f"/courses/python-basics/{lesson.slug}"))
    assert "Visible question" in panel and "Hidden question" not in panel and "Deleted question" not in panel
    assert "Ask a question" not in panel and "no longer post" in panel

    staff = app.test_client()
    login(staff, teacher.email)
    panel = panel_html(page_of(staff, "/courses/python-basics"))
    assert "Hidden question" in panel and "Hidden pending review" in panel and "Deleted question" not in panel
    assert "Ask a question" in panel


def test_the_panel_shows_five_threads_and_a_link_to_all_in_a_constant_number_of_queries(asker, basics, lesson):
    def measured() -> tuple[panels.Panel, int]:
        db.session.expire_all()
        _loaded = (asker.role, basics.id, lesson.slug)  # as the page has them
        with counted_queries() as seen:
            result = panels.panel(asker, basics, item=lesson)
        return result, len(seen)

    services.ask(asker, basics, title="Only one", body="Body", item=lesson)
    one, few = measured()
    for n in range(7):
        services.ask(asker, basics, title=f"Question {n}", body="Body", item=lesson)
    many, more = measured()
    assert (len(one.threads), one.more) == (1, False)
    assert (len(many.threads), many.more) == (panels.PANEL_THREADS, True)
    assert few == more <= 3  # the viewer's enrolment, the FAQ, the threads
