"""The dashboard's first screen, for a chairman opening it on a phone at 7 am: the period's
headline figures against the previous period's, each with its direction in words as well as
an arrow (colour is never the only cue) and whether that is better or worse; then what needs
the chairman today, six short lists, each line linking to its item.

Everything is read through the summaries of services.py (the same parts the tables below
read, kept on the WardDashboard, so the page reads each once) and the feature services
(feedback, satisfaction cases, dialogues, the reception record): a fixed number of queries
whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from portal import dates
from portal.codes import format_code
from portal.dashboard.services import WardDashboard
from portal.dialogues import records as reception_records
from portal.dialogues import services as dialogue_services
from portal.dialogues.models import DialogueSession, SessionKind, SessionStatus
from portal.satisfaction import cases as satisfaction_cases
from portal.sheets.columns import Format, shown
from portal.supervision import services as supervision
from portal.timeutil import local_today, local_zone

LIST_LENGTH = 5  # lines of each list before "see all"
RESULTS_WARNING_DAYS = 3  # conferences whose results are due within this many days


# ---------------------------------------------------------------- headline figures


@dataclass(frozen=True)
class Change:
    """A figure of the period against the previous period's. `share`: a share from 0 to 1,
    whose change is told in percentage points; `lower_is_better` for the late share."""

    current: float | int | None
    previous: float | int | None
    share: bool = False
    lower_is_better: bool = False

    @property
    def difference(self) -> float | int | None:
        """The change: in points (rounded to one decimal, as shown) for a share."""
        if self.current is None or self.previous is None:
            return None
        if self.share:
            return round((self.current - self.previous) * 100, 1)
        return self.current - self.previous

    @property
    def direction(self) -> str | None:
        """ "up", "down" or "same"; None when either period has no data."""
        difference = self.difference
        if difference is None:
            return None
        return "up" if difference > 0 else "down" if difference < 0 else "same"

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "="}.get(self.direction or "", "")

    @property
    def better(self) -> bool | None:
        """Whether the change is for the better (None when unchanged or unknown)."""
        if self.direction in (None, "same"):
            return None
        return (self.direction == "up") != self.lower_is_better

    @property
    def text(self) -> str:
        """The change in words: "up 3.2 points", "down 2", "unchanged", "no comparison"."""
        difference = self.difference
        if difference is None:
            return _("no comparison")
        if not difference:
            return _("unchanged")
        amount = format_decimal(abs(difference), "#,##0.0" if self.share else "#,##0")
        if self.share:
            if difference > 0:
                return _("up %(amount)s points", amount=amount)
            return _("down %(amount)s points", amount=amount)
        if difference > 0:
            return _("up %(amount)s", amount=amount)
        return _("down %(amount)s", amount=amount)

    @property
    def verdict(self) -> str:
        """ "better" or "worse", or "" when neither."""
        if self.better is None:
            return ""
        return _("better") if self.better else _("worse")

    @property
    def css_class(self) -> str:
        if self.better is None:
            return "change-same"
        return "change-better" if self.better else "change-worse"


@dataclass(frozen=True)
class Headline:
    """A figure of the first screen: what it is, its value as shown, its change against the
    previous period (None for a figure of today), a line of detail, and a link."""

    name: str  # for the page's ids and the tests
    label: str
    value: str
    change: Change | None = None
    note: str = ""
    href: str | None = None


def _figure(name: str, label: str, current, previous, fmt: Format, **change) -> Headline:
    return Headline(
        name,
        label,
        shown(current, fmt),
        Change(current, previous, share=fmt is Format.PERCENT, **change),
        _("Previous period: %(value)s", value=shown(previous, fmt)),
    )


Opens = Callable[[str], bool]  # whether the viewer may open a route (security.may_open)


def _link(opens: Opens, endpoint: str, **values) -> str | None:
    return url_for(endpoint, **values) if opens(endpoint) else None


def next_conference(ward_id: int, now: datetime) -> DialogueSession | None:
    """The ward's next published conference not over yet."""
    found = dialogue_services.sessions_of(
        ward_id,
        SessionKind.CONFERENCE,
        DialogueSession.status == SessionStatus.PUBLISHED,
        DialogueSession.ends_at > now,
        limit=1,
    )
    return found[0] if found else None


@dataclass(frozen=True)
class Conferences:
    """The conferences the first screen names: the next one, and those whose results are
    due (see conferences_in_view)."""

    next: DialogueSession | None
    results_due: list[DialogueSession]


def conferences_in_view(ward_id: int, now: datetime) -> Conferences:
    """The ward's next published conference not over yet (as next_conference), and its held
    conferences whose results are not published and are due (RESULTS_DAYS after the end)
    within RESULTS_WARNING_DAYS, or overdue, oldest deadline first: in one query."""
    latest_end = now + timedelta(days=RESULTS_WARNING_DAYS - dialogue_services.RESULTS_DAYS)
    session = DialogueSession
    found = dialogue_services.sessions_of(
        ward_id,
        SessionKind.CONFERENCE,
        sa.or_(
            sa.and_(session.status == SessionStatus.PUBLISHED, session.ends_at > now),
            sa.and_(session.status == SessionStatus.HELD, session.ends_at <= latest_end),
        ),
    )
    upcoming = [s for s in found if s.status == SessionStatus.PUBLISHED]  # by start time
    held = [s for s in found if s.status == SessionStatus.HELD]
    return Conferences(upcoming[0] if upcoming else None, sorted(held, key=lambda s: s.ends_at))


def headlines(
    dashboard: WardDashboard, now: datetime, opens: Opens, conferences: Conferences
) -> list[Headline]:
    """The period's headline figures against the previous period's: satisfaction rate,
    ratings, early / on-time / late shares, feedback answered on time; then overdue feedback
    now and the next conference with its bookings."""
    s, f = dashboard.satisfaction, dashboard.feedback
    t, p = s.totals, s.previous
    figures = [
        _figure(
            "satisfaction",
            _("Satisfaction rate"),
            t.satisfaction_rate,
            p.satisfaction_rate,
            Format.PERCENT,
        ),
        _figure("ratings", _("Ratings"), t.ratings, p.ratings, Format.INTEGER),
        _figure("early", _("Returned early"), t.early_share, p.early_share, Format.PERCENT),
        _figure("on_time", _("Returned on time"), t.on_time_share, p.on_time_share, Format.PERCENT),
        _figure(
            "late",
            _("Returned late"),
            t.late_share,
            p.late_share,
            Format.PERCENT,
            lower_is_better=True,
        ),
        _figure(
            "answered_on_time",
            _("Feedback answered on time"),
            f.totals.on_time_share,
            f.previous.on_time_share,
            Format.PERCENT,
        ),
        Headline(
            "overdue",
            _("Feedback overdue now"),
            shown(len(f.overdue), Format.INTEGER),
            href=_link(opens, "feedback_staff.overdue"),
        ),
    ]
    conference = conferences.next
    if conference is None:
        figures.append(Headline("conference", _("Next dialogue conference"), _("none planned")))
    else:
        seats = _(
            "%(taken)s of %(capacity)s seats booked",
            taken=conference.seats_taken,
            capacity=conference.capacity,
        )
        figures.append(
            Headline(
                "conference",
                _("Next dialogue conference"),
                dates.day(conference.starts_at, "short"),
                note=f"{conference.title} · {seats}",
                href=_link(opens, "dialogues_staff.detail", session_id=conference.id),
            )
        )
    return figures


# ---------------------------------------------------------------- what needs you today


@dataclass(frozen=True)
class Entry:
    """A line of a list: what it is (linked when the viewer may open it) and a detail."""

    text: str
    detail: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Agenda:
    """One list of what needs the chairman today: at most LIST_LENGTH lines, how many there
    are in all, where to see all of them, and what it says when there is none."""

    name: str
    title: str
    entries: list[Entry]
    total: int
    empty: str
    more: str | None = None

    @property
    def cut(self) -> bool:
        """Whether some are not listed here (the "see all" link is shown)."""
        return self.total > len(self.entries)


def _overdue_feedback(dashboard: WardDashboard, opens: Opens) -> Agenda:
    rows = dashboard.feedback.overdue
    entries = [
        Entry(
            f"{format_code(row.code)} · {row.title}",
            _("answer due %(day)s", day=dates.day(row.due_on, "short")),
            _link(opens, "feedback_staff.detail", item_id=row.id),
        )
        for row in rows[:LIST_LENGTH]
    ]
    return Agenda(
        "overdue-feedback",
        _("Feedback overdue"),
        entries,
        len(rows),
        _("Nothing is overdue."),
        _link(opens, "feedback_staff.overdue"),
    )


def _dissatisfied(dashboard: WardDashboard, opens: Opens) -> Agenda:
    rows, total = satisfaction_cases.unhandled_dissatisfied(dashboard.ward_id, LIST_LENGTH)
    english = str(get_locale()) == "en"
    entries = []
    for row in rows:
        procedure = row.name_en if english and row.name_en else row.name_vi
        if row.feedback_id is not None:
            href = _link(opens, "feedback_staff.detail", item_id=row.feedback_id)
        else:
            href = _link(opens, "satisfaction_staff.dossier", dossier_id=row.dossier_id)
        detail = _("rated on %(day)s", day=dates.day(row.created_at, "short"))
        if row.code:
            detail = f"{format_code(row.code)} · {detail}"
        entries.append(Entry(f"{procedure}: {row.reason}", detail, href))
    return Agenda(
        "dissatisfied",
        _("Dissatisfied ratings not yet handled"),
        entries,
        total,
        _("Every dissatisfied rating has been handled."),
        _link(opens, "feedback_staff.inbox"),
    )


def _results(now: datetime, opens: Opens, conferences: Conferences) -> Agenda:
    sessions = conferences.results_due
    entries = []
    for session in sessions[:LIST_LENGTH]:
        due = session.ends_at + timedelta(days=dialogue_services.RESULTS_DAYS)
        day = dates.day(due, "short")
        if dialogue_services.results_overdue(session, now):
            detail = _("results overdue since %(day)s", day=day)
        else:
            detail = _("results due %(day)s", day=day)
        href = _link(opens, "dialogue_results.questions", session_id=session.id)
        entries.append(Entry(session.title, detail, href))
    return Agenda(
        "results",
        _("Conference results to publish"),
        entries,
        len(sessions),
        _("No conference results are due."),
        _link(opens, "dialogues_staff.index"),
    )


def week_start(now: datetime) -> datetime:
    """Monday 00:00 (Hà Nội) of the week of `now`, as UTC."""
    today = local_today(now)
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(), tzinfo=local_zone()).astimezone(UTC)


def _reception(dashboard: WardDashboard, now: datetime, opens: Opens) -> Agenda:
    since = week_start(now)
    bookings = [
        booking
        for booking in reception_records.bookings_to_record(dashboard.ward_id, now)
        if booking.session.starts_at >= since
    ]
    entries = [
        Entry(
            dates.moment(booking.session.starts_at, "short"),
            _("no reception record yet"),
            _link(opens, "reception_records.create", booking=booking.id),
        )
        for booking in bookings[:LIST_LENGTH]
    ]
    return Agenda(
        "reception",
        _("Citizen reception this week not yet recorded"),
        entries,
        len(bookings),
        _("Every reception held this week is recorded."),
        _link(opens, "reception_records.index"),
    )


def _supervision(dashboard: WardDashboard, now: datetime, opens: Opens) -> Agenda:
    rows = supervision.pressing(dashboard.ward_id, now)
    today = local_today(now)
    entries = []
    for row in rows[:LIST_LENGTH]:
        day = dates.day(row.due_on, "short")
        if supervision.is_overdue(row, today):
            detail = _("answer overdue since %(day)s", day=day)
        else:
            detail = _("answer due %(day)s", day=day)
        href = _link(opens, "supervision.detail", item_id=row.id)
        entries.append(Entry(row.title, detail, href))
    return Agenda(
        "supervision",
        _("Supervision recommendations to answer"),
        entries,
        len(rows),
        _("No supervision recommendation is due within %(days)d days.", days=supervision.SOON_DAYS),
        _link(opens, "supervision.index", state="sent"),
    )


def _late_officers(dashboard: WardDashboard) -> Agenda:
    officers = sorted(
        (row for row in dashboard.satisfaction.by_officer if row.figures.late),
        key=lambda row: (-row.figures.late, row.full_name, row.officer_id),
    )
    entries = [
        Entry(
            row.full_name,
            _(
                "%(late)s late of %(returned)s returned",
                late=row.figures.late,
                returned=row.figures.returned,
            ),
            "#section-by-officer",
        )
        for row in officers[:LIST_LENGTH]
    ]
    return Agenda(
        "late-officers",
        _("Officers with the most late dossiers"),
        entries,
        len(officers),
        _("No dossier was returned late in this period."),
        "#section-by-officer",
    )


@dataclass(frozen=True)
class Today:
    headlines: list[Headline]
    agenda: list[Agenda]


def build(dashboard: WardDashboard, now: datetime, opens: Opens) -> Today:
    """The first screen of a ward's dashboard (see the module's docstring). `opens` says
    whether the viewer may open a route: links to pages the viewer may not open are left
    out."""
    conferences = conferences_in_view(dashboard.ward_id, now)
    return Today(
        headlines(dashboard, now, opens, conferences),
        [
            _overdue_feedback(dashboard, opens),
            _dissatisfied(dashboard, opens),
            _results(now, opens, conferences),
            _reception(dashboard, now, opens),
            _supervision(dashboard, now, opens),
            _late_officers(dashboard),
        ],
    )
