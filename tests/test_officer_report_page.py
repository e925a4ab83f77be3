"""The report per officer as a printable page (/dashboard/officer-report): its figures read
back and compared with the XLSX file of the same period (every officer, every figure, per
procedure and per slip handed out), the Decree 30 heading shared with the PDF, the period
chosen with the selects, who may open it, periods that cannot be understood, the print
stylesheet and the Print button's script (no inline script: the CSP allows 'self' only)."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from conftest import World, login_as, text_of
from flask_babel import force_locale
from openpyxl import load_workbook
from test_dashboard import _download, rated

from portal.sheets.columns import Format, shown

__all__ = ["rated"]  # the fixture of test_dashboard, used here too

PAGE = "/dashboard/officer-report"
NUMBER_FORMATS = {"0.0%": Format.PERCENT, "0.0": Format.DECIMAL}


class _Sections(HTMLParser):
    """The page's sections (by id) as lists of table rows, each a list of its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {}
        self._section: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs.get("id")
            self.sections[self._section] = []
        elif tag == "tr" and self._section:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.sections[self._section].append(self._row)
            self._row = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _page(client, user, query: str, lang: str = "en"):
    login_as(client, user)
    return client.get(PAGE + query, headers={"Accept-Language": lang})


def _sections(response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200, text_of(response)[:500]
    parser = _Sections()
    parser.feed(text_of(response))
    return parser.sections


def _workbook(client, user, query: str):
    response = _download(client, user, "officer-report.xlsx" + query)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.get_data()))


def _figures(sheet, row: tuple, skip: int) -> list[list[str]]:
    """An XLSX row as the page's figure list shows it: [label, value] per figure (after the
    first `skip` columns), a count's share beside it as "3 (75.0%)"."""
    header = [cell.value for cell in sheet[1]]
    shown_rows: list[list[str]] = []
    with force_locale("en"):
        for index in range(skip, len(header)):
            label, cell = header[index], row[index]
            if label.endswith(" (share)"):
                if cell.value is not None:
                    shown_rows[-1][1] += f" ({shown(cell.value, Format.PERCENT)})"
                continue
            fmt = NUMBER_FORMATS.get(cell.number_format, Format.INTEGER)
            shown_rows.append([label, shown(cell.value, fmt)])
    return shown_rows


def _cells(sheet, row: tuple, labels: tuple[str, ...]) -> list[str]:
    header = [cell.value for cell in sheet[1]]
    values = []
    with force_locale("en"):
        for label in labels:
            cell = row[header.index(label)]
            fmt = NUMBER_FORMATS.get(cell.number_format, Format.INTEGER)
            values.append(cell.value if isinstance(cell.value, str) else shown(cell.value, fmt))
    return values


@pytest.mark.parametrize(
    "query",
    [
        "?period=month&date=2026-11",
        "?period=quarter&date=2026-Q4",
        "?period=quarter&year=2026&quarter=4",  # the selects of the period form
    ],
)
def test_the_page_shows_the_figures_of_the_xlsx_report(client, rated: World, query: str):
    sections = _sections(_page(client, rated.chairman, query))
    xlsx_query = query.replace("year=2026&quarter=4", "date=2026-Q4")
    book = _workbook(client, rated.chairman, xlsx_query)
    summary, details, slips = book.worksheets
    rows = list(summary.iter_rows(min_row=2))
    *officers, total = rows
    assert total[1].value == "Total"
    # The ward's total, then each officer in the XLSX file's order, every figure.
    assert sections["report-overall-sheet"][1:] == _figures(summary, total, 2)
    officer_sections = [name for name in sections if name.startswith("officer-")]
    assert len(officer_sections) == len(officers) == 2
    procedure_rows = list(details.iter_rows(min_row=2))
    slip_rows = {row[1].value: row for row in slips.iter_rows(min_row=2)}
    procedure_labels = ("Procedure", "Dossiers returned", "Ratings", "Satisfaction rate")
    for number, row in enumerate(officers, start=1):
        name = row[1].value
        section = sections[f"officer-{number}-sheet"]
        figures = _figures(summary, row, 2)
        assert section[1 : 1 + len(figures)] == figures
        rest = section[1 + len(figures) :]
        # Their lines per procedure (the procedure, returned, ratings, satisfaction rate).
        mine = [r for r in procedure_rows if r[0].value == name]
        assert mine
        assert rest[0] == list(procedure_labels)
        assert rest[1 : 1 + len(mine)] == [_cells(details, r, procedure_labels) for r in mine]
        # The ratings of the slips they handed out.
        assert rest[2 + len(mine) :] == _figures(slips, slip_rows[name], 2)
    page = text_of(_page(client, rated.chairman, query))
    assert "1. Nguyễn Văn Chủ" in page and "2. Trần Thị Công" in page


def test_the_page_has_the_decree_heading_and_links_its_files(client, rated: World):
    response = _page(client, rated.chairman, "?period=month&date=2026-11", lang="vi")
    html = text_of(response)
    for words in (
        "UBND PHƯỜNG BỒ ĐỀ",
        "/BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "tháng 11 năm 2026",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
        rated.chairman.full_name,  # the ward's chairman signs
    ):
        assert words in html, words
    assert 'href="/dashboard/export/officer-report.xlsx?period=month&amp;date=2026-11"' in html
    assert 'href="/dashboard/export/officer-report.pdf?period=month&amp;date=2026-11"' in html
    html = text_of(_page(client, rated.chairman, "?period=quarter&year=2026&quarter=4", "vi"))
    assert "quý IV năm 2026" in html
    assert "officer-report.pdf?period=quarter&amp;date=2026-Q4" in html
    # The period form offers a month or a quarter, the one shown chosen.
    assert '<option value="quarter" selected>' in html and 'value="year"' not in html
    # The administrator's page keeps the ward in its links.
    html = text_of(_page(client, rated.admin, f"?ward={rated.ward.slug}&date=2026-11"))
    assert f"officer-report.xlsx?period=month&amp;date=2026-11&amp;ward={rated.ward.slug}" in html
    assert f'name="ward" value="{rated.ward.slug}"' in html


def test_the_dashboard_links_the_page(client, rated: World):
    login_as(client, rated.chairman)
    html = text_of(client.get("/dashboard/?date=2026-11", headers={"Accept-Language": "en"}))
    assert 'href="/dashboard/officer-report?period=month&amp;date=2026-11"' in html
    assert 'href="/dashboard/officer-report?period=quarter&amp;date=2026-Q4"' in html


def test_an_empty_period_says_so(client, rated: World):
    html = text_of(_page(client, rated.chairman, "?period=month&date=2025-01"))
    assert "No officer returned a dossier or handed out a slip in this period." in html


def test_who_may_open_the_page(client, rated: World):
    query = "?date=2026-11"
    assert _page(client, rated.chairman, query).status_code == 200
    assert _page(client, rated.supervisor, query).status_code == 200
    other = f"{query}&ward={rated.other_ward.slug}"
    assert _page(client, rated.chairman, other).status_code == 403
    assert _page(client, rated.supervisor, other).status_code == 403
    assert _page(client, rated.staff, query).status_code == 403
    assert _page(client, rated.resident, query).status_code == 403
    # The administrator names a ward; none (or an unknown one) is a 404.
    assert _page(client, rated.admin, f"{query}&ward={rated.other_ward.slug}").status_code == 200
    assert _page(client, rated.admin, query).status_code == 404
    assert _page(client, rated.admin, f"{query}&ward=no-such-ward").status_code == 404
    anonymous = client.application.test_client()
    response = anonymous.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "query",
    [
        "?period=week",
        "?period=year&date=2026",  # the report is monthly or quarterly
        "?date=2026-13",
        "?date=1999-01",
        "?date=" + "9" * 300,
        "?period=quarter&year=2026&quarter=5",
        "?period=month&year=abcd&month=1",
    ],
)
def test_a_period_that_cannot_be_understood_is_a_clear_400(client, rated: World, query: str):
    response = _page(client, rated.chairman, query)
    assert response.status_code == 400
    html = text_of(response)
    assert "Unknown period" in html
    response = _page(client, rated.chairman, query, lang="vi")
    assert response.status_code == 400 and "Unknown period" not in text_of(response)


def test_the_print_stylesheet_and_the_print_script(client, rated: World):
    response = _page(client, rated.chairman, "?date=2026-11")
    html = text_of(response)
    assert '<link rel="stylesheet" href="/static/css/report-page.css">' in html
    assert '<script src="/static/js/print-page.js" defer></script>' in html
    # The Print button is a <button> the script shows; no inline script nor handler.
    assert '<button type="button" class="button" data-print hidden>Print</button>' in html
    assert "onclick" not in html and "<script>" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    with client.get("/static/css/report-page.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        text = css.get_data(as_text=True)
    assert "@media print" in text and "size: A4" in text
    assert ".officer-sheet { break-before: page;" in text  # a page per officer
    assert ".site-header, .main-nav" in text  # no navigation on paper
    with client.get("/static/js/print-page.js") as script:
        assert script.status_code == 200
        assert script.mimetype in ("text/javascript", "application/javascript")
        assert "window.print()" in script.get_data(as_text=True)


def test_an_officer_who_only_handed_out_slips_has_a_section_too():
    from types import SimpleNamespace as Row

    from portal.dashboard import reports
    from portal.dashboard.tables import Line

    def table(*lines):
        return Row(items=list(lines))

    ana, binh = Row(officer_id=1), Row(officer_id=2)
    summary = table(Line("Ana", "f1", 1, ana), Line("Total", "t"))
    details = table(Line("Ana", "p1", item=ana), Line("Ana", "p2", item=ana))
    slips = table(Line("Bình", "s2", 1, binh))
    sheets = reports.officer_sheets([summary, details, slips])
    assert [(s.name, s.figures is not None, len(s.procedures)) for s in sheets] == [
        ("Ana", True, 2),
        ("Bình", False, 0),
    ]
    assert sheets[0].slips is None and sheets[1].slips.figures == "s2"
