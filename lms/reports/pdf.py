"""The PDF summary: the dashboard's figures and charts for a filter, drawn by WeasyPrint."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template

from lms.accounts.models import User
from lms.reports import charts
from lms.reports.query import ReportFilter, check_filter
from lms.reports.services import BANDS, course_stats, score_distribution, tier_stats


def summary_context(viewer: User, flt: ReportFilter, filters: list[tuple[str, str]]) -> dict:
    """Figures and SVG charts for the summary (shared by the PDF and its tests)."""
    check_filter(viewer, flt)
    courses = course_stats(viewer, flt)
    tiers = tier_stats(courses)
    exams, assignments = score_distribution(viewer, flt)
    enrolled = sum(c.enrolled for c in courses)
    completed = sum(c.completed for c in courses)
    return {
        "filters": filters,
        "courses": courses,
        "tiers": tiers,
        "bands": BANDS,
        "exams": exams,
        "assignments": assignments,
        "enrolled": enrolled,
        "completed": completed,
        "rate": 100 * completed / enrolled if enrolled else 0.0,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "course_chart": charts.hbars([(c.title, c.rate) for c in courses], title="Completion rate per course"),
        "tier_chart": charts.hbars([(t.title, t.rate) for t in tiers], title="Completion rate per tier"),
        "score_chart": charts.columns(
            list(zip(BANDS, zip(exams, assignments, strict=True), strict=True)),
            title="Score distribution",
            series=("Exam", "Assignments"),
        ),
    }


def render_pdf(viewer: User, flt: ReportFilter, filters: list[tuple[str, str]]) -> bytes:
    """The summary as PDF bytes (no network: everything is inline)."""
    html = render_template("reports/summary_pdf.html", **summary_context(viewer, flt, filters))
    from weasyprint import HTML  # loads with the first PDF export, not with the web app

    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the report PDF does not fetch resources ({url})")
