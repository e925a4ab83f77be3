"""The columns of a table (the dashboard's, an attendee list), defined once for the page, the CSV
and the XLSX file.

A Column has a translated label, a function reading its value from a row, and a Format. The
page shows the value in the current language ("no data" for a missing figure); a file keeps
the raw value (counts as integers, shares as fractions from 0 to 1, Hà Nội wall-clock times)
and the format chooses the cell's number format. A column of counts may carry each count's
share: the page shows "3 (75.0%)" in one cell, a file a column of counts and a column
"… (share)" beside it.

A TableSpec names a table's columns, where its rows come from and how the page lays it out;
built from a source (a dashboard's figures) it gives a Table, which the page's `data_table`
macro (dashboard/_tables.html) and exports.py both read.

A table may be sorted by the reader: its spec names the `sortable` columns by their `key`
(the value of ?sort= in the page's address) and its default order; Table.sorted_by sorts
the rows on the server, a column named by no one (or a direction other than asc and desc)
giving the default."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from babel.numbers import NumberPattern, parse_pattern
from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal import dates
from portal.timeutil import local_zone


class Format(enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"  # typed by people, kept on its lines
    INTEGER = "integer"
    PERCENT = "percent"  # a share from 0 to 1
    DECIMAL = "decimal"  # a mean with one decimal: a score out of 10, working days
    DATE = "date"
    DATETIME = "datetime"  # an aware UTC time, shown and written in Hà Nội time
    MET = "met"  # whether a requirement is met: True or False


NUMBERS = frozenset({Format.INTEGER, Format.PERCENT, Format.DECIMAL})
Label = str | LazyString  # a label translated when shown (lazy_gettext at module level)
NO_TEXT = "—"


def share_of(label: str) -> str:
    """The header of a column of shares beside the column of counts `label`."""
    return _("%(figure)s (share)", figure=label)


def met(value: bool) -> str:
    return _("Met") if value else _("Not met")


NUMBER_PATTERNS = {Format.INTEGER: "#,##0", Format.PERCENT: "#,##0.0%", Format.DECIMAL: "#,##0.0"}


@lru_cache(maxsize=8)
def _pattern(pattern: str) -> NumberPattern:
    """A number pattern parsed once (Babel's format_decimal parses it at every call: a
    dashboard shows thousands of figures)."""
    return parse_pattern(pattern)


@lru_cache(maxsize=4096)
def _number(pattern: str, kind: type, value: Any, locale: Any) -> str:
    """A number as `pattern` shows it in `locale`, kept: a page shows the same counts and
    shares many times (0, 1, 100 %…), and Babel's formatting is the costly part of a cell.
    `kind` keeps 1, 1.0 and True apart (equal, and so one key, without it)."""
    return _pattern(pattern).apply(value, locale)


def shown(value: Any, fmt: Format, locale: Any = None) -> str:
    """A value as the page shows it, in `locale` (by default the current language)."""
    if value is None:
        return _("no data") if fmt in NUMBERS else NO_TEXT
    if fmt in NUMBER_PATTERNS:
        return _number(NUMBER_PATTERNS[fmt], type(value), value, locale or get_locale())
    if fmt is Format.DATE:
        return dates.day(value, "short")
    if fmt is Format.DATETIME:
        return dates.moment(value, "short")
    if fmt is Format.MET:
        return met(value)
    return str(value)


def in_file(value: Any, fmt: Format) -> Any:
    """A value as a file holds it: a naive Hà Nội wall-clock time for a moment
    (spreadsheets know no zones), "Met"/"Not met" for a requirement, else the raw value."""
    if value is None:
        return None
    if fmt is Format.DATETIME:
        moment: datetime = value
        return moment.astimezone(local_zone()).replace(tzinfo=None, microsecond=0)
    if fmt is Format.MET:
        return met(value)
    return value


class FileColumn(NamedTuple):
    """A column of a file: a count's share is a column of its own."""

    header: str
    value: Callable[[Any], Any]
    format: Format


@dataclass(frozen=True)
class Column:
    """`label` (lazily translated), `value(row)`, its Format; `share(row)`, a count's share
    (shown beside it); `link(row, links)`, the address the page links the cell to, or None;
    `missing(row)`, what the page and the file say instead of a missing value (why there is
    none), else "no data"; `key`, the column's name in a sorted table's address."""

    label: Label
    value: Callable[[Any], Any]
    format: Format = Format.TEXT
    share: Callable[[Any], float | None] | None = None
    link: Callable[[Any, Any], str | None] | None = None
    missing: Callable[[Any], str] | None = None
    key: str = ""

    def shown(self, row: Any, locale: Any = None) -> str:
        value = self.value(row)
        if value is None and self.missing:
            return self.missing(row)
        return shown(value, self.format, locale)

    def in_file(self, row: Any) -> Any:
        """The cell's value in a file: the raw value, or why there is none."""
        value = self.value(row)
        if value is None and self.missing:
            return self.missing(row)
        return value

    def share_shown(self, row: Any, locale: Any = None) -> str | None:
        """The count's share as the page shows it beside the count; None without a share
        (no column of shares, or nothing to share out: the count says it is 0)."""
        value = self.share(row) if self.share else None
        return None if value is None else shown(value, Format.PERCENT, locale)

    def cell(self, row: Any, links: Any, locale: Any, header: bool = False) -> str:
        """The page's cell of `row` as HTML (escaped here, as Jinja would): its text in
        `locale`, linked where the column links, a requirement not met stressed, a count's
        share beside it; a header cell of its row when `header`. Made in Python rather
        than by a template macro per cell: a dashboard has a couple of thousand cells."""
        text = escape(self.shown(row, locale))
        href = self.href(row, links)
        if href:
            text = f'<a href="{escape(href)}">{text}</a>'
        elif self.stressed(row):
            text = f"<strong>{text}</strong>"
        share = self.share_shown(row, locale)
        if share:
            text = f'{text} <span class="muted">({escape(share)})</span>'
        tag = "th" if header else "td"
        scope = ' scope="row"' if header else ""
        css = f' class="{self.css_class}"' if self.css_class else ""
        return f"<{tag}{scope}{css}>{text}</{tag}>"

    def href(self, row: Any, links: Any) -> str | None:
        return self.link(row, links) if self.link else None

    def stressed(self, row: Any) -> bool:
        """Whether the page stresses the cell: a requirement not met."""
        return self.format is Format.MET and not self.value(row)

    @property
    def css_class(self) -> str:
        return "prewrap" if self.format is Format.LONG_TEXT else ""

    def in_files(self) -> list[FileColumn]:
        label = str(self.label)
        columns = [FileColumn(label, self.in_file, self.format)]
        if self.share:
            columns.append(FileColumn(share_of(label), self.share, Format.PERCENT))
        return columns


@dataclass(frozen=True)
class ChartSpec:
    """A chart drawn beside a table in its XLSX sheet, as the dashboard page draws the same
    figures: `series`, the columns plotted (a series each, over the rows named by the
    table's first text column); `kind` "bar", "stacked" (bars stacked, the levels of the
    ratings) or "line"; `lines`, columns drawn as lines on a second axis over the bars (a
    rate beside counts: the monthly trend); `skip_last`, the last row (a total) is left out
    of the chart."""

    title: Label
    series: tuple[Column, ...]
    kind: str = "bar"
    skip_last: bool = False
    lines: tuple[Column, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """One table: `name` (in URLs), `sheet` (the short, lazily translated title of its XLSX
    sheet: at most 31 characters in every language), its columns, `rows(source)` and
    `caption(source)` (the page's long caption; None for a table only in files).
    `sortable`, the keys of the columns the reader may sort by (their headers are links),
    and `default_sort`, the (key, direction) of the rows as `rows` gives them.

    How the page lays it out: `transposed` shows a row per column and a column per row (a
    period beside the previous one, the first column's values heading the columns);
    `row_headers`, the first column heads each row; `caption_shown`, a visible caption (else
    for screen readers only); `empty`, said instead of a table without rows; `row_class`,
    the class of each row; `chart`, a chart beside it in its XLSX sheet."""

    name: str
    sheet: Label
    columns: tuple[Column, ...]
    rows: Callable[[Any], list]
    caption: Callable[[Any], str] | None = None
    transposed: bool = False
    row_headers: bool = True
    caption_shown: bool = False
    empty: Label | None = None
    row_class: str = ""
    chart: ChartSpec | None = None
    sortable: tuple[str, ...] = ()
    default_sort: tuple[str, str] | None = None

    def build(self, source: Any) -> Table:
        """The table of `source`, which reads only the figures this table shows."""
        return Table(
            self,
            self.rows(source),
            self.caption(source) if self.caption else "",
            self.default_sort,
        )

    def column(self, key: str) -> Column | None:
        """The sortable column named `key`, or None."""
        if key not in self.sortable:
            return None
        return next((column for column in self.columns if column.key == key), None)

    def sort_asked(self, key: Any, direction: Any) -> tuple[str, str] | None:
        """The order asked for (?sort=key&dir=asc|desc) if this table may be sorted so, else
        its default order (None for a table that cannot be sorted): a bad value is never an
        error, only ignored."""
        if not self.sortable:
            return None
        if isinstance(key, str) and self.column(key) and direction in DIRECTIONS:
            return key, direction
        return self.default_sort


ASCENDING, DESCENDING = "asc", "desc"
DIRECTIONS = (ASCENDING, DESCENDING)
ARIA_SORT = {ASCENDING: "ascending", DESCENDING: "descending"}


def _sort_value(value: Any) -> Any:
    """A value as it sorts: text without regard to case, anything else as it is."""
    return value.casefold() if isinstance(value, str) else value


@dataclass(frozen=True)
class Table:
    """A TableSpec with its rows (`items`: what the page iterates) and caption; `header`,
    `formats` and `rows` are the file's view of the same columns."""

    spec: TableSpec
    items: list
    caption: str = ""
    sort: tuple[str, str] | None = None  # (column key, direction) of `items`; None unsorted

    @property
    def name(self) -> str:
        return self.spec.name

    def sorted_by(self, key: Any, direction: Any) -> Table:
        """The table with its rows sorted by the sortable column `key` in `direction` (asc
        or desc), rows without a value (no data, unranked) last either way, equal values
        in the default order; an unknown column or direction gives the default order."""
        asked = self.spec.sort_asked(key, direction)
        if asked is None or asked == self.sort:
            return self
        column = self.spec.column(asked[0])
        if column is None:  # the default order names no column: the rows as given
            return self
        valued = [(column.value(item), item) for item in self.items]
        present = [pair for pair in valued if pair[0] is not None]
        absent = [item for value, item in valued if value is None]
        present.sort(key=lambda pair: _sort_value(pair[0]), reverse=asked[1] == DESCENDING)
        items = [item for _value, item in present] + absent
        return Table(self.spec, items, self.caption, asked)

    def sort_state(self, column: Column) -> str | None:
        """aria-sort of the column's header: "ascending" or "descending" for the column the
        rows are sorted by, else None."""
        if self.sort is None or not column.key or column.key != self.sort[0]:
            return None
        return ARIA_SORT[self.sort[1]]

    def sort_args(self, column: Column) -> dict[str, str] | None:
        """The query values of the link in the column's header (None for a column that
        cannot be sorted): ascending first, the other way when already ascending."""
        if not column.key or column.key not in self.spec.sortable:
            return None
        ascending = self.sort == (column.key, ASCENDING)
        return {"sort": column.key, "dir": DESCENDING if ascending else ASCENDING}

    @property
    def sheet(self) -> str:
        return str(self.spec.sheet)

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.spec.columns

    @cached_property
    def locale(self) -> Any:
        """The language the page shows it in (read once for all its cells)."""
        return get_locale()

    def cells(self, item: Any, links: Any) -> Markup:
        """The page's cells of one row (`item`), the first a header cell when the table has
        row headers."""
        header = self.spec.row_headers
        locale = self.locale
        return Markup(  # noqa: S704  # nosec B704 - each part escaped by Column.cell
            "".join(
                column.cell(item, links, locale, header and n == 0)
                for n, column in enumerate(self.columns)
            )
        )

    def cells_across(self, column: Column, links: Any) -> Markup:
        """A transposed table's cells of one column: one per row (`items`)."""
        locale = self.locale
        return Markup(  # noqa: S704  # nosec B704 - each part escaped by Column.cell
            "".join(column.cell(item, links, locale) for item in self.items)
        )

    @cached_property
    def file_columns(self) -> list[FileColumn]:
        return [file_column for column in self.columns for file_column in column.in_files()]

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.file_columns]

    @property
    def formats(self) -> list[Format]:
        return [column.format for column in self.file_columns]

    @property
    def rows(self) -> list[list]:
        return [
            [in_file(column.value(item), column.format) for column in self.file_columns]
            for item in self.items
        ]
