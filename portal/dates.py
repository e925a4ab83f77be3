"""Dates and times as the portal writes them: one place for every page, SMS and e-mail.

The rule, in Vietnamese (the way a ward office writes: numbers, day first, no CLDR short
months such as "16 thg 12, 2026", never seconds):

=================  ===============================  =============================================
what               Vietnamese                       used for
=================  ===============================  =============================================
``day``            ``16/12/2026``                   a date: deadlines, due dates, dates in lists
``weekday_day``    ``Thứ Ba, 22/12/2026``           a day heading (reception hours of one day)
``moment``         ``08:00, 16/12/2026``            when something happened: received, answered,
                                                    logged, signed in (records, staff tables)
``appointment``    ``08:00, thứ Ba, 22/12/2026``    when a person must be somewhere: the start
                                                    (and end) of a conference or reception slot,
                                                    on every page, in booking confirmations, SMS
                                                    and e-mail
=================  ===============================  =============================================

So the weekday is shown exactly where a date and time is an appointment, for residents and
staff alike; a record of the past never carries one. The time comes first ("08:00, …"), as in
the ward's notices. In running text the weekday is written "thứ Ba" (lower-case "thứ");
``weekday_day`` capitalises it because it starts a heading. Sunday is "Chủ nhật".

In English (and any other language) Babel's own formats are kept: ``day`` is the medium date
("Dec 22, 2026"), ``moment`` the medium date with the short time ("Dec 22, 2026, 8:00 AM";
Babel's short "12/22/26, 8:00 AM" where a dense table asks for it), ``appointment`` adds the
weekday ("Tuesday, Dec 22, 2026, 8:00 AM").

Times are stored in UTC and shown in the portal's zone (Asia/Ho_Chi_Minh). Exports (CSV, XLSX,
the personal-data JSON) keep ISO 8601 and the .ics files carry UTC: they are read by programs.

Services import this module (never portal.templating); the template filters call it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from flask_babel import get_locale

from portal.timeutil import local_zone

# Monday first, as date.weekday() counts; "Chủ nhật" is how offices write Sunday.
WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
DAY_VI = "%d/%m/%Y"
TIME_VI = "%H:%M"


def _locale() -> Locale:
    return get_locale() or Locale.parse("vi")


def _office_style(locale: Locale) -> bool:
    """Whether `locale` writes dates the Vietnamese office way."""
    return locale.language == "vi"


def _local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def _as_day(value: date | datetime) -> date:
    """A date, or the Hà Nội date of a UTC timestamp."""
    return _local(value).date() if isinstance(value, datetime) else value


def weekday_vi(day: date) -> str:
    """'thứ Ba', as written inside a sentence."""
    return WEEKDAYS_VI[day.weekday()]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=4096)
def _day(value: date, style: str, locale: Locale) -> str:
    if _office_style(locale):
        return value.strftime(DAY_VI)
    return babel_dates.format_date(value, style, locale=locale)


def day(value: date | datetime | None, style: str = "medium") -> str:
    """16/12/2026 (English: Babel's `style` or pattern, "Dec 16, 2026" by default). Lists
    show the same few dates again and again, so each is formatted once."""
    return day_in(_locale(), value, style)


def day_in(locale: Locale, value: date | datetime | None, style: str = "medium") -> str:
    """day() in `locale`: for a list that looks the language up once for all its rows."""
    if value is None:
        return ""
    return _day(_as_day(value), style, locale)


def weekday_day(value: date | datetime | None) -> str:
    """Thứ Ba, 22/12/2026, for the start of a heading (English: "Tuesday, December 22, 2026")."""
    if value is None:
        return ""
    value = _as_day(value)
    locale = _locale()
    if _office_style(locale):
        return _capitalised(f"{weekday_vi(value)}, {value.strftime(DAY_VI)}")
    return babel_dates.format_date(value, "full", locale=locale)


def clock(value: datetime | time | None) -> str:
    """08:00 (English: "8:00 AM"). A naive time is taken as Hà Nội time already."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).time()
    locale = _locale()
    if _office_style(locale):
        return value.strftime(TIME_VI)
    return babel_dates.format_time(value, "short", locale=locale)


def _english_moment(value: datetime, locale: Locale, date_pattern: str) -> str:
    """Babel's medium date-time pattern, with the short time and `date_pattern`."""
    date_text = babel_dates.format_date(value.date(), date_pattern, locale=locale)
    time_text = babel_dates.format_time(value.time(), "short", locale=locale)
    combine = locale.datetime_formats.get("medium", "{1} {0}")
    return str(combine).replace("{1}", date_text).replace("{0}", time_text)


def moment(value: datetime | None, style: str = "medium") -> str:
    """08:00, 16/12/2026: when something happened (English: "Dec 16, 2026, 8:00 AM"; a dense
    English table may ask for Babel's `style` "short", "12/16/26, 8:00 AM")."""
    return moment_in(_locale(), value, style)


def moment_in(locale: Locale, value: datetime | None, style: str = "medium") -> str:
    """moment() in `locale`: for a list that looks the language up once for all its rows."""
    if value is None:
        return ""
    value = _local(value)
    if _office_style(locale):
        return f"{value.strftime(TIME_VI)}, {value.strftime(DAY_VI)}"
    if style == "short":
        return babel_dates.format_datetime(value, "short", tzinfo=value.tzinfo, locale=locale)
    return _english_moment(value, locale, "medium")


def appointment(value: datetime | None) -> str:
    """08:00, thứ Ba, 22/12/2026: when to be somewhere (English: "Tuesday, Dec 22, 2026,
    8:00 AM")."""
    if value is None:
        return ""
    value = _local(value)
    locale = _locale()
    if _office_style(locale):
        return f"{value.strftime(TIME_VI)}, {weekday_vi(value.date())}, {value.strftime(DAY_VI)}"
    medium = locale.date_formats["medium"].pattern
    return _english_moment(value, locale, f"EEEE, {medium}")


def span(start: datetime | None, end: datetime | None) -> str:
    """An appointment from `start` to `end`: 08:00–11:00, thứ Ba, 22/12/2026 on one day
    (English: "Tuesday, Dec 22, 2026, 8:00 AM–11:00 AM"), both ends in full otherwise."""
    if start is None:
        return ""
    if end is None:
        return appointment(start)
    if _local(start).date() != _local(end).date():
        return f"{appointment(start)} – {appointment(end)}"
    locale = _locale()
    if _office_style(locale):
        first = _local(start)
        return f"{clock(start)}–{clock(end)}, {weekday_vi(first.date())}, {first.strftime(DAY_VI)}"
    return f"{appointment(start)}–{clock(end)}"
