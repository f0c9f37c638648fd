"""A course's status label says what is true (issue 15): "In progress" from the first attempt even at
0 % passed, "Exam remaining" while every step is passed but the exam is not, "Completed" only when
nothing remains; the same label on the course page, the dashboard and assigned paths."""

from __future__ import annotations

import re

from lms.certification import exams, rules, services
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.services import CourseStatus
from lms.recommend import paths
from lms.teaching import services as teaching
from tests.factories import login, make_user
from tests.lms.certification.conftest import graded, item, right_answers


def _status(learner, course) -> tuple[CourseStatus, int]:
    p = learning.progress_for(learner.id, [course.id])[course.id]
    return p.status, p.percent


def _side(page: str) -> str:
    """The course page's status line above its progress bar."""
    return re.search(r'<aside class="course-side">.*?<p class="muted small">(.*?)</p>', page, re.S).group(1).strip()


def _taught_completed(course) -> int:
    """Completed learners as the teaching page counts them (the exam too where the certificate needs it)."""
    return teaching.course_stats([course], rules.exam_cleared_by([course.id]))[0].completed


def test_status_through_every_state_in_the_services(catalog):
    course = catalog["cert-basics"]  # a lesson, an assignment (pass mark 70 %) and an exam
    learner = make_user()
    learning.enroll(learner.id, course)
    assert _status(learner, course) == (CourseStatus.NOT_STARTED, 0)

    graded(learner, course, 1, 3.1)  # 62 %: below the pass mark, no step passed, but started
    assert _status(learner, course) == (CourseStatus.IN_PROGRESS, 0)

    learning.complete_lesson(learner.id, item(course, "01-hello"))
    graded(learner, course, 2, 4)  # 80 %: every step passed
    assert _status(learner, course) == (CourseStatus.EXAM_REMAINING, 100)
    assert rules.exams_remaining(learner.id, [course.id]) == {course.id}
    assert learning.completed_course_ids(learner.id, [course.id]) == {course.id}  # prerequisites ask steps only
    assert learning.dashboard(learner.id)[0].progress.status == CourseStatus.EXAM_REMAINING
    assert _taught_completed(course) == 0  # the instructor's count agrees

    attempt = exams.start(learner.id, course)
    exams.submit(attempt, right_answers(attempt))
    assert _status(learner, course) == (CourseStatus.COMPLETED, 100)
    assert rules.exams_remaining(learner.id, [course.id]) == set()
    assert _taught_completed(course) == 1


def test_a_held_certificate_or_a_course_without_certificate_needs_no_exam(catalog):
    course = catalog["cert-basics"]
    learner, admin = make_user(), make_user("admin")
    learning.enroll(learner.id, course)
    learning.complete_lesson(learner.id, item(course, "01-hello"))
    graded(learner, course, 1, 5)
    assert _status(learner, course)[0] == CourseStatus.EXAM_REMAINING
    services.award_by_hand(admin, learner, course=course, track=None, reason="Passed the exam on paper")
    assert _status(learner, course)[0] == CourseStatus.COMPLETED
    assert _taught_completed(course) == 1

    other = make_user()
    learning.enroll(other.id, course)
    learning.complete_lesson(other.id, item(course, "01-hello"))
    graded(other, course, 2, 5)
    stored = rules.certification_of(course)
    stored.rules = {**stored.rules, "enabled": False}  # no certificate: the exam is not asked for
    db.session.flush()
    assert _status(other, course)[0] == CourseStatus.COMPLETED


def _teaching_row(client, slug: str) -> tuple[str, str]:
    """Enrolled and completed on the teaching page, read by an admin (who sees every course)."""
    staff = client.application.test_client()
    login(staff, make_user("admin").email)
    page = staff.get("/teach/").get_data(as_text=True)
    row = page.split(f'href="/courses/{slug}"', 1)[1].split("</tr>", 1)[0]
    enrolled, completed = re.findall(r'<td class="num">(\d+)</td>', row)[:2]
    return enrolled, completed


def test_course_page_dashboard_and_path_show_the_label(catalog, client):
    course = catalog["cert-basics"]
    learner, instructor = make_user(), make_user("instructor")
    path = paths.create_path(instructor, "Certify", "", [(course, None)])
    paths.assign(instructor, path, learner=learner)
    learning.enroll(learner.id, course)
    db.session.commit()
    login(client, learner.email)
    assert _side(client.get("/courses/cert-basics").get_data(as_text=True)) == "Not started · 0%"

    graded(learner, course, 1, 3.1)
    db.session.commit()
    assert _side(client.get("/courses/cert-basics").get_data(as_text=True)) == "In progress · 0%"
    assert "In progress · 0 of 2 steps" in client.get("/dashboard").get_data(as_text=True)

    learning.complete_lesson(learner.id, item(course, "01-hello"))
    graded(learner, course, 2, 4)
    db.session.commit()
    page = client.get("/courses/cert-basics").get_data(as_text=True)
    assert _side(page) == "Exam remaining · 100%" and "Completed" not in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Exam remaining · 2 of 2 steps" in dashboard and "Completed" not in dashboard
    assert dashboard.count('href="/courses/cert-basics/exam"') == 2  # the course row and the path step
    assert re.search(r'<a class="pill pill-wait" href="/courses/cert-basics/exam">Exam remaining</a>', dashboard)
    assert _teaching_row(client, "cert-basics") == ("1", "0")  # enrolled, completed: the exam remains

    attempt = exams.start(learner.id, course)
    exams.submit(attempt, right_answers(attempt))
    db.session.commit()
    assert _side(client.get("/courses/cert-basics").get_data(as_text=True)) == "Completed · 100%"
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Completed · 2 of 2 steps" in dashboard and '<span class="pill pill-ok">Completed</span>' in dashboard
    assert "Exam remaining" not in dashboard and "/courses/cert-basics/exam" not in dashboard
    assert _teaching_row(client, "cert-basics") == ("1", "1")
