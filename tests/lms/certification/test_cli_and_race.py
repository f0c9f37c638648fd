"""`flask certificates award|revoke|verify|issue`, manual management pages, and racing awards."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from lms.certification import exams, issuing, services
from lms.certification.models import Certificate, CourseCertification
from lms.extensions import db
from lms.learning import services as learning
from tests.factories import login, make_user
from tests.lms.certification.conftest import complete_basics, item, right_answers


def test_award_revoke_verify_from_the_command_line(catalog, runner, app, tmp_path):
    learner = make_user(email="grace@example.com", name="Grace Hopper")
    out = runner.invoke(args=["certificates", "award", "--user", "grace@example.com", "--course", "cert-basics",
                              "--reason", "Passed the in-person exam"])  # fmt: skip
    assert out.exit_code == 0, out.output
    cert = services.find_by_subject(learner.id, "course:cert-basics")
    assert cert.actions[0].reason == "Passed the in-person exam"
    again = runner.invoke(args=["certificates", "award", "--user", "grace@example.com", "--course", "cert-basics",
                                "--reason", "twice"])  # fmt: skip
    assert again.exit_code == 1 and "already holds" in again.output
    assert runner.invoke(args=["certificates", "award", "--user", "grace@example.com", "--course", "cert-basics",
                               "--reason", ""]).exit_code == 1  # fmt: skip
    pdf = issuing.stored_pdf(cert, issuing.config_from_app())
    db.session.commit()
    out = runner.invoke(args=["certificates", "verify", str(pdf)])
    assert out.exit_code == 0 and out.output.startswith("VALID") and "Grace Hopper" in out.output
    key = tmp_path / "key.pem"
    key.write_bytes(issuing.issuer_keys(issuing.config_from_app()).public_key_pem())
    assert runner.invoke(args=["certificates", "verify", str(pdf), "--issuer-key", str(key)]).exit_code == 0
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(pdf.read_bytes()[:-300])
    out = runner.invoke(args=["certificates", "verify", str(broken)])
    assert out.exit_code == 1 and out.output.startswith("INVALID")
    assert runner.invoke(args=["certificates", "verify", str(tmp_path / "missing.pdf")]).exit_code == 2
    out = runner.invoke(args=["certificates", "revoke", cert.public_id, "--reason", "Identity fraud"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["certificates", "verify", str(pdf)])
    assert out.exit_code == 1 and "REVOKED" in out.output and "Identity fraud" in out.output
    assert runner.invoke(args=["certificates", "revoke", "ZZZZZZZZZZ", "--reason", "x"]).exit_code == 1


def test_bulk_issue_awards_and_renders(catalog, runner, app):
    course = catalog["cert-basics"]
    learners = [make_user() for _ in range(3)]
    for learner in learners:
        complete_basics(learner, course, exam=False)
    db.session.commit()
    out = runner.invoke(args=["certificates", "issue", "--course", "cert-basics", "--workers", "2"])
    assert out.exit_code == 0, out.output
    assert "0 awarded, 0 PDF(s)" in out.output  # the exam is still missing for all
    for learner in learners:  # the exam passed: awarded at once, the PDF is left to `issue`
        attempt = exams.start(learner.id, course)
        exams.submit(attempt, right_answers(attempt))
    db.session.commit()
    out = runner.invoke(args=["certificates", "issue", "--course", "cert-basics"])
    assert out.exit_code == 0 and "3 PDF(s) rendered" in out.output, out.output
    db.session.expire_all()
    files = [c.pdf_file for c in db.session.scalars(select(Certificate))]
    assert all(files) and all((app.config["INSTANCE_DIR"] / "certificates" / f).is_file() for f in files)


def _finish_in_own_session(app, user_id: int, course_id: int, item_id: int, barrier: threading.Barrier, errors):
    try:
        with app.app_context():
            barrier.wait()
            learning.record_event(user_id, course_id, "assignment_graded", item_id=item_id, score=5, max_score=5)
            db.session.commit()
    except Exception as exc:  # noqa: BLE001 - reported to the test thread
        errors.append(exc)


def test_two_racing_events_award_exactly_once(catalog, app):
    learner = make_user()
    course = catalog["cert-basics"]
    complete_basics(learner, course, score=1)  # everything but a passing assignment
    db.session.commit()
    assert services.find_by_subject(learner.id, "course:cert-basics") is None
    barrier, errors = threading.Barrier(2), []
    args = (app, learner.id, course.id, item(course, "add").id, barrier, errors)
    threads = [threading.Thread(target=_finish_in_own_session, args=args) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.user_id == learner.id))
    assert count == 1


def test_two_sessions_award_the_same_subject_once(catalog, app):
    learner = make_user()
    results, errors = [], []
    flushed, done = threading.Event(), threading.Event()

    def first():
        with app.app_context():
            results.append(services.award(db.session.get(type(learner), learner.id), "course", "course:x", "X").id)
            flushed.set()
            done.wait(timeout=10)
            db.session.commit()

    def second():
        flushed.wait(timeout=10)
        with app.app_context():
            done.set()  # let the first commit while this one inserts (blocks on the lock / unique index)
            try:
                results.append(services.award(db.session.get(type(learner), learner.id), "course", "course:x", "X").id)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 2 and results[0] == results[1]


def test_manage_page_award_and_revoke_access(catalog, app):
    learner = make_user(email="lee@example.com")
    teacher = make_user("instructor", email="teacher@example.com")
    outsider = make_user("instructor")
    client = app.test_client()
    login(client, outsider.email)
    response = client.post("/certificates/manage/award", data={"email": "lee@example.com",
                           "subject": "course:cert-basics", "reason": "x"})  # fmt: skip
    assert response.status_code == 400  # not a course they teach: not even a choice
    assert services.find_by_subject(learner.id, "course:cert-basics") is None
    client = app.test_client()
    login(client, teacher.email)
    assert client.get("/certificates/manage").status_code == 200
    response = client.post("/certificates/manage/award", data={"email": "nobody@example.com",
                           "subject": "course:cert-basics", "reason": "x"})  # fmt: skip
    assert "No account has this e-mail" in response.get_data(as_text=True)
    form = {"email": "lee@example.com", "subject": "course:cert-basics", "reason": "Completed offline"}
    response = client.post("/certificates/manage/award", data=form, follow_redirects=True)
    assert "awarded" in response.get_data(as_text=True)
    cert = services.find_by_subject(learner.id, "course:cert-basics")
    assert cert.actions[0].actor_id == teacher.id
    assert services.visible_certificate(teacher, cert.public_id) is cert  # the course's instructor manages it
    assert services.visible_certificate(outsider, cert.public_id) is None
    assert services.can_manage(teacher, None) is False and services.can_manage(None, None) is True  # CLI operator
    assert client.post(f"/certificates/{cert.public_id}/revoke", data={"reason": ""}, follow_redirects=True)
    assert db.session.get(Certificate, cert.id).revoked_at is None  # no reason, no revocation
    other = app.test_client()
    login(other, outsider.email)
    assert other.post(f"/certificates/{cert.public_id}/revoke", data={"reason": "x"}).status_code == 403
    learner_client = app.test_client()
    login(learner_client, learner.email)
    assert learner_client.get("/certificates/manage").status_code == 403
    client.post(f"/certificates/{cert.public_id}/revoke", data={"reason": "Wrong learner"})
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).revoke_reason == "Wrong learner"


def test_the_app_makes_the_issuer_key_and_leaves_an_existing_one_to_first_use(app, make_app, tmp_path):
    config = issuing.config_from_app()
    assert sorted(p.name for p in config.issuer_dir.iterdir()) == ["issuer-cert.pem", "issuer-key.pem"]
    bad = tmp_path / "other-instance"
    (bad / "issuer").mkdir(parents=True)
    for name in ("issuer-cert.pem", "issuer-key.pem"):
        (bad / "issuer" / name).write_text("not a key")
    other = make_app(INSTANCE_DIR=bad)  # built without reading the key: no cryptography at start-up
    with other.app_context(), pytest.raises(ValueError):
        issuing.issuer_keys(issuing.config_from_app())


def test_a_course_certificate_uses_the_template_its_rules_name(catalog, app, tmp_path):
    course = catalog["cert-basics"]
    cert = Certificate(kind="course", subject="course:cert-basics", course_id=course.id)
    config = replace(issuing.config_from_app(), courses_dir=tmp_path)
    (tmp_path / "cert-basics").mkdir()
    assert issuing.template_for(cert, config) is None  # no file: the default template
    (tmp_path / "cert-basics" / "certificate.html").write_text("<p>default of the course</p>")
    assert issuing.template_for(cert, config) == tmp_path / "cert-basics" / "certificate.html"
    stored = db.session.get(CourseCertification, course.id)
    stored.rules = {**stored.rules, "template": "gold.html"}
    assert issuing.template_for(cert, config) is None  # named but missing: never another file
    (tmp_path / "cert-basics" / "gold.html").write_text("<p>gold</p>")
    assert issuing.template_for(cert, config) == tmp_path / "cert-basics" / "gold.html"
    stored.rules = {**stored.rules, "template": "../outside.html"}
    (tmp_path / "outside.html").write_text("<p>not the course's</p>")
    assert issuing.template_for(cert, config) is None
