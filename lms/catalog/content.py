"""Read and check course folders: every problem as `path:line: message`, or course specs to load."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.catalog.content_hash import lesson_visible, quiz_visible
from lms.catalog.markdown import RENDER_VERSION, render_lesson, render_markdown
from lms.catalog.notebook_checks import load_assignment
from lms.catalog.problems import Problem, ProblemCollector, is_slug
from lms.catalog.schema import CourseFile, ExamFile, QuizFile
from lms.catalog.skills import check_skill_titles
from lms.catalog.specs import CourseSpec, ItemSpec, ModuleSpec
from lms.catalog.tracks import TrackSpec, load_tracks
from lms.catalog.yaml_lines import line_of

RESERVED_DIRS = {"workshops", "tracks"}


@dataclass
class LoadResult:
    """The courses and tracks that loaded, and the problems and warnings found on the way."""

    courses: list[CourseSpec]
    problems: list[Problem]
    tracks: list[TrackSpec] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


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
    catalog_root = siblings[0].parent if siblings else root
    tracks, track_problems = load_tracks(catalog_root, known)
    if folders == siblings:  # the whole catalog, so every skill that modules name is known if all loaded
        skill_problems, skill_warnings = check_skill_titles(catalog_root, courses, complete=not problems)
        problems, warnings = problems + skill_problems, warnings + skill_warnings
    return LoadResult(courses, problems + track_problems, tracks, warnings)


def folder_hash(folder: Path) -> str:
    """A fingerprint of every file in a folder (empty if it does not exist)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def course_fingerprint(folder: Path) -> str:
    """Every file of the course, plus the track files beside it (tracks load with the courses):
    equal fingerprints mean there is nothing to re-load."""
    files = folder_hash(folder) + folder_hash(folder.parent / "tracks")
    return hashlib.sha256((files + RENDER_VERSION).encode()).hexdigest()


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
    course = ProblemCollector(folder)
    manifest = folder / "course.yml"
    slug = folder.name
    if not is_slug(slug):
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
    spec.audience_line = line_of(data, ("audience",))
    return spec, course.warnings


def _load_exam(course: ProblemCollector, manifest: Path, data: Any, parsed: CourseFile) -> dict[str, Any] | None:
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
    course: ProblemCollector, manifest: Path, data: Any, parsed: CourseFile, modules: list[ModuleSpec]
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


def _load_modules(course: ProblemCollector, manifest: Path, data: Any, parsed: CourseFile) -> list[ModuleSpec]:
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
            loader = {"lesson": _lesson, "quiz": _quiz, "assignment": load_assignment}[entry.kind]
            item = loader(course, course.folder / entry.path, text, item_slug)
            if item:
                item.source_path = entry.path
                item.title = entry.title or item.title
                if entry.kind == "assignment":
                    item.data.update(entry.policy())
                elif entry.kind == "quiz":
                    item.data["keep"] = entry.keep
                items.append(item)
        skills = module.skills if module.skills is not None else list(parsed.tags)
        modules.append(ModuleSpec(module.slug, module.title, module.summary, skills, items))
    return modules


def _lesson(course: ProblemCollector, path: Path, text: str, slug: str) -> ItemSpec | None:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not first.startswith("# ") or not first[2:].strip():
        course.problem(path, 1, "a lesson starts with its title: '# Title'")
        return None
    body_html, links = render_lesson(text)
    for line, target in links:
        if not (path.parent / target).resolve().exists():
            course.problem(path, line, f"link to missing file {target!r}")
    return ItemSpec("lesson", slug, first[2:].strip()[:200], "", body_html=body_html, visible=lesson_visible(text))


def _quiz(course: ProblemCollector, path: Path, text: str, slug: str) -> ItemSpec | None:
    data, quiz = course.parse(path, text, QuizFile)
    if quiz is None:
        return None
    _check_question_ids(course, path, data, quiz.questions)
    questions = [_question_data(q) for q in quiz.questions]
    data = {"pass_mark": quiz.pass_mark, "questions": questions}
    return ItemSpec("quiz", slug, quiz.title, "", data=data, visible=quiz_visible(quiz))


def _check_question_ids(course: ProblemCollector, path: Path, data: Any, questions: list) -> None:
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
