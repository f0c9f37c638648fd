"""Sync: idempotent, one transaction, and never loses learner data."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import LearningEvent, QuizAttempt
from tests.conftest import FIXTURES
from tests.factories import make_user
from tests.lms.catalog.test_validate import NB, edit, set_test_source


def sync(runner, root):
    return runner.invoke(args=["courses", "sync", str(root)])


def counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (Course, Module, Item)}


def test_sync_twice_changes_nothing_the_second_time(runner, tree):
    first = sync(runner, tree)
    assert first.exit_code == 0, first.output
    assert "2 created" in first.output
    before = counts()
    second = sync(runner, tree)
    assert "0 created, 0 updated, 2 unchanged" in second.output
    assert counts() == before == {"Course": 2, "Module": 3, "Item": 6}
    course = db.session.scalar(select(Course).where(Course.slug == "python-next"))
    assert [p.slug for p in course.prerequisites] == ["python-basics"]
    assert course.tier == "intermediate"


def test_edit_lesson_updates_it(runner, tree):
    sync(runner, tree)
    edit(tree / "python-basics/lessons/01-hello.md", "top to bottom", "from the first line to the last")
    result = sync(runner, tree)
    assert "1 updated" in result.output
    lesson = db.session.scalar(select(Item).where(Item.slug == "01-hello"))
    db.session.refresh(lesson)
    assert "from the first line to the last" in lesson.body_html


def test_removed_items_are_archived_and_learner_data_survives(runner, tree):
    sync(runner, tree)
    learner = make_user()
    course = db.session.scalar(select(Course).where(Course.slug == "python-basics"))
    learning.enroll(learner.id, course)
    lesson = db.session.scalar(select(Item).where(Item.slug == "02-more"))
    quiz = db.session.scalar(select(Item).where(Item.slug == "basics"))
    learning.complete_lesson(learner.id, lesson)
    learning.submit_quiz(learner.id, quiz, {"print": [0], "types": [0, 1]})
    db.session.commit()
    events_before = db.session.scalar(select(func.count()).select_from(LearningEvent))

    # Remove a lesson, the quiz and the whole second module.
    manifest = tree / "python-basics/course.yml"
    edit(manifest, "      - lesson: lessons/02-more.md\n      - quiz: quizzes/basics.yml\n", "")
    text = manifest.read_text()
    manifest.write_text(text[: text.index("  - slug: practice")])
    assert sync(runner, tree).exit_code == 0
    db.session.expire_all()

    assert lesson.archived_at is not None and quiz.archived_at is not None
    practice = db.session.scalar(select(Module).where(Module.slug == "practice"))
    assert practice.archived_at is not None
    assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == events_before
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    # Progress counts live items only: one lesson left, not done.
    assert learning.progress_for(learner.id, [course.id])[course.id].total == 1

    # Put everything back: the same rows come back with the learner's work.
    shutil.copy(FIXTURES / "courses/python-basics/course.yml", manifest)
    assert sync(runner, tree).exit_code == 0
    db.session.expire_all()
    assert lesson.archived_at is None and practice.archived_at is None
    progress = learning.progress_for(learner.id, [course.id])[course.id]
    assert (progress.done, progress.total) == (2, 4)


def test_invalid_course_changes_nothing(runner, tree):
    sync(runner, tree)
    edit(tree / "python-basics/lessons/01-hello.md", "top to bottom", "CHANGED")
    edit(tree / "python-next/course.yml", "tier: intermediate", "tier: wizard")
    result = sync(runner, tree)
    assert result.exit_code == 1
    assert "Nothing was changed." in result.output
    lesson = db.session.scalar(select(Item).where(Item.slug == "01-hello"))
    assert "CHANGED" not in lesson.body_html


def test_course_removed_from_tree_is_archived_not_deleted(runner, tree):
    sync(runner, tree)
    shutil.rmtree(tree / "python-next")
    assert "1 archived" in sync(runner, tree).output
    course = db.session.scalar(select(Course).where(Course.slug == "python-next"))
    assert course is not None and course.archived_at is not None


def test_markdown_is_sanitized(runner, tree):
    (tree / "python-basics/lessons/01-hello.md").write_text(
        "# Hello\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n"
        '<img src="x.png" onerror="alert(2)">\n\n<a href="https://example.com" onclick="x()">ok</a>\n'
    )
    (tree / "python-basics/lessons/x.png").write_bytes(b"\x89PNG")
    assert sync(runner, tree).exit_code == 0
    html = db.session.scalar(select(Item.body_html).where(Item.slug == "01-hello"))
    assert "<script" not in html and 'href="javascript' not in html
    assert "onerror" not in html and "onclick" not in html
    assert 'href="https://example.com"' in html


def test_unchanged_tree_skips_parsing_but_any_edit_reloads(runner, tree, monkeypatch):
    from lms.catalog import sync as sync_module

    sync(runner, tree)
    calls = []
    real = sync_module.load_courses
    monkeypatch.setattr(sync_module, "load_courses", lambda root: calls.append(root) or real(root))
    assert "2 unchanged" in sync(runner, tree).output
    assert calls == []  # nothing changed: nothing parsed
    (tree / "tracks").mkdir()
    (tree / "tracks" / "note.txt").write_text("a track file changed")
    assert "2 updated" in sync(runner, tree).output  # tracks load with the courses
    assert len(calls) == 1
    assert "2 updated" in runner.invoke(args=["courses", "sync", str(tree), "--force"]).output


def test_warnings_do_not_block_a_sync(runner, tree):
    set_test_source(tree / NB, "test_add_more", ["import time", "t0 = time.perf_counter()", "add(1, 1)"])
    result = sync(runner, tree)
    assert result.exit_code == 0, result.output
    assert "warning: test cell 'test_add_more' times a call" in result.output and "2 created" in result.output


def test_tables_scroll_in_a_named_region_and_code_blocks_are_focusable(runner, tree):
    """Small screens: a lesson's table scrolls inside its own box (a keyboard can reach it, a screen
    reader names it after the heading above); a new renderer version changes every course's
    fingerprint, so stored lessons re-render on the next sync though their files did not change."""
    (tree / "python-basics/lessons/01-hello.md").write_text(
        "# Hello\n\n## Costs **per** `token`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n"
    )
    assert sync(runner, tree).exit_code == 0
    html = db.session.scalar(select(Item.body_html).where(Item.slug == "01-hello"))
    region = '<div class="table-scroll" role="region" tabindex="0" aria-label="Costs per token"><table>'
    assert region in html and html.count("</table></div>") == 1
    assert '<pre class="highlight" tabindex="0">' in html
    from lms.catalog import content

    unchanged = content.course_fingerprint(tree / "python-basics")
    content.RENDER_VERSION, before = "next", content.RENDER_VERSION
    try:
        assert content.course_fingerprint(tree / "python-basics") != unchanged
    finally:
        content.RENDER_VERSION = before
