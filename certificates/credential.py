"""The certificate as an Open Badges 3.0 OpenBadgeCredential, secured as a VC-JWT (ES256)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec

from certificates.data import CertificateData, is_certificate_id
from certificates.issuer import IssuerKeys, public_jwk
from certificates.jose import JWTError, sign_jwt, verify_jwt

__all__ = [
    "CertificateData",
    "CredentialError",
    "build_credential",
    "certificate_id_of",
    "encode_vc_jwt",
    "verify_vc_jwt",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_ID_PREFIX = "urn:academy:certificate:"
ACHIEVEMENT_TYPES = {"course": "Course", "track": "Certification", "workshop": "CertificateOfCompletion"}
CRITERIA = {
    "course": "Complete every required module, pass every required assignment at or above its "
    "pass mark, and pass the course certification exam.",
    "track": "Earn the course certificate of every course in the track.",
    "workshop": "Attend the workshop.",
}
DESCRIPTIONS = {
    "course": "Awarded for completing the course {title}.",
    "track": "Awarded for completing every course of the track {title}.",
    "workshop": "Awarded for attending the workshop {title}.",
}


class CredentialError(ValueError):
    """An embedded credential that is missing, malformed or not signed by the issuer."""


def _slug(text: str) -> str:
    """Make a URN-safe token from a title, for achievements without a URL."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "achievement"


def _iso(data: CertificateData) -> str:
    """Format the issue time as the XML Schema dateTime (UTC, Z) VC 2.0 expects."""
    return data.issued_at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_credential(data: CertificateData, issuer: IssuerKeys) -> dict[str, object]:
    """Describe the certificate as an OB 3.0 credential (unsigned JSON) that wallets understand."""
    title = data.achievement_title
    achievement_id = data.achievement_url or f"urn:academy:{data.kind}:{_slug(title)}"
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": CREDENTIAL_ID_PREFIX + data.certificate_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "description": f"{data.issuer_name} certificate {data.certificate_id}; verify at {data.verify_url}",
        "issuer": {"id": issuer.issuer_id, "type": ["Profile"], "name": data.issuer_name, "url": issuer.url},
        "validFrom": _iso(data),
        "awardedDate": _iso(data),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": data.learner_name,
                }
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": ACHIEVEMENT_TYPES[data.kind],
                "name": title,
                "description": data.description or DESCRIPTIONS[data.kind].format(title=title),
                "criteria": {"narrative": CRITERIA[data.kind]},
            },
        },
    }


def encode_vc_jwt(credential: dict[str, object], issuer: IssuerKeys) -> str:
    """Secure the credential as an OB 3.0 VC-JWT: credential claims plus iss/jti/nbf, key in header."""
    header: dict[str, object] = {"typ": "JWT", "kid": issuer.key_id, "jwk": public_jwk(issuer.public_key)}
    nbf = int(datetime.fromisoformat(str(credential["validFrom"]).replace("Z", "+00:00")).timestamp())
    payload = {**credential, "iss": issuer.issuer_id, "jti": credential["id"], "nbf": nbf}
    return sign_jwt(header, payload, issuer.private_key)


def _require(obj: object, path: str, *keys: str) -> dict[str, object]:
    """Check that `obj` is an object with the given members, naming what is missing."""
    if not isinstance(obj, dict):
        raise CredentialError(f"credential {path or 'root'} is not a JSON object")
    missing = [key for key in keys if key not in obj]
    if missing:
        raise CredentialError(f"credential {path or 'root'} lacks required {', '.join(missing)}")
    return obj


def _check_ob3(payload: dict[str, object]) -> None:
    """Check the OB 3.0 required fields and the VC-JWT claims that mirror them."""
    cred = _require(
        payload, "", "@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject", "iss", "jti", "nbf"
    )
    context, types = cred["@context"], cred["type"]
    if not isinstance(context, list) or context[:1] != [VC_CONTEXT] or OB_CONTEXT not in context:
        raise CredentialError("credential @context is not VC 2.0 + OB 3.0")
    if (
        not isinstance(types, list)
        or "VerifiableCredential" not in types
        or not ({"OpenBadgeCredential", "AchievementCredential"} & set(types))
    ):
        raise CredentialError("credential type is not OpenBadgeCredential")
    issuer = _require(cred["issuer"], "issuer", "id", "type")
    subject = _require(cred["credentialSubject"], "credentialSubject", "type", "achievement")
    _require(subject["achievement"], "achievement", "id", "type", "name", "description", "criteria")
    if cred["iss"] != issuer["id"] or cred["jti"] != cred["id"]:
        raise CredentialError("JWT iss/jti do not match the credential issuer/id")


def verify_vc_jwt(token: str, key: ec.EllipticCurvePublicKey) -> dict[str, object]:
    """Verify a VC-JWT against the pinned issuer key and return its OB 3.0 payload."""
    try:
        header, payload = verify_jwt(token, key)
    except JWTError as exc:
        raise CredentialError(str(exc)) from exc
    if header.get("jwk") not in (None, public_jwk(key)):
        raise CredentialError("credential names a different key than the issuer's")
    _check_ob3(payload)
    return payload


def certificate_id_of(credential: dict[str, object]) -> str:
    """Return the short certificate id a credential was issued for."""
    credential_id = str(credential.get("id", ""))
    short = credential_id.removeprefix(CREDENTIAL_ID_PREFIX)
    if short == credential_id or not is_certificate_id(short):
        raise CredentialError(f"credential id {credential_id!r} is not an Academy certificate id")
    return short
