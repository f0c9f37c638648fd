"""Problems in course files, each at its file and line, and the collector that reads files and gathers them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from lms.catalog.yaml_lines import YamlProblem, line_of, load_yaml

MAX_FILE_BYTES = 5 * 1024 * 1024
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One fault an author must fix, printed as `path:line: message` for editors to jump to."""

    path: Path
    line: int
    message: str
    warning: bool = False  # printed, but does not fail validation or block a sync

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{_display(self.path)}:{self.line}: {prefix}{self.message}"


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def is_slug(name: str) -> bool:
    """True for names fit for a URL: lowercase letters, digits and hyphens."""
    return re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", name) is not None


def schema_message(error: ErrorDetails) -> str:
    """A pydantic error in an author's words (pydantic's own for the rest)."""
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling)"
    if error["type"] == "missing":
        return "required key is missing"
    return error["msg"].removeprefix("Value error, ")


class ProblemCollector:
    """Reads the files of one folder, gathering every problem so an author sees them all at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        """Record an error: the folder will not load."""
        self.problems.append(Problem(path, line, message))

    def warn(self, path: Path, line: int, message: str) -> None:
        """Record a warning: shown, but the folder still loads."""
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

    def parse(self, path: Path, text: str, model: type[Model]) -> tuple[Any, Model | None]:
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
                self.problem(path, line_of(data, loc), f"{where}: {schema_message(error)}")
            return data, None
