"""Learner pages, downloads, the public verify page and upload: access and every bad input."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest

from lms.certification import services
from lms.extensions import db
from tests.factories import login, make_user
from tests.lms.certification.conftest import complete_basics


@pytest.fixture
def earned(catalog, client):
    """A learner who earned the cert-basics certificate, logged in."""
    learner = make_user(email="ada@example.com", name="Ada Lovelace")
    complete_basics(learner, catalog["cert-basics"])
    db.session.commit()
    login(client, learner.email)
    return learner, services.find_by_subject(learner.id, "course:cert-basics")


def upload(client, data: bytes, name: str = "cert.pdf"):
    return client.post("/verify", data={"pdf": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_my_certificates_page_links_everything(earned, client):
    _learner, cert = earned
    page = client.get("/certificates").get_data(as_text=True)
    assert "Certified basics" in page and cert.public_id in page
    assert f"/certificates/{cert.public_id}.pdf" in page and "credential.json" in page
    assert f'data-copy="http://localhost:5000/verify/{cert.public_id}"' in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&amp;name=Certified+basics" in page
    assert f"certId={cert.public_id}" in page and "organizationName=Academy" in page and "issueYear=" in page
    assert "<script>" not in page and "certification.js" in page
    assert "Certified Test Developer" in page  # the track this course belongs to, still on the way


def test_pdf_is_rendered_once_and_verifies(earned, client, app):
    _learner, cert = earned
    first = client.get(f"/certificates/{cert.public_id}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert client.get(f"/certificates/{cert.public_id}.pdf").data == first.data  # the stored file, not a re-render
    assert (app.config["INSTANCE_DIR"] / "certificates" / f"{cert.public_id}.pdf").is_file()
    result = upload(client, first.data)
    assert result.status_code == 200
    assert "Authentic" in result.get_data(as_text=True) and "Ada Lovelace" in result.get_data(as_text=True)


def test_page_one_shows_name_and_id(earned, client, tmp_path):
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils not installed")
    _learner, cert = earned
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(client.get(f"/certificates/{cert.public_id}.pdf").data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Ada Lovelace" in text and cert.public_id in text


def test_other_learner_cannot_download(earned, client, app):
    _learner, cert = earned
    other = app.test_client()
    login(other, make_user().email)
    for url in (
        f"/certificates/{cert.public_id}.pdf",
        f"/certificates/{cert.public_id}/credential.json",
        f"/certificates/{cert.public_id}/credential.jwt",
    ):
        assert other.get(url).status_code == 404
    assert app.test_client().get(f"/certificates/{cert.public_id}.pdf").status_code == 302  # to the login page
    assert other.get(f"/verify/{cert.public_id}").status_code == 200  # the public page is public


def test_credential_json_is_ob3(earned, client):
    _learner, cert = earned
    response = client.get(f"/certificates/{cert.public_id}/credential.json")
    credential = json.loads(response.data)
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"  # the learner's own record
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["name"] == "Certified basics"
    assert client.get(f"/certificates/{cert.public_id}/credential.jwt").data.count(b".") == 2


def test_issuer_profile_is_public(client):
    profile = client.get("/.well-known/academy-issuer.json").get_json()
    assert profile["type"] == ["Profile"] and profile["jwks"]["keys"][0]["crv"] == "P-256"
    assert "BEGIN PUBLIC KEY" in profile["publicKeyPem"]


def test_verify_page_valid_revoked_unknown(earned, app):
    _learner, cert = earned
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{cert.public_id}").get_data(as_text=True)
    assert "Valid" in page and "Ada Lovelace" in page
    services.revoke(None, cert, "Issued by mistake")
    db.session.commit()
    page = anonymous.get(f"/verify/{cert.public_id.lower()}").get_data(as_text=True)
    assert "Revoked" in page and "Issued by mistake" in page and "Valid" not in page
    for unknown in ("ZZZZZZZZZZ", "not-an-id", "x" * 500):
        response = anonymous.get(f"/verify/{unknown}")
        assert response.status_code == 404 and "Unknown" in response.get_data(as_text=True)
    assert anonymous.get(f"/verify?certificate_id={cert.public_id}").status_code == 200


def test_upload_bad_inputs_each_get_a_clear_answer(earned, client, tmp_path):
    _learner, cert = earned
    pdf = client.get(f"/certificates/{cert.public_id}.pdf").data
    flipped = bytearray(pdf)
    flipped[len(pdf) // 3] ^= 0x01
    text = upload(client, bytes(flipped)).get_data(as_text=True)
    assert "Not valid" in text and ("modified" in text or "damaged" in text or "altered" in text)
    assert "not a PDF file" in upload(client, b"\x89PNG random bytes " * 100, "photo.png").get_data(as_text=True)
    assert "Choose a PDF file" in client.post("/verify", data={}).get_data(as_text=True)
    if shutil.which("qpdf"):
        (tmp_path / "in.pdf").write_bytes(pdf)
        subprocess.run(
            ["qpdf", "--object-streams=generate", str(tmp_path / "in.pdf"), str(tmp_path / "out.pdf")], check=True
        )
        text = upload(client, (tmp_path / "out.pdf").read_bytes()).get_data(as_text=True)
        assert "Not valid" in text and "modified after signing" in text


def test_50_mb_upload_is_refused_clearly(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)  # the production setting: no token check before the size check
    response = upload(app.test_client(), b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 10 MB" in response.get_data(as_text=True)


def test_revoked_upload_says_authentic_but_revoked(earned, client):
    _learner, cert = earned
    pdf = client.get(f"/certificates/{cert.public_id}.pdf").data
    services.revoke(None, cert, "Plagiarism")
    db.session.commit()
    assert "Authentic, but revoked" in upload(client, pdf).get_data(as_text=True)


@pytest.mark.parametrize("name", ["محمد بن موسى الخوارزمي", "Ada " + "Lovelace-Byron " * 13])
def test_rtl_and_longest_profile_names_render(catalog, client, name):
    learner = make_user(name="Placeholder")
    learner.certificate_name = name[:200]
    complete_basics(learner, catalog["cert-basics"])
    db.session.commit()
    login(client, learner.email)
    cert = services.find_by_subject(learner.id, "course:cert-basics")
    assert cert.learner_name == name[:200]
    response = client.get(f"/certificates/{cert.public_id}.pdf")
    assert response.status_code == 200
    assert "Authentic" in upload(client, response.data).get_data(as_text=True)
