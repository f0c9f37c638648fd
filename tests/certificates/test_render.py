"""Rendering: one handsome A4 landscape page, any script, long names shrink, nothing is fetched."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from weasyprint.urls import URLFetcherResponse

from certificates import issue_pdf, render_pdf
from certificates.credential import CRITERIA
from certificates.fit import name_fits, name_font_size
from certificates.render import (
    HEADINGS,
    PHRASES,
    STATEMENTS,
    TEMPLATES,
    BundledAssetFetcher,
    RefusedURL,
    _load_renderer,
    render_document,
)
from tests.certificates.helpers import make_data

A4_LANDSCAPE_PT = (841.89, 595.28)


def _squash(text: str) -> str:
    """Drop whitespace and bidi controls, as pdftotext re-flows lines and marks RTL runs."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def _page_count(info: str) -> int:
    """Read the page count from pdfinfo output."""
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_png_of_page_one_looks_like_a_certificate(issued_pdf: bytes, run_tool, pdftotext, tmp_path: Path) -> None:
    (tmp_path / "c.pdf").write_bytes(issued_pdf)
    rendered = run_tool("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "c.pdf", "page")
    assert rendered.returncode == 0, rendered.stderr
    image = Image.open(tmp_path / "page.png").convert("RGB")
    width, height = image.size
    assert width > height  # landscape
    assert abs(width / height - 297 / 210) < 0.01
    colors = image.getcolors(maxcolors=1 << 20)
    assert len(colors) > 50  # text, frame, seal and QR code, not a blank page
    text = _squash(pdftotext(issued_pdf))
    for expected in (
        "Ada Lovelace",
        "K7M2Q9XR4T",
        "Intermediate Python for AI Developers",
        "Certificate of Completion",
        "5 March 2026",
        "academy.example/verify/K7M2Q9XR4T",
    ):
        assert _squash(expected) in text


def test_page_is_a4_landscape_single_page(issued_pdf: bytes, run_tool, tmp_path: Path) -> None:
    (tmp_path / "c.pdf").write_bytes(issued_pdf)
    info = run_tool("pdfinfo", "c.pdf").stdout
    assert _page_count(info) == 1
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert (float(size.group(1)), float(size.group(2))) == pytest.approx(A4_LANDSCAPE_PT, abs=0.5)


@pytest.mark.parametrize(
    "name", ["王小明", "محمد بن موسى الخوارزمي", "Zoë 🚀 Müller 👩🏽‍💻"], ids=["chinese", "arabic-rtl", "emoji"]
)
def test_other_scripts_render(name: str, pdftotext) -> None:
    pdf = render_pdf(make_data(name))
    assert _squash(name) in _squash(pdftotext(pdf))


def test_300_character_name_shrinks_and_stays_in_its_box(pdftotext, run_tool, tmp_path: Path) -> None:
    name = ("Maximiliane Alexandra Wolfeschlegelsteinhausenbergerdorff " * 6)[:300]
    data = make_data(name)
    document = render_document(data)
    assert len(document.pages) == 1 and name_fits(document)
    assert name_font_size(name) < name_font_size("Ada Lovelace")
    pdf = render_pdf(data)
    (tmp_path / "c.pdf").write_bytes(pdf)
    assert _page_count(run_tool("pdfinfo", "c.pdf").stdout) == 1
    assert _squash(name) in _squash(pdftotext(pdf))
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', pdftotext(pdf, "-bbox"))
    for x_min, y_min, x_max, y_max in (tuple(map(float, w)) for w in words):
        assert x_min >= 0 and x_max <= A4_LANDSCAPE_PT[0]
        assert y_min >= 0 and y_max <= A4_LANDSCAPE_PT[1]


def test_300_characters_without_spaces_still_fit() -> None:
    assert name_fits(render_document(make_data("W" * 300)))


def test_markup_in_name_prints_as_text_and_fetches_nothing(monkeypatch: pytest.MonkeyPatch, pdftotext) -> None:
    fetched: list[str] = []
    original = BundledAssetFetcher.fetch

    def spy(self: BundledAssetFetcher, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Record every URL WeasyPrint asks for, then fetch as usual."""
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(BundledAssetFetcher, "fetch", spy)
    _load_renderer.cache_clear()  # a fresh renderer fetches its bundled seal through the spy
    name = "<img src=http://169.254.169.254/>"
    pdf = render_pdf(make_data(name))
    assert name in pdftotext(pdf)
    bundled = TEMPLATES.resolve().as_uri()
    assert fetched and all(url.startswith(bundled) for url in fetched), fetched


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        (TEMPLATES / ".." / ".." / "requirements.txt").as_uri(),
        "data:text/css,body{}",
    ],
)
def test_fetcher_refuses_everything_but_bundled_files(url: str) -> None:
    fetcher = BundledAssetFetcher([TEMPLATES])
    with pytest.raises((RefusedURL, ValueError)):
        fetcher.fetch(url)
    assert fetcher.fetch((TEMPLATES / "assets" / "seal.svg").as_uri()).read().startswith(b"<svg")


@pytest.mark.parametrize(("kind", "heading"), [("track", "Certification"), ("workshop", "Certificate of Attendance")])
def test_kind_sets_heading(kind: str, heading: str, pdftotext) -> None:
    assert heading in pdftotext(render_pdf(make_data(kind=kind)))


def test_course_template_is_sandboxed_and_reloaded_when_edited(tmp_path: Path, pdftotext) -> None:
    template = tmp_path / "certificate.html"
    template.write_text("<p>{{ data.__class__.__init__.__globals__ }}</p>")
    with pytest.raises(Exception, match="unsafe|not safely"):
        render_pdf(make_data(), template)
    template.write_text("<p>Edited {{ data.certificate_id }}</p>")
    assert "Edited K7M2Q9XR4T" in pdftotext(render_pdf(make_data(), template))


@pytest.mark.parametrize("kind", ["course", "track", "workshop"])
def test_the_pdf_says_what_the_holder_did_not_the_rules_to_follow(issuer, pdftotext, kind: str) -> None:
    """The rules ("Complete every required module, pass ...") are an instruction to learners, kept in the
    signed credential's criteria; the certificate states the achievement."""
    text = " ".join(pdftotext(issue_pdf(make_data(kind=kind), issuer)).split())
    assert " ".join(CRITERIA[kind].split()) not in text
    assert not re.search(r"\b(Complete|Attend|Earn) (every|the)\b", text)  # no imperative rule text
    for expected in (HEADINGS[kind], PHRASES[kind], STATEMENTS[kind]):
        assert expected in text
