"""Certification tracks (courses/tracks/*.yml): a certificate for finishing a set of courses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms.catalog.problems import Problem, ProblemCollector, is_slug
from lms.catalog.schema import TrackFile
from lms.catalog.yaml_lines import line_of


@dataclass
class TrackSpec:
    """A checked track: its courses exist and are listed once each."""

    slug: str
    title: str
    summary: str
    certificate_title: str
    courses: list[str]


def load_tracks(root: Path, known: set[str]) -> tuple[list[TrackSpec], list[Problem]]:
    """Read courses/tracks/*.yml: certification tracks naming existing course slugs."""
    tracks: list[TrackSpec] = []
    problems: list[Problem] = []
    folder = root / "tracks"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        reader = ProblemCollector(folder)
        text = reader.read(path.name, path, 1)
        data, track = reader.parse(path, text, TrackFile) if text is not None else (None, None)
        problems += reader.problems
        if track is None:
            continue
        if not is_slug(path.stem):
            problems.append(Problem(path, 1, f"file name {path.stem!r} is not a valid slug"))
        for index, slug in enumerate(track.courses):
            if slug not in known:
                problems.append(Problem(path, line_of(data, ("courses", index)), f"unknown course {slug!r}"))
        title = track.certificate_title or track.title
        tracks.append(TrackSpec(path.stem, track.title, track.summary, title, list(dict.fromkeys(track.courses))))
    return tracks, problems
