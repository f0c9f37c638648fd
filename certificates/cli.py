"""Command line: `python -m certificates verify FILE.pdf --issuer-key KEY.pem`, no Flask needed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from certificates.issuer import load_public_key
from certificates.verify import VerificationResult, verify_pdf


def verify_file(pdf_path: Path, key_path: Path) -> VerificationResult:
    """Verify a PDF file against a PEM public key or certificate file (shared with `flask certificates`)."""
    key = load_public_key(key_path.read_bytes())
    return verify_pdf(pdf_path.read_bytes(), key)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit status: 0 valid, 1 invalid, 2 usage or I/O error."""
    parser = argparse.ArgumentParser(prog="python -m certificates")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify a certificate PDF offline")
    verify.add_argument("pdf", type=Path, metavar="FILE.pdf")
    verify.add_argument("--issuer-key", type=Path, required=True, metavar="PUBKEY.pem",
                        help="issuer public key or certificate (PEM)")
    args = parser.parse_args(argv)
    try:
        result = verify_file(args.pdf, args.issuer_key)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result)
    return 0 if result.valid else 1
