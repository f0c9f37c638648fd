"""`flask reports recompute`: stored progress follows "done means passed"; issued certificates stay."""

from __future__ import annotations

from sqlalchemy import select

from lms.certification import services as certification
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning import services as learning
from lms.recommend.freshness import current_epoch
from lms.reports.models import ReportProgress
from tests.conftest import FIXTURES
from tests.factories import item, load_fixture_courses, make_user

TWO_THIRDS = {"print": [1], "types": [0, 1]}  # 67 %, below the course's 70 %


def test_recompute_undoes_failed_attempts_counted_as_done_and_keeps_certificates(app, runner):
    basics = load_fixture_courses(FIXTURES / "courses")["python-basics"]
    learner = make_user()
    learning.enroll(learner.id, basics)
    for slug in ("01-hello", "02-more"):
        learning.complete_lesson(learner.id, item(slug))
    learning.submit_quiz(learner.id, item("basics"), TWO_THIRDS)
    row = db.session.get(ReportProgress, (learner.id, basics.id))
    assert row.done == 2  # the receiver already applies the rule: the failed quiz is not a step done
    row.done = 3  # what the read model held before the rule: the failed quiz ticked
    cert = certification.award(learner, "course", f"course:{basics.slug}", basics.title, course_id=basics.id)
    db.session.commit()
    epoch = current_epoch()

    result = runner.invoke(args=["reports", "recompute"])
    assert result.exit_code == 0, result.output
    assert (
        "Recomputed 1 progress rows" in result.output and "certificates already issued are unchanged" in result.output
    )
    db.session.expire_all()
    assert db.session.get(ReportProgress, (learner.id, basics.id)).done == 2
    assert current_epoch() != epoch  # every dashboard is built again
    kept = db.session.scalars(select(Certificate).where(Certificate.user_id == learner.id)).all()
    assert [(c.id, c.revoked_at) for c in kept] == [(cert.id, None)]
