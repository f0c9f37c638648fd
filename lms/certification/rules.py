"""Certificate rules: what a learner still needs for a course or track certificate, from the event log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.certification.models import Certificate, CourseCertification, ExamAttempt, Track
from lms.extensions import db
from lms.learning import counting
from lms.learning import services as learning

DEFAULT_RULES: dict[str, Any] = {
    "enabled": True,
    "title": None,
    "required_modules": None,
    "required_assignments": None,
    "assignment_pass_mark": None,
    "template": None,
}


@dataclass(frozen=True)
class Requirement:
    """One condition of a certificate, for the learner's checklist."""

    kind: str  # module, assignment, exam, course
    label: str
    met: bool
    detail: str = ""


def certification_of(course: Course) -> CourseCertification | None:
    """The stored rules and exam of a course (None if course.yml was never synced with them)."""
    return db.session.get(CourseCertification, course.id)


def rules_of(course: Course) -> dict[str, Any]:
    """The certificate rules of a course, defaults filled in."""
    stored = certification_of(course)
    return {**DEFAULT_RULES, **(stored.rules if stored else {})}


def exam_passed(user_id: int, course_id: int) -> bool:
    """Whether the learner has a passed attempt at the course exam."""
    stmt = select(ExamAttempt.id).where(
        ExamAttempt.user_id == user_id, ExamAttempt.course_id == course_id, ExamAttempt.passed.is_(True)
    )
    return db.session.scalar(stmt.limit(1)) is not None


def course_requirements(user_id: int, course: Course) -> list[Requirement]:
    """Every condition of the course certificate and whether it holds (modules, assignments, exam)."""
    rules = rules_of(course)
    stored = certification_of(course)
    syllabus = catalog.syllabus(course)
    done = learning.completed_item_ids(user_id, course.id)
    wanted_modules = rules["required_modules"]
    requirements = []
    for module, items in syllabus:
        if wanted_modules is None or module.slug in wanted_modules:
            finished = sum(item.id in done for item in items)
            detail = _l("%(done)s of %(total)s steps", done=finished, total=len(items))
            requirements.append(Requirement("module", module.title, finished == len(items), str(detail)))
    counted = counting.counting_attempts(user_id, course.id)  # the attempt that counts, under each item's keep:
    wanted_assignments = rules["required_assignments"]
    for item in (i for _m, items in syllabus for i in items if i.kind == "assignment"):
        if wanted_assignments is None or item.slug in wanted_assignments:
            # The certificate's own assignment_pass_mark, else the assignment's, else the course's.
            mark = rules["assignment_pass_mark"]
            mark = mark if mark is not None else counting.rule_of(item.data, course.pass_mark).pass_mark
            kept = counted.get(item.id)
            score = kept.percent if kept else None
            detail = _l("needs %(mark)s%%", mark=mark) if score is None else f"{score:.0f}% / {mark}%"
            met = kept is not None and kept.score * 100 >= mark * kept.max_score - 1e-9
            requirements.append(Requirement("assignment", item.title, met, str(detail)))
    if stored and stored.exam:
        detail = _l("pass mark %(mark)s%%", mark=stored.exam["pass_mark"])
        requirements.append(Requirement("exam", stored.exam["title"], exam_passed(user_id, course.id), str(detail)))
    return requirements


@dataclass(frozen=True)
class Remaining:
    """One thing still needed for a course certificate: a step of the course, or the exam."""

    kind: str  # lesson, quiz, assignment, exam
    title: str
    slug: str | None  # the item's slug (None: the exam)
    pass_mark: int | None  # None for a lesson
    counted: counting.Counted | None  # the attempt that counts so far, if any


@dataclass(frozen=True)
class CertificateCard:
    """The course page's certificate card: what remains, and whether the exam is the next step."""

    title: str
    held_public_id: str | None
    steps: list[Remaining]  # course steps still to do, in syllabus order
    exam: Remaining | None  # the exam while it is not passed (None: no exam, or passed)
    exam_passed: bool

    @property
    def complete(self) -> bool:
        """Nothing remains: the certificate is held, or every condition holds."""
        return self.held_public_id is not None or (not self.steps and self.exam is None)

    @property
    def exam_next(self) -> bool:
        """Every step is done and the exam is what remains: the page's primary call to action."""
        return self.held_public_id is None and not self.steps and self.exam is not None


def certificate_card(user_id: int, course: Course, held_public_id: str | None) -> CertificateCard | None:
    """What the learner still needs for the course certificate (None when the course awards none):
    the steps of the required modules not done yet, assignments below the certificate's own pass mark,
    then the exam."""
    rules = rules_of(course)
    if not rules["enabled"]:
        return None
    stored = certification_of(course)
    done = learning.completed_item_ids(user_id, course.id)
    counted = counting.counting_attempts(user_id, course.id)
    unmet_assignments = {r.label for r in course_requirements(user_id, course) if r.kind == "assignment" and not r.met}
    steps = []
    for module, items in catalog.syllabus(course):
        module_needed = rules["required_modules"] is None or module.slug in rules["required_modules"]
        for item in items:
            needed = (module_needed and item.id not in done) or (
                item.kind == "assignment" and item.title in unmet_assignments
            )
            if needed:
                mark = None if item.kind == "lesson" else counting.rule_of(item.data, course.pass_mark).pass_mark
                if item.kind == "assignment" and rules["assignment_pass_mark"] is not None:
                    mark = max(mark or 0, rules["assignment_pass_mark"])
                steps.append(Remaining(item.kind, item.title, item.slug, mark, counted.get(item.id)))
    exam = None
    passed = False
    if stored and stored.exam:
        passed = exam_passed(user_id, course.id)
        if not passed:
            mark = stored.exam["pass_mark"]
            exam = Remaining("exam", stored.exam["title"], None, mark, counting.counting_exam(user_id, course.id, mark))
    return CertificateCard(rules["title"] or course.title, held_public_id, steps, exam, passed)


def courses_needing_exam(course_ids: list[int] | None = None) -> dict[int, Course]:
    """Of these courses (all when None), those whose certificate needs the course exam: certificates
    enabled and an exam set (reports' read model stores per learner whether it is still to pass)."""
    stmt = select(CourseCertification)
    if course_ids is not None:
        stmt = stmt.where(CourseCertification.course_id.in_(course_ids))
    return {
        c.course_id: c.course for c in db.session.scalars(stmt) if c.exam and {**DEFAULT_RULES, **c.rules}["enabled"]
    }


def exams_remaining(user_id: int, course_ids: list[int]) -> set[int]:
    """Of these courses, those whose certification exam the learner still needs, as the certificate card
    counts it: the course awards a certificate, has an exam, no passed attempt, no certificate held.
    Learning's progress asks this (plugged in by create_app) so that no page says "Completed" before."""
    with_exam = courses_needing_exam(course_ids)
    if not with_exam:
        return set()
    passed = db.session.scalars(
        select(ExamAttempt.course_id).where(
            ExamAttempt.user_id == user_id, ExamAttempt.course_id.in_(with_exam), ExamAttempt.passed.is_(True)
        )
    )
    held = held_course_slugs(user_id)
    return set(with_exam) - set(passed) - {cid for cid, course in with_exam.items() if course.slug in held}


def exam_cleared_by(course_ids: list[int]) -> dict[int, set[int]]:
    """For those of these courses whose certificate needs the exam: the learners past it (a passed
    attempt or the course certificate held), so that counts of completed learners (the teaching page)
    agree with each learner's status, in two queries for any number of learners."""
    with_exam = courses_needing_exam(course_ids)
    cleared: dict[int, set[int]] = {course_id: set() for course_id in with_exam}
    passed = select(ExamAttempt.course_id, ExamAttempt.user_id).where(
        ExamAttempt.course_id.in_(with_exam), ExamAttempt.passed.is_(True)
    )
    for course_id, user_id in db.session.execute(passed):
        cleared[course_id].add(user_id)
    by_subject = {f"course:{course.slug}": course_id for course_id, course in with_exam.items()}
    held = select(Certificate.subject, Certificate.user_id).where(
        Certificate.kind == "course", Certificate.revoked_at.is_(None), Certificate.subject.in_(by_subject)
    )
    for subject, user_id in db.session.execute(held):
        cleared[by_subject[subject]].add(user_id)
    return cleared


def course_certificate_earned(user_id: int, course: Course) -> bool:
    """True when the course awards certificates and every one of its conditions holds."""
    return rules_of(course)["enabled"] and all(r.met for r in course_requirements(user_id, course))


def held_course_slugs(user_id: int) -> set[str]:
    """Slugs of the courses the learner holds a valid (unrevoked) certificate for."""
    stmt = select(Certificate.subject).where(
        Certificate.user_id == user_id, Certificate.kind == "course", Certificate.revoked_at.is_(None)
    )
    return {subject.split(":", 1)[1] for subject in db.session.scalars(stmt)}


def live_tracks() -> list[Track]:
    """Tracks whose file is still in courses/tracks, by title."""
    return list(db.session.scalars(select(Track).where(Track.archived_at.is_(None)).order_by(Track.title)))


def tracks_with_course(slug: str) -> list[Track]:
    """Live tracks that include a course."""
    return [t for t in live_tracks() if slug in t.course_slugs]


def track_requirements(user_id: int, track: Track) -> list[Requirement]:
    """One condition per course of the track: its course certificate is held."""
    held = held_course_slugs(user_id)
    courses = {c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(track.course_slugs)))}
    return [Requirement("course", courses[s].title if s in courses else s, s in held) for s in track.course_slugs]
