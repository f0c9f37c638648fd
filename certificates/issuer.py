"""The issuer identity: an ECDSA P-256 key and a self-signed X.509 certificate kept in a folder.

P-256 rather than Ed25519: the issue asks that common PDF readers show the certificate as
signed; poppler (pdfsig, Evince, Okular) reports an Ed25519 PAdES signature as corrupted but
validates a P-256 one, the curve PDF readers support most widely. The same key signs the
OB 3.0 VC-JWT (ES256).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID

from certificates.store import CERT_FILE, KEY_FILE, write_once

WELL_KNOWN_PATH = "/.well-known/academy-issuer.json"
CERT_VALIDITY = dt.timedelta(days=365 * 30)
CURVE = ec.SECP256R1()


def b64url(data: bytes) -> str:
    """Encode base64url without padding, as JOSE requires."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key_der(key: PublicKeyTypes) -> bytes:
    """Return the SubjectPublicKeyInfo DER, the canonical form used to compare keys."""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """Return the RFC 7518 JWK of a key, so JWT verifiers can use it directly."""
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def jwk_thumbprint(key: ec.EllipticCurvePublicKey) -> str:
    """Return the RFC 7638 thumbprint, a stable name for the key."""
    canonical = json.dumps(public_jwk(key), sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def load_public_key(pem: bytes) -> ec.EllipticCurvePublicKey:
    """Read an issuer public key from a PEM public key or a PEM certificate."""
    if b"BEGIN CERTIFICATE" in pem:
        key: PublicKeyTypes = x509.load_pem_x509_certificate(pem).public_key()
    else:
        key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != CURVE.name:
        raise ValueError("the issuer key is not an ECDSA P-256 public key")
    return key


@dataclass(frozen=True)
class IssuerKeys:
    """The issuer's signing key, its certificate and its public profile data."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    name: str
    url: str

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """Return the public half, what verifiers pin."""
        return self.private_key.public_key()

    @property
    def issuer_id(self) -> str:
        """Return the Profile id: the URL where the profile JSON is published."""
        return self.url.rstrip("/") + WELL_KNOWN_PATH

    @cached_property
    def key_id(self) -> str:
        """Return the JWT `kid`: the profile URL with the key thumbprint as fragment."""
        return f"{self.issuer_id}#{jwk_thumbprint(self.public_key)}"

    def public_key_pem(self) -> bytes:
        """Return the public key as PEM, the file `verify --issuer-key` takes."""
        return self.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def certificate_pem(self) -> bytes:
        """Return the X.509 certificate as PEM, for publishing and PDF readers."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def profile(self) -> dict[str, object]:
        """Return the issuer profile served at /.well-known/academy-issuer.json."""
        jwk = {**public_jwk(self.public_key), "kid": self.key_id, "alg": "ES256", "use": "sig"}
        fingerprint = self.certificate.fingerprint(hashes.SHA256())
        return {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": self.issuer_id,
            "type": ["Profile"],
            "name": self.name,
            "url": self.url,
            "jwks": {"keys": [jwk]},
            "publicKeyPem": self.public_key_pem().decode("ascii"),
            "certificatePem": self.certificate_pem().decode("ascii"),
            "certificateSha256": fingerprint.hex(),
        }


def _self_signed(key: ec.EllipticCurvePrivateKey, name: str) -> x509.Certificate:
    """Make the issuer certificate PAdES signatures carry."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def load_or_create_issuer(folder: Path | str, name: str, url: str) -> IssuerKeys:
    """Load the issuer key and certificate from `folder`, creating them on first run."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if not key_path.exists():
        pem = ec.generate_private_key(CURVE).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_once(key_path, pem, 0o600)
    if key_path.stat().st_mode & 0o077:
        key_path.chmod(0o600)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVE.name:
        raise ValueError(f"{key_path} is not an ECDSA P-256 private key")
    if not cert_path.exists():
        write_once(cert_path, _self_signed(key, name).public_bytes(serialization.Encoding.PEM), 0o644)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if public_key_der(cert.public_key()) != public_key_der(key.public_key()):
        raise ValueError(f"{cert_path} does not belong to the key in {key_path}")
    return IssuerKeys(private_key=key, certificate=cert, name=name, url=url)
