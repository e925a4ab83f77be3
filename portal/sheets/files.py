"""Tables (columns.py) written as files: one table as CSV, tables as an XLSX
workbook (one sheet each, named by the table's short sheet title).

Counts stay integers and shares stay fractions from 0 to 1: the XLSX cells carry a percentage
number format, the CSV cells a decimal with a dot. Text typed by people (reasons, titles)
cannot start a formula in a spreadsheet: a cell beginning with = + - @ is prefixed with '."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime

from flask import Response
from flask_babel import gettext as _

from portal.sheets.columns import Format, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX = 8, 60
NUMBER_FORMATS = {
    Format.PERCENT: "0.0%",
    Format.DECIMAL: "0.0",
    Format.DATETIME: "yyyy-mm-dd hh:mm",
    Format.DATE: "yyyy-mm-dd",
}


# ---------------------------------------------------------------- writing the files


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def to_csv(table: Table) -> bytes:
    """One table as CSV: UTF-8 with a byte order mark (so that Excel reads Vietnamese), the
    header row first, shares as decimals with a dot."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(str(cell)) for cell in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_name(title: str, fallback: str, taken: Iterable[str] = ()) -> str:
    """A valid sheet name for a table's sheet title: no []:*?/\\, no leading or trailing
    apostrophe, at most 31 characters (a longer title is cut after its last whole word),
    and different (ignoring case) from the names in `taken`. Every title of the dashboard
    fits and differs from its workbook's others in every language (a test holds it); a title
    that does not (a new translation) gives the table's URL name, unique and short, rather
    than a cut word or a "(2)"."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", title).strip().strip("'").strip()
    if len(name) > SHEET_NAME_MAX:
        cut = name[: SHEET_NAME_MAX + 1]
        name = cut.rsplit(" ", 1)[0].rstrip(" ,;:-–") if " " in cut else ""
    if not name or name.casefold() in {t.casefold() for t in taken}:
        return fallback[:SHEET_NAME_MAX]
    return name


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return 8
    if isinstance(value, datetime):
        return 16
    return max((len(line) for line in str(value).splitlines()), default=0)


def _add_chart(sheet, table: Table) -> None:
    """The table's chart (its spec's ChartSpec), to the right of the table: a series per
    plotted column, read from the table's own cells (categories from its first text column);
    the spec's `lines` drawn over the bars against a second axis on the right."""
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.utils import get_column_letter

    chart_spec = table.spec.chart
    last_row = len(table.items) + 1 - (1 if chart_spec and chart_spec.skip_last else 0)
    if chart_spec is None or last_row < 2:
        return
    headers = table.header
    name_column = next(
        (i for i, c in enumerate(table.file_columns, start=1) if c.format is Format.TEXT), 1
    )
    categories = Reference(sheet, min_col=name_column, min_row=2, max_row=last_row)

    def plotted(chart, columns) -> None:
        for column in columns:
            index = headers.index(str(column.label)) + 1
            data = Reference(sheet, min_col=index, min_row=1, max_row=last_row)
            chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)

    chart = LineChart() if chart_spec.kind == "line" else BarChart()
    if chart_spec.kind == "stacked":
        chart.grouping, chart.overlap = "stacked", 100
    chart.title = str(chart_spec.title)
    plotted(chart, chart_spec.series)
    if chart_spec.lines:
        rates = LineChart()
        plotted(rates, chart_spec.lines)
        rates.y_axis.axId = 200  # its own axis, on the right: a rate from 0 to 1
        rates.y_axis.number_format = "0%"
        rates.y_axis.crosses = "max"
        chart += rates
    sheet.add_chart(chart, f"{get_column_letter(len(headers) + 2)}2")


def to_xlsx(tables: Iterable[Table]) -> bytes:
    """Tables as an XLSX workbook, one sheet each: a bold header row (frozen), shares with a
    percentage format, means with one decimal, dates as dates, and fitted column widths.
    (openpyxl is imported here, not by every web worker at start: about 8 MB each.)"""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.sheet, table.name, workbook.sheetnames))
        sheet.append([safe_text(str(cell)) for cell in table.header])
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([safe_text(v) if isinstance(v, str) else v for v in row])
        widths = [_display_width(cell) for cell in table.header]
        formats = table.formats
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                column = cell.column - 1
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                elif formats[column] in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[formats[column]]
                widths[column] = max(widths[column], _display_width(cell.value))
        for index, width in enumerate(widths, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(
                max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX
            )
        sheet.freeze_panes = "A2"
        _add_chart(sheet, table)
    if not workbook.sheetnames:
        workbook.create_sheet(_("No data"))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(tables: list[Table], fmt: str, filename: str) -> Response:
    """The first table as a CSV file, or all of them as an XLSX workbook: an attachment that
    no browser or proxy keeps (it holds personal data or figures for one reader)."""
    body = to_csv(tables[0]) if fmt == "csv" else to_xlsx(tables)
    return attachment(body, CONTENT_TYPES[fmt], f"{filename}.{fmt}")


def attachment(body: bytes, content_type: str, filename: str) -> Response:
    """A downloaded file (a table, a report's PDF) that no browser or proxy keeps."""
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
