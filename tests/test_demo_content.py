"""The shipped catalog is valid and teaches what the product brief promises."""

from __future__ import annotations

from lms.catalog.content import load_courses
from lms.config import ROOT


def test_demo_catalog_is_valid_and_complete():
    result = load_courses(ROOT / "courses")
    assert result.ok, "\n".join(str(p) for p in result.problems)
    courses = result.courses
    assert len(courses) >= 6
    assert {c.file.tier for c in courses} == {"beginner", "intermediate", "advanced"}
    assert any(c.file.prerequisites for c in courses)
    for course in courses:
        kinds = [i.kind for m in course.modules for i in m.items]
        assert len(course.modules) >= 3, course.slug
        assert "quiz" in kinds and "assignment" in kinds and "lesson" in kinds, course.slug
        lessons = [i for m in course.modules for i in m.items if i.kind == "lesson"]
        assert all(len(i.body_html) > 1500 for i in lessons), course.slug  # real text, not filler
