"""Developer profiles: the once-only step, validation, the edit page, admins' and analysts' views."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.developers.models import DeveloperInterest, DeveloperProfile, Segment, SegmentMember
from lms.developers.services import profiles
from lms.extensions import db
from lms.recommend.models import DashboardVersion
from lms.signals import profile_saved
from tests.factories import login, make_user

GOOD = {
    "developer_type": "partner",
    "organisation": "Acme",
    "job_role": "Engineer",
    "interests": ["python", "testing"],
    "main_language": "Python",
    "stack": "Flask",
    "years_experience": "7",
    "country": "DE",
}


@pytest.fixture
def fresh(app, catalog):
    """A learner who has not met the step yet (an account made before it existed, or just now)."""
    user = make_user(email="fresh@example.com", profile_asked=False)
    return user


def test_the_dashboard_asks_once_and_skipping_is_remembered(client, fresh):
    login(client, fresh.email)
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/welcome/profile?next=/dashboard"
    page = client.get("/welcome/profile?next=/dashboard")
    assert "Tell us a little about you" in page.text and "Germany" in page.text and "testing" in page.text
    response = client.post("/welcome/profile?next=/dashboard", data={"skip": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    profile = db.session.get(DeveloperProfile, fresh.id)
    assert profile.asked_at is not None and profile.developer_type is None
    assert client.get("/dashboard").status_code == 200  # asked once: never again
    assert client.get("/welcome/profile?next=/dashboard").headers["Location"] == "/dashboard"
    assert client.get("/welcome/profile?next=//evil.example").headers["Location"] == "/dashboard"


def test_staff_are_not_asked(client, app):
    admin = make_user("admin", email="boss@example.com")
    login(client, admin.email)
    assert client.get("/dashboard").status_code == 200
    assert db.session.get(DeveloperProfile, admin.id) is None


def test_saving_stores_sends_the_signal_and_refreshes_the_dashboard(client, fresh):
    seen = []
    receiver = lambda profile, **_: seen.append(profile.user_id)
    profile_saved.connect(receiver)
    try:
        login(client, fresh.email)
        response = client.post("/welcome/profile?next=/dashboard", data=GOOD)
    finally:
        profile_saved.disconnect(receiver)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    profile = db.session.get(DeveloperProfile, fresh.id)
    assert (profile.developer_type, profile.country, profile.years_experience) == ("partner", "DE", 7)
    assert [i.tag for i in profile.interests] == ["python", "testing"] and profile.asked_at is not None
    assert seen == [fresh.id]
    assert db.session.get(DashboardVersion, fresh.id) is not None  # the next dashboard is built again
    # Edited later from the profile page: interests replaced, the rest kept.
    assert "/profile/developer" in client.get("/profile").text
    edit = dict(GOOD, interests=["python"], country="")
    assert client.post("/profile/developer", data=edit).status_code == 302
    db.session.expire_all()
    profile = db.session.get(DeveloperProfile, fresh.id)
    assert [i.tag for i in profile.interests] == ["python"] and profile.country is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("developer_type", "wizard", "Unknown developer type wizard."),
        ("country", "XX", "Unknown country code XX."),
        ("interests", "cooking", "Unknown interest cooking."),
        ("years_experience", "61", "Between 0 and 60, please."),
        ("years_experience", "-1", "Between 0 and 60, please."),
        ("organisation", "x" * 201, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, fresh, field, value, message):
    login(client, fresh.email)
    data = dict(GOOD, **{field: [value] if field == "interests" else value})
    response = client.post("/profile/developer", data=data)
    assert response.status_code == 200 and message in response.text
    assert db.session.scalar(select(func.count()).select_from(DeveloperProfile)) == 0
    assert db.session.scalar(select(func.count()).select_from(DeveloperInterest)) == 0


def test_the_service_checks_again(app, fresh):
    with pytest.raises(profiles.ProfileError, match="between 0 and 60"):
        profiles.save_profile(fresh, profiles.ProfileInput(years_experience=99))
    with pytest.raises(profiles.ProfileError, match="At most 50"):
        profiles.save_profile(fresh, profiles.ProfileInput(main_language="x" * 51))


def test_admins_see_a_persons_profile_analysts_only_counts(client, app, catalog):
    people = [make_user(email=f"dev{n}@example.com") for n in range(7)]
    for n, person in enumerate(people):
        kind = "partner" if n < 5 else "student"
        profiles.save_profile(
            person, profiles.ProfileInput(kind, interests=("python",), country="FR", years_experience=n)
        )
    db.session.commit()
    analyst = make_user("analyst", email="analyst@example.com", name="Ana Lyst")
    learner = make_user(email="plain@example.com")
    login(client, learner.email)
    assert client.get("/developers/").status_code == 403
    client = app.test_client()
    login(client, analyst.email)
    page = client.get("/developers/").text
    assert "Partner" in page and ">5<" in page  # five partners: shown
    assert "Student" in page and "fewer than 5" in page  # two students: suppressed
    assert "France" in page and ">7<" in page
    assert "dev0@example.com" not in page and not re.search(r"User \d", page)  # nobody named
    assert client.get("/admin/users").status_code == 403
    small = Segment(name="Tiny", rules=[], member_count=2)
    big = Segment(name="Partners", rules=[], member_count=5)
    db.session.add_all([small, big])
    db.session.flush()
    db.session.add_all([SegmentMember(segment_id=big.id, user_id=p.id) for p in people[:5]])
    db.session.add_all([SegmentMember(segment_id=small.id, user_id=p.id) for p in people[5:]])
    db.session.commit()
    tiny = client.get(f"/developers/?segment={small.id}").text
    assert "fewer than 5 members, so no figures are shown" in tiny and "France" not in tiny
    partners = client.get(f"/developers/?segment={big.id}").text
    assert "Partner" in partners and "Student" not in partners
    assert client.get("/developers/?segment=999").status_code == 404
    admin = make_user("admin", email="root@example.com")
    client = app.test_client()
    login(client, admin.email)
    users_page = client.get("/admin/users").text
    assert "Developer profile" in users_page and "France" in users_page
