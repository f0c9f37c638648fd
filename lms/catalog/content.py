"""Read and check course folders: every problem as `path:line: message`, or course specs to load."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from lms.catalog import notebook_format as nbformat
from lms.catalog.markdown import render_lesson, render_markdown
from lms.catalog.notebook_lines import CellLines, cell_lines
from lms.catalog.schema import CourseFile, ExamFile, QuizFile, TrackFile
from lms.catalog.yaml_lines import YamlProblem, line_of, load_yaml

RESERVED_DIRS = {"workshops", "tracks"}
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    warning: bool = False  # printed, but does not fail validation or block a sync

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{_display(self.path)}:{self.line}: {prefix}{self.message}"


@dataclass
class ItemSpec:
    kind: str
    slug: str
    title: str
    source_path: str
    body_html: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    release: Any = None  # assignments: the grading.Release (hidden tests: never in `data`)


@dataclass
class ModuleSpec:
    slug: str
    title: str
    summary: str
    skills: list[str]
    items: list[ItemSpec]


@dataclass
class CourseSpec:
    slug: str
    folder: Path
    file: CourseFile
    modules: list[ModuleSpec]
    content_hash: str
    prerequisite_line: int = 1
    exam: dict[str, Any] | None = None  # settings + question bank, read by certification

    @property
    def certificate(self) -> dict[str, Any]:
        """The certificate rules of course.yml (defaults when the key is absent)."""
        return self.file.certificate.model_dump()

    @property
    def manifest(self) -> Path:
        return self.folder / "course.yml"


@dataclass
class TrackSpec:
    slug: str
    title: str
    summary: str
    certificate_title: str
    courses: list[str]


@dataclass
class LoadResult:
    courses: list[CourseSpec]
    problems: list[Problem]
    tracks: list[TrackSpec] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


class _Course:
    """Collects the problems of one course folder while building its spec."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def warn(self, path: Path, line: int, message: str) -> None:
        self.warnings.append(Problem(path, line, message, warning=True))

    def read(self, rel: str, from_file: Path, line: int) -> str | None:
        """Read a file named in course.yml; report it missing or outside the folder."""
        path = (self.folder / rel).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            self.problem(from_file, line, f"{rel}: path leaves the course folder")
            return None
        if not path.is_file():
            self.problem(from_file, line, f"{rel}: file not found")
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            self.problem(path, 1, f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
            return None
        raw = path.read_bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.problem(path, 1, "file is not UTF-8 text")
            return None

    def parse(self, path: Path, text: str, model: type[BaseModel]) -> tuple[Any, BaseModel | None]:
        """YAML text to a checked model; each schema error reported at its line."""
        try:
            data, duplicates = load_yaml(text)
        except YamlProblem as exc:
            self.problem(path, exc.line, exc.message)
            return None, None
        for line, message in duplicates:
            self.problem(path, line, message)
        if not isinstance(data, dict):
            self.problem(path, 1, "expected a mapping of keys (title:, ...) at the top level")
            return data, None
        try:
            return data, model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                where = ".".join(str(p) for p in loc) or "file"
                self.problem(path, line_of(data, loc), f"{where}: {_message(error)}")
            return data, None


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling)"
    if error["type"] == "missing":
        return "required key is missing"
    return error["msg"].removeprefix("Value error, ")


def load_courses(root: Path) -> LoadResult:
    """Load every course under `root` (a courses folder, or one course folder)."""
    root = root.resolve()
    if (root / "course.yml").is_file():
        folders, siblings = [root], _course_folders(root.parent)
    elif root.is_dir():
        folders = siblings = _course_folders(root)
    else:
        return LoadResult([], [Problem(root, 1, "no such folder, or no course.yml in it")])
    courses: list[CourseSpec] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for folder in folders:
        spec, course_problems = load_course(folder)
        problems += [p for p in course_problems if not p.warning]
        warnings += [p for p in course_problems if p.warning]
        if spec:
            courses.append(spec)
    known = {f.name for f in siblings}
    problems += _check_prerequisites(courses, known)
    tracks, track_problems = load_tracks(siblings[0].parent if siblings else root, known)
    return LoadResult(courses, problems + track_problems, tracks, warnings)


def load_tracks(root: Path, known: set[str]) -> tuple[list[TrackSpec], list[Problem]]:
    """Read courses/tracks/*.yml: certification tracks naming existing course slugs."""
    tracks: list[TrackSpec] = []
    problems: list[Problem] = []
    folder = root / "tracks"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        reader = _Course(folder)
        text = reader.read(path.name, path, 1)
        data, track = reader.parse(path, text, TrackFile) if text is not None else (None, None)
        problems += reader.problems
        if track is None:
            continue
        if not _is_slug(path.stem):
            problems.append(Problem(path, 1, f"file name {path.stem!r} is not a valid slug"))
        for index, slug in enumerate(track.courses):
            if slug not in known:
                problems.append(Problem(path, line_of(data, ("courses", index)), f"unknown course {slug!r}"))
        title = track.certificate_title or track.title
        tracks.append(TrackSpec(path.stem, track.title, track.summary, title, list(dict.fromkeys(track.courses))))
    return tracks, problems


def folder_hash(folder: Path) -> str:
    """A fingerprint of every file in a folder (empty if it does not exist)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def course_fingerprint(folder: Path) -> str:
    """Every file of the course, plus the track files beside it (tracks load with the courses):
    equal fingerprints mean there is nothing to re-load."""
    return hashlib.sha256((folder_hash(folder) + folder_hash(folder.parent / "tracks")).encode()).hexdigest()


def course_folders(root: Path) -> list[Path]:
    """The course folders under a courses root (each has a course.yml)."""
    return _course_folders(root.resolve())


def _course_folders(root: Path) -> list[Path]:
    return sorted(
        p for p in root.iterdir() if p.is_dir() and (p / "course.yml").is_file() and p.name not in RESERVED_DIRS
    )


def load_course(folder: Path) -> tuple[CourseSpec | None, list[Problem]]:
    """Check one course folder and build its spec (None if it has errors); the problems
    returned include warnings (`Problem.warning`), which leave the spec intact."""
    course = _Course(folder)
    manifest = folder / "course.yml"
    slug = folder.name
    if not _is_slug(slug):
        course.problem(manifest, 1, f"folder name {slug!r} is not a valid slug (lowercase letters, digits, hyphens)")
    text = course.read("course.yml", manifest, 1)
    if text is None:
        return None, course.problems
    data, parsed = course.parse(manifest, text, CourseFile)
    if parsed is None:
        return None, course.problems
    modules = _load_modules(course, manifest, data, parsed)
    exam = _load_exam(course, manifest, data, parsed) if parsed.exam else None
    _check_certificate_rules(course, manifest, data, parsed, modules)
    if course.problems:
        return None, course.problems + course.warnings
    prereq_line = line_of(data, ("prerequisites",))
    spec = CourseSpec(slug, folder, parsed, modules, course_fingerprint(folder), prereq_line, exam)
    return spec, course.warnings


def _load_exam(course: _Course, manifest: Path, data: Any, parsed: CourseFile) -> dict[str, Any] | None:
    """Read the exam question bank named by `exam.bank` and check it can fill one attempt."""
    settings = parsed.exam
    text = course.read(settings.bank, manifest, line_of(data, ("exam", "bank")))
    if text is None:
        return None
    path = course.folder / settings.bank
    bank_data, bank = course.parse(path, text, ExamFile)
    if bank is None:
        return None
    _check_question_ids(course, path, bank_data, bank.questions)
    if settings.questions > len(bank.questions):
        course.problem(
            manifest,
            line_of(data, ("exam", "questions")),
            f"exam.questions: draws {settings.questions} questions but {settings.bank} has only {len(bank.questions)}",
        )
    return {
        **settings.model_dump(),
        "title": bank.title,
        "instructions_html": render_markdown(bank.instructions) if bank.instructions else "",
        "pass_mark": settings.pass_mark if settings.pass_mark is not None else parsed.pass_mark,
        "bank": [_question_data(q) for q in bank.questions],
    }


def _check_certificate_rules(
    course: _Course, manifest: Path, data: Any, parsed: CourseFile, modules: list[ModuleSpec]
) -> None:
    """Required modules and assignments must name ones the course has."""
    rules = parsed.certificate
    module_slugs = {m.slug for m in modules}
    assignments = {i.slug for m in modules for i in m.items if i.kind == "assignment"}
    for key, known, what in (
        ("required_modules", module_slugs, "module"),
        ("required_assignments", assignments, "assignment"),
    ):
        for index, slug in enumerate(getattr(rules, key) or []):
            if slug not in known:
                line = line_of(data, ("certificate", key, index))
                course.problem(manifest, line, f"certificate.{key}: no {what} {slug!r} in this course")
    if rules.template:  # read() reports a missing file or one outside the course folder
        course.read(rules.template, manifest, line_of(data, ("certificate", "template")))


def _is_slug(name: str) -> bool:
    return re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", name) is not None


def _load_modules(course: _Course, manifest: Path, data: Any, parsed: CourseFile) -> list[ModuleSpec]:
    modules: list[ModuleSpec] = []
    module_slugs: set[str] = set()
    item_slugs: dict[str, str] = {}
    for m_index, module in enumerate(parsed.modules):
        if module.slug in module_slugs:
            course.problem(
                manifest, line_of(data, ("modules", m_index, "slug")), f"duplicate module slug {module.slug!r}"
            )
        module_slugs.add(module.slug)
        items: list[ItemSpec] = []
        for i_index, entry in enumerate(module.items):
            line = line_of(data, ("modules", m_index, "items", i_index))
            item_slug = Path(entry.path).stem
            if item_slug in item_slugs:
                course.problem(
                    manifest, line, f"{entry.path}: item slug {item_slug!r} already used by {item_slugs[item_slug]}"
                )
            item_slugs[item_slug] = entry.path
            text = course.read(entry.path, manifest, line)
            if text is None:
                continue
            loader = {"lesson": _lesson, "quiz": _quiz, "assignment": _assignment}[entry.kind]
            item = loader(course, course.folder / entry.path, text, item_slug)
            if item:
                item.source_path = entry.path
                item.title = entry.title or item.title
                if entry.kind == "assignment":
                    item.data.update(entry.policy())
                items.append(item)
        skills = module.skills if module.skills is not None else list(parsed.tags)
        modules.append(ModuleSpec(module.slug, module.title, module.summary, skills, items))
    return modules


def _lesson(course: _Course, path: Path, text: str, slug: str) -> ItemSpec | None:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not first.startswith("# ") or not first[2:].strip():
        course.problem(path, 1, "a lesson starts with its title: '# Title'")
        return None
    body_html, links = render_lesson(text)
    for line, target in links:
        if not (path.parent / target).resolve().exists():
            course.problem(path, line, f"link to missing file {target!r}")
    return ItemSpec("lesson", slug, first[2:].strip()[:200], "", body_html=body_html)


def _quiz(course: _Course, path: Path, text: str, slug: str) -> ItemSpec | None:
    data, quiz = course.parse(path, text, QuizFile)
    if quiz is None:
        return None
    _check_question_ids(course, path, data, quiz.questions)
    questions = [_question_data(q) for q in quiz.questions]
    return ItemSpec("quiz", slug, quiz.title, "", data={"pass_mark": quiz.pass_mark, "questions": questions})


def _check_question_ids(course: _Course, path: Path, data: Any, questions: list) -> None:
    seen: set[str] = set()
    for index, question in enumerate(questions):
        if question.id in seen:
            course.problem(path, line_of(data, ("questions", index, "id")), f"duplicate question id {question.id!r}")
        seen.add(question.id)


def _question_data(q: Any) -> dict[str, Any]:
    return {
        "id": q.id,
        "type": q.type,
        "prompt_html": render_markdown(q.prompt),
        "points": q.points,
        "options": [o.text for o in q.options],
        "correct": [i for i, o in enumerate(q.options) if o.correct],
        "explanation_html": render_markdown(q.explanation) if q.explanation else "",
    }


def _assignment(course: _Course, path: Path, text: str, slug: str) -> ItemSpec | None:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        course.problem(path, exc.lineno, f"notebook is not valid JSON: {exc.msg}")
        return None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        course.problem(path, 1, "not an nbformat 4 notebook (the 'nbformat' field must be 4)")
        return None
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        course.problem(path, 1, f"notebook does not follow nbformat 4: {exc.message}")
        return None
    grade_ids: dict[str, int] = {}
    max_points = 0.0
    tests = 0
    lines = cell_lines(text)
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        line = _line_of_cell(lines, index)
        grade_id = meta.get("grade_id")
        if not grade_id:
            course.problem(path, line, f"cell {index + 1} has nbgrader metadata but no grade_id")
            continue
        if grade_id in grade_ids:
            course.problem(
                path, line, f"cell {index + 1}: grade_id {grade_id!r} is already used by cell {grade_ids[grade_id] + 1}"
            )
        grade_ids[grade_id] = index
        if meta.get("grade"):
            points = meta.get("points")
            if not isinstance(points, int | float) or points <= 0:
                course.problem(path, line, f"cell {index + 1} ({grade_id}): a graded cell needs points > 0")
                continue
            max_points += points
            tests += cell.cell_type == "code" and not meta.get("solution")
    if not grade_ids:
        course.problem(path, 1, "no nbgrader metadata: mark solution and test cells (see courses/README.md)")
    elif tests == 0:
        course.problem(path, 1, "no autograder test cell (a code cell with grade: true and points)")
    if course.problems:
        return None
    from grading import ReleaseError, make_release  # after notebook_format: nbformat's fast import
    from grading.analysis import Level, analyse

    try:  # what learners download and what grading needs: made here, stored on sync
        release = make_release(text.encode("utf-8"), name=slug)
    except ReleaseError as exc:
        course.problem(path, 1, f"nbgrader cannot release this notebook: {exc}")
        return None
    _, findings = analyse(notebook)  # how the tests will run in the checker (courses/README.md)
    for finding in findings:
        report = course.problem if finding.level is Level.ERROR else course.warn
        report(path, _line_of_cell(lines, finding.cell, finding.line), finding.message)
    if any(f.level is Level.ERROR for f in findings):
        return None
    title = _notebook_title(notebook) or slug
    data = {"notebook": path.name, "max_points": max_points, "grade_ids": list(grade_ids)}
    return ItemSpec("assignment", slug, title, "", data=data, release=release)


def _line_of_cell(lines: list[CellLines], index: int, source_line: int = 0) -> int:
    """The line in the notebook JSON where the index-th cell's `source_line` (1-based) stands,
    or, without one (or when the source's layout is unknown), its "cell_type" key."""
    return lines[index].line_of(source_line) if index < len(lines) else 1


def _notebook_title(notebook: Any) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()[:200]
    return ""


def _check_prerequisites(courses: list[CourseSpec], known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for course in courses:
        for slug in course.file.prerequisites:
            if slug == course.slug:
                problems.append(
                    Problem(course.manifest, course.prerequisite_line, "a course cannot be its own prerequisite")
                )
            elif slug not in known:
                problems.append(Problem(course.manifest, course.prerequisite_line, f"unknown prerequisite {slug!r}"))
    by_slug = {c.slug: c for c in courses}
    graph = {c.slug: [p for p in c.file.prerequisites if p in by_slug and p != c.slug] for c in courses}
    for cycle in _cycles(graph):
        first = by_slug[cycle[0]]
        chain = " -> ".join([*cycle, cycle[0]])
        problems.append(Problem(first.manifest, first.prerequisite_line, f"prerequisites form a cycle: {chain}"))
    return problems


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of the prerequisite graph once (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt) :])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found
