"""`flask community ...`: the answer-time figures, and the SLA check the worker runs every five minutes."""

from __future__ import annotations

import json

import click

from lms.catalog import services as catalog
from lms.community.services import figures as community_figures
from lms.community.services import queue as staff_queue
from lms.community.tasks import notify_overdue_questions
from lms.db import utcnow

community_cli = click.Group("community", help="Questions and discussion: answer-time figures, the SLA check.")


def _hours(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 3600:.1f} h"


def _share(share: community_figures.Share) -> str:
    return "n/a (no question that old)" if share.percent is None else f"{share.percent}% ({share.within} of {share.of})"


def _print(title: str, figures: community_figures.Figures, waiting: staff_queue.QueueCount, sla: str) -> None:
    period = figures.period
    click.echo(f"{title}, {period.start.isoformat()} to {period.end.isoformat()} (UTC)")
    click.echo(f"  questions: {figures.questions}; waiting now: {waiting.waiting} ({waiting.overdue} overdue, {sla})")
    for label, spread in (("first answer", figures.first_answer), ("first staff answer", figures.first_staff_answer)):
        click.echo(
            f"  {label + ':':21} median {_hours(spread.median)}, p90 {_hours(spread.p90)} ({spread.answered} answered)"
        )
    click.echo(
        f"  accepted or staff answer within 24 h: {_share(figures.answered_24h)}; "
        f"within 72 h: {_share(figures.answered_72h)}"
    )
    click.echo(f"  {'week of':10}  {'questions':>9}  {'answers':>7}  {'posters':>7}")
    for week in figures.weeks:
        click.echo(f"  {week.starts.isoformat():10}  {week.questions:9}  {week.answers:7}  {week.posters:7}")


@community_cli.command("stats")
@click.option("--course", "slug", help="One course (its slug); default: every course together, then each.")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (UTC); default: 12 weeks ago, a Monday.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (UTC), included; default: today.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats_command(slug: str | None, start: str | None, end: str | None, as_json: bool) -> None:
    """Time to first answer (any, and staff) as median and p90, answered shares, weekly activity."""
    now = utcnow()
    try:
        period = community_figures.parse_period(start, end, now)
    except community_figures.FiguresError as exc:
        raise click.ClickException(str(exc)) from None
    if slug is not None:
        course = catalog.get_course(slug)
        if course is None:
            raise click.ClickException(f"No live course with the slug {slug!r} (see `flask courses validate`).")
        courses = [course]
    else:
        courses = catalog.list_courses()
    waiting = staff_queue.queue_counts([c.id for c in courses], now)
    per_course = community_figures.course_figures([c.id for c in courses], period, now)
    platform = community_figures.platform_figures(period, now) if slug is None else None
    if as_json:
        body = {
            "platform": platform.as_dict() if platform else None,
            "courses": [{"slug": c.slug, **per_course[c.id].as_dict()} for c in courses],
        }
        click.echo(json.dumps(body, indent=2))
        return
    if platform is not None:
        total = staff_queue.QueueCount(
            sum(w.waiting for w in waiting.values()), sum(w.overdue for w in waiting.values())
        )
        _print("All courses", platform, total, "each course's SLA")
        click.echo()
    for course in courses:
        _print(
            f"{course.title} ({course.slug})",
            per_course[course.id],
            waiting[course.id],
            f"SLA {course.community_sla_hours} h",
        )
        click.echo()


@community_cli.command("overdue")
def overdue_command() -> None:
    """Tell the staff of questions waiting past their course's SLA now (the worker does it every five minutes)."""
    click.echo(notify_overdue_questions())
