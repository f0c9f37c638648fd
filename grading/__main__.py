"""`python -m grading grade SOURCE.ipynb SUBMISSION.ipynb --json`: grade one file now."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import grading

if TYPE_CHECKING:
    from grading.engine import GradeResult


def report(result: GradeResult, as_json: bool) -> str:
    """What `python -m grading grade` and `flask grading grade` print: the JSON of
    `to_dict()`, or a PASS/FAIL line per test and the score."""
    if as_json:
        return json.dumps(result.to_dict(), indent=2)
    lines = [
        f"{'PASS' if t.passed else 'FAIL'} {t.name}: {t.points:g}/{t.max_points:g} {t.message}" for t in result.tests
    ]
    lines.append(f"score {result.score:g}/{result.max_score:g}" + (f" ({result.error})" if result.error else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Let instructors try their tests on a notebook exactly as the platform grades it."""
    parser = argparse.ArgumentParser(prog="python -m grading")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("grade", help="grade SUBMISSION against the source notebook SOURCE")
    cmd.add_argument("source", type=Path)
    cmd.add_argument("submission", type=Path)
    cmd.add_argument("--json", action="store_true", help="print the result as JSON")
    cmd.add_argument("--cell-timeout", type=float, default=grading.SandboxLimits.cell_timeout)
    cmd.add_argument("--timeout", type=float, default=grading.SandboxLimits.notebook_timeout)
    args = parser.parse_args(argv)
    release = grading.make_release(args.source.read_bytes(), name=args.source.stem)
    limits = grading.SandboxLimits(cell_timeout=args.cell_timeout, notebook_timeout=args.timeout)
    # The feedback HTML is not printed, so it is not rendered (~0.4 s).
    result = grading.grade(release, args.submission.read_bytes(), limits=limits, feedback=False)
    print(report(result, args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
