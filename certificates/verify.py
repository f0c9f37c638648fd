"""Offline verification of a certificate PDF (PAdES signature, then embedded credential), and its CLI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, cast

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from certificates.credential import CredentialError, certificate_id_of, verify_vc_jwt
from certificates.data import MAX_PDF_BYTES
from certificates.issuer import load_public_key, public_key_der
from certificates.sign import CREDENTIAL_JWT, ID_INFO_KEY

MODIFIED = "the PDF was modified after signing"


class PdfPartError(ValueError):
    """An expected part of the certificate PDF is missing or unreadable."""


def embedded_file(reader: PdfFileReader, name: str) -> bytes:
    """Return the content of the attachment called `name` (the credential travels there)."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError) as exc:
        raise PdfPartError("the PDF has no embedded files") from exc
    items = [names[i] for i in range(len(names))]
    for key, spec in zip(items[::2], items[1::2], strict=False):
        if str(key) == name:
            try:
                data: bytes = spec.get_object()["/EF"]["/F"].get_object().data
                return data
            except (KeyError, TypeError, AttributeError) as exc:
                raise PdfPartError(f"embedded file {name} is unreadable") from exc
    raise PdfPartError(f"the PDF has no embedded {name}")


def info_value(reader: PdfFileReader, key: str) -> str | None:
    """Return a document information entry (the certificate id is stored there) or None."""
    try:
        info = reader.trailer_view["/Info"]
        value = info.get_object()[key]
    except (KeyError, TypeError):
        return None
    return str(value) if isinstance(value, str) else None  # TextStringObject is a str


@dataclass(frozen=True)
class VerificationResult:
    """The verdict: `valid`, a machine-readable `code` and a sentence saying what failed."""

    valid: bool
    code: str
    reason: str
    certificate_id: str | None = None
    credential: dict[str, object] | None = None

    def __str__(self) -> str:
        """Print the verdict as the CLI and the verify page show it."""
        return f"{'VALID' if self.valid else 'INVALID'}: {self.reason}"


def _fail(code: str, reason: str) -> VerificationResult:
    """Build a failed result."""
    return VerificationResult(valid=False, code=code, reason=reason)


def _signed_by(sig: EmbeddedPdfSignature, key: ec.EllipticCurvePublicKey) -> bool:
    """Tell whether the signer certificate carries the pinned issuer key."""
    signer_key = load_der_public_key(sig.signer_cert.public_key.dump())
    return isinstance(signer_key, ec.EllipticCurvePublicKey) and public_key_der(signer_key) == public_key_der(key)


def _envelope_problem(pdf: bytes, sig: EmbeddedPdfSignature) -> str | None:
    """Check the unsigned parts of the signature (hex gap, CMS envelope, certificate), byte for byte."""
    _, gap_start, gap_end, _ = sig.byte_range
    content = sig.pkcs7_content
    if pdf[gap_start:gap_end] != b"<" + content.hex().upper().encode() + b">":
        return "the signature container was altered"
    der_length = len(cms.ContentInfo.load(content).dump())
    if content[der_length:].strip(b"\0"):
        return "the signature container was altered"
    signed_data, info = sig.signed_data, sig.signer_info
    certificates = signed_data["certificates"]
    shape_ok = (
        signed_data["version"].native == "v1"
        and info["version"].native == "v1"
        and signed_data["encap_content_info"]["content_type"].native == "data"
        and [a.dump() for a in signed_data["digest_algorithms"]] == [info["digest_algorithm"].dump()]
        and len(certificates) == 1
        and certificates[0].chosen.dump() == sig.signer_cert.dump()
    )
    if not shape_ok:
        return "the signature envelope was altered"
    cert = x509.load_der_x509_certificate(sig.signer_cert.dump())
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError):
        return "the issuer certificate inside the signature was altered"
    return None


def _check_signature(
    pdf: bytes, sig: EmbeddedPdfSignature, key: ec.EllipticCurvePublicKey
) -> VerificationResult | None:
    """Check signer identity, signed bytes and coverage; return the failure, or None if intact."""
    if not _signed_by(sig, key):
        subject = sig.signer_cert.subject.human_friendly
        return _fail("wrong_issuer", f"signed by a different key ({subject}), not by this issuer")
    sig.compute_integrity_info(skip_diff=True)
    intact, valid = validate_sig_integrity(sig.signer_info, sig.signer_cert, "data", sig.compute_digest())
    if not valid:
        return _fail("bad_signature", "the PAdES signature does not verify (signature bytes altered)")
    if not intact:
        return _fail("modified", f"{MODIFIED}: its signed bytes changed")
    if sig.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _fail(
            "modified", f"{MODIFIED}: content was added after the signed version (re-saved or edited by another tool)"
        )
    if problem := _envelope_problem(pdf, sig):
        return _fail("modified", f"{MODIFIED}: {problem}")
    return None


def _check_credential(reader: PdfFileReader, key: ec.EllipticCurvePublicKey) -> VerificationResult:
    """Verify the embedded VC-JWT and that it is the credential of this very certificate."""
    try:
        token = embedded_file(reader, CREDENTIAL_JWT).decode("ascii")
        credential = verify_vc_jwt(token, key)
        credential_id = certificate_id_of(credential)
    except (PdfPartError, CredentialError, UnicodeDecodeError) as exc:
        return _fail("bad_credential", f"embedded credential: {exc}")
    pdf_id = info_value(reader, ID_INFO_KEY)
    if pdf_id is None:
        return _fail("id_mismatch", "the PDF does not state its certificate id")
    if pdf_id != credential_id:
        return _fail(
            "id_mismatch",
            f"the embedded credential is for certificate {credential_id}, but the PDF is certificate {pdf_id}",
        )
    # The signed payload is the one encode_vc_jwt built: these two members are JSON objects.
    subject, issuer = (
        cast("dict[str, Any]", credential["credentialSubject"]),
        cast("dict[str, Any]", credential["issuer"]),
    )
    identifiers = subject.get("identifier") or [{}]
    name = identifiers[0].get("identityHash", "an unnamed learner")
    reason = (
        f"certificate {credential_id} for {name}: {credential['name']}, issued "
        f"{str(credential['validFrom'])[:10]} by {issuer.get('name') or issuer['id']}"
    )
    return VerificationResult(True, "valid", reason, credential_id, credential)


def verify_pdf(pdf: bytes, issuer_key: ec.EllipticCurvePublicKey) -> VerificationResult:
    """Verify a certificate offline against the pinned issuer key; never raises on bad input."""
    if len(pdf) > MAX_PDF_BYTES:
        return _fail(
            "too_large", f"file is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB: not an Academy certificate"
        )
    if b"%PDF-" not in pdf[:1024]:
        return _fail("not_pdf", "not a PDF file")
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return _fail("unsigned", "the PDF carries no digital signature")
        failure = _check_signature(pdf, signatures[0], issuer_key)
        return failure or _check_credential(reader, issuer_key)
    except Exception as exc:  # noqa: BLE001 - any parser error on hostile input means "damaged"
        return _fail("damaged", f"the PDF is damaged or was altered and cannot be checked ({type(exc).__name__})")


def verify_file(pdf_path: Path, key_path: Path) -> VerificationResult:
    """Verify a PDF file against a PEM public key or certificate file (shared with `flask certificates`)."""
    key = load_public_key(key_path.read_bytes())
    with pdf_path.open("rb") as file:
        return verify_pdf(file.read(MAX_PDF_BYTES + 1), key)  # never more than the size limit


def main(argv: Sequence[str] | None = None) -> int:
    """Run `python -m certificates verify` and return the exit status: 0 valid, 1 invalid, 2 error."""
    parser = argparse.ArgumentParser(prog="python -m certificates")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify a certificate PDF offline")
    verify.add_argument("pdf", type=Path, metavar="FILE.pdf")
    verify.add_argument(
        "--issuer-key", type=Path, required=True, metavar="PUBKEY.pem", help="issuer public key or certificate (PEM)"
    )
    args = parser.parse_args(argv)
    try:
        result = verify_file(args.pdf, args.issuer_key)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result)
    return 0 if result.valid else 1
