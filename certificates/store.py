"""Files the package keeps on disk: written once, atomically, and never replaced."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

KEY_FILE = "issuer-key.pem"
CERT_FILE = "issuer-cert.pem"


def write_once(path: Path, data: bytes, mode: int) -> None:
    """Write a file atomically unless it exists, so racing workers keep the first one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def issuer_exists(folder: Path) -> bool:
    """Whether a folder already holds an issuer key and certificate (checked without loading them)."""
    return (folder / KEY_FILE).is_file() and (folder / CERT_FILE).is_file()
