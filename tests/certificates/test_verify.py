"""Issue then verify offline: valid, and a clear reason for every kind of bad input."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from certificates import IssuerKeys, issue_pdf, render_pdf, verify_pdf
from certificates.sign import credential_files, sign_pdf
from certificates.verify import main
from tests.certificates.helpers import make_data


def test_issued_pdf_verifies(issued_pdf: bytes, issuer: IssuerKeys) -> None:
    result = verify_pdf(issued_pdf, issuer.public_key)
    assert result.valid, result.reason
    assert result.code == "valid"
    assert result.certificate_id == "K7M2Q9XR4T"
    assert "Ada Lovelace" in result.reason and "Intermediate Python for AI Developers" in result.reason


def _signature_hex_range(pdf: bytes) -> tuple[int, int]:
    """Return where the /Contents hex string of the signature sits (the unsigned gap)."""
    start = pdf.index(b"/Contents <") + len(b"/Contents <")
    return start, pdf.index(b">", start)


def test_any_changed_byte_is_detected(issued_pdf: bytes, issuer: IssuerKeys) -> None:
    start, end = _signature_hex_range(issued_pdf)
    positions = [0, 10, len(issued_pdf) // 2, len(issued_pdf) - 3, start - 1, end]
    positions += range(0, len(issued_pdf), len(issued_pdf) // 60)  # across the signed bytes
    positions += range(start, end, 5)  # the unsigned gap: CMS envelope, certificate, padding
    for position in positions:
        tampered = bytearray(issued_pdf)
        tampered[position] = ord("1") if tampered[position] != ord("1") else ord("2")
        result = verify_pdf(bytes(tampered), issuer.public_key)
        assert not result.valid, f"byte {position} changed but still valid"
        assert result.reason and result.code != "valid"


def test_hex_case_change_in_signature_is_detected(issued_pdf: bytes, issuer: IssuerKeys) -> None:
    start, end = _signature_hex_range(issued_pdf)
    gap = issued_pdf[start:end]
    position = start + next(i for i, c in enumerate(gap) if chr(c) in "ABCDEF")
    tampered = bytearray(issued_pdf)
    tampered[position] = ord(chr(tampered[position]).lower())
    assert verify_pdf(bytes(tampered), issuer.public_key).code == "modified"


def test_changed_content_byte_says_modified(issued_pdf: bytes, issuer: IssuerKeys) -> None:
    tampered = bytearray(issued_pdf)
    tampered[len(tampered) // 3] ^= 0x01
    result = verify_pdf(bytes(tampered), issuer.public_key)
    assert result.code == "modified"
    assert "modified after signing" in result.reason


def test_incremental_update_after_signing_says_modified(issued_pdf: bytes, issuer: IssuerKeys) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(issued_pdf))
    info = writer.trailer["/Info"].get_object()
    info["/Title"] = generic.TextStringObject("Certificate of Excellence")
    writer.update_container(info)
    out = BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), issuer.public_key)
    assert result.code == "modified"
    assert "added after the signed version" in result.reason


def test_resaved_by_qpdf_is_invalid(issued_pdf: bytes, issuer: IssuerKeys, run_tool, tmp_path: Path) -> None:
    (tmp_path / "signed.pdf").write_bytes(issued_pdf)
    run_tool("qpdf", "--object-streams=generate", "signed.pdf", "resaved.pdf")
    result = verify_pdf((tmp_path / "resaved.pdf").read_bytes(), issuer.public_key)
    assert result.code == "modified", result
    assert "modified after signing" in result.reason


@pytest.mark.parametrize("content", [os.urandom(4096), b"", b"%PDF-1.7 but nothing else", b"<html></html>"])
def test_random_file_is_not_a_pdf_or_damaged(content: bytes, issuer: IssuerKeys) -> None:
    result = verify_pdf(content, issuer.public_key)
    assert not result.valid
    expected = "damaged" if content.startswith(b"%PDF") else "not_pdf"
    assert result.code == expected, result
    if expected == "not_pdf":
        assert result.reason == "not a PDF file"


def test_oversized_upload_is_refused_before_parsing(issuer: IssuerKeys) -> None:
    result = verify_pdf(b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), issuer.public_key)
    assert result.code == "too_large"


def test_other_issuer_key_fails(issued_pdf: bytes, other_issuer: IssuerKeys) -> None:
    result = verify_pdf(issued_pdf, other_issuer.public_key)
    assert not result.valid
    assert result.code == "wrong_issuer"
    assert "different key" in result.reason


def test_unsigned_pdf_says_not_signed(issuer: IssuerKeys) -> None:
    result = verify_pdf(render_pdf(make_data()), issuer.public_key)
    assert result.code == "unsigned"


def test_credential_of_another_certificate_is_caught(issuer: IssuerKeys) -> None:
    stolen = credential_files(make_data(certificate_id="ABCDEFGHJK"), issuer)
    pdf = sign_pdf(render_pdf(make_data(), attachments=stolen), issuer)
    result = verify_pdf(pdf, issuer.public_key)
    assert result.code == "id_mismatch"
    assert "ABCDEFGHJK" in result.reason and "K7M2Q9XR4T" in result.reason


def test_credential_signed_by_another_key_is_caught(issuer: IssuerKeys, other_issuer: IssuerKeys) -> None:
    forged = credential_files(make_data(), other_issuer)
    pdf = sign_pdf(render_pdf(make_data(), attachments=forged), issuer)
    result = verify_pdf(pdf, issuer.public_key)
    assert result.code == "bad_credential"


def test_cli_exit_codes(
    issued_pdf: bytes, issuer: IssuerKeys, other_issuer: IssuerKeys, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, key, cert, other = (tmp_path / n for n in ("c.pdf", "key.pem", "cert.pem", "other.pem"))
    pdf.write_bytes(issued_pdf)
    key.write_bytes(issuer.public_key_pem())
    cert.write_bytes(issuer.certificate_pem())
    other.write_bytes(other_issuer.public_key_pem())
    assert main(["verify", str(pdf), "--issuer-key", str(key)]) == 0
    assert capsys.readouterr().out.startswith("VALID: certificate K7M2Q9XR4T")
    assert main(["verify", str(pdf), "--issuer-key", str(cert)]) == 0
    assert main(["verify", str(pdf), "--issuer-key", str(other)]) == 1
    assert "INVALID: signed by a different key" in capsys.readouterr().out
    assert main(["verify", str(tmp_path / "missing.pdf"), "--issuer-key", str(key)]) == 2


def test_issue_with_override_template(issuer: IssuerKeys, tmp_path: Path, pdftotext) -> None:
    template = tmp_path / "certificate.html"
    template.write_text(
        '<html><body><h1>Course seal</h1><p id="name-box"><span id="learner-name">'
        "{{ data.learner_name }}</span></p><p>{{ data.certificate_id }}</p></body></html>"
    )
    pdf = issue_pdf(make_data(), issuer, template=template)
    assert verify_pdf(pdf, issuer.public_key).valid
    assert "Course seal" in pdftotext(pdf)
