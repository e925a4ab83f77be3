"""CSV and XLSX exports of the dashboard's tables: the files opened and checked against the
hand-computed examples of test_dashboard, formula injection, the sheet names of every
workbook, what a download reads from the database, the quarterly report, who may download
what, and bad input."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from conftest import World, login_as, text_of
from flask_babel import force_locale
from openpyxl import load_workbook
from test_dashboard import (
    NOV,
    OCT,
    TODAY,
    _dossier,
    _download,
    _get,
    _procedure,
    _rate,
    answered,
    hanoi,
    rated,
)

from portal.codes import format_code
from portal.dashboard import reports, signing, tables, today
from portal.dashboard import services as dashboard
from portal.dashboard.periods import Period
from portal.extensions import db
from portal.feedback import queries as feedback_queries
from portal.feedback.models import Feedback
from portal.sheets import files as exports
from portal.sheets.columns import Column, Format, Table, TableSpec

__all__ = ["answered", "rated"]  # the fixtures of test_dashboard, used here too

Q4 = Period("quarter", date(2026, 10, 1), date(2027, 1, 1))
BOM = b"\xef\xbb\xbf"


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"), newline="")))


def _xlsx(response):
    return load_workbook(io.BytesIO(response.get_data()))


def _case_code(world: World) -> str:
    return format_code(db.session.get(Feedback, world.dissatisfied.feedback_id).code)


def _name(procedure) -> str:
    return procedure.name_en or procedure.name_vi


def _tables(ward_id: int, period: Period = NOV) -> dict[str, Table]:
    """Every table of a ward's dashboard, by name."""
    return {table.name: table for table in tables.download(tables.ALL, ward_id, period, TODAY)}


# ---------------------------------------------------------------- CSV


def test_csv_by_procedure(client, rated: World):
    response = _download(client, rated.chairman, "by-procedure.csv?period=month&date=2026-11")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="dashboard-by-procedure-phuong-bo-de-2026-11.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = _csv(response)
    assert header[:5] == [
        "Procedure",
        "Dossiers returned",
        "Ratings",
        "Response rate",
        "Satisfaction rate",
    ]
    assert header[5:7] == ["Very satisfied", "Very satisfied (share)"]
    assert header[-1] == "Average score (out of 10)"
    a, b, c = rated.procedures
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {_name(a), _name(b), _name(c)}
    # A: D1 + D2, both early, very satisfied + satisfied, scores 10 and 9.
    row = by_name[_name(a)]
    assert (row["Dossiers returned"], row["Ratings"], row["Response rate"]) == ("2", "2", "1")
    assert (row["Satisfaction rate"], row["Very satisfied"], row["Very satisfied (share)"]) == (
        "1",
        "1",
        "0.5",
    )
    assert (row["Early"], row["Early (share)"], row["Average score (out of 10)"]) == (
        "2",
        "1",
        "9.5",
    )
    # B: dissatisfied, score 5; C: never rated, so its rates are empty (no data), not 0.
    assert (by_name[_name(b)]["Satisfaction rate"], by_name[_name(b)]["Dissatisfied"]) == (
        "0",
        "1",
    )
    assert by_name[_name(c)]["Satisfaction rate"] == ""
    assert by_name[_name(c)]["Average score (out of 10)"] == ""
    assert (by_name[_name(c)]["Late"], by_name[_name(c)]["Response rate"]) == ("1", "0")


def test_csv_by_officer_keeps_vietnamese(client, rated: World):
    response = _download(client, rated.chairman, "by-officer.csv?date=2026-11", lang="vi")
    header, *rows = _csv(response)
    officers = {row[0]: row for row in rows}
    chairman = officers["Nguyễn Văn Chủ"]  # D2, D3, D4
    # returned, ratings, response rate 2/3, satisfaction rate 1/2, ..., mean score (9 + 5) / 2
    assert chairman[1:5] == ["3", "2", "0.666667", "0.5"]
    assert chairman[-1] == "7"
    assert len(header) == len(chairman) == 18


def test_csv_lowest_rated_and_reasons(client, rated: World):
    a, b, _ = rated.procedures
    header, *rows = _csv(_download(client, rated.chairman, "lowest-rated.csv?date=2026-11"))
    assert header == ["Procedure", "Satisfaction rate", "Ratings"]
    assert rows == [[_name(b), "0", "1"], [_name(a), "1", "2"]]
    header, *rows = _csv(
        _download(client, rated.chairman, "dissatisfied-reasons.csv?date=2026-11", lang="vi")
    )
    code = _case_code(rated)
    assert rows == [["2026-11-07 09:00", "Đăng ký khai sinh", "Phải chờ lâu", code]]


def test_csv_satisfaction_summary(client, rated: World):
    header, *rows = _csv(_download(client, rated.chairman, "satisfaction-summary.csv?date=2026-11"))
    assert header[:5] == [
        "Period",
        "Dossiers returned",
        "Ratings",
        "Response rate",
        "Satisfaction rate",
    ]
    # November: 4 returned, 3 rated, 75 %, 2/3; October: 1 and 1, 100 %; scores 24/3 and 10.
    assert rows[0][:5] == ["11/2026", "4", "3", "0.75", "0.666667"]
    assert rows[1][:5] == ["10/2026", "1", "1", "1", "1"]
    assert (rows[0][-1], rows[1][-1]) == ("8", "10")


def test_feedback_summary_table(app, english, answered: World):
    table = _tables(answered.ward.id)["feedback-summary"]
    assert table.header[0] == "Period"
    assert_shares_formatted(table)
    assert table.formats[-1] is Format.DECIMAL  # the mean working days
    # November: 3 received, 3 answered, 1 on time, mean 12 working days; October: 2, 0.
    assert table.rows == [
        ["11/2026", 3, 3, 1, pytest.approx(1 / 3), 12.0],
        ["10/2026", 2, 0, 0, None, None],
    ]


def test_feedback_tables(app, english, answered: World):
    f1, f2, f3, f4, f5 = answered.items
    ward_tables = _tables(answered.ward.id)
    category = ward_tables["feedback-by-category"]
    rows = {row[0]: row[1:] for row in category.rows}
    assert rows["Environment"] == [2, 1, 1, 1.0, 1.0]
    assert rows["Urban order"] == [1, 1, 0, 0.0, 12.0]
    assert rows["A question for the ward chairman"] == [0, 0, 0, None, None]
    csv_rows = list(csv.reader(io.StringIO(exports.to_csv(category).decode("utf-8-sig"))))
    assert ["Other", "0", "1", "0", "0", "23"] in csv_rows
    overdue = ward_tables["overdue"]
    assert overdue.header[:2] == ["Code", "Title"]
    assert [row[0] for row in overdue.rows] == [format_code(f5.code), format_code(f3.code)]
    assert overdue.rows[1][3:5] == [datetime(2026, 11, 10, 10), date(2026, 11, 25)]


# ---------------------------------------------------------------- XLSX


def test_xlsx_of_every_table(client, rated: World):
    response = _download(client, rated.chairman, "all.xlsx?date=2026-11")
    assert response.status_code == 200
    assert response.content_type.startswith("application/vnd.openxmlformats")
    assert (
        'filename="dashboard-all-phuong-bo-de-2026-11.xlsx"'
        in (response.headers["Content-Disposition"])
    )
    book = _xlsx(response)
    assert book.sheetnames == [
        "Satisfaction totals",
        "Satisfaction by month",
        "Satisfaction by procedure",
        "Satisfaction by field",
        "Satisfaction by officer",
        "Procedures rated lowest",
        "Reasons for dissatisfaction",
        "Service index (Decision 766)",
        "Indicators per dossier",
        "Index items not computed",
        "Feedback totals",
        "Feedback by category",
        "Feedback overdue",
        "Dialogues and reception",
        "Delegated signing",
    ]
    sheet = book["Satisfaction by procedure"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == [
        "Procedure",
        "Dossiers returned",
        "Ratings",
        "Response rate",
        "Satisfaction rate",
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["A"].width >= len("Procedure")
    a, b, c = rated.procedures
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    a_row = rows[_name(a)]
    assert [cell.value for cell in a_row[1:5]] == [2, 2, 1.0, 1.0]
    assert a_row[4].number_format == "0.0%" and a_row[1].number_format == "General"
    assert a_row[-1].value == 9.5 and a_row[-1].number_format == "0.0"
    assert rows[_name(c)][4].value is None  # no rating: no data
    lowest = book["Procedures rated lowest"]
    assert [[cell.value for cell in row] for row in lowest.iter_rows(min_row=2)] == [
        [_name(b), 0.0, 1],
        [_name(a), 1.0, 2],
    ]
    assert lowest["B2"].number_format == "0.0%"
    reasons = book["Reasons for dissatisfaction"]
    assert reasons["A2"].value == datetime(2026, 11, 7, 9, 0)
    assert reasons["C2"].value == "Phải chờ lâu"
    assert reasons["D2"].value == _case_code(rated)


def test_xlsx_in_vietnamese_and_one_table(client, rated: World):
    response = _download(client, rated.chairman, "by-officer.xlsx?date=2026-11", lang="vi")
    book = _xlsx(response)
    [sheet] = book.worksheets
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "Nguyễn Văn Chủ" in names
    assert sheet["A1"].value != "Officer"  # the header is translated


def test_empty_period_gives_files_with_headers_only(client, rated: World):
    book = _xlsx(_download(client, rated.chairman, "all.xlsx?period=year&date=2001"))
    assert book["Satisfaction by procedure"].max_row == 1
    assert book["Feedback by category"].max_row == 1 + 5  # every category, with zeros
    header, *rows = _csv(_download(client, rated.chairman, "lowest-rated.csv?date=2001"))
    assert header and rows == []


def test_ward_comparison_for_the_admin(client, rated: World):
    response = _download(client, rated.admin, "ward-comparison.csv?date=2026-11")
    assert (
        "dashboard-ward-comparison-all-wards-2026-11.csv"
        in (response.headers["Content-Disposition"])
    )
    header, *rows = _csv(response)
    assert header[0] == "Ward"
    assert [row[:5] for row in rows] == [
        ["Phường Bồ Đề", "4", "3", "0.75", "0.666667"],
        ["Phường Việt Hưng", "1", "1", "1", "0"],
    ]
    book = _xlsx(_download(client, rated.admin, "all.xlsx?date=2026-11"))
    assert book.sheetnames == ["Wards compared", "Satisfaction by month"]
    assert book["Wards compared"]["E2"].value == pytest.approx(2 / 3)
    # The administrator opens one served ward's tables with ?ward=.
    slug = rated.other_ward.slug
    header, *rows = _csv(_download(client, rated.admin, f"by-procedure.csv?ward={slug}"))
    assert _download(client, rated.admin, "by-procedure.csv").status_code == 404
    assert _download(client, rated.chairman, "ward-comparison.csv").status_code == 404


# ---------------------------------------------------------------- formula injection


def test_formula_injection_is_neutralised(client, rated: World):
    ward = rated.ward.id
    procedure = _procedure(ward, "Đăng ký khai sinh")
    _, raw = _dossier(rated.staff, ward, procedure, "F1", hanoi(2026, 11, 9), hanoi(2026, 11, 9))
    evil = '=HYPERLINK("http://evil.example/","Bấm vào đây")'
    _rate(raw, "dissatisfied", hanoi(2026, 11, 10), reason=evil)
    db.session.commit()
    header, *rows = _csv(_download(client, rated.chairman, "dissatisfied-reasons.csv?date=2026-11"))
    assert rows[0][2] == "'" + evil
    sheet = _xlsx(_download(client, rated.chairman, "all.xlsx?date=2026-11"))[
        "Reasons for dissatisfaction"
    ]
    assert sheet["C2"].value == "'" + evil and sheet["C2"].data_type == "s"
    for text in ("+1", "-1", "@SUM(A1)", "\t=1"):
        assert exports.safe_text(text) == "'" + text
    assert exports.safe_text("Phải chờ lâu") == "Phải chờ lâu"
    columns = (Column("A", lambda row: row[0], Format.INTEGER), Column("B", lambda row: row[1]))
    table = TableSpec("t", "t", columns, lambda source: source).build([(-1, "-1")])
    assert exports.to_csv(table).decode("utf-8-sig").splitlines()[1] == "-1,'-1"


def test_sheet_names_are_valid():
    assert exports.sheet_name("a/b:c*d?[e]\\f", "t") == "a b c d  e  f"
    assert exports.sheet_name("'By'", "t") == "By"
    # Too long: cut after the last whole word; one long word: the table's own name.
    title = "Thủ tục có mức hài lòng thấp nhất"  # 33 characters
    assert exports.sheet_name(title, "lowest-rated") == "Thủ tục có mức hài lòng thấp"
    assert exports.sheet_name("x" * 40, "lowest-rated") == "lowest-rated"
    # Taken (ignoring case): the table's own name, never a "(2)".
    assert exports.sheet_name("Theo lĩnh vực", "by-category", ["theo lĩnh vực"]) == "by-category"


def _workbooks(world: World) -> list[tuple]:
    """Every workbook the dashboard gives: (who, table, the specs of its sheets)."""
    ward = [(world.chairman, name, [spec]) for name, spec in tables.WARD_TABLES.items()]
    city = [(world.admin, name, [spec]) for name, spec in tables.CITY_TABLES.items()]
    return [
        (world.chairman, tables.ALL, list(tables.WARD_TABLES.values())),
        *ward,
        *[(world.chairman, name, report.tables) for name, report in reports.REPORTS.items()],
        (world.admin, tables.ALL, list(tables.CITY_TABLES.values())),
        *city,
    ]


def test_every_workbook_names_its_sheets_whole_and_once(client, rated: World):
    """In both languages, each sheet is named by its table's whole sheet title (nothing cut
    to fit, no "(2)" added), at most 31 characters and unique in its workbook; and the
    Vietnamese titles are translated."""
    titles: dict[str, dict[str, str]] = {}
    for lang in ("vi", "en"):
        for user, name, specs in _workbooks(rated):
            book = _xlsx(_download(client, user, f"{name}.xlsx?date=2026-11", lang=lang))
            with force_locale(lang):
                expected = [str(spec.sheet) for spec in specs]
            assert book.sheetnames == expected, (lang, name)
            assert len({title.casefold() for title in expected}) == len(expected), expected
            for spec, title in zip(specs, expected, strict=True):
                assert 0 < len(title) <= exports.SHEET_NAME_MAX, title
                assert not re.search(r"\(\d+\)$", title), title
                assert exports.sheet_name(title, spec.name) == title  # valid as it is
                titles.setdefault(spec.name, {})[lang] = title
    assert len(titles) == len(tables.WARD_TABLES) + 1 + 4  # ward-comparison; report sheets
    untranslated = {name for name, by_lang in titles.items() if by_lang["vi"] == by_lang["en"]}
    assert untranslated == set()
    assert titles["lowest-rated"]["vi"] == "Thủ tục hài lòng thấp nhất"
    assert titles["feedback-by-category"]["vi"] == "Phản ánh theo loại nội dung"


# ---------------------------------------------------------------- what a download reads


def _statements(action: Callable[[], object]) -> Counter:
    """The SQL statements `action()` issues, each with the number of times it does."""
    issued: Counter = Counter()

    def record(conn, cursor, statement, *args):
        issued[statement] += 1

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return issued


# The service functions whose figures each table shows (November, October before it), and
# nothing else: a download of the table may issue their queries and no other.
WARD_NEEDS: dict[str, Callable[[int], object]] = {
    "satisfaction-summary": lambda w: dashboard.satisfaction_totals_beside(w, NOV),
    "monthly-trend": lambda w: dashboard.monthly_trend(w, NOV),
    "by-procedure": lambda w: dashboard.by_procedure(w, NOV),
    "by-field": lambda w: dashboard.by_procedure(w, NOV),  # added up per field
    "by-officer": lambda w: dashboard.by_officer(w, NOV),
    "lowest-rated": lambda w: dashboard.by_procedure(w, NOV),
    "dissatisfied-reasons": lambda w: dashboard.latest_dissatisfied(w, NOV),
    # the national index panel: the period's totals (one row per month), nothing else
    "national-index": lambda w: dashboard.satisfaction_totals_beside(w, NOV),
    "index-indicators": lambda w: dashboard.satisfaction_totals_beside(w, NOV),
    "index-not-computed": lambda w: [],
    "feedback-summary": lambda w: dashboard.feedback_figures_beside(w, NOV),
    "feedback-by-category": lambda w: [
        dashboard.feedback_figures_beside(w, NOV),
        dashboard.categories(w),
    ],
    "overdue": lambda w: [feedback_queries.overdue(w), dashboard.categories(w)],
    "dialogues": lambda w: dashboard.dialogue_summaries(w, [NOV, OCT]),
    "delegated-signing": lambda w: signing.signing_summary(w, NOV),
}
CITY_NEEDS: dict[str, Callable[[], object]] = {
    "ward-comparison": lambda: dashboard.compare_wards(NOV, 10),
    "monthly-trend": lambda: dashboard.monthly_trend(None, NOV),
}


def test_every_table_says_what_it_needs():
    assert set(WARD_NEEDS) == set(tables.WARD_TABLES)
    assert set(CITY_NEEDS) == set(tables.CITY_TABLES)


def _reads(client, user, path: str, page: str = "/dashboard/export/") -> Counter:
    """The statements of a request for `path` beyond those of any request of the viewer:
    a download with a period that cannot be understood (access checked, nothing computed:
    the page itself shows the current period instead), after one such request to read the
    viewer's own rows."""
    refused = (path.split("?")[0] if page.endswith("/export/") else "all.xlsx") + "?date=never"
    download = "/dashboard/export/"
    assert _get(client, user, refused, page=download).status_code == 400
    around = _statements(lambda: _get(client, user, refused, page=download))
    responses = []
    issued = _statements(lambda: responses.append(_get(client, user, path, page=page)))
    assert responses[0].status_code == 200, path
    around, issued = _figures(around), _figures(issued)
    assert around <= issued
    return issued - around


def _figures(statements: Counter) -> Counter:
    """The queries for figures: not the transaction's own statements, nor the audit trail's
    record of the download (test_audit.py checks that one)."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return Counter(
        {
            statement: n
            for statement, n in statements.items()
            if not statement.startswith(control) and "audit_entries" not in statement
        }
    )


@pytest.mark.parametrize("table", list(WARD_NEEDS))
def test_a_one_table_csv_reads_only_its_own_figures(client, rated: World, table: str):
    ward = rated.ward.id
    reads = _reads(client, rated.chairman, f"{table}.csv?date=2026-11")
    assert reads == _figures(_statements(lambda: WARD_NEEDS[table](ward)))


@pytest.mark.parametrize("table", list(CITY_NEEDS))
def test_a_city_table_reads_only_its_own_figures(client, rated: World, table: str):
    reads = _reads(client, rated.admin, f"{table}.csv?date=2026-11")
    assert reads == _figures(_statements(CITY_NEEDS[table]))


def _first_screen(app, ward: int) -> Counter:
    """The statements of the page's first screen (dashboard/today.py) on its own."""

    def build():
        with app.test_request_context("/dashboard/"):
            source = dashboard.WardDashboard(ward, NOV, TODAY)
            today.build(source, datetime.now(UTC), lambda endpoint: True)

    return _figures(_statements(build))


def test_the_workbook_and_the_page_read_each_figure_once(app, client, rated: World):
    ward = rated.ward.id
    # What the tables need, a query shared by several tables (by procedure) counted once.
    needed: Counter = Counter()
    for need in WARD_NEEDS.values():
        needed |= _figures(_statements(lambda need=need: need(ward)))
    assert _reads(client, rated.chairman, "all.xlsx?date=2026-11") == needed
    # The page: the tables' figures and its first screen's, the parts they share (the
    # satisfaction and feedback totals, the overdue items, the officers) read once.
    first = _first_screen(app, ward)
    page = _reads(client, rated.chairman, "?date=2026-11", page="/dashboard/")
    assert page == needed | first
    assert page.total() < needed.total() + first.total()
    one = _statements(lambda: WARD_NEEDS["by-procedure"](ward))
    assert one.total() < needed.total()


# ---------------------------------------------------------------- the quarterly report


def test_quarterly_ward_report(app, english, rated: World):
    a, b, c = rated.procedures
    [report] = reports.report(reports.QUARTERLY_REPORT, rated.ward.id, Q4)
    assert report.header == [
        "No.",
        "Procedure",
        *LEVELS,
        "Ratings",
    ]
    rows = {row[1]: row for row in report.rows}
    # A in the quarter: D1 very satisfied, D2 and D0 (October) satisfied.
    assert rows[_name(a)][2:] == [1, pytest.approx(1 / 3), 2, pytest.approx(2 / 3), 0, 0.0, 3]
    assert rows[_name(b)][2:] == [0, 0.0, 0, 0.0, 1, 1.0, 1]
    assert rows[_name(c)][2:] == [0, None, 0, None, 0, None, 0]  # returned, never rated
    assert sorted(row[0] for row in report.rows[:-1]) == [1, 2, 3]
    assert report.rows[-1] == [None, "Total", 1, 0.25, 2, 0.5, 1, 0.25, 4]


LEVELS = [
    "Very satisfied",
    "Very satisfied (share)",
    "Satisfied",
    "Satisfied (share)",
    "Dissatisfied",
    "Dissatisfied (share)",
]


def assert_shares_formatted(table: Table) -> None:
    """Exactly the columns of shares and rates carry the percentage format."""
    shares = {h for h in table.header if "share" in h or "rate" in h}
    formats = dict(zip(table.header, table.formats, strict=True))
    assert {h for h, f in formats.items() if f is Format.PERCENT} == shares


def test_officer_report(app, english, rated: World):
    summary, details, slips = reports.report(reports.OFFICER_REPORT, rated.ward.id, NOV)
    assert summary.header == [
        "No.",
        "Officer",
        "Dossiers returned",
        "Early",
        "Early (share)",
        "On time",
        "On time (share)",
        "Late",
        "Late (share)",
        "Times applicants came back",
        "Per dossier",
        "Ratings",
        "Response rate",
        *LEVELS,
        "Satisfaction rate",
        "Average score (out of 10)",
    ]
    assert_shares_formatted(summary)
    formats = zip(summary.header, summary.formats, strict=True)
    decimals = [header for header, fmt in formats if fmt is Format.DECIMAL]
    assert decimals == ["Per dossier", "Average score (out of 10)"]
    third = pytest.approx(1 / 3)
    # The chairman returned D2 (early, satisfied, 9), D3 (on time, 1 extra visit,
    # dissatisfied, 5) and D4 (late, not rated); the officer D1 (early, very satisfied, 10).
    assert summary.rows == [
        [1, "Nguyễn Văn Chủ", 3, 1, third, 1, third, 1, third, 1, third, 2, pytest.approx(2 / 3)]
        + [0, 0.0, 1, 0.5, 1, 0.5, 0.5, 7.0],
        [2, "Trần Thị Công", 1, 1, 1.0, 0, 0.0, 0, 0.0, 0, 0.0, 1, 1.0]
        + [1, 1.0, 0, 0.0, 0, 0.0, 1.0, 10.0],
        [None, "Total", 4, 2, 0.5, 1, 0.25, 1, 0.25, 1, 0.25, 3, 0.75]
        + [1, third, 1, third, 1, third, pytest.approx(2 / 3), pytest.approx(24 / 3)],
    ]
    assert details.header[:3] == ["Officer", "Procedure", "Dossiers returned"]
    # Officer and Procedure take the places of No. and Officer.
    assert details.formats[2:] == summary.formats[2:]
    a, b, c = rated.procedures
    assert [row[:3] for row in details.rows] == [
        ["Nguyễn Văn Chủ", _name(a), 1],
        ["Nguyễn Văn Chủ", _name(b), 1],
        ["Nguyễn Văn Chủ", _name(c), 1],
        ["Trần Thị Công", _name(a), 1],
    ]
    assert details.rows[1][9:12] == [1, 1.0, 1]  # D3: one extra visit, one rating
    # Each officer handed out the slips of the dossiers they returned here.
    assert slips.header == [
        "No.",
        "Officer",
        "Ratings",
        *LEVELS,
        "Satisfaction rate",
        "Average score (out of 10)",
    ]
    assert_shares_formatted(slips)
    assert slips.rows == [
        [1, "Nguyễn Văn Chủ", 2, 0, 0.0, 1, 0.5, 1, 0.5, 0.5, 7.0],
        [2, "Trần Thị Công", 1, 1, 1.0, 0, 0.0, 0, 0.0, 1.0, 10.0],
    ]


def test_officer_report_downloads(client, rated: World):
    # A month unless another period is asked for: November holds D1–D4.
    response = _download(client, rated.chairman, "officer-report.xlsx?date=2026-11")
    assert (
        "dashboard-officer-report-phuong-bo-de-2026-11.xlsx"
        in (response.headers["Content-Disposition"])
    )
    book = _xlsx(response)
    assert book.sheetnames == [
        "By officer",
        "By officer and procedure",
        "By officer who gave the slip",
    ]
    summary = book["By officer"]
    assert [cell.value for cell in summary[4]][:3] == [None, "Total", 4]
    assert summary["E2"].number_format == "0.0%" and summary["K2"].number_format == "0.0"
    assert book["By officer and procedure"].max_row == 5
    # The quarter: D0 (October, the officer, early, satisfied) is added.
    response = _download(client, rated.chairman, "officer-report.csv?period=quarter&date=2026-Q4")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["No.", "Officer", "Dossiers returned"]
    assert rows[2][:4] == ["2", "Trần Thị Công", "2", "2"]
    assert rows[-1][:3] == ["", "Total", "5"]
    # The supervisor may download his ward's; another ward is refused.
    assert _download(client, rated.supervisor, "officer-report.csv").status_code == 200
    forbidden = _download(client, rated.chairman, "officer-report.csv?ward=phuong-viet-hung")
    assert forbidden.status_code == 403
    bad = _download(client, rated.chairman, "officer-report.xlsx?period=week")
    assert bad.status_code == 400


def test_city_trend_download(client, rated: World):
    response = _download(client, rated.admin, "monthly-trend.csv?date=2026-11")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Month", "Dossiers returned", "Ratings"]
    assert [row[0] for row in rows[1:]] == ["12/2025"] + [f"{m}/2026" for m in range(1, 12)]
    assert rows[-1][:3] == ["11/2026", "5", "4"]
    assert rows[1][:3] == ["12/2025", "0", "0"]


def test_quarterly_report_download(client, rated: World):
    response = _download(
        client, rated.chairman, "quarterly-report.xlsx?period=quarter&date=2026-Q4"
    )
    assert (
        "dashboard-quarterly-report-phuong-bo-de-2026-Q4.xlsx"
        in (response.headers["Content-Disposition"])
    )
    [sheet] = _xlsx(response).worksheets
    assert [cell.value for cell in sheet[sheet.max_row]] == [
        None,
        "Total",
        1,
        0.25,
        2,
        0.5,
        1,
        0.25,
        4,
    ]
    assert sheet["D2"].number_format == "0.0%" and sheet["C2"].number_format == "General"
    # Without a period, the report is of the current quarter.
    response = _download(client, rated.chairman, "quarterly-report.csv")
    assert response.status_code == 200
    assert "-Q" in response.headers["Content-Disposition"]
    assert _csv(response)[-1][:2] == ["", "Total"]


# ---------------------------------------------------------------- who, and bad input


def test_who_may_download(client, rated: World):
    path = "by-procedure.csv?date=2026-11"
    assert _download(client, rated.chairman, path).status_code == 200
    assert _download(client, rated.supervisor, path).status_code == 200
    other = f"{path}&ward={rated.other_ward.slug}"
    assert _download(client, rated.chairman, other).status_code == 403
    assert _download(client, rated.supervisor, other).status_code == 403
    assert _download(client, rated.staff, path).status_code == 403
    assert _download(client, rated.resident, path).status_code == 403
    assert _download(client, rated.admin, f"{path}&ward=no-such-ward").status_code == 404
    anonymous = client.application.test_client()
    response = anonymous.get(f"/dashboard/export/{path}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path",
    [
        "no-such-table.csv",
        "by-procedure.pdf",
        "by-procedure.CSV",
        "all.csv",
        "by-procedure",
        "by-procedure.csv.xlsx",
    ],
)
def test_unknown_table_or_format_is_404(client, world: World, path: str):
    assert _download(client, world.chairman, path).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["?period=week", "?date=2026-13", "?date=1999", "?date=" + "9" * 300],
)
def test_unknown_period_is_a_clear_400(client, world: World, query: str):
    response = _download(client, world.chairman, f"by-procedure.xlsx{query}")
    assert response.status_code == 400
    assert "Unknown period" in text_of(response)


def test_the_page_links_the_downloads(client, rated: World):
    login_as(client, rated.chairman)
    html = text_of(client.get("/dashboard/?date=2026-11", headers={"Accept-Language": "en"}))
    for table in tables.WARD_TABLES:
        for fmt in ("csv", "xlsx"):
            assert f'href="/dashboard/export/{table}.{fmt}?period=month&amp;date=2026-11"' in html
    assert "Download everything (XLSX)" in html
    assert 'href="/dashboard/export/all.xlsx?period=month&amp;date=2026-11"' in html
    assert "/dashboard/export/quarterly-report.xlsx?period=quarter&amp;date=2026-Q4" in html
    login_as(client, rated.admin)
    html = text_of(client.get(f"/dashboard/?ward={rated.ward.slug}&date=2026-11"))
    assert f"by-procedure.csv?period=month&amp;date=2026-11&amp;ward={rated.ward.slug}" in html
    html = text_of(client.get("/dashboard/?date=2026-11"))
    assert "/dashboard/export/ward-comparison.xlsx?period=month&amp;date=2026-11" in html


def test_report_workbooks_chart_their_tables(client, rated: World):
    """The quarterly and officer reports carry a bar chart beside their first table, whose
    series are that table's level columns (the total row left out) and whose categories are
    its names."""
    for path in (
        "quarterly-report.xlsx?period=quarter&date=2026-Q4",
        "officer-report.xlsx?date=2026-11",
    ):
        sheet = _xlsx(_download(client, rated.chairman, path)).worksheets[0]
        [chart] = sheet._charts
        header = [cell.value for cell in sheet[1]]
        last = sheet.max_row - 1  # the total is not charted
        title = sheet.title
        refs = [series.val.numRef.f for series in chart.series]
        assert len(refs) == 3
        for ref, level in zip(refs, ("Very satisfied", "Satisfied", "Dissatisfied"), strict=True):
            letter = chr(ord("A") + header.index(level))
            assert ref == f"'{title}'!${letter}$2:${letter}${last}"
        category = chart.series[0].cat.strRef or chart.series[0].cat.numRef
        assert category.f.endswith(f"$2:$B${last}")


def _letter(header: list, label: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(header.index(label) + 1)


def _chart_refs(chart) -> list[tuple[str, str]]:
    """(values, categories) of every series of a chart read back, its combined plots too."""
    plots = getattr(chart, "_charts", None) or [chart]
    return [
        (series.val.numRef.f, (series.cat.strRef or series.cat.numRef).f)
        for plot in plots
        for series in plot.series
    ]


# sheet of the `all` workbook: the columns its chart plots, as on the dashboard page
DASHBOARD_CHARTS = {
    "Satisfaction by month": ("Ratings", "Satisfaction rate"),
    "Satisfaction by procedure": ("Very satisfied", "Satisfied", "Dissatisfied"),
}


def test_workbook_charts_the_tables_the_dashboard_charts(client, rated: World):
    """Each sheet of a table that has a chart on the dashboard carries the same chart beside
    it, referencing that table's own range; the other sheets have none."""
    book = _xlsx(_download(client, rated.chairman, "all.xlsx?date=2026-11"))
    for sheet in book.worksheets:
        if sheet.title not in DASHBOARD_CHARTS:
            assert sheet._charts == [], sheet.title
            continue
        [chart] = sheet._charts
        header = [cell.value for cell in sheet[1]]
        refs = _chart_refs(chart)
        assert len(refs) == len(DASHBOARD_CHARTS[sheet.title])
        for (values, categories), label in zip(refs, DASHBOARD_CHARTS[sheet.title], strict=True):
            letter = _letter(header, label)
            assert values == f"'{sheet.title}'!${letter}$2:${letter}${sheet.max_row}"
            assert categories == f"'{sheet.title}'!$A$2:$A${sheet.max_row}"
    trend = book["Satisfaction by month"]._charts[0]
    assert len(trend._charts) == 2  # the rate is a line over the bars, on its own axis
    assert book["Satisfaction by procedure"]._charts[0].grouping == "stacked"
    # The administrator's city-wide workbook: the wards' rates and the trend.
    book = _xlsx(_download(client, rated.admin, "all.xlsx?date=2026-11"))
    wards = book["Wards compared"]
    [chart] = wards._charts
    header = [cell.value for cell in wards[1]]
    letter = _letter(header, "Satisfaction rate")
    assert _chart_refs(chart) == [
        (
            f"'{wards.title}'!${letter}$2:${letter}${wards.max_row}",
            f"'{wards.title}'!$A$2:$A${wards.max_row}",
        )
    ]
    assert len(book["Satisfaction by month"]._charts) == 1
    # A one-table download has its chart too.
    sheet = _xlsx(_download(client, rated.chairman, "by-procedure.xlsx?date=2026-11")).worksheets[0]
    assert len(sheet._charts) == 1
