"""`flask reports completion` (scheduled exports), `flask reports refresh` (rebuild the read model) and
`flask reports recompute` (every stored view of progress, under the current pass-mark rule)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from sqlalchemy import or_, select

from lms.accounts.models import Team
from lms.catalog.models import TIERS, Course
from lms.extensions import db
from lms.recommend.freshness import bump_everyone
from lms.reports import exports
from lms.reports.progress import rebuild_activity, rebuild_progress
from lms.reports.query import STATUSES, ReportFilter
from lms.reports.scope import SYSTEM

reports_cli = click.Group("reports", help="Completion exports and the reports read model.")


def _find(model, value: str, *names):
    """A row by id or by one of its unique names."""
    clauses = [getattr(model, n) == value for n in names]
    if value.isdigit():
        clauses.append(model.id == int(value))
    row = db.session.scalar(select(model).where(or_(*clauses)))
    if row is None:
        raise click.BadParameter(f"no {model.__tablename__[:-1]} {value!r}")
    return row


@reports_cli.command("completion")
@click.option("--team", "team_ref", required=True, help="Team id or name.")
@click.option("--course", "course_ref", help="Course id or slug.")
@click.option("--tier", type=click.Choice(TIERS))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--from", "enrolled_from", type=click.DateTime(["%Y-%m-%d"]), help="Enrolled on or after.")
@click.option("--to", "enrolled_to", type=click.DateTime(["%Y-%m-%d"]), help="Enrolled on or before.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def completion(team_ref, course_ref, tier, status, enrolled_from, enrolled_to, fmt, output: Path) -> None:
    """Export a team's completion report to a file, as a manager would download it (for cron)."""
    started = time.perf_counter()
    team = _find(Team, team_ref, "name")
    course = _find(Course, course_ref, "slug") if course_ref else None
    if enrolled_from and enrolled_to and enrolled_from > enrolled_to:
        raise click.UsageError("--from is after --to.")
    flt = ReportFilter(
        team_id=team.id,
        course_id=course.id if course else None,
        tier=tier,
        status=status,
        enrolled_from=enrolled_from.date() if enrolled_from else None,
        enrolled_to=enrolled_to.date() if enrolled_to else None,
    )
    described = [("Team", team.name)] + ([("Course", course.title)] if course else [])
    described += [(k.capitalize(), v) for k, v in (("tier", tier), ("status", status)) if v]
    tmp = output.with_name(output.name + ".part")
    with tmp.open("wb") as out:
        if fmt == "csv":
            exports.write_csv(SYSTEM, flt, out)
        elif fmt == "xlsx":
            exports.write_xlsx(SYSTEM, flt, out, filters=described)
        else:
            from lms.reports.pdf import render_pdf

            out.write(render_pdf(SYSTEM, flt, described))
    tmp.replace(output)
    click.echo(f"Wrote {output} ({output.stat().st_size:,} bytes) in {time.perf_counter() - started:.1f} s.")


@reports_cli.command("refresh")
def refresh() -> None:
    """Rebuild the reports read model from the event log (after bulk imports; nightly for archived items)."""
    started = time.perf_counter()
    rows, weeks = rebuild_progress(), rebuild_activity()
    db.session.commit()
    click.echo(f"Rebuilt {rows:,} progress rows and {weeks:,} active weeks in {time.perf_counter() - started:.1f} s.")


@reports_cli.command("recompute")
def recompute() -> None:
    """Recompute what is stored about progress from the event log under the current rule (a step is
    done when read, or when its counting attempt reaches the pass mark): the reports read model (with
    what its status needs: started, exam pending), the weekly activity, and every learner's cached
    dashboard. Certificates already issued are not touched. Run it after upgrading from a version that
    ticked failed attempts, after changing pass marks or `keep:`, or adding or removing a course's exam."""
    started = time.perf_counter()
    rows, weeks = rebuild_progress(), rebuild_activity()
    bump_everyone()
    db.session.commit()
    click.echo(
        f"Recomputed {rows:,} progress rows and {weeks:,} active weeks; every dashboard is built again on its next "
        f"view; certificates already issued are unchanged ({time.perf_counter() - started:.1f} s)."
    )
