"""Academy certificates without Flask: issuer keys, OB 3.0 credentials, PDF rendering, signing, verifying."""

# Names load on first use (PEP 562): `import certificates` stays cheap for the web
# app, which needs the heavy parts (nbgrader, Jupyter, WeasyPrint, pyHanko) only when it uses them.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CertificateData": "certificates.credential",
    "IssuerKeys": "certificates.issuer",
    "VerificationResult": "certificates.verify",
    "build_credential": "certificates.credential",
    "encode_vc_jwt": "certificates.credential",
    "is_certificate_id": "certificates.data",
    "issue_pdf": "certificates.sign",
    "load_or_create_issuer": "certificates.issuer",
    "load_public_key": "certificates.issuer",
    "new_certificate_id": "certificates.data",
    "render_pdf": "certificates.render",
    "verify_file": "certificates.verify",
    "verify_pdf": "certificates.verify",
    "verify_vc_jwt": "certificates.credential",
}
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

if TYPE_CHECKING:
    from certificates.credential import CertificateData, build_credential, encode_vc_jwt, verify_vc_jwt
    from certificates.data import is_certificate_id, new_certificate_id
    from certificates.issuer import IssuerKeys, load_or_create_issuer, load_public_key
    from certificates.render import render_pdf
    from certificates.sign import issue_pdf
    from certificates.verify import VerificationResult, verify_file, verify_pdf


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
