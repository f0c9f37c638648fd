"""What a certificate says, validated once so every later step can trust its shape."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# Crockford-style base32 without the look-alikes 0/O, 1/I/L and U: easy to read aloud and type.
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_PDF_BYTES = 10 * 1024 * 1024  # no Academy certificate is larger; refuse more before parsing
ID_LENGTH = 10
CERTIFICATE_ID_RE = re.compile(f"[{ID_ALPHABET}]{{{ID_LENGTH}}}")
KINDS = ("course", "track", "workshop")
MAX_NAME_LENGTH = 300

Kind = Literal["course", "track", "workshop"]


def new_certificate_id() -> str:
    """Return a fresh random short id (about 49 bits), printed on the PDF and in /verify/<id>."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def is_certificate_id(value: str) -> bool:
    """Tell whether `value` has the shape of a certificate id, before any lookup."""
    return CERTIFICATE_ID_RE.fullmatch(value) is not None


@dataclass(frozen=True)
class CertificateData:
    """The facts printed on a certificate and signed into its credential."""

    certificate_id: str
    learner_name: str
    achievement_title: str
    kind: Kind
    issued_at: datetime
    issuer_name: str
    verify_url: str
    achievement_url: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        """Reject malformed data early rather than print or sign it."""
        if not is_certificate_id(self.certificate_id):
            raise ValueError(f"bad certificate id {self.certificate_id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware")
        if not self.learner_name.strip():
            raise ValueError("learner name is empty")
        if len(self.learner_name) > MAX_NAME_LENGTH:
            raise ValueError(f"learner name is longer than {MAX_NAME_LENGTH} characters")
        if not self.achievement_title.strip() or not self.issuer_name.strip():
            raise ValueError("achievement title and issuer name are required")
        for url in (self.verify_url, self.achievement_url):
            if url is not None and not url.startswith(("https://", "http://")):
                raise ValueError(f"not an http(s) URL: {url!r}")
