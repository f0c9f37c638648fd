"""Issuing: render the certificate, embed its OB 3.0 credential, and PAdES-sign the whole PDF."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from certificates.credential import build_credential, encode_vc_jwt
from certificates.data import CertificateData
from certificates.issuer import IssuerKeys
from certificates.render import ID_METADATA, EmbeddedFile, render_pdf

CREDENTIAL_JWT = "academy-credential.jwt"
CREDENTIAL_JSON = "academy-credential.json"
SIGNATURE_FIELD = "AcademyIssuerSignature"
ID_INFO_KEY = "/" + ID_METADATA
RESERVE_EXTRA_BYTES = 1536  # hex digits: the certificate (twice over), signed attributes, signature


def pdf_signer(issuer: IssuerKeys) -> signers.SimpleSigner:
    """Wrap the issuer key and certificate in the form pyHanko signs with."""
    key_der = issuer.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert = asn1_x509.Certificate.load(issuer.certificate.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore(),  # the signer cert is embedded once, nothing else
    )


def sign_pdf(pdf: bytes, issuer: IssuerKeys) -> bytes:
    """Add a PAdES (B-B) certification signature so that any later change is detectable."""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason="Certificate issued",
        name=issuer.name,
        location=issuer.url,
    )
    out = BytesIO()
    # A fixed reservation skips pyHanko's dry-run signature that only measures the CMS size.
    reserved = 4 * len(issuer.certificate.public_bytes(serialization.Encoding.DER)) + RESERVE_EXTRA_BYTES
    signers.PdfSigner(meta, signer=pdf_signer(issuer)).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf), strict=False), bytes_reserved=reserved, output=out
    )
    return out.getvalue()


def credential_files(data: CertificateData, issuer: IssuerKeys) -> list[EmbeddedFile]:
    """Build the attachments: the signed VC-JWT (the proof) and its readable JSON."""
    credential = build_credential(data, issuer)
    token = encode_vc_jwt(credential, issuer)
    readable = json.dumps(credential, indent=2, ensure_ascii=False).encode()
    return [
        EmbeddedFile(
            CREDENTIAL_JWT, token.encode("ascii"), "Open Badges 3.0 OpenBadgeCredential, signed as a VC-JWT (ES256)"
        ),
        EmbeddedFile(CREDENTIAL_JSON, readable, "The same Open Badges 3.0 credential as readable JSON (unsigned copy)"),
    ]


def issue_pdf(data: CertificateData, issuer: IssuerKeys, template: Path | str | None = None) -> bytes:
    """Produce the final certificate: rendered, carrying its credential, signed by the issuer."""
    pdf = render_pdf(data, template, credential_files(data, issuer))
    return sign_pdf(pdf, issuer)
