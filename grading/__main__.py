"""`python -m grading grade SOURCE.ipynb SUBMISSION.ipynb --json`: grade one file now."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading import SandboxLimits, grade, make_release


def main(argv: list[str] | None = None) -> int:
    """Let instructors try their tests on a notebook exactly as the platform grades it."""
    parser = argparse.ArgumentParser(prog="python -m grading")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("grade", help="grade SUBMISSION against the source notebook SOURCE")
    cmd.add_argument("source", type=Path)
    cmd.add_argument("submission", type=Path)
    cmd.add_argument("--json", action="store_true", help="print the result as JSON")
    cmd.add_argument("--cell-timeout", type=float, default=SandboxLimits.cell_timeout)
    cmd.add_argument("--timeout", type=float, default=SandboxLimits.notebook_timeout)
    args = parser.parse_args(argv)
    release = make_release(args.source.read_bytes(), name=args.source.stem)
    limits = SandboxLimits(cell_timeout=args.cell_timeout, notebook_timeout=args.timeout)
    # The feedback HTML is not printed, so it is not rendered (~0.4 s).
    result = grade(release, args.submission.read_bytes(), limits=limits, feedback=False)
    print(result.report(args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
