"""Certificate PDF rendering with WeasyPrint: cached template, fonts and CSS; bundled assets only."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from jinja2 import FileSystemLoader, Template
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from weasyprint import CSS, HTML, Attachment
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from certificates.data import CertificateData
from certificates.fit import NameFitError, fit_attempts, name_direction, name_fits, title_font_size

TEMPLATES = Path(__file__).parent / "templates"
ID_METADATA = "AcademyCertificateId"  # PDF /Info key verification compares with the credential
DEFAULT_TEMPLATE = TEMPLATES / "certificate.html"
HEADINGS = {"course": "Certificate of Completion", "track": "Certification", "workshop": "Certificate of Attendance"}
PHRASES = {
    "course": "has successfully completed the course",
    "track": "has completed every course of the track and is awarded the title",
    "workshop": "has attended the workshop",
}
# What the holder did, in the past tense. The rules a course sets (CRITERIA) are an instruction to
# learners; they belong in the signed credential's criteria, not on the certificate itself.
STATEMENTS = {
    "course": "All required modules were completed and all graded work was passed at the required mark.",
    "track": "Each course certificate of the track was earned.",
    "workshop": "",
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not strftime: the process locale must not matter


class RefusedURL(ValueError):
    """A URL outside the bundled asset folders; WeasyPrint logs it and renders without it."""


class BundledAssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no annotations
    """Serve file: URLs under the allowed folders from memory, refuse everything else."""

    def __init__(self, roots: Iterable[Path]) -> None:
        """Remember the allowed folders (resolved, so `..` tricks cannot escape them)."""
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = tuple(sorted({Path(root).resolve() for root in roots}))
        self._cache: dict[Path, bytes] = {}

    def _allowed_path(self, url: str) -> Path:
        """Map a URL to a bundled file, or raise RefusedURL."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused non-bundled URL {url[:200]!r}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise RefusedURL(f"refused file outside the certificate templates: {url[:200]!r}")
        return path

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return a bundled asset (cached in memory) or refuse the URL."""
        path = self._allowed_path(url)
        if path not in self._cache:
            self._cache[path] = path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, self._cache[path], {"Content-Type": mime})


@dataclass(frozen=True)
class EmbeddedFile:
    """A file to attach inside the PDF (the signed credential travels with the certificate)."""

    name: str
    content: bytes
    description: str


@dataclass(frozen=True)
class _Renderer:
    """Everything that can be prepared once per template and reused for every certificate."""

    template: Template
    stylesheets: tuple[CSS, ...]
    fetcher: BundledAssetFetcher
    font_config: FontConfiguration
    base_url: str
    image_cache: dict[str, object]


def _renderer(template: Path | str | None) -> _Renderer:
    """Return the prepared renderer for a template, rebuilt only when its files change."""
    path = Path(template or DEFAULT_TEMPLATE).resolve()
    css = path.with_suffix(".css")
    return _load_renderer(path, path.stat().st_mtime_ns, css.stat().st_mtime_ns if css.is_file() else 0)


@lru_cache(maxsize=32)
def _load_renderer(template_path: Path, _html_mtime: int, _css_mtime: int) -> _Renderer:
    """Load and parse a template and its CSS; course templates are sandboxed (authors are not admins)."""
    roots = {TEMPLATES, template_path.parent}
    fetcher = BundledAssetFetcher(roots)
    font_config = FontConfiguration()
    env = SandboxedEnvironment(loader=FileSystemLoader(str(template_path.parent)), autoescape=True)
    css_path = template_path.with_suffix(".css")
    sheets = (CSS(filename=str(css_path), url_fetcher=fetcher, font_config=font_config),) if css_path.is_file() else ()
    return _Renderer(
        template=env.get_template(template_path.name),
        stylesheets=sheets,
        fetcher=fetcher,
        font_config=font_config,
        base_url=template_path.parent.as_uri() + "/",
        image_cache={},
    )


@lru_cache(maxsize=256)
def qr_svg(url: str) -> Markup:
    """Return the verify-URL QR code as inline SVG (sized by CSS, nothing to fetch)."""
    qr = segno.make(url, error="m", micro=False)
    return Markup(qr.svg_inline(scale=4, border=0, dark="#1c2b4d", omitsize=True))


def render_html(data: CertificateData, name_size: float, template: Path | str | None = None) -> str:
    """Fill the template; Jinja autoescaping turns any markup in the name into plain text."""
    issued = data.issued_at
    return _renderer(template).template.render(
        data=data,
        name_size=f"{name_size:.2f}",
        name_dir=name_direction(data.learner_name),
        heading=HEADINGS[data.kind],
        phrase=PHRASES[data.kind],
        issued_on=f"{issued.day} {MONTHS[issued.month - 1]} {issued.year}",
        qr_svg=qr_svg(data.verify_url),
        title_size=f"{title_font_size(data.achievement_title):.2f}",
        statement=STATEMENTS[data.kind],
        verify_display=data.verify_url.split("://", 1)[-1],
    )


def render_document(data: CertificateData, template: Path | str | None = None) -> Document:
    """Lay out the certificate, shrinking the name until layout shows it fits its box on one page."""
    r = _renderer(template)
    for size in fit_attempts(data.learner_name):
        html = HTML(string=render_html(data, size, template), base_url=r.base_url, url_fetcher=r.fetcher)
        document = html.render(stylesheets=list(r.stylesheets), font_config=r.font_config, cache=r.image_cache)
        if name_fits(document):
            return document
    raise NameFitError(f"learner name of {len(data.learner_name)} characters does not fit")


def render_pdf(
    data: CertificateData,
    template: Path | str | None = None,
    attachments: Sequence[EmbeddedFile] = (),
) -> bytes:
    """Render the certificate PDF (A4 landscape, one page), tagged with its certificate id."""
    document = render_document(data, template)
    document.metadata.custom[ID_METADATA] = data.certificate_id
    fetcher = _renderer(template).fetcher
    files = [
        Attachment(
            string=f.content,
            name=f.name,
            description=f.description,
            url_fetcher=fetcher,
            created=data.issued_at,
            modified=data.issued_at,
            relationship="Data",
        )
        for f in attachments
    ]
    pdf: bytes = document.write_pdf(attachments=files, custom_metadata=True)
    return pdf
