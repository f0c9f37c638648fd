"""What the HTTP benchmarks share: `flask` commands on a bench instance, gunicorn with 2 workers
started and stopped the same way, the real login form, and latency percentiles.

(Named `serving`, not `http`: `python bench/x.py` puts bench/ first on sys.path, and a bench/http.py
would hide the standard library's.)"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PASSWORD = "bench-password-123"  # every account `flask demo seed` makes


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(VENV / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, cookie: str = "", method: str = "GET", body: str = "") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def answers(port: int) -> bool:
    """The server answers /healthz with 200."""
    try:
        return request(port, "/healthz").status == 200
    except OSError:
        return False


def start_gunicorn(env: dict, workers: int = 2, timeout: float = 60) -> tuple[subprocess.Popen, int]:
    """gunicorn serving app:app on a free local port, returned once /healthz answers."""
    port = free_port()
    server = subprocess.Popen(
        [str(VENV / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "app:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while not answers(port):
        if server.poll() is not None or time.monotonic() > deadline:
            stop(server)
            sys.exit(f"gunicorn did not start (exit code {server.returncode})")
        time.sleep(0.1)
    return server, port


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
    server.wait(timeout=60)


@contextmanager
def gunicorn(env: dict, workers: int = 2) -> Iterator[tuple[subprocess.Popen, int]]:
    """`start_gunicorn` for the length of a `with` block."""
    server, port = start_gunicorn(env, workers)
    try:
        yield server, port
    finally:
        stop(server)


def login(port: int, email: str, password: str = PASSWORD) -> str:
    """Log in through the real form (CSRF token and all); returns the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    conn.close()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    pre_cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    body = urlencode({"email": email, "password": password, "csrf_token": token})
    response = request(port, "/login", cookie=pre_cookie, method="POST", body=body)
    cookie = response.getheader("Set-Cookie", "")
    if response.status != 302 or "session=" not in cookie:
        sys.exit(f"login failed for {email}: {response.status}")
    return cookie.split(";", 1)[0]


def workers_cpu(server_pid: int) -> float:
    """CPU seconds (user + system) the server's worker processes have used so far (Linux /proc)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def percentiles(times: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) of these timings."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(int(0.95 * len(ordered)) - 1, 0)]


def latencies(port: int, paths: str | Sequence[str], cookies: Sequence[str], n: int) -> tuple[float, float]:
    """p50 and p95 in ms of `n` sequential GETs, cycling through `paths` and `cookies`; any answer
    but 200 stops the bench."""
    paths = [paths] if isinstance(paths, str) else list(paths)
    times = []
    for i in range(n):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        response = request(port, path, cookies[i % len(cookies)] if cookies else "")
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            sys.exit(f"{path} answered {response.status}")
    return percentiles(times)
