"""The web side of the certificates package: the instance issuer key, certificate data, stored PDFs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

import certificates
from certificates.data import CertificateData
from certificates.store import issuer_exists, write_once
from lms.certification.models import Certificate, CourseCertification
from lms.extensions import db

if TYPE_CHECKING:
    from certificates.issuer import IssuerKeys

ISSUER_DIR = "issuer"
PDF_DIR = "certificates"
DEFAULT_BASE_URL = "http://localhost:5000"


@dataclass(frozen=True)
class IssuingConfig:
    """Where certificates are stored and who issues them; plain data so worker processes can use it."""

    instance_dir: Path
    courses_dir: Path
    base_url: str
    issuer_name: str

    @property
    def issuer_dir(self) -> Path:
        return self.instance_dir / ISSUER_DIR

    @property
    def pdf_dir(self) -> Path:
        return self.instance_dir / PDF_DIR

    def verify_url(self, public_id: str) -> str:
        return f"{self.base_url}/verify/{public_id}"


def config_from_app(app: Flask | None = None) -> IssuingConfig:
    """Read the issuing settings of an app (default: the current one; ACADEMY_BASE_URL: the public address)."""
    cfg = (app or current_app).config
    base = cfg["ACADEMY_BASE_URL"] or DEFAULT_BASE_URL
    return IssuingConfig(
        Path(cfg["INSTANCE_DIR"]), Path(cfg["COURSES_DIR"]), base.rstrip("/"), cfg["ACADEMY_ISSUER_NAME"]
    )


@lru_cache(maxsize=8)
def _issuer(folder: Path, name: str, url: str) -> IssuerKeys:
    from certificates.issuer import load_or_create_issuer  # cryptography loads with the first key use

    return load_or_create_issuer(folder, name, url)


def issuer_keys(config: IssuingConfig) -> IssuerKeys:
    """The issuer key and certificate in instance/issuer, created on first use (never in git)."""
    return _issuer(config.issuer_dir, config.issuer_name, config.base_url)


def create_issuer(config: IssuingConfig) -> None:
    """Make the issuer key if the instance has none; an existing one loads (with cryptography) at first use."""
    if not issuer_exists(config.issuer_dir):
        issuer_keys(config)


def certificate_data(cert: Certificate, config: IssuingConfig) -> CertificateData:
    """What the PDF and the credential say about a certificate, from its stored row."""
    achievement = f"{config.base_url}/courses/{cert.slug}" if cert.kind == "course" else None
    return CertificateData(
        certificate_id=cert.public_id,
        learner_name=cert.learner_name,
        achievement_title=cert.title,
        kind=cert.kind,  # type: ignore[arg-type]
        issued_at=cert.issued_at.astimezone(UTC),
        issuer_name=config.issuer_name,
        verify_url=config.verify_url(cert.public_id),
        achievement_url=achievement,
    )


def template_for(cert: Certificate, config: IssuingConfig) -> Path | None:
    """The course's own certificate.html (or `certificate.template`), else the default template."""
    if cert.kind != "course":
        return None
    stored = db.session.get(CourseCertification, cert.course_id) if cert.course_id else None
    chosen = stored.rules.get("template") if stored else None
    folder = config.courses_dir / cert.slug
    path = folder / chosen if chosen else folder / "certificate.html"
    return path if path.is_file() and path.resolve().is_relative_to(folder.resolve()) else None


def render_to_store(data: CertificateData, template: Path | None, config: IssuingConfig) -> str:
    """Render, sign and store one PDF; the first stored file wins, so a re-render never replaces it."""
    config.pdf_dir.mkdir(parents=True, exist_ok=True)
    name = f"{data.certificate_id}.pdf"
    target = config.pdf_dir / name
    if target.exists():
        return name
    pdf = certificates.issue_pdf(data, issuer_keys(config), template)  # WeasyPrint loads here, not at start-up
    write_once(target, pdf, 0o600)
    return name


def stored_pdf(cert: Certificate, config: IssuingConfig) -> Path:
    """The certificate's PDF file, rendered and stored the first time it is asked for."""
    if cert.pdf_file and (config.pdf_dir / cert.pdf_file).is_file():
        return config.pdf_dir / cert.pdf_file
    cert.pdf_file = render_to_store(certificate_data(cert, config), template_for(cert, config), config)
    db.session.flush()
    return config.pdf_dir / cert.pdf_file


def credential_json(cert: Certificate, config: IssuingConfig) -> str:
    """The OB 3.0 credential as JSON, with its VC-JWT proof alongside (the same one the PDF carries)."""
    from certificates.credential import build_credential

    issuer = issuer_keys(config)
    credential = build_credential(certificate_data(cert, config), issuer)
    return json.dumps(credential, indent=2, ensure_ascii=False)


def credential_jwt(cert: Certificate, config: IssuingConfig) -> str:
    """The credential secured as a VC-JWT (what OB 3.0 wallets import)."""
    from certificates.credential import build_credential, encode_vc_jwt

    issuer = issuer_keys(config)
    return encode_vc_jwt(build_credential(certificate_data(cert, config), issuer), issuer)
