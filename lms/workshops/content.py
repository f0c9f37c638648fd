"""Read and check courses/workshops/*.yml: problems as `path:line: message`, or specs to load."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from lms.catalog.markdown import render_markdown
from lms.catalog.problems import MAX_FILE_BYTES, Problem, is_slug, schema_message
from lms.catalog.yaml_lines import YamlProblem, line_of, load_yaml
from lms.localtime import NonexistentLocalTime, to_utc
from lms.workshops.schema import WorkshopFile

_UNION_TAGS = {"datetime", "time", "function-after[where_and_when(), SessionEntry]"}


@dataclass
class SessionSpec:
    key: str
    title: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime
    online_url: str
    place: str
    capacity: int


@dataclass
class WorkshopSpec:
    slug: str
    path: Path
    file: WorkshopFile
    description_html: str
    sessions: list[SessionSpec]
    content_hash: str


def load_workshops(folder: Path, courses_root: Path | None = None) -> tuple[list[WorkshopSpec], list[Problem]]:
    """Check every *.yml in `folder` (courses/workshops); course links must name a course folder."""
    if not folder.is_dir():
        return [], []
    courses_root = courses_root or folder.parent
    specs: list[WorkshopSpec] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yml")):
        spec, found = load_workshop(path, courses_root)
        problems += found
        if spec:
            specs.append(spec)
    return specs, problems


def load_workshop(path: Path, courses_root: Path) -> tuple[WorkshopSpec | None, list[Problem]]:
    """One workshop file to a spec (None and problems if anything is wrong)."""
    slug = path.stem
    problems: list[Problem] = []
    if not is_slug(slug):
        problems.append(
            Problem(path, 1, f"file name {slug!r} is not a valid slug (lowercase letters, digits, hyphens)")
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        return None, [Problem(path, 1, "file is too large")]
    raw = path.read_bytes()
    try:
        data, duplicates = load_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, [Problem(path, 1, "file is not UTF-8 text")]
    except YamlProblem as exc:
        return None, [Problem(path, exc.line, exc.message)]
    problems += [Problem(path, line, message) for line, message in duplicates]
    if not isinstance(data, dict):
        return None, [*problems, Problem(path, 1, "expected a mapping of keys (title:, ...) at the top level")]
    try:
        parsed = WorkshopFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc if str(p) not in _UNION_TAGS) or "file"
            problems.append(Problem(path, line_of(data, loc), f"{where}: {schema_message(error)}"))
        return None, problems
    if parsed.course and not (courses_root / parsed.course / "course.yml").is_file():
        problems.append(Problem(path, line_of(data, ("course",)), f"unknown course {parsed.course!r}"))
    sessions = _sessions(path, data, parsed, problems)
    if problems:
        return None, problems
    html = render_markdown(parsed.description)
    return WorkshopSpec(slug, path, parsed, html, sessions, hashlib.sha256(raw).hexdigest()), []


def _sessions(path: Path, data, parsed: WorkshopFile, problems: list[Problem]) -> list[SessionSpec]:
    sessions: list[SessionSpec] = []
    keys: set[str] = set()
    for index, entry in enumerate(parsed.sessions):
        line = line_of(data, ("sessions", index))
        if entry.key in keys:
            problems.append(Problem(path, line, f"duplicate session key {entry.key!r}"))
        keys.add(entry.key)
        try:
            starts = to_utc(entry.start, entry.timezone)
            ends = to_utc(entry.end_datetime, entry.timezone)
            closes = to_utc(entry.registration_closes, entry.timezone) if entry.registration_closes else starts
        except NonexistentLocalTime as exc:
            problems.append(Problem(path, line, f"sessions.{index}: {exc}"))
            continue
        sessions.append(
            SessionSpec(
                entry.key,
                entry.title,
                entry.timezone,
                starts,
                ends,
                closes,
                entry.online or "",
                entry.place or "",
                entry.capacity,
            )
        )
    return sessions
