"""Pages and API: the dashboard card, skills page, placement, paths access, the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts import services as accounts
from lms.extensions import db
from lms.learning import services as learning
from lms.recommend import paths, ranking, services
from lms.recommend.models import LearningGoal, LearningPath, PathAssignment
from tests.factories import PASSWORD, item, login, make_user
from tests.lms.recommend.helpers import WRONG, load_catalog


def test_api_returns_the_learners_own_recommendations(client, catalog):
    assert client.get("/api/v1/me/recommendations").status_code == 401
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    db.session.commit()
    login(client, learner.email)
    data = client.get("/api/v1/me/recommendations").get_json()
    first = data["recommendations"][0]
    assert (first["module_slug"], first["reason"], first["params"]["score"]) == ("start", "review", 0)
    assert first["message"].startswith("You scored 0% on Basics check")
    assert data["paths"] == []


def test_dashboard_skills_and_course_page_show_recommendations(client, catalog):
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    db.session.commit()
    login(client, learner.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Next up" in page and "review Getting started before Practice" in page
    skills = client.get("/skills").get_data(as_text=True)
    assert "<svg" in skills and "Take the placement quiz" in skills
    assert "Python syntax" in skills and "python-syntax" not in skills  # the title of courses/skills.yml, not the slug
    course = client.get("/courses/python-basics").get_data(as_text=True)
    assert "Recommended" in course and 'id="module-start"' in course


def test_goal_form_rejects_unknown_tier(client, catalog):
    learner = make_user()
    login(client, learner.email)
    assert client.post("/skills/goal", data={"tier": "expert"}).status_code == 400
    assert client.post("/skills/goal", data={"tier": "intermediate"}).status_code == 302


def test_manager_assigns_only_to_their_teams(client, catalog):
    manager, learner, outsider = make_user("manager"), make_user(), make_user()
    mine, other = accounts.get_or_create_team("Mine"), accounts.get_or_create_team("Other")
    accounts.add_manager(mine, manager)
    accounts.add_members(mine, [learner])
    accounts.add_members(other, [outsider])
    db.session.commit()
    login(client, manager.email)
    due = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    response = client.post(
        "/paths/new", data={"title": "Ramp-up", "steps-0-course": "python-basics", "steps-0-due": due}
    )
    assert response.status_code == 302
    path = db.session.scalar(select(LearningPath))
    assert client.post(f"/paths/{path.id}/assign", data={"team": other.id}).status_code == 403
    assert client.post(f"/paths/{path.id}/assign", data={"team": 0, "learner": outsider.email}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PathAssignment)) == 0
    assert client.post(f"/paths/{path.id}/assign", data={"team": mine.id}).status_code == 302
    assert [p.title for p in paths.learner_paths(learner.id)] == ["Ramp-up"]
    assert paths.learner_paths(outsider.id) == []


def test_paths_are_for_managers_and_instructors_only(client, catalog):
    learner, other_manager = make_user(), make_user("manager")
    instructor = make_user("instructor")
    path = paths.create_path(instructor, "Core", "", [(catalog["python-basics"], None)])
    db.session.commit()
    login(client, learner.email)
    assert client.get("/paths").status_code == 403
    client.post("/logout")
    login(client, other_manager.email)
    assert client.get(f"/paths/{path.id}/assign").status_code == 404  # not theirs
    # The service rule per path matches visible_paths: all for instructors and admins, own for managers.
    assert paths.visible_path(make_user("admin"), path.id) is path
    for actor in (learner, other_manager):
        assert paths.visible_path(actor, path.id) is None
        with pytest.raises(paths.NotAllowed):
            paths.assign(actor, path, learner=learner)


def test_bad_path_input_stores_nothing(client, catalog):
    login(client, make_user("instructor").email)
    page = client.post("/paths/new", data={"title": "Empty"}).get_data(as_text=True)
    assert "Add at least one course" in page
    page = client.post(
        "/paths/new", data={"title": "Twice", "steps-0-course": "python-basics", "steps-1-course": "python-basics"}
    ).get_data(as_text=True)
    assert "appears twice" in page
    assert db.session.scalar(select(func.count()).select_from(LearningPath)) == 0


def test_posts_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        load_catalog()
        manager = make_user("manager")
        client = app.test_client()
        token = client.get("/login").text.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        assert (
            client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": token}).status_code
            == 302
        )
        for route, data in (
            ("/skills/goal", {"tier": "beginner"}),
            ("/placement", {}),
            ("/paths/new", {"title": "x", "steps-0-course": "python-basics"}),
        ):
            response = client.post(route, data=data)
            assert response.status_code == 400, route
        assert db.session.get(LearningGoal, manager.id) is None
        assert db.session.scalar(select(func.count()).select_from(LearningPath)) == 0


def test_a_path_due_date_is_the_end_of_that_day_in_the_authors_zone(client, catalog):
    instructor = make_user("instructor")
    instructor.timezone = "America/New_York"
    db.session.commit()
    login(client, instructor.email)
    assert "the end of that day in your time zone, America/New_York" in client.get("/paths/new").text
    data = {"title": "Q1", "steps-0-course": "python-basics", "steps-0-due": "2027-01-15"}
    assert client.post("/paths/new", data=data).status_code == 302
    due = db.session.scalar(select(LearningPath)).items[0].due_at
    assert due == datetime(2027, 1, 16, 4, 59, 59, tzinfo=UTC)  # 23:59:59 EST
    assert "due Jan 15, 2027, 11:59\u202fPM EST" in client.get("/paths").text


def test_strengthen_advice_names_the_skill_by_its_title(client, catalog):
    graph, _items, _by_id = services.catalog_graph()
    module = next(m for m in graph.modules if "python-syntax" in m.skills)
    advice = services.reason_text(
        ranking.Recommendation(module, "strengthen", {"skill": "python-syntax", "percent": 60}, 1)
    )
    assert advice == "Your estimated mastery of Python syntax is 60%: a review will make it stick."
