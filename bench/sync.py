"""Sync benchmark: `flask courses sync` of the demo catalog, timed as the command a person runs.

One command (`python bench/sync.py [--runs N]`): migrates an empty SQLite instance once, then
N times copies it and times the real `flask courses sync` as a subprocess (wall clock, from
process start to exit). The split: starting Python and the app (`python -c "import app"`, and
`flask courses --help`, which also loads the flask CLI and its plugins) against the sync work
the command reports itself ("Synced in X s"). Also the no-change sync. Target: < 2 s.
`--bytecode-cache` keeps compiled modules as Python does by default, for shells that set
PYTHONDONTWRITEBYTECODE (every start then compiles the app's own modules again).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
TARGET_SECONDS = 2.0


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(env: dict, *args: str) -> tuple[float, float, str]:
    """Wall and CPU time of one subprocess, and what it printed; exits if it failed.
    CPU time (user + system) says less about the machine's other load than wall time."""
    cpu, started = cpu_of_children(), time.perf_counter()
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, cpu_of_children() - cpu
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return wall, cpu, result.stdout


def environment(instance: Path, pycache: Path | None) -> dict:
    """This shell's environment with a private SQLite instance (no DATABASE_URL, no queue);
    with `pycache`, Python keeps compiled modules there (its default elsewhere, off in some shells)."""
    drop = {"DATABASE_URL", "QUEUE_URL", "COURSES_DIR"} | ({"PYTHONDONTWRITEBYTECODE"} if pycache else set())
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(ACADEMY_INSTANCE=str(instance), FLASK_APP="app.py")
    if pycache:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def line(label: str, runs: list[tuple[float, float]]) -> str:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return (
        f"{label:<44} median {statistics.median(walls):5.2f} s (min {min(walls):.2f}, max {max(walls):.2f}), "
        f"CPU {statistics.median(cpus):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument(
        "--bytecode-cache",
        action="store_true",
        help="cache compiled modules (Python's default) even if this shell sets PYTHONDONTWRITEBYTECODE",
    )
    args = parser.parse_args()
    flask, python = str(VENV / "flask"), str(VENV / "python")

    with tempfile.TemporaryDirectory(prefix="academy-bench-sync-") as tmp:
        pycache = Path(tmp) / "pycache" if args.bytecode_cache else None
        template = Path(tmp) / "empty"
        run(environment(template, pycache), flask, "db", "upgrade", "heads")  # also the secret and issuer key
        if pycache:  # one untimed sync fills the cache, as a person's first run would
            shutil.copytree(template, Path(tmp) / "warm")
            run(environment(Path(tmp) / "warm", pycache), flask, "courses", "sync")

        imports, starts, commands, inner, unchanged = [], [], [], [], []
        for n in range(args.runs):
            instance = Path(tmp) / f"run{n}"
            shutil.copytree(template, instance)
            env = environment(instance, pycache)
            imports.append(run(env, python, "-c", "import app")[:2])
            starts.append(run(env, flask, "courses", "--help")[:2])
            wall, cpu, out = run(env, flask, "courses", "sync")
            commands.append((wall, cpu))
            inner.append(float(re.search(r"Synced in ([\d.]+) s", out).group(1)))
            unchanged.append(run(env, flask, "courses", "sync")[:2])
        summary = out.strip().split(": ", 1)[-1].rstrip(".")

    cache = "on" if pycache or not os.environ.get("PYTHONDONTWRITEBYTECODE") else "off (PYTHONDONTWRITEBYTECODE)"
    load = os.getloadavg()[0]
    print(f"Demo catalog ({summary}), {args.runs} runs, load average {load:.1f}, bytecode cache {cache}")
    print(line("python -c 'import app' (interpreter + app)", imports))
    print(line("flask courses --help (+ flask CLI, plugins)", starts))
    print(line("flask courses sync, empty database", commands))
    print(f"{'  of which sync work (its own Synced in)':<44} median {statistics.median(inner):5.2f} s")
    print(line("flask courses sync, nothing changed", unchanged))
    median = statistics.median(w for w, _ in commands)
    start = statistics.median(w for w, _ in starts)
    verdict = "met" if median < TARGET_SECONDS else "MISSED"
    print(
        f"Split of the median command: {start:.2f} s start ({start / median:.0%}), "
        f"{median - start:.2f} s sync ({(median - start) / median:.0%}); "
        f"target < {TARGET_SECONDS:.0f} s: {verdict} ({median / TARGET_SECONDS:.2f}x the target)"
    )


if __name__ == "__main__":
    main()
