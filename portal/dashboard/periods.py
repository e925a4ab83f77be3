"""Reporting periods of the dashboard: a Hà Nội calendar month, quarter or year, parsed from
the query string: `period=month|quarter|year` with `date=2026-11|2026-Q4|2026` (links and
downloads), or with the page form's selects `year=2026&month=11&quarter=4` (the one of month
and quarter that the kind needs is used, so every choice of the selects names a period)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l

from portal.domain import DomainError
from portal.timeutil import local_zone

KINDS = ("month", "quarter", "year")
FIRST_YEAR = 2000
LAST_YEAR = 2100
VALUE_MAX = 20  # characters of `date` looked at; anything longer is refused

PATTERNS = {
    "month": re.compile(r"(\d{4})-(\d{1,2})", re.ASCII),
    "quarter": re.compile(r"(\d{4})-[Qq]([1-4])", re.ASCII),
    "year": re.compile(r"(\d{4})", re.ASCII),
}


class InvalidPeriod(DomainError):
    """An unknown kind of period, a garbled date, or a year outside FIRST_YEAR–LAST_YEAR."""


def months_after(day: date, months: int) -> date:
    """The first day of the month `months` months after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A half-open range of Hà Nội dates [start, end): a month, a quarter or a year."""

    kind: str
    start: date  # the first day
    end: date  # the first day after the period

    @property
    def length(self) -> int:
        """Months in the period."""
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    def previous(self) -> Period:
        return Period(self.kind, months_after(self.start, -self.length), self.start)

    def next(self) -> Period:
        return Period(self.kind, self.end, months_after(self.end, self.length))

    @property
    def in_range(self) -> bool:
        """Whether the period lies within the years the dashboard accepts."""
        return FIRST_YEAR <= self.start.year <= LAST_YEAR

    @property
    def key(self) -> str:
        """The `date` query value naming the period: 2026-11, 2026-Q4 or 2026."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        """The period as people write it, in the current language."""
        year = self.start.year
        if self.kind == "month":
            return str(_l("%(month)d/%(year)d", month=self.start.month, year=year))
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return str(_l("Quarter %(quarter)d/%(year)d", quarter=quarter, year=year))
        return str(_l("Year %(year)d", year=year))

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period as aware UTC datetimes [from, to), from Hà Nội midnights."""
        zone = local_zone()
        return tuple(  # type: ignore[return-value]
            datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
            for day in (self.start, self.end)
        )


def period_containing(day: date, kind: str = "month") -> Period:
    """The month, quarter or year that contains `day`."""
    if kind == "year":
        start = date(day.year, 1, 1)
    elif kind == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        kind, start = "month", day.replace(day=1)
    period = Period(kind, start, start)
    return Period(kind, start, months_after(start, period.length))


def parse_period(kind: str | None, value: str | None, today: date) -> Period:
    """The period named by the query string. Without `date`, the period of `kind` (default a
    month) containing `today`; without `period`, the kind is read from the date's shape.
    Raises InvalidPeriod with a message for the user otherwise."""
    kind = (kind or "").strip().lower()
    value = (value or "").strip()
    if kind and kind not in KINDS:
        raise InvalidPeriod(_l("Choose a month, a quarter or a year."), "period")
    if len(value) > VALUE_MAX:
        raise InvalidPeriod(_l("This period cannot be understood."), "date")
    if not value:
        return period_containing(today, kind or "month")
    kinds = [kind] if kind else list(KINDS)
    for candidate in kinds:
        match = PATTERNS[candidate].fullmatch(value)
        if match:
            break
    else:
        raise InvalidPeriod(
            _l(
                "Write the period as %(month)s, %(quarter)s or %(year)s.",
                month="2026-11",
                quarter="2026-Q4",
                year="2026",
            ),
            "date",
        )
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidPeriod(
            _l("Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR),
            "date",
        )
    if candidate == "month":
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise InvalidPeriod(_l("A month is numbered from 1 to 12."), "date")
        return period_containing(date(year, month, 1), "month")
    if candidate == "quarter":
        return period_containing(date(year, (int(match.group(2)) - 1) * 3 + 1, 1), "quarter")
    return period_containing(date(year, 1, 1), "year")


YEARS_SHOWN = 10  # years before the current one offered by the period form


def date_value(args: Mapping[str, str]) -> str | None:
    """The `date` value the query names: `date` itself, else what the form's selects make of
    it (the year, with the month or the quarter as the kind needs)."""
    if args.get("date") or not args.get("year"):
        return args.get("date")
    year = args["year"].strip()
    kind = (args.get("period") or "month").strip().lower()
    if kind == "quarter":
        return f"{year}-Q{args.get('quarter', '').strip()}"
    if kind == "year":
        return year
    return f"{year}-{args.get('month', '').strip()}"


def period_asked(args: Mapping[str, str], today: date) -> tuple[Period, str | None]:
    """The period the query string names and None; or, when it cannot be understood, the
    current period (of the kind asked for, when that is known) and the reason to tell."""
    kind = args.get("period")
    try:
        return parse_period(kind, date_value(args), today), None
    except InvalidPeriod as error:
        kind = (kind or "").strip().lower()
        return period_containing(today, kind if kind in KINDS else "month"), str(error.message)


def year_choices(today: date, shown: Period) -> list[int]:
    """The years the period form offers: the last YEARS_SHOWN and this one, and the year of
    the period shown if it is older, newest first."""
    first = max(FIRST_YEAR, min(today.year - YEARS_SHOWN, shown.start.year))
    return list(range(max(today.year, shown.start.year), first - 1, -1))
