"""Working days in Việt Nam: weekends and public holidays (the `holidays` package) do not
count. Legal deadlines for feedback and dossiers are counted with these functions, and an
urgent item's in working hours (the office's hours of a working day).

The holidays of TABLE_YEARS are read from `vn_holidays.json`, written from the package by
`python -m portal.workdays` (the package costs a worker 11 MB and 300 modules; a test checks
that the table and the installed package agree); other years ask the package itself."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path

HOLIDAYS_TABLE = Path(__file__).with_name("vn_holidays.json")
TABLE_YEARS = range(2015, 2046)


def package_holidays(year: int) -> frozenset[date]:
    """Việt Nam's public holidays (and substituted days off) of `year`, by the package."""
    import holidays

    return frozenset(holidays.country_holidays("VN", years=year))


@lru_cache(maxsize=1)
def _table() -> dict[int, frozenset[date]]:
    data = json.loads(HOLIDAYS_TABLE.read_text(encoding="utf-8"))
    return {
        int(year): frozenset(date.fromisoformat(day) for day in days)
        for year, days in data["years"].items()
    }


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    table = _table()
    return table[year] if year in table else package_holidays(year)


def write_holidays_table(path: Path = HOLIDAYS_TABLE) -> None:
    """The table of TABLE_YEARS, from the installed package."""
    import holidays

    years = {str(y): sorted(d.isoformat() for d in package_holidays(y)) for y in TABLE_YEARS}
    data = {"source": f"holidays {holidays.__version__}", "country": "VN", "years": years}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def is_holiday(day: date) -> bool:
    return day in _holidays_of(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the day of receipt is not counted).
    With days == 0, the first working day from `start` on."""
    day = start
    if days <= 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_working_hours(
    start: datetime, hours: float, zone: tzinfo, day_start: time, day_end: time
) -> datetime:
    """The moment `hours` working hours after `start` (an aware datetime), counting only
    day_start to day_end of working days in `zone`: received on Friday at 16:00 with 8 hours
    to go, 1 hour is counted on Friday and the other 7 from Monday 08:00 (15:00). Returned in
    the zone of `start`."""
    if start.tzinfo is None:
        raise ValueError("add_working_hours needs an aware datetime")
    left = timedelta(hours=hours)
    local = start.astimezone(zone)
    while True:
        day = local.date()
        opens = datetime.combine(day, day_start, zone)
        closes = datetime.combine(day, day_end, zone)
        if not is_working_day(day) or local >= closes:
            local = datetime.combine(day + timedelta(days=1), day_start, zone)
            continue
        local = max(local, opens)
        if local + left <= closes:
            return (local + left).astimezone(start.tzinfo)
        left -= closes - local
        local = datetime.combine(day + timedelta(days=1), day_start, zone)


def working_hours_between(
    start: datetime, end: datetime, zone: tzinfo, day_start: time, day_end: time
) -> float:
    """The working hours (as in add_working_hours) from `start` to `end` (0 when end <= start)."""
    total = timedelta()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if is_working_day(day):
            opens = max(datetime.combine(day, day_start, zone), start)
            closes = min(datetime.combine(day, day_end, zone), end)
            if closes > opens:
                total += closes - opens
        day += timedelta(days=1)
    return total.total_seconds() / 3600


if __name__ == "__main__":
    write_holidays_table()
