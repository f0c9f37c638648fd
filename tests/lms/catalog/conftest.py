"""Fixtures for the catalog tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the fixture courses that a test may edit."""
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES / "courses", root)
    return root
