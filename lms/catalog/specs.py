"""What a checked course folder loads as: the specs sync writes to the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.catalog.content_hash import content_sha256
from lms.catalog.schema import CourseFile


@dataclass
class ItemSpec:
    """One lesson, quiz or assignment, rendered and checked."""

    kind: str
    slug: str
    title: str
    source_path: str
    body_html: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    release: Any = None  # assignments: the grading.Release (hidden tests: never in `data`)
    visible: Any = None  # what learners see, normalised (lms/catalog/content_hash.py)

    @property
    def content_sha256(self) -> str:
        """The item's content hash, from its final title (course.yml may override the file's)."""
        return content_sha256(self.kind, self.title, self.visible)


@dataclass
class ModuleSpec:
    """A module of a course and its items, in course.yml's order."""

    slug: str
    title: str
    summary: str
    skills: list[str]
    items: list[ItemSpec]


@dataclass
class CourseSpec:
    """A course folder that passed every check."""

    slug: str
    folder: Path
    file: CourseFile
    modules: list[ModuleSpec]
    content_hash: str
    prerequisite_line: int = 1
    exam: dict[str, Any] | None = None  # settings + question bank, read by certification
    audience_line: int = 1  # where course.yml says `audience:` (for warnings about its names)

    @property
    def certificate(self) -> dict[str, Any]:
        """The certificate rules of course.yml (defaults when the key is absent)."""
        return self.file.certificate.model_dump()

    @property
    def manifest(self) -> Path:
        return self.folder / "course.yml"
