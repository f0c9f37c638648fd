"""Every export parsed back and compared with the database; formula injection neutralised."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime

import openpyxl
import pytest

from lms.reports.query import EXPORT_COLUMNS, ReportFilter, completion_rows
from lms.spreadsheets import neutralize
from tests.lms.reports.helpers import build_world, login_as

EVIL = '=HYPERLINK("http://evil.test","x")'


@pytest.fixture
def world(app):
    return build_world(alice_name=EVIL)


def expected(viewer, **filters):
    return list(completion_rows(viewer, ReportFilter(**filters)))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_prefixes_are_neutralised(value):
    assert neutralize(value) == "'" + value
    assert neutralize("Alice") == "Alice" and neutralize("") == ""


def test_csv_parses_back_to_the_database_rows(client, world):
    login_as(client, world.manager)
    response = client.get("/reports/completions.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"  # names and scores of a team
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == [h for _k, h in EXPORT_COLUMNS]
    want = expected(world.manager)
    assert len(table) - 1 == len(want)
    for line, row in zip(table[1:], want, strict=True):
        record = dict(zip([k for k, _h in EXPORT_COLUMNS], line, strict=True))
        assert record["learner"] == neutralize(row.learner) and record["email"] == row.email
        assert (record["course"], record["tier"], record["status"]) == (row.course, row.tier, row.status)
        assert int(record["progress"]) == row.progress
        assert record["enrolled_at"] == row.enrolled_at.strftime("%Y-%m-%d %H:%M:%S")
        assert record["exam_best"] == ("" if row.exam_best is None else str(row.exam_best))
        assert record["exam_passed"] == {None: "", True: "yes", False: "no"}[row.exam_passed]
        assert record["certificate_id"] == (row.certificate_id or "")
    assert any(line[1] == "'" + EVIL for line in table[1:])


def test_csv_filters_match_the_page(client, world):
    login_as(client, world.manager)
    body = client.get("/reports/completions.csv", query_string={"course_id": world.nxt.id}).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [line[1] for line in lines[1:]] == ["Carol Clark"]


def test_xlsx_is_typed_frozen_filtered_with_a_summary(client, world):
    login_as(client, world.manager)
    response = client.get("/reports/completions.xlsx", query_string={"team_id": world.team_a.id})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Summary", "Completions"]
    sheet = book["Completions"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{sheet.max_row}"
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("4F46E5")
    assert not [cell.coordinate for line in sheet.iter_rows() for cell in line if cell.data_type == "f"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [h for _k, h in EXPORT_COLUMNS]
    want = expected(world.manager, team_id=world.team_a.id)
    assert len(values) - 1 == len(want)
    for line, row in zip(values[1:], want, strict=True):
        assert line[1] == neutralize(row.learner) and line[3] == row.course
        assert isinstance(line[5], datetime) and line[5] == row.enrolled_at.replace(tzinfo=None, microsecond=0)
        assert line[6] == row.progress and isinstance(line[6], int)
        assert line[10] == row.exam_best and line[11] == row.exam_passed and line[12] == row.certificate_id
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Rows"] == 3 and summary["Completed"] == 1
    assert summary["Team"] == "Team A"
    assert abs(summary["Completion rate"] - 1 / 3) < 1e-9


def test_pdf_summary_has_the_figures_and_charts(client, world):
    login_as(client, world.manager)
    response = client.get("/reports/completions.pdf", query_string={"team_id": world.team_a.id})
    assert response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.get_data(), capture_output=True).stdout
    text = text.decode()
    assert "Completion summary" in text and "Team A" in text
    assert "Python basics" in text and "Python next steps" in text
    assert "33.3%" in text  # 1 of 3 enrollments completed
    assert "Score distribution" in text


def test_cli_exports_each_format(app, world, tmp_path):
    runner = app.test_cli_runner()
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(args=["reports", "completion", "--team", "Team A", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    lines = list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text("utf-8-sig"))))
    assert len(lines) == 4 and {line[0] for line in lines[1:]} == {"Team A"}
    book = openpyxl.load_workbook(tmp_path / "report.xlsx", read_only=True)
    assert len(list(book["Completions"].iter_rows(values_only=True))) == 4
    result = runner.invoke(args=["reports", "completion", "--team", "Nope", "--format", "csv", "-o", str(out)])
    assert result.exit_code != 0 and "no team 'Nope'" in result.output
    course = ["--course", "python-next"]
    out = tmp_path / "next.csv"
    args = ["reports", "completion", "--team", str(world.team_a.id), *course, "--format", "csv", "-o", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    assert "Carol Clark" in out.read_text("utf-8-sig") and "Bob" not in out.read_text("utf-8-sig")
    result = runner.invoke(
        args=["reports", "completion", "--team", "Team A", "--tier", "expert", "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 2 and "'expert' is not one of 'beginner', 'intermediate', 'advanced'" in result.output
