"""Sample certificate data shared by the certificate tests."""

from __future__ import annotations

from datetime import UTC, datetime

from certificates import CertificateData

ISSUED_AT = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)


def make_data(name: str = "Ada Lovelace", certificate_id: str = "K7M2Q9XR4T", **extra: object) -> CertificateData:
    """Build certificate data with sensible defaults, overridable per test."""
    fields: dict[str, object] = {
        "certificate_id": certificate_id,
        "learner_name": name,
        "achievement_title": "Intermediate Python for AI Developers",
        "kind": "course",
        "issued_at": ISSUED_AT,
        "issuer_name": "Academy",
        "verify_url": f"https://academy.example/verify/{certificate_id}",
    }
    return CertificateData(**{**fields, **extra})
