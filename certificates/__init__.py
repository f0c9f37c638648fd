"""Academy certificates without Flask: issuer keys, OB 3.0 credentials, PDF rendering, signing, verifying."""

from certificates.credential import CertificateData, build_credential, encode_vc_jwt, verify_vc_jwt
from certificates.data import is_certificate_id, new_certificate_id
from certificates.issuer import IssuerKeys, load_or_create_issuer, load_public_key
from certificates.render import render_pdf
from certificates.sign import issue_pdf
from certificates.verify import VerificationResult, verify_file, verify_pdf

__all__ = [
    "CertificateData",
    "IssuerKeys",
    "VerificationResult",
    "build_credential",
    "encode_vc_jwt",
    "is_certificate_id",
    "issue_pdf",
    "load_or_create_issuer",
    "load_public_key",
    "new_certificate_id",
    "render_pdf",
    "verify_file",
    "verify_pdf",
    "verify_vc_jwt",
]
