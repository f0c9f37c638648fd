"""The dashboard, exports and targets pages: who may open them, the period and segment arguments,
bad input, and the downloads' rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from lms.accounts.views import LANDING
from lms.extensions import db
from lms.programme.models import ProgrammeTarget
from tests.factories import counted_queries, login, make_user


def test_who_may_open_the_dashboard(history, app):
    for role, status in (("learner", 403), ("manager", 403), ("instructor", 403)):
        client = app.test_client()
        login(client, make_user(role).email)
        assert client.get("/programme/").status_code == status
        assert client.get("/programme/export.csv").status_code == status
    assert app.test_client().get("/programme/").status_code == 302  # to the login form
    client = app.test_client()
    assert login(client, history.analyst.email).headers["Location"].endswith("/programme/")
    assert LANDING["analyst"] == "programme.dashboard"
    page = client.get("/programme/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="completions"' in html and "<svg" in html and "<script" not in html.split("<main")[-1]
    assert ">Programme<" in html  # the top-bar entry
    assert client.get("/programme/targets").status_code == 403  # analysts read, admins set


def test_period_segment_bad_input_and_statements(history, app):
    client = app.test_client()
    login(client, history.admin.email)
    for period in ("week", "month", "quarter", "year"):
        assert client.get(f"/programme/?period={period}").status_code == 200
    page = client.get(f"/programme/?period=month&segment={history.segment.id}")
    assert page.status_code == 200 and "Anonymous survey answers" in page.get_data(as_text=True)
    small = client.get(f"/programme/?segment={history.small.id}").get_data(as_text=True)
    assert "This segment has 2 members" in small and 'data-figure="completions"' not in small
    assert client.get("/programme/?segment=99999").status_code == 404
    assert client.get("/programme/?segment=abc").status_code == 404
    bad = client.get("/programme/?period=custom&start=2026-02-10&end=2026-02-01")
    assert bad.status_code == 400 and "starts after it ends" in bad.get_data(as_text=True)
    assert client.get("/programme/export.csv?period=custom&start=nope").status_code == 400
    # one grouped query per figure group (two per community period), whatever the period's length
    counts = []
    for args in ("period=week", "period=year", f"period=year&segment={history.segment.id}"):
        with counted_queries() as seen:
            assert client.get(f"/programme/?{args}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1] and max(counts) <= 30, counts


def test_csv_and_xlsx_exports(history, app):
    client = app.test_client()
    login(client, history.admin.email)
    t = history.today
    response = client.get("/programme/export.csv?period=week")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[1]
    days = rows[2:9]
    assert header[0] == "day" and len(days) == 7 and days[-1][0] == t.isoformat()
    by_day = {r[0]: dict(zip(header, r, strict=True)) for r in days}
    assert by_day[(t - timedelta(days=3)).isoformat()]["completions"] == "1"
    summary = {r[0]: r for r in rows[10:]}
    assert summary["completions"][3:5] == ["1", "0"]  # a this week; nothing the week before
    response = client.get(f"/programme/export.xlsx?period=month&segment={history.segment.id}")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Daily", "Summary"] and book["Daily"].max_row == 31
    daily = list(book["Daily"].iter_rows(values_only=True))
    assert daily[0][:2] == ("day", "new_developers") and daily[-1][0].date() == t  # a date cell, not text
    summary = {r[0]: r for r in book["Summary"].iter_rows(values_only=True)}
    assert summary["figure"] == ("figure", "label", "unit", "value", "previous", "change")
    assert summary["completions"][3:5] == (2, 0)  # the segment's two this month


def test_admin_sets_targets_and_sees_progress(history, app):
    client = app.test_client()
    login(client, history.admin.email)
    year = history.today.year
    for bad in (
        {"year": year, "metric": "nps", "value": 400},
        {"year": year, "metric": "bogus", "value": 1},
        {"year": 1900, "metric": "nps", "value": 40},
        {"year": year, "metric": "nps", "value": ""},
    ):
        assert client.post("/programme/targets", data=bad).status_code == 400
    assert db.session.scalar(select(ProgrammeTarget)) is None
    assert client.post("/programme/targets", data={"year": year, "metric": "nps", "value": 40}).status_code == 302
    client.post("/programme/targets", data={"year": year, "metric": "certified_developers", "value": 2000})
    client.post("/programme/targets", data={"year": year, "metric": "nps", "value": 30})  # changes it
    rows = db.session.execute(select(ProgrammeTarget.metric, ProgrammeTarget.value)).all()
    assert sorted(rows) == [("certified_developers", 2000), ("nps", 30)]
    html = client.get("/programme/").get_data(as_text=True)
    assert "Targets for" in html and "2,000" in html
    client.post("/programme/targets/remove", data={"year": year, "metric": "nps"})
    assert db.session.scalar(select(ProgrammeTarget.metric)) == "certified_developers"


def test_api_figures_and_daily(history, app):
    client = app.test_client()
    assert client.get("/api/v1/programme/figures").status_code == 401
    login(client, make_user("manager").email)
    assert client.get("/api/v1/programme/figures").status_code == 403
    client = app.test_client()
    login(client, history.analyst.email)
    body = client.get("/api/v1/programme/figures?period=month").get_json()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["completions"]["value"] == 2 and figures["completions"]["change"] == 2
    assert body["period"]["end"] == history.today.isoformat() and body["community"]
    daily = client.get(f"/api/v1/programme/daily?period=week&segment={history.segment.id}").get_json()
    assert len(daily["days"]) == 7 and daily["segment"]["id"] == history.segment.id
    assert daily["days"][-4]["completions"] == 1  # a finished three days ago
    small = client.get(f"/api/v1/programme/figures?segment={history.small.id}").get_json()
    assert small["hidden"] and small["figures"] == []
    assert client.get("/api/v1/programme/figures?segment=99999").status_code == 404
    bad = client.get("/api/v1/programme/daily?period=custom&start=2026-02-10&end=2026-02-01&x=1")
    assert bad.status_code == 400 and set(bad.get_json()["details"]) == {"x"}
    bad = client.get("/api/v1/programme/daily?period=fortnight&start=2026-02-30").get_json()
    assert set(bad["details"]) == {"period", "start"}
    late = client.get("/api/v1/programme/daily?start=2026-02-10&end=2026-02-01").get_json()  # moved, not refused
    assert late["period"] == {"name": "custom", "start": "2026-02-01", "end": "2026-02-01"} and len(late["days"]) == 1
