"""The `community:` key of course.yml: checked at its line, stored at sync, nothing stored on error."""

from __future__ import annotations

import shutil

import pytest

from lms.catalog import services as catalog
from lms.catalog.content import load_courses
from lms.extensions import db
from tests.conftest import FIXTURES

KEY = "pass_mark: 70\n"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES / "courses", root)
    return root


def _set(tree, block: str) -> None:
    path = tree / "python-basics/course.yml"
    text = path.read_text()
    assert KEY in text
    path.write_text(text.replace(KEY, KEY + block, 1))


def _line_of(tree, needle: str) -> int:
    lines = (tree / "python-basics/course.yml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def _stored(slug: str = "python-basics") -> tuple[int, int]:
    db.session.expire_all()
    course = catalog.get_course(slug)
    return course.community_sla_hours, course.community_flag_threshold


def test_defaults_without_the_key(runner, tree):
    assert runner.invoke(args=["courses", "sync", str(tree)]).exit_code == 0
    assert _stored() == (24, 3)


def test_values_are_stored_at_sync_and_changed_by_the_next(runner, tree):
    _set(tree, "community:\n  sla_hours: 48\n  flag_threshold: 5\n")
    result = runner.invoke(args=["courses", "sync", str(tree)])
    assert result.exit_code == 0, result.output
    assert _stored() == (48, 5)
    assert _stored("python-next") == (24, 3)
    text = (tree / "python-basics/course.yml").read_text().replace("sla_hours: 48", "sla_hours: 720")
    (tree / "python-basics/course.yml").write_text(text)
    assert runner.invoke(args=["courses", "sync", str(tree)]).exit_code == 0
    assert _stored() == (720, 5)


BAD = {
    "zero hours": ("  sla_hours: 0\n", "sla_hours: 0", "community.sla_hours: Input should be greater than"),
    "a month and more": ("  sla_hours: 721\n", "sla_hours: 721", "community.sla_hours: Input should be less than"),
    "hours as text": ('  sla_hours: "24"\n', "sla_hours:", "community.sla_hours: Input should be a valid integer"),
    "hours as yes": ("  sla_hours: yes\n", "sla_hours:", "community.sla_hours: Input should be a valid integer"),
    "fraction": ("  sla_hours: 1.5\n", "sla_hours:", "community.sla_hours: Input should be a valid integer"),
    "no threshold": ("  flag_threshold: 0\n", "flag_threshold:", "community.flag_threshold: Input should be greater"),
    "threshold too high": ("  flag_threshold: 51\n", "flag_threshold:", "community.flag_threshold: Input should be le"),
    "misspelt key": ("  sla_hour: 12\n", "sla_hour:", "community.sla_hour: unknown key"),
}


@pytest.mark.parametrize("name", BAD)
def test_a_bad_value_is_reported_at_its_line_and_nothing_is_stored(runner, tree, name):
    good = runner.invoke(args=["courses", "sync", str(tree)])
    assert good.exit_code == 0
    block, needle, message = BAD[name]
    _set(tree, "community:\n" + block)
    line = _line_of(tree, needle)
    found = [f"{p.path.name}:{p.line}: {p.message}" for p in load_courses(tree).problems]
    assert any(p.startswith(f"course.yml:{line}: {message}") for p in found), found
    result = runner.invoke(args=["courses", "sync", str(tree)])
    assert result.exit_code == 1
    assert f"python-basics/course.yml:{line}: community." in result.output
    assert _stored() == (24, 3)
