"""Segment pages: admins write rules through the form (no JavaScript), analysts read sizes only."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.developers.models import DeveloperProfile, Segment
from lms.extensions import db
from tests.factories import login, make_user


def rows(*groups, name="Partners"):
    """The form as a browser posts it: group g's row r is g-r-field/op/value."""
    data = {"name": name, "description": "", "groups": str(len(groups))}
    for g, group in enumerate(groups):
        data[f"rows-{g}"] = str(len(group))
        for r, (field, op, value) in enumerate(group):
            data.update({f"{g}-{r}-field": field, f"{g}-{r}-op": op, f"{g}-{r}-value": value})
    return data


def test_admin_writes_previews_saves_recomputes_and_deletes(client):
    make_user("admin", email="admin@example.com")
    for n in range(6):
        user = make_user(profile_asked=False)
        db.session.add(DeveloperProfile(user_id=user.id, developer_type="partner" if n < 3 else "student"))
    db.session.commit()
    login(client, "admin@example.com")
    page = client.get("/developers/segments/new").get_data(as_text=True)
    assert 'name="0-1-value"' in page and "Preview the count" in page

    grown = client.post("/developers/segments/new", data={**rows([("country", "eq", "FR")]), "action": "add_group"})
    assert 'name="1-0-field"' in grown.get_data(as_text=True) and 'value="FR"' in grown.get_data(as_text=True)

    two_groups = rows(
        [("developer_type", "eq", "partner"), ("developer_type", "eq", "student")], [("role", "eq", "learner")]
    )
    preview = client.post("/developers/segments/new", data={**two_groups, "action": "preview"})
    assert "These rules match 6 people right now." in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Segment.id))) == 0

    bad = [
        (rows([("country", "between", "1-2")]), "does not apply to Country"),
        (rows([("developer_type", "eq", "partner")], [("developer_type", "eq", "student")]), "cannot both be true"),
        (rows([("", "", "")]), "The segment has no condition"),
        (rows([("years_experience", "range", "9-2")]), "from 9 down to 2"),
        (rows([("role", "eq", "learner")], name=""), "Give the segment a name."),
        ({**rows([("role", "eq", "learner")]), "description": "x" * 1001}, "Keep the description under 1000"),
    ]
    for data, message in bad:
        answer = client.post("/developers/segments/new", data={**data, "action": "save"})
        assert answer.status_code == 400 and message in answer.get_data(as_text=True), message
    assert db.session.scalar(select(func.count(Segment.id))) == 0

    saved = client.post(
        "/developers/segments/new", data={**rows([("developer_type", "eq", "partner")]), "action": "save"}
    )
    segment = db.session.scalar(select(Segment))
    assert saved.status_code == 302 and saved.location.endswith(f"/developers/segments/{segment.id}")
    shown = client.get(saved.location).get_data(as_text=True)
    assert "3 people" in shown and "Developer type is partner" in shown

    edited = client.post(f"/developers/segments/{segment.id}", data={**two_groups, "action": "save"})
    assert edited.status_code == 302
    db.session.refresh(segment)
    assert segment.member_count == 6 and len(segment.rules) == 2
    assert client.post(f"/developers/segments/{segment.id}/recompute").status_code == 302
    assert client.post(f"/developers/segments/{segment.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Segment.id))) == 0
    assert client.get(f"/developers/segments/{segment.id}").status_code == 404


def test_analysts_read_sizes_but_not_small_ones_and_change_nothing(client):
    make_user("admin", email="admin@example.com")
    make_user("analyst", email="analyst@example.com")
    make_user(email="learner@example.com")
    login(client, "admin@example.com")
    client.post(
        "/developers/segments/new", data={**rows([("role", "eq", "analyst")], name="Analysts"), "action": "save"}
    )
    segment = db.session.scalar(select(Segment))
    assert "1 person" in client.get(f"/developers/segments/{segment.id}").get_data(as_text=True)
    client.post("/logout")

    login(client, "analyst@example.com")
    listing = client.get("/developers/segments").get_data(as_text=True)
    assert "Analysts" in listing and "fewer than 5 people" in listing and "New segment" not in listing
    page = client.get(f"/developers/segments/{segment.id}").get_data(as_text=True)
    assert "fewer than 5 people" in page and "Save the segment" not in page and "Which fields take" not in page
    for path in (
        f"/developers/segments/{segment.id}",
        "/developers/segments/new",
        f"/developers/segments/{segment.id}/delete",
    ):
        assert client.post(path, data={**rows([("role", "eq", "learner")]), "action": "save"}).status_code == 403
    assert client.get("/developers/segments/new").status_code == 403
    client.post("/logout")

    login(client, "learner@example.com")
    assert client.get("/developers/segments").status_code == 403
    assert client.get(f"/developers/segments/{segment.id}").status_code == 403
