"""Dashboard versions change with whatever changes a learner's dashboard, and only for them."""

from __future__ import annotations

from lms.accounts import services as accounts
from lms.extensions import db
from lms.learning import services as learning
from lms.recommend import paths
from lms.recommend.freshness import dashboard_key
from lms.recommend.models import PathItem
from tests.factories import counted_queries, item, make_user
from tests.lms.recommend.helpers import load_catalog


def versions(*users) -> list:
    return [dashboard_key(u.id)[0] for u in users]


def test_an_event_changes_only_its_learners_version(catalog):
    ada, bob = make_user(), make_user()
    learning.enroll(ada.id, catalog["python-basics"])
    learning.enroll(bob.id, catalog["python-basics"])
    db.session.commit()
    before = versions(ada, bob)
    learning.complete_lesson(ada.id, item("01-hello"))
    db.session.commit()
    after = versions(ada, bob)
    assert after[0] not in (None, before[0]) and after[1] == before[1]


def test_an_event_writes_its_learners_version_once(catalog):
    ada = make_user()
    db.session.commit()

    def writes(statements: list[str]) -> int:
        return sum("dashboard_versions" in s and not s.lstrip().upper().startswith("SELECT") for s in statements)

    with counted_queries() as seen:
        learning.enroll(ada.id, catalog["python-basics"])  # no mastery rows: the receiver bumps
        assert writes(seen) == 1
        learning.complete_lesson(ada.id, item("01-hello"))  # mastery rows flushed: the flush listener bumps
        assert writes(seen) == 2


def test_team_assignments_reach_every_member_and_only_them(catalog):
    instructor, ada, bob, outsider = make_user("instructor"), make_user(), make_user(), make_user()
    team = accounts.get_or_create_team("Ops")
    accounts.add_members(team, [ada, bob])
    path = paths.create_path(instructor, "Core", "", [(catalog["python-basics"], None)])
    db.session.commit()
    before = versions(ada, bob, outsider)
    paths.assign(instructor, path, team=team)
    db.session.commit()
    after = versions(ada, bob, outsider)
    assert after[0] != before[0] and after[1] != before[1] and after[2] == before[2]

    before = after
    db.session.add(PathItem(path_id=path.id, course_id=catalog["python-next"].id, position=1))  # the path grows
    db.session.commit()
    after = versions(ada, bob, outsider)
    assert after[0] != before[0] and after[1] != before[1] and after[2] == before[2]


def test_deleting_a_team_reaches_its_members(catalog):
    ada = make_user()
    team = accounts.get_or_create_team("Ops")
    accounts.add_members(team, [ada])
    db.session.commit()
    before = versions(ada)
    db.session.delete(team)
    db.session.commit()
    assert versions(ada) != before


def test_a_rolled_back_change_leaves_the_version(catalog):
    ada = make_user()
    learning.enroll(ada.id, catalog["python-basics"])
    db.session.commit()
    before = versions(ada)
    learning.complete_lesson(ada.id, item("01-hello"))
    assert versions(ada) != before  # inside the transaction
    db.session.rollback()
    assert versions(ada) == before


def test_a_sync_changes_the_epoch(catalog):
    ada = make_user()
    before = dashboard_key(ada.id)
    load_catalog()
    after = dashboard_key(ada.id)
    assert after[1] not in (None, before[1]) and after[0] == before[0]
