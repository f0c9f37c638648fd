"""A throwaway PostgreSQL server for the test session (Debian's binaries, a temp dir, a free port)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class TempPostgres:
    def __init__(self, directory: Path | None = None) -> None:
        """In a temp dir, or in `directory` (kept by stop(), reused by the next start(): the bench's
        seeded instances)."""
        self.keep = directory is not None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory or Path(tempfile.mkdtemp(prefix="academy-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"

    def start(self) -> str:
        """Init a cluster (unless a kept one is there), start it, create the test database; returns its URL."""
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True, text=True)
        fresh = not (self.data / "PG_VERSION").is_file()
        if fresh:
            run(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            )
        options = f"-p {self.port} -k {self.dir} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
        run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "start", "-o", options])
        if fresh:
            run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "academy_test"])
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/academy_test"

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast" if self.keep else "immediate", "stop"]
            ),
            capture_output=True,
        )
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
