"""Load checked course specs into the database without ever losing learner data."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from blinker import Namespace
from sqlalchemy import select

from lms.catalog.content import CourseSpec, ModuleSpec, course_fingerprint, course_folders, load_courses
from lms.catalog.models import Course, CourseInstructor, Item, Module, Tag
from lms.catalog.schema import audience_columns
from lms.db import utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

# Sent after every sync with `courses=[(Course, CourseSpec), ...]` for every spec (changed or not):
# certification stores exams, certificate rules and tracks from it. Receivers only flush.
courses_synced = Namespace().signal("courses-synced")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.archived)} archived"
        )


def catalog_unchanged(root: Path) -> list[str] | None:
    """If every course folder matches what was last loaded (and nothing else is live), return
    their slugs, so a start-up can skip parsing; else None."""
    folders = course_folders(root) if not (root / "course.yml").is_file() else []
    if not folders:
        return None
    loaded = dict(
        db.session.execute(select(Course.slug, Course.content_hash).where(Course.archived_at.is_(None))).all()
    )
    if set(loaded) != {f.name for f in folders}:
        return None
    if any(loaded[f.name] != course_fingerprint(f) for f in folders):
        return None
    return [f.name for f in folders]


def sync_courses(specs: list[CourseSpec], *, archive_missing: bool, force: bool = False) -> SyncReport:
    """Upsert courses by slug; archive what the files no longer name. Flushes, never commits."""
    report = SyncReport()
    existing = {c.slug: c for c in db.session.scalars(select(Course))}
    tags = {t.name: t for t in db.session.scalars(select(Tag))}
    changed: list[tuple[Course, CourseSpec]] = []
    for spec in specs:
        course = existing.get(spec.slug)
        if not force and course is not None and course.content_hash == spec.content_hash and course.archived_at is None:
            report.unchanged.append(spec.slug)
            continue
        if course is None:
            course = Course(slug=spec.slug)
            db.session.add(course)
            existing[spec.slug] = course
            report.created.append(spec.slug)
        else:
            report.updated.append(spec.slug)
        _apply_course(course, spec, tags)
        changed.append((course, spec))
    db.session.flush()
    for course, spec in changed:
        course.prerequisites = [existing[s] for s in spec.file.prerequisites]
        _sync_modules(course, spec.modules)
    if archive_missing:
        named = {s.slug for s in specs}
        for slug, course in existing.items():
            if slug not in named and course.archived_at is None:
                course.archived_at = utcnow()
                report.archived.append(slug)
    db.session.flush()
    courses_synced.send(report, courses=[(existing[s.slug], s) for s in specs])
    log.info("courses synced: %s", report.summary())
    return report


def _apply_course(course: Course, spec: CourseSpec, tags: dict[str, Tag]) -> None:
    f = spec.file
    course.title, course.summary, course.tier = f.title, f.summary, f.tier
    course.language, course.estimated_hours, course.pass_mark = f.language, f.estimated_hours, f.pass_mark
    course.survey = f.survey.model_dump() if f.survey else None
    course.community_sla_hours, course.community_flag_threshold = f.community.sla_hours, f.community.flag_threshold
    course.audience, course.audience_segments, course.audience_teams = audience_columns(f.audience)
    course.content_hash = spec.content_hash
    course.archived_at = None
    course.updated_at = utcnow()
    for name in f.tags:
        if name not in tags:
            tags[name] = Tag(name=name)
            db.session.add(tags[name])
    course.tags = [tags[name] for name in dict.fromkeys(f.tags)]
    wanted = {e.lower() for e in f.instructors}
    course.instructors = [i for i in course.instructors if i.email in wanted] + [
        CourseInstructor(email=e) for e in sorted(wanted - {i.email for i in course.instructors})
    ]


def _sync_modules(course: Course, specs: list[ModuleSpec]) -> None:
    modules = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
    items = {i.slug: i for i in db.session.scalars(select(Item).where(Item.course_id == course.id))}
    live_modules: set[str] = set()
    live_items: set[str] = set()
    for position, spec in enumerate(specs):
        module = modules.get(spec.slug)
        if module is None:
            module = Module(course_id=course.id, slug=spec.slug)
            db.session.add(module)
        module.title, module.summary, module.skills = spec.title, spec.summary, spec.skills
        module.position, module.archived_at = position, None
        db.session.flush()
        live_modules.add(spec.slug)
        for item_position, item_spec in enumerate(spec.items):
            item = items.get(item_spec.slug)
            if item is None:
                item = Item(course_id=course.id, slug=item_spec.slug)
                db.session.add(item)
            item.module_id, item.kind, item.title = module.id, item_spec.kind, item_spec.title
            item.position, item.source_path = item_position, item_spec.source_path
            item.body_html, item.data, item.archived_at = item_spec.body_html, item_spec.data, None
            item.content_sha256 = item_spec.content_sha256
            live_items.add(item_spec.slug)
    now = utcnow()
    for slug, module in modules.items():
        if slug not in live_modules and module.archived_at is None:
            module.archived_at = now
    for slug, item in items.items():
        if slug not in live_items and item.archived_at is None:
            item.archived_at = now


@dataclass
class TreeSync:
    report: SyncReport | None
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # printed; never block the sync
    courses: list[CourseSpec] = field(default_factory=list)  # the specs loaded (none when unchanged)


def sync_tree(root: Path, *, force: bool = False) -> TreeSync:
    """Validate and load a courses folder (or one course); a no-op when nothing changed."""
    if not force and (unchanged := catalog_unchanged(root)) is not None:
        return TreeSync(SyncReport(unchanged=unchanged))
    result = load_courses(root)
    if not result.ok:
        return TreeSync(None, result.problems, result.warnings)
    whole_tree = not (root / "course.yml").is_file()
    report = sync_courses(result.courses, archive_missing=whole_tree, force=force)
    return TreeSync(report, warnings=result.warnings, courses=result.courses)
