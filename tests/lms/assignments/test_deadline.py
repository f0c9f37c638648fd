"""A deadline rush: 200 notebooks through the web intake at once; all accepted fast, all graded."""

from __future__ import annotations

import io
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from lms.assignments.models import Grade, Submission
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import login, make_user
from tests.lms.assignments.helpers import Worker, add_answer, wait_for

URL = "/courses/python-basics/add"
LEARNERS, EACH = 20, 10


def test_200_uploads_at_once_all_accepted_and_all_graded(make_app, courses_dir):
    from tests.factories import load_fixture_courses

    app = make_app(COURSES_DIR=courses_dir, RATELIMIT_ENABLED=False)
    with app.app_context():
        load_fixture_courses(courses_dir)
        clients = []
        for _ in range(LEARNERS):
            user = make_user()
            enroll(user.id, catalog.get_course("python-basics"))
            db.session.commit()
            client = app.test_client()
            login(client, user.email)
            clients.append(client)
        release = clients[0].get(f"{URL}/notebook.ipynb").data
        jobs = [(clients[n % LEARNERS], add_answer(release, f"return a + b  # answer {n}")) for n in range(200)]

        def upload(job):
            client, data = job
            started = time.perf_counter()
            response = client.post(
                f"{URL}/submissions",
                data={"notebook": (io.BytesIO(data), "add.ipynb")},
                content_type="multipart/form-data",
                headers={"Accept": "application/json"},
            )
            return response.status_code, time.perf_counter() - started

        runner = Worker(app.config)  # default workers: one per core
        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                results = list(pool.map(upload, jobs))
            intake = time.perf_counter() - started
            assert [code for code, _ in results] == [201] * 200
            slowest = max(seconds for _, seconds in results)
            assert intake < 60 and slowest < 10, (intake, slowest)  # intake does not wait for grading

            def done() -> bool:
                db.session.expire_all()
                states = dict(
                    db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all()
                )
                return states.get("graded", 0) + states.get("failed", 0) == 200

            wait_for(done, 420, "all 200 graded")
        finally:
            runner.stop()
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 200
        assert db.session.scalar(select(func.count()).where(Submission.state == "graded")) == 200, runner.output()[
            -3000:
        ]
        grades = db.session.execute(select(Grade.submission_id, Grade.auto_score)).all()
        assert len(grades) == 200 and len({g.submission_id for g in grades}) == 200
        assert {g.auto_score for g in grades} == {5.0}
