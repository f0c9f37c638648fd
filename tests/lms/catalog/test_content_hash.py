"""Each item's content hash: equal for the same visible content, new for any visible change."""

from __future__ import annotations

import json
import re

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from lms import create_app
from lms.catalog.content import load_courses
from lms.catalog.models import Course, Item
from lms.catalog.services import item_changed_since
from lms.config import ROOT
from lms.extensions import db
from tests.conftest import _test_config, empty_database_url
from tests.lms.catalog.test_validate import NB, edit

BASICS = "python-basics"


def hashes() -> dict[str, str | None]:
    db.session.expire_all()
    return dict(db.session.execute(select(Item.slug, Item.content_sha256)).all())


def others(hashes: dict[str, str | None], slug: str) -> dict[str, str | None]:
    """Every item's hash but one's: its neighbours, here and in the other course."""
    return {k: v for k, v in hashes.items() if k != slug}


def synced(runner, tree, *args: str) -> dict[str, str | None]:
    result = runner.invoke(args=["courses", "sync", str(tree), *args])
    assert result.exit_code == 0, result.output
    return hashes()


def test_every_kind_gets_a_hash_and_the_same_files_give_the_same_hashes(runner, tree):
    first = synced(runner, tree)
    kinds = dict(db.session.execute(select(Item.slug, Item.kind)).all())
    assert set(kinds.values()) == {"lesson", "quiz", "assignment"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", h or "") for h in first.values()), first
    assert len(set(first.values())) == len(first)  # no two items alike
    assert synced(runner, tree, "--force") == first  # parsed, released and hashed again


def test_the_demo_catalog_loads_to_the_same_distinct_hashes_twice():
    """Every shipped notebook's release, quiz and lesson hashes alike on each load (no timestamps
    or random cell ids in what is hashed), and no two items share one."""

    def load() -> dict[tuple[str, str], str]:
        result = load_courses(ROOT / "courses")
        return {(c.slug, i.slug): i.content_sha256 for c in result.courses for m in c.modules for i in m.items}

    first = load()
    assert len(first) >= 40 and len(set(first.values())) == len(first)
    assert load() == first


def test_a_changed_lesson_gets_a_new_hash_and_its_neighbours_keep_theirs(runner, tree):
    before = synced(runner, tree)
    edit(tree / BASICS / "lessons/01-hello.md", "top to bottom", "from the first line to the last")
    after = synced(runner, tree)
    assert after["01-hello"] != before["01-hello"]
    assert others(after, "01-hello") == others(before, "01-hello")


def test_a_changed_quiz_gets_a_new_hash_but_a_yaml_comment_does_not(runner, tree):
    before = synced(runner, tree)
    quiz = tree / BASICS / "quizzes/basics.yml"
    edit(quiz, "title: Basics check", "# reviewed in December\ntitle: 'Basics check'")
    assert synced(runner, tree) == before  # the file changed, not what learners see
    edit(quiz, "What prints text?", "Which function prints text?")
    after = synced(runner, tree)
    assert after["basics"] != before["basics"]
    assert others(after, "basics") == others(before, "basics")


def test_a_notebook_hash_follows_its_released_content(runner, tree):
    before = synced(runner, tree)
    path = tree / NB
    notebook = json.loads(path.read_text())
    solution, hidden = notebook["cells"][1], notebook["cells"][3]
    solution["source"] = [line.replace("return a + b", "return b + a") for line in solution["source"]]
    hidden["source"] = [line.replace("add(10, 5) == 15", "add(20, 5) == 25") for line in hidden["source"]]
    notebook["metadata"]["reviewed"] = True
    path.write_text(json.dumps(notebook, indent=2))  # re-saved with another indent
    assert synced(runner, tree)["add"] == before["add"]  # solution and hidden tests are not released
    notebook["cells"][0]["source"] = ["# Add two numbers\n", "\n", "Write `add(a, b)` returning a + b."]
    path.write_text(json.dumps(notebook, indent=1))
    after = synced(runner, tree)
    assert after["add"] != before["add"]
    assert others(after, "add") == others(before, "add")


def test_a_moved_file_keeps_its_hash_while_its_permanent_id_stays(runner, tree):
    before = synced(runner, tree)
    lessons = tree / BASICS / "lessons"
    (lessons / "intro").mkdir()  # both lessons move: they link to each other
    for name, line_end in (("01-hello.md", b"\r\n"), ("02-more.md", b"\n")):  # one saved with Windows line ends
        (lessons / "intro" / name).write_bytes((lessons / name).read_bytes().replace(b"\n", line_end))
        (lessons / name).unlink()
        edit(tree / BASICS / "course.yml", f"lessons/{name}", f"lessons/intro/{name}")
    assert synced(runner, tree) == before
    item = db.session.scalar(select(Item).where(Item.slug == "01-hello"))
    assert item.source_path == "lessons/intro/01-hello.md"
    edit(tree / BASICS / "course.yml", "      - lesson: lessons/intro/01-hello.md\n", "")
    assert synced(runner, tree)["01-hello"] == before["01-hello"]  # archived, hash kept
    db.session.refresh(item)
    assert item.archived_at is not None


def test_a_title_set_in_course_yml_is_part_of_the_hash(runner, tree):
    before = synced(runner, tree)
    edit(tree / BASICS / "course.yml", "title: Add two numbers", "title: Adding numbers")
    assert synced(runner, tree)["add"] != before["add"]


def test_item_changed_since(runner, tree):
    recorded = synced(runner, tree)["01-hello"]
    item = db.session.scalar(select(Item).where(Item.slug == "01-hello"))
    assert not item_changed_since(item, recorded)
    assert item_changed_since(item, None)  # recorded before hashes: look again
    edit(tree / BASICS / "lessons/01-hello.md", "top to bottom", "from the first line to the last")
    synced(runner, tree)
    assert item_changed_since(item, recorded)
    item.content_sha256 = None  # archived before hashes existed: nothing to compare
    assert not item_changed_since(item, recorded)
    db.session.rollback()


def test_the_migration_makes_the_next_sync_fill_the_hashes(database_url, tmp_path):
    """Courses loaded before the column existed are reloaded by the next sync, which fills it."""
    url = empty_database_url(database_url, tmp_path, "content_hash_check")
    app = create_app(_test_config(url, tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="heads")
        assert app.test_cli_runner().invoke(args=["courses", "sync"]).exit_code == 0
        loaded = dict(db.session.execute(select(Course.slug, Course.content_hash)).all())
        db.session.remove()
        downgrade(revision="content@-1")  # a database synced before revision 1200
        upgrade(revision="heads")
        assert set(db.session.scalars(select(Course.content_hash))) == {""}
        result = app.test_cli_runner().invoke(args=["courses", "sync"])
        assert "0 unchanged" in result.output, result.output
        assert dict(db.session.execute(select(Course.slug, Course.content_hash)).all()) == loaded
        assert None not in set(db.session.scalars(select(Item.content_sha256)))
        db.session.remove()
        db.engine.dispose()
