"""The embedded Open Badges 3.0 credential: required fields, VC-JWT proof, issuer profile."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader

from certificates import (
    IssuerKeys,
    build_credential,
    is_certificate_id,
    load_or_create_issuer,
    load_public_key,
    new_certificate_id,
)
from certificates.credential import CredentialError, verify_vc_jwt
from certificates.jose import decode_jwt
from certificates.sign import CREDENTIAL_JSON, CREDENTIAL_JWT
from certificates.verify import embedded_file
from tests.certificates.helpers import make_data

ROOT = Path(__file__).resolve().parents[2]


def _attachments(pdf: bytes) -> tuple[str, dict[str, object]]:
    """Return the embedded VC-JWT and the readable JSON copy."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return embedded_file(reader, CREDENTIAL_JWT).decode(), json.loads(embedded_file(reader, CREDENTIAL_JSON))


def test_embedded_credential_is_an_ob3_vc_jwt(issued_pdf: bytes, issuer: IssuerKeys) -> None:
    token, readable = _attachments(issued_pdf)
    header, payload = decode_jwt(token)
    assert header["alg"] == "ES256" and header["typ"] == "JWT" and header["kid"].startswith(issuer.issuer_id)
    assert verify_vc_jwt(token, issuer.public_key) == payload
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["id"] == payload["jti"] == "urn:academy:certificate:K7M2Q9XR4T"
    assert payload["issuer"]["type"] == ["Profile"] and payload["issuer"]["id"] == payload["iss"]
    assert payload["validFrom"] == "2026-03-05T14:30:00Z" and payload["nbf"] == 1772721000
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "Ada Lovelace"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["criteria"]["narrative"]
    assert achievement["name"] == "Intermediate Python for AI Developers" and achievement["description"]
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf")} == readable


def test_proof_fails_with_other_key_or_tampering(
    issued_pdf: bytes, issuer: IssuerKeys, other_issuer: IssuerKeys
) -> None:
    token, _ = _attachments(issued_pdf)
    with pytest.raises(CredentialError, match="does not verify"):
        verify_vc_jwt(token, other_issuer.public_key)
    head, body, sig = token.split(".")
    with pytest.raises(CredentialError):
        verify_vc_jwt(f"{head}.{body[:-2]}AA.{sig}", issuer.public_key)
    with pytest.raises(CredentialError):
        verify_vc_jwt("not.a-jwt", issuer.public_key)


def test_build_credential_uses_achievement_url_and_kind(issuer: IssuerKeys) -> None:
    credential = build_credential(make_data(kind="track", achievement_url="https://academy.example/tracks/ai"), issuer)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["id"] == "https://academy.example/tracks/ai"
    assert achievement["achievementType"] == "Certification"


def test_issuer_files_are_created_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_issuer(tmp_path / "instance", "Academy", "https://academy.example")
    key_file = tmp_path / "instance" / "issuer-key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    again = load_or_create_issuer(tmp_path / "instance", "Academy", "https://academy.example")
    assert again.public_key_pem() == first.public_key_pem()
    assert again.certificate_pem() == first.certificate_pem()
    assert isinstance(load_public_key(first.certificate_pem()), ec.EllipticCurvePublicKey)
    assert load_public_key(first.public_key_pem()).public_numbers() == first.public_key.public_numbers()


def test_issuer_profile_publishes_key(issuer: IssuerKeys) -> None:
    profile = json.loads(json.dumps(issuer.profile()))
    assert profile["id"] == "https://academy.example/.well-known/academy-issuer.json"
    assert profile["type"] == ["Profile"] and profile["name"] == "Academy"
    jwk = profile["jwks"]["keys"][0]
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and jwk["kid"] == issuer.key_id
    assert load_public_key(profile["publicKeyPem"].encode()).public_numbers() == issuer.public_key.public_numbers()
    assert "PRIVATE" not in json.dumps(profile)


def test_certificate_ids_are_short_unambiguous_and_unique() -> None:
    ids = {new_certificate_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(is_certificate_id(i) and len(i) == 10 and not set(i) & set("01OILU") for i in ids)


@pytest.mark.parametrize(
    "bad",
    [
        {"certificate_id": "short"},
        {"kind": "diploma"},
        {"learner_name": "  "},
        {"learner_name": "x" * 301},
        {"verify_url": "javascript:alert(1)"},
    ],
)
def test_certificate_data_rejects_bad_fields(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_data(**bad)


def test_naive_issue_time_is_rejected() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone"):
        make_data(issued_at=datetime(2026, 3, 5))


def test_package_never_imports_flask_or_lms() -> None:
    code = (
        "import sys, certificates, certificates.verify; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'lms')]; "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
