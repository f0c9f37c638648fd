"""Minimal compact JWS with ES256 (RFC 7515/7518): all a VC-JWT proof needs, no extra dependency."""

from __future__ import annotations

import base64
import binascii
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from certificates.issuer import b64url

ALG = "ES256"


class JWTError(ValueError):
    """A token that is malformed or whose signature does not verify."""


def _b64decode(part: str) -> bytes:
    """Decode unpadded base64url strictly, so a mangled token fails clearly."""
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JWTError("token is not valid base64url") from exc


def _b64json(obj: dict[str, object]) -> str:
    """Serialise one JWS segment compactly and deterministically."""
    return b64url(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


def sign_jwt(header: dict[str, object], payload: dict[str, object], key: ec.EllipticCurvePrivateKey) -> str:
    """Return a compact JWS signed with ES256; `alg` is forced so it can't disagree with the key."""
    signing_input = f"{_b64json({**header, 'alg': ALG})}.{_b64json(payload)}"
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def decode_jwt(token: str) -> tuple[dict[str, object], dict[str, object]]:
    """Parse header and payload without checking the signature (to report what a token says)."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JWTError("token does not have three parts")
    try:
        header, payload = (json.loads(_b64decode(part)) for part in parts[:2])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JWTError("token header or payload is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JWTError("token header or payload is not a JSON object")
    return header, payload


def verify_jwt(token: str, key: ec.EllipticCurvePublicKey) -> tuple[dict[str, object], dict[str, object]]:
    """Check an ES256 compact JWS against a pinned key and return its header and payload."""
    header, payload = decode_jwt(token)
    if header.get("alg") != ALG:
        raise JWTError(f"unexpected JWT algorithm {header.get('alg')!r}")
    signing_input, _, signature = token.strip().rpartition(".")
    raw = _b64decode(signature)
    if len(raw) != 64:
        raise JWTError("credential proof has the wrong length for ES256")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise JWTError("credential proof does not verify with the issuer key") from exc
    return header, payload
