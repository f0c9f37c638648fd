"""Fixtures for the certificate core: issuer keys, sample data, one issued PDF, poppler helpers."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from certificates import IssuerKeys, issue_pdf, load_or_create_issuer
from tests.certificates.helpers import make_data


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> IssuerKeys:
    """The Academy issuer, created in a fresh instance folder."""
    return load_or_create_issuer(tmp_path_factory.mktemp("instance"), "Academy", "https://academy.example")


@pytest.fixture(scope="session")
def other_issuer(tmp_path_factory: pytest.TempPathFactory) -> IssuerKeys:
    """Another issuer with its own key, to check that keys are pinned."""
    return load_or_create_issuer(tmp_path_factory.mktemp("other"), "Academy", "https://academy.example")


@pytest.fixture(scope="session")
def issued_pdf(issuer: IssuerKeys) -> bytes:
    """One issued certificate, shared by the read-only tests."""
    return issue_pdf(make_data(), issuer)


def _tool(name: str) -> str:
    """Locate a poppler/qpdf tool or skip (they come from scripts/debian-packages.txt)."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (see scripts/debian-packages.txt)")
    return path


@pytest.fixture
def pdftotext(tmp_path: Path) -> Callable[[bytes], str]:
    """Extract the text of a PDF with poppler, as a reader would see it."""
    tool = _tool("pdftotext")

    def run(pdf: bytes, *options: str) -> str:
        """Write the PDF to a file and return pdftotext's output."""
        source = tmp_path / "in.pdf"
        source.write_bytes(pdf)
        return subprocess.run([tool, *options, str(source), "-"], check=True, capture_output=True, text=True).stdout

    return run


@pytest.fixture
def run_tool(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run an external tool after checking it is installed."""

    def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the tool in the test's temporary folder."""
        return subprocess.run([_tool(name), *args], capture_output=True, text=True, cwd=tmp_path)

    return run
