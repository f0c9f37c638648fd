"""Certification tracks: each names existing courses, problems at their lines."""

from __future__ import annotations

from pathlib import Path

from lms.catalog.tracks import TrackSpec, load_tracks


def test_tracks_name_existing_courses(tmp_path: Path) -> None:
    (tmp_path / "tracks").mkdir()
    (tmp_path / "tracks/data.yml").write_text(
        "title: Data\nsummary: Two courses.\ncourses:\n  - python-basics\n  - python-next\n  - python-basics\n"
    )
    (tmp_path / "tracks/Bad_Name.yml").write_text(
        "title: Bad\nsummary: S\ncertificate_title: Cert\ncourses:\n  - gone\n"
    )
    tracks, problems = load_tracks(tmp_path, {"python-basics", "python-next"})
    assert [(p.path.name, p.line, p.message) for p in problems] == [
        ("Bad_Name.yml", 1, "file name 'Bad_Name' is not a valid slug"),
        ("Bad_Name.yml", 5, "unknown course 'gone'"),
    ]
    assert tracks == [
        TrackSpec("Bad_Name", "Bad", "S", "Cert", ["gone"]),
        TrackSpec("data", "Data", "Two courses.", "Data", ["python-basics", "python-next"]),
    ]


def test_no_tracks_folder(tmp_path: Path) -> None:
    assert load_tracks(tmp_path, set()) == ([], [])
