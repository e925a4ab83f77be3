"""The chairman's dashboard: periods, every figure against a hand-computed example, empty
periods, bad input, and who may see which ward."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CSRF_RE, World, login_as, make_conference, make_feedback, text_of
from openpyxl import load_workbook

from portal import pagecache
from portal.dashboard import services as dashboard
from portal.dashboard.periods import InvalidPeriod, Period, parse_period, period_containing
from portal.dialogues.models import Booking, BookingStatus, Question, SessionKind
from portal.extensions import db
from portal.feedback import queries as feedback_queries
from portal.feedback import workflow as feedback_workflow
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import ratings as satisfaction_ratings
from portal.timeutil import local_today


def hanoi(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Hà Nội wall-clock time as aware UTC (Việt Nam has no summer time)."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


NOV = Period("month", date(2026, 11, 1), date(2026, 12, 1))
OCT = Period("month", date(2026, 10, 1), date(2026, 11, 1))
TODAY = date(2026, 11, 30)  # a Monday


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("month", "2026-11", ("month", date(2026, 11, 1), date(2026, 12, 1))),
        ("month", "2026-1", ("month", date(2026, 1, 1), date(2026, 2, 1))),
        ("", "2026-12", ("month", date(2026, 12, 1), date(2027, 1, 1))),
        ("quarter", "2026-Q4", ("quarter", date(2026, 10, 1), date(2027, 1, 1))),
        ("", "2026-q1", ("quarter", date(2026, 1, 1), date(2026, 4, 1))),
        ("year", "2026", ("year", date(2026, 1, 1), date(2027, 1, 1))),
        ("", "", ("month", date(2026, 11, 1), date(2026, 12, 1))),  # today's month
        ("quarter", "", ("quarter", date(2026, 10, 1), date(2027, 1, 1))),
        ("YEAR", " ", ("year", date(2026, 1, 1), date(2027, 1, 1))),
        ("year", "2100", ("year", date(2100, 1, 1), date(2101, 1, 1))),
        ("month", "2000-01", ("month", date(2000, 1, 1), date(2000, 2, 1))),
    ],
)
def test_parse_period(app, kind, value, expected):
    period = parse_period(kind, value, TODAY)
    assert (period.kind, period.start, period.end) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("week", "2026-11"),  # unknown kind
        ("month", "2026-13"),
        ("month", "2026-00"),
        ("month", "2026-Q4"),  # the date does not match the kind
        ("quarter", "2026-Q5"),
        ("quarter", "2026-11"),
        ("year", "26"),
        ("", "1999"),  # outside 2000–2100
        ("month", "2101-01"),
        ("", "9999-Q1"),
        ("", "2026-11-05"),
        ("", "x" * 5000),
        ("", "٢٠٢٦"),  # Arabic-Indic digits
        ("", "2026\x00"),
    ],
)
def test_unknown_periods_are_refused(app, english, kind, value):
    with pytest.raises(InvalidPeriod) as caught:
        parse_period(kind, value, TODAY)
    assert str(caught.value.message)


def test_previous_next_keys_and_labels(app, english):
    assert NOV.previous() == OCT and OCT.next() == NOV
    assert period_containing(date(2026, 1, 15)).previous().key == "2025-12"
    quarter = parse_period("quarter", "2026-Q1", TODAY)
    assert quarter.previous().key == "2025-Q4" and quarter.next().key == "2026-Q2"
    assert parse_period("year", "2026", TODAY).previous().key == "2025"
    assert (NOV.label, quarter.label, quarter.previous().previous().label) == (
        "11/2026",
        "Quarter 1/2026",
        "Quarter 3/2025",
    )
    assert parse_period("", "2000-01", TODAY).previous().in_range is False
    # Hà Nội midnight of 1 November is 17:00 UTC on 31 October.
    assert NOV.utc_bounds() == (
        datetime(2026, 10, 31, 17, tzinfo=UTC),
        datetime(2026, 11, 30, 17, tzinfo=UTC),
    )


# ---------------------------------------------------------------- satisfaction


def _procedure(ward_id: int, name_vi: str):
    return next(p for p in satisfaction_catalogue.procedures(ward_id) if p.name_vi == name_vi)


def _dossier(officer, ward_id, procedure, number, received, returned, extra_visits=0):
    data = satisfaction_dossiers.DossierInput(
        procedure_id=procedure.id,
        receipt_number=number,
        received_at=received,
        extra_visits=extra_visits,
        receiving_officer_id=officer.id,
    )
    dossier = satisfaction_dossiers.register_dossier(
        officer, ward_id, data, now=hanoi(2026, 12, 31)
    )
    return dossier, satisfaction_dossiers.return_dossier(officer, dossier, now=returned)


def _rate(raw, level, when, attitude=None, reason=""):
    return satisfaction_ratings.rate(
        raw,
        satisfaction_ratings.RatingInput(level=level, reason=reason, attitude=attitude),
        now=when,
    )


@pytest.fixture
def rated(world: World) -> World:
    """The hand-computed example.

    Procedures: A "Đăng ký hộ kinh doanh" (3 working days), B "Đăng ký khai sinh" and
    C "Đăng ký kết hôn" (same day). All received Monday 2 November 2026, 09:00:
    A is due Thursday 5 November, B and C the same day.

    November: D1 A staff returned 4 Nov (early), very satisfied, good attitude: 2+2+2+2+2 = 10
                 (indicators 1, 2, 3, 4 and 7).
              D2 A chairman returned 4 Nov (early), satisfied, no attitude: 2+2+2+2+1 = 9.
              D3 B chairman returned 2 Nov 14:00 (on time), 1 extra visit, dissatisfied,
                 poor attitude: 1+1+1+2+0 = 5.
              D4 C chairman returned 3 Nov (late), not rated.
    October:  D0 A staff received Thu 1 Oct, due Tue 6 Oct, returned 5 Oct (early),
              satisfied on 6 Oct with a good attitude: 10.
    The other ward: one dossier returned and rated dissatisfied in November."""
    satisfaction_catalogue.provide_defaults(world.ward.id)
    satisfaction_catalogue.provide_defaults(world.other_ward.id)
    ward = world.ward.id
    a = _procedure(ward, "Đăng ký hộ kinh doanh")
    b = _procedure(ward, "Đăng ký khai sinh")
    c = _procedure(ward, "Đăng ký kết hôn")
    world.procedures = (a, b, c)
    monday = hanoi(2026, 11, 2)
    d1, raw1 = _dossier(world.staff, ward, a, "D1", monday, hanoi(2026, 11, 4))
    d2, raw2 = _dossier(world.chairman, ward, a, "D2", monday, hanoi(2026, 11, 4))
    d3, raw3 = _dossier(world.chairman, ward, b, "D3", monday, hanoi(2026, 11, 2, 14), 1)
    d4, _ = _dossier(world.chairman, ward, c, "D4", monday, hanoi(2026, 11, 3))
    d0, raw0 = _dossier(world.staff, ward, a, "D0", hanoi(2026, 10, 1), hanoi(2026, 10, 5))
    assert (d1.due_on, d3.due_on, d0.due_on) == (
        date(2026, 11, 5),
        date(2026, 11, 2),
        date(2026, 10, 6),
    )
    assert [d.timeliness.value for d in (d1, d2, d3, d4, d0)] == [
        "early",
        "early",
        "on_time",
        "late",
        "early",
    ]
    _rate(raw1, "very_satisfied", hanoi(2026, 11, 5), "good")
    _rate(raw2, "satisfied", hanoi(2026, 11, 6))
    world.dissatisfied = _rate(raw3, "dissatisfied", hanoi(2026, 11, 7), "poor", "Phải chờ lâu")
    _rate(raw0, "satisfied", hanoi(2026, 10, 6), "good")
    other = _procedure(world.other_ward.id, "Đăng ký khai sinh")
    _, raw = _dossier(world.staff_other, world.other_ward.id, other, "X1", monday, monday)
    _rate(raw, "dissatisfied", hanoi(2026, 11, 3), reason="Sai tên")
    db.session.commit()
    return world


def test_satisfaction_totals_of_the_example(rated: World):
    summary = dashboard.satisfaction_summary(rated.ward.id, NOV)
    t = summary.totals
    assert (t.returned, t.early, t.on_time, t.late) == (4, 2, 1, 1)
    assert (t.ratings, t.very_satisfied, t.satisfied, t.dissatisfied) == (3, 1, 1, 1)
    assert (t.scored, t.score_sum) == (3, 24)
    assert t.response_rate == 0.75  # 3 ratings / 4 returned
    assert t.satisfaction_rate == pytest.approx(2 / 3)  # (1 + 1) / 3
    assert [t.level_share(level) for level in ("very_satisfied", "satisfied", "dissatisfied")] == [
        pytest.approx(1 / 3)
    ] * 3
    assert (t.early_share, t.on_time_share, t.late_share) == (0.5, 0.25, 0.25)
    assert t.average_score == pytest.approx(24 / 3)  # (10 + 9 + 5) / 3, each out of 10
    # October beside it: one early dossier, satisfied, score 10.
    assert summary.previous_period == OCT
    p = summary.previous
    assert (p.returned, p.ratings, p.satisfied, p.early) == (1, 1, 1, 1)
    assert (p.response_rate, p.satisfaction_rate, p.early_share, p.average_score) == (
        1.0,
        1.0,
        1.0,
        10.0,
    )
    assert p.late_share == 0.0 and p.level_share("dissatisfied") == 0.0
    assert summary.empty is False


def test_satisfaction_by_procedure_officer_and_lowest(rated: World):
    a, b, c = rated.procedures
    summary = dashboard.satisfaction_summary(rated.ward.id, NOV)
    rows = {row.procedure_id: row.figures for row in summary.by_procedure}
    assert set(rows) == {a.id, b.id, c.id}
    # A: D1 + D2, both early, very satisfied + satisfied, scores 10 and 9.
    assert (rows[a.id].returned, rows[a.id].early_share, rows[a.id].ratings) == (2, 1.0, 2)
    assert (rows[a.id].response_rate, rows[a.id].satisfaction_rate) == (1.0, 1.0)
    assert rows[a.id].average_score == 9.5
    # B: D3, on time, dissatisfied, score 5.
    assert (rows[b.id].returned, rows[b.id].on_time_share, rows[b.id].ratings) == (1, 1.0, 1)
    assert (rows[b.id].satisfaction_rate, rows[b.id].average_score) == (0.0, 5.0)
    # C: D4, late, never rated: its rates are unknown, not zero.
    assert (rows[c.id].returned, rows[c.id].late_share, rows[c.id].ratings) == (1, 1.0, 0)
    assert rows[c.id].response_rate == 0.0
    assert rows[c.id].satisfaction_rate is None and rows[c.id].average_score is None
    assert rows[c.id].level_share("satisfied") is None
    # The lowest rated: B (0 %), then A (100 %); C has no rating and is left out.
    assert [row.procedure_id for row in summary.lowest] == [b.id, a.id]

    officers = {row.officer_id: row for row in summary.by_officer}
    assert set(officers) == {rated.staff.id, rated.chairman.id}
    staff = officers[rated.staff.id].figures  # D1
    assert (staff.returned, staff.ratings, staff.satisfaction_rate, staff.average_score) == (
        1,
        1,
        1.0,
        10.0,
    )
    chairman = officers[rated.chairman.id].figures  # D2, D3, D4
    assert (chairman.returned, chairman.early, chairman.on_time, chairman.late) == (3, 1, 1, 1)
    assert chairman.ratings == 2 and chairman.response_rate == pytest.approx(2 / 3)
    assert chairman.satisfaction_rate == 0.5  # satisfied / (satisfied + dissatisfied)
    assert chairman.average_score == 7.0  # (9 + 5) / 2
    assert officers[rated.chairman.id].full_name == "Nguyễn Văn Chủ"


def test_satisfaction_by_field_adds_up_its_procedures(rated: World):
    summary = dashboard.satisfaction_summary(rated.ward.id, NOV)
    fields = [(row.name("vi"), row.name("en")) for row in summary.by_field]
    assert fields == [("Hộ kinh doanh", "Household business"), ("Hộ tịch", "Civil status")]
    business, civil = (row.figures for row in summary.by_field)
    # Household business: A (D1, D2). Civil status: B (D3, 1 extra visit) and C (D4).
    assert (business.returned, business.early, business.ratings, business.score_sum) == (
        2,
        2,
        2,
        19,
    )
    assert (civil.returned, civil.on_time, civil.late, civil.contacts) == (2, 1, 1, 1)
    assert (civil.ratings, civil.dissatisfied, civil.satisfaction_rate) == (1, 1, 0.0)
    assert civil.contacts_per_dossier == 0.5 and business.contacts_per_dossier == 0.0
    assert business + civil == summary.totals


def test_procedures_without_a_field_come_last(app):
    def row(field_vi: str, returned: int):
        return dashboard.ProcedureRow(1, "x", "", dashboard.Figures(returned=returned), field_vi)

    fields = dashboard.by_field([row("", 1), row("Đất đai", 2), row(" Hộ tịch", 3), row("", 4)])
    assert [(f.field_vi, f.figures.returned) for f in fields] == [
        ("Hộ tịch", 3),
        ("Đất đai", 2),
        ("", 5),
    ]


def test_monthly_trend(rated: World):
    trend = dashboard.satisfaction_summary(rated.ward.id, NOV).trend
    # The twelve months ending with November 2026, oldest first, zeros included.
    assert [row.month for row in trend] == [date(2025, 12, 1)] + [
        date(2026, m, 1) for m in range(1, 12)
    ]
    october, november = trend[-2].figures, trend[-1].figures
    assert (october.returned, october.ratings, october.satisfied) == (1, 1, 1)
    assert (november.returned, november.ratings, november.satisfaction_rate) == (4, 3, 2 / 3)
    assert all(row.figures == dashboard.Figures() for row in trend[:-2])
    assert trend[-1].period == NOV
    # A year: its own twelve months; a quarter across the new year.
    year = dashboard.monthly_trend(rated.ward.id, parse_period("year", "2026", TODAY))
    assert (year[0].month, year[-1].month, year[10].figures.ratings) == (
        date(2026, 1, 1),
        date(2026, 12, 1),
        3,
    )
    q1 = dashboard.monthly_trend(rated.ward.id, parse_period("quarter", "2027-Q1", TODAY))
    assert (q1[0].month, q1[-1].month) == (date(2026, 4, 1), date(2027, 3, 1))
    # Every ward: the other ward's November rating is added.
    city = dashboard.monthly_trend(None, NOV)
    assert (city[-1].figures.returned, city[-1].figures.ratings) == (5, 4)
    assert city[-1].figures.dissatisfied == 2


def test_officer_and_procedure(rated: World):
    a, b, c = rated.procedures
    rows = dashboard.by_officer_and_procedure(rated.ward.id, NOV)
    assert [(row.full_name, row.procedure.procedure_id) for row in rows] == [
        ("Nguyễn Văn Chủ", a.id),  # D2
        ("Nguyễn Văn Chủ", b.id),  # D3
        ("Nguyễn Văn Chủ", c.id),  # D4
        ("Trần Thị Công", a.id),  # D1
    ]
    d2, d3, d4, d1 = (row.procedure.figures for row in rows)
    assert (d2.early, d2.satisfied, d2.score_sum) == (1, 1, 9)
    assert (d3.on_time, d3.contacts, d3.dissatisfied, d3.score_sum) == (1, 1, 1, 5)
    assert (d4.late, d4.ratings) == (1, 0)
    assert (d1.early, d1.very_satisfied, d1.score_sum) == (1, 1, 10)


def test_ratings_by_the_officer_who_gave_the_slip(rated: World):
    # The officer received D5; the chairman returned it and handed out its slip.
    a = rated.procedures[0]
    data = satisfaction_dossiers.DossierInput(
        procedure_id=a.id,
        receipt_number="D5",
        received_at=hanoi(2026, 11, 9),
        receiving_officer_id=rated.staff.id,
    )
    dossier = satisfaction_dossiers.register_dossier(
        rated.staff, rated.ward.id, data, now=hanoi(2026, 11, 9)
    )
    raw = satisfaction_dossiers.return_dossier(rated.chairman, dossier, now=hanoi(2026, 11, 10))
    _rate(raw, "very_satisfied", hanoi(2026, 11, 11), "good")
    db.session.commit()
    rows = {row.full_name: row.figures for row in dashboard.by_issuing_officer(rated.ward.id, NOV)}
    # The chairman's slips: D2 satisfied (5), D3 dissatisfied (2), D5 very satisfied (6).
    chairman = rows["Nguyễn Văn Chủ"]
    assert (chairman.ratings, chairman.very_satisfied, chairman.satisfied) == (3, 1, 1)
    assert (chairman.dissatisfied, chairman.score_sum, chairman.scored) == (1, 24, 3)
    assert chairman.satisfaction_rate == pytest.approx(2 / 3)
    assert (rows["Trần Thị Công"].ratings, rows["Trần Thị Công"].score_sum) == (1, 10)  # D1
    # By receiving officer, D5 is the officer's.
    received = {row.full_name: row.figures for row in dashboard.by_officer(rated.ward.id, NOV)}
    assert received["Trần Thị Công"].ratings == 2 and received["Nguyễn Văn Chủ"].ratings == 2
    # October: the officer's slip for D0; the other ward's ratings are not counted.
    october = dashboard.by_issuing_officer(rated.ward.id, OCT)
    assert [(row.full_name, row.figures.ratings) for row in october] == [("Trần Thị Công", 1)]


def test_latest_dissatisfied_reasons_link_their_cases(rated: World):
    summary = dashboard.satisfaction_summary(rated.ward.id, NOV)
    [reason] = summary.reasons  # the other ward's dissatisfied rating is not shown
    assert reason.reason == "Phải chờ lâu"
    assert reason.procedure_name("vi") == "Đăng ký khai sinh"
    assert reason.procedure_name("en") == "Birth registration"
    assert reason.feedback_id == rated.dissatisfied.feedback_id is not None
    item = feedback_queries.by_code(reason.feedback_code)
    assert item.id == reason.feedback_id
    assert dashboard.satisfaction_summary(rated.ward.id, OCT).reasons == []


def test_latest_dissatisfied_reasons_are_the_newest_ten(world: World):
    satisfaction_catalogue.provide_defaults(world.ward.id)
    procedure = _procedure(world.ward.id, "Đăng ký khai sinh")
    for n in range(12):
        day = hanoi(2026, 11, 2) + timedelta(days=n)
        _, raw = _dossier(world.staff, world.ward.id, procedure, f"N{n}", day, day)
        _rate(raw, "dissatisfied", day + timedelta(hours=1), reason=f"Lý do {n}")
    db.session.commit()
    reasons = dashboard.satisfaction_summary(world.ward.id, NOV).reasons
    assert [r.reason for r in reasons] == [f"Lý do {n}" for n in range(11, 1, -1)]


def test_quarter_and_year_add_up_the_months(rated: World):
    quarter = parse_period("quarter", "2026-Q4", TODAY)
    totals = dashboard.satisfaction_summary(rated.ward.id, quarter).totals
    assert (totals.returned, totals.ratings, totals.score_sum) == (5, 4, 34)
    assert totals.satisfaction_rate == 0.75  # (1 + 2) / 4
    year = dashboard.satisfaction_summary(rated.ward.id, parse_period("year", "2026", TODAY))
    assert year.totals == totals
    assert year.previous.ratings == 0 and year.previous.satisfaction_rate is None


def test_an_empty_period_has_no_data_and_no_division(rated: World):
    empty = Period("month", date(2030, 1, 1), date(2030, 2, 1))
    summary = dashboard.satisfaction_summary(rated.ward.id, empty)
    t = summary.totals
    assert summary.empty and t == dashboard.Figures()
    assert (t.response_rate, t.satisfaction_rate, t.early_share, t.average_score) == (None,) * 4
    assert t.level_share("dissatisfied") is None
    assert (summary.by_procedure, summary.by_officer, summary.lowest, summary.reasons) == (
        [],
        [],
        [],
        [],
    )
    feedback = dashboard.feedback_summary(rated.ward.id, empty, TODAY)
    assert feedback.totals == dashboard.FeedbackFigures()
    assert feedback.totals.on_time_share is None
    assert feedback.totals.average_working_days is None


def test_ward_comparison(rated: World):
    rows = dashboard.ward_comparison(NOV)
    # Served wards only, by name, with the unserved one left out.
    assert [row.name for row in rows] == ["Phường Bồ Đề", "Phường Việt Hưng"]
    ours, other = rows
    assert (ours.figures.returned, ours.figures.ratings) == (4, 3)
    assert ours.figures.satisfaction_rate == pytest.approx(2 / 3)
    assert (other.figures.returned, other.figures.ratings, other.figures.satisfaction_rate) == (
        1,
        1,
        0.0,
    )
    december = dashboard.ward_comparison(NOV.next())
    assert [row.figures.satisfaction_rate for row in december] == [None, None]


# ---------------------------------------------------------------- feedback


@pytest.fixture
def answered(world: World) -> World:
    """Hand-computed feedback (deadline 10 working days; 24 November 2026, Vietnam Cultural
    Day, is a public holiday):

    F1 environment received Fri 6 Nov, due Fri 20 Nov, answered Mon 9 Nov: on time,
       1 working day (across the weekend).
    F2 urban order received Mon 2 Nov, due Mon 16 Nov, answered Wed 18 Nov: late, 12 days.
    F3 environment received Tue 10 Nov, due Wed 25 Nov (holiday), still open: overdue on 30 Nov.
    F4 other received Thu 1 Oct, due Thu 15 Oct, answered Tue 3 Nov: late, 23 days.
    F5 chairman received Mon 5 Oct, due Mon 19 Oct, still open: overdue.
    November: received 3 (F1–F3), answered 3 (F1, F2, F4), on time 1, mean (1+12+23)/3 = 12.
    October: received 2 (F4, F5), answered 0."""
    ward = world.ward
    f1 = make_feedback(ward, now=hanoi(2026, 11, 6, 10), category="environment")
    f2 = make_feedback(ward, now=hanoi(2026, 11, 2, 10), category="urban_order")
    f3 = make_feedback(ward, now=hanoi(2026, 11, 10, 10), category="environment")
    f4 = make_feedback(ward, now=hanoi(2026, 10, 1, 10), category="other")
    f5 = make_feedback(ward, now=hanoi(2026, 10, 5, 10), category="chairman")
    make_feedback(world.other_ward, now=hanoi(2026, 11, 3, 10))  # not ours
    assert [f.due_on.day for f in (f1, f2, f3, f4, f5)] == [20, 16, 25, 15, 19]
    for item, when in (
        (f1, hanoi(2026, 11, 9)),
        (f2, hanoi(2026, 11, 18)),
        (f4, hanoi(2026, 11, 3)),
    ):
        feedback_workflow.reply(world.staff, item, "Phường đã xử lý.", answer=True, now=when)
    world.items = (f1, f2, f3, f4, f5)
    db.session.commit()
    return world


def test_feedback_figures_of_the_example(answered: World):
    f1, f2, f3, f4, f5 = answered.items
    summary = dashboard.feedback_summary(answered.ward.id, NOV, TODAY)
    t = summary.totals
    assert (t.received, t.answered, t.answered_on_time, t.working_days) == (3, 3, 1, 36)
    assert t.on_time_share == pytest.approx(1 / 3)
    assert t.average_working_days == 12.0
    p = summary.previous
    assert (p.received, p.answered, p.on_time_share, p.average_working_days) == (2, 0, None, None)
    # Overdue now: oldest deadline first.
    assert [row.id for row in summary.overdue] == [f5.id, f3.id]
    by_code = {
        row.name("en"): (row.figures.received, row.figures.answered, row.figures.answered_on_time)
        for row in summary.by_category
    }
    assert by_code == {
        "Administrative procedures and regulations": (0, 0, 0),
        "A question for the ward chairman": (0, 0, 0),
        "Urban order": (1, 1, 0),
        "Environment": (2, 1, 1),
        "Other": (0, 1, 0),
    }
    averages = {row.name("en"): row.figures.average_working_days for row in summary.by_category}
    assert averages["Environment"] == 1.0  # Fri 6 -> Mon 9 November
    assert averages["Urban order"] == 12.0
    assert averages["Other"] == 23.0
    assert averages["A question for the ward chairman"] is None


def test_answered_on_the_deadline_is_on_time(world: World):
    item = make_feedback(world.ward, now=hanoi(2026, 11, 2, 10))
    # 23:30 in Hà Nội on the due day is still that day (16:30 UTC).
    late_evening = datetime.combine(item.due_on, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=16, minutes=30
    )
    feedback_workflow.reply(world.staff, item, "Đã xử lý.", answer=True, now=late_evening)
    db.session.commit()
    totals = dashboard.feedback_summary(world.ward.id, NOV, TODAY).totals
    assert (totals.answered, totals.answered_on_time, totals.working_days) == (1, 1, 10)


# ---------------------------------------------------------------- the page


def _get(client, user, query: str = "", lang: str = "en", page: str = "/dashboard/"):
    login_as(client, user)
    return client.get(page + query, headers={"Accept-Language": lang})


def _download(client, user, path: str, lang: str = "en"):
    return _get(client, user, path, lang, page="/dashboard/export/")


def test_chairman_sees_his_ward(client, rated: World):
    response = _get(client, rated.chairman, "?period=month&date=2026-11")
    html = text_of(response)
    assert response.status_code == 200
    assert "Phường Bồ Đề" in html and "Phường Việt Hưng" not in html
    assert "66.7%" in html  # satisfaction rate
    assert "75.0%" in html  # response rate
    assert "8.0" in html  # average score 24/3
    assert "Phải chờ lâu" in html
    case = f"/staff/feedback/{rated.dissatisfied.feedback_id}"
    assert f'href="{case}"' in html
    assert 'scope="row"' in html and "<caption id=" in html
    assert "date=2026-10" in html  # link to the previous period


def test_supervisor_sees_his_ward_read_only(client, rated: World):
    response = _get(client, rated.supervisor, "?date=2026-11")
    html = text_of(response)
    assert response.status_code == 200 and "66.7%" in html
    assert 'method="post"' not in html.split('<main id="main"')[1]


def test_vietnamese_page_formats_numbers(client, rated: World):
    html = text_of(_get(client, rated.chairman, "?date=2026-11", lang="vi"))
    assert "66,7" in html and "%" in html


def test_empty_period_shows_no_data(client, world: World):
    response = _get(client, world.chairman, "?period=year&date=2001")
    html = text_of(response)
    assert response.status_code == 200
    assert "no data" in html
    assert "Nothing is overdue." in html


def selected(html: str, name: str) -> str:
    """The value of the selected option of the page's select `name`."""
    select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_default_period_is_the_current_month(client, world: World):
    html = text_of(_get(client, world.chairman))
    today = local_today()
    assert selected(html, "period") == "month"
    assert selected(html, "year") == str(today.year)
    assert selected(html, "month") == str(today.month)
    assert selected(html, "quarter") == str((today.month - 1) // 3 + 1)
    assert "Next period" not in html  # the next month has not begun


@pytest.mark.parametrize(
    ("query", "kind", "label"),
    [
        # the kind changed while the month of the month view is still chosen
        ("?period=quarter&year=2026&month=12&quarter=4", "quarter", "Quarter 4/2026"),
        ("?period=quarter&year=2026&month=2&quarter=1", "quarter", "Quarter 1/2026"),
        ("?period=month&year=2025&month=3&quarter=4", "month", "3/2025"),
        ("?period=year&year=2024&month=12&quarter=2", "year", "Year 2024"),
    ],
)
def test_the_period_selects_always_name_a_period(client, world: World, query, kind, label):
    response = _get(client, world.chairman, query)
    html = text_of(response)
    assert response.status_code == 200
    assert f"<span>{label}</span>" in html
    assert selected(html, "period") == kind
    assert "cannot be shown" not in html


def test_the_period_form_offers_only_valid_choices(client, world: World):
    html = text_of(_get(client, world.chairman, "?period=year&date=2001"))
    today = local_today()
    years = re.findall(r'<option value="(\d+)"', html.split('name="year"')[1].split("</select>")[0])
    assert years[0] == str(today.year) and years[-1] == "2001"  # the shown year is offered
    assert 'name="date"' not in html  # no box to type a period into
    months = html.split('name="month"')[1].split("</select>")[0]
    assert months.count("<option") == 12
    quarters = html.split('name="quarter"')[1].split("</select>")[0]
    assert quarters.count("<option") == 4


@pytest.mark.parametrize(
    "query",
    [
        "?period=week",
        "?date=2026-13",
        "?date=1999",
        "?period=quarter&date=2026-11",
        "?date=" + "9" * 300,
        "?period=month&year=2026&month=13",
        "?period=quarter&year=abc&quarter=2",
        "?period=quarter&year=2026&quarter=5",
    ],
)
def test_an_unknown_period_shows_the_current_one_and_says_why(client, world: World, query):
    response = _get(client, world.chairman, query)
    assert response.status_code == 200
    html = text_of(response)
    today = local_today()
    kind = "quarter" if "quarter" in query else "month"
    assert selected(html, "period") == kind
    assert selected(html, "year") == str(today.year)
    assert "The period asked for cannot be shown:" in html
    assert "The current period is shown instead." in html
    assert 'href="/dashboard/?period=' in html  # the page's own links go on from there
    assert any(
        text in html
        for text in (
            "Choose a month, a quarter or a year.",
            "Write the period as 2026-11, 2026-Q4 or 2026.",
            "Choose a year from 2000 to 2100.",
            "A month is numbered from 1 to 12.",
            "This period cannot be understood.",
        )
    )


def test_a_ward_official_may_not_ask_for_another_ward(client, rated: World):
    assert _get(client, rated.chairman, f"?ward={rated.other_ward.slug}").status_code == 403
    assert _get(client, rated.supervisor, f"?ward={rated.other_ward.slug}").status_code == 403
    assert _get(client, rated.chairman, f"?ward={rated.ward.slug}").status_code == 200
    assert _get(client, rated.staff).status_code == 403
    assert _get(client, rated.resident).status_code == 403


def test_admin_compares_the_served_wards(client, rated: World):
    html = text_of(_get(client, rated.admin, "?date=2026-11"))
    assert "Phường Bồ Đề" in html and "Phường Việt Hưng" in html
    assert "Phường Hoàn Kiếm" not in html  # not served
    assert "66.7%" in html and "0.0%" in html
    assert f"ward={rated.ward.slug}" in html


def test_admin_opens_any_served_ward(client, rated: World):
    response = _get(client, rated.admin, f"?ward={rated.other_ward.slug}&date=2026-11")
    html = text_of(response)
    assert response.status_code == 200
    assert "Sai tên" in html and "Phải chờ lâu" not in html
    assert "/staff/feedback/" not in html  # the admin cannot open the ward's cases
    assert f"ward={rated.other_ward.slug}" in html  # the period links keep the ward
    assert _get(client, rated.admin, "?ward=no-such-ward").status_code == 404
    assert _get(client, rated.admin, f"?ward={rated.unserved_ward.slug}").status_code == 404


def test_nav_link_for_the_dashboard(client, world: World):
    for user, shown in (
        (world.chairman, True),
        (world.supervisor, True),
        (world.admin, True),
        (world.staff, False),
        (world.resident, False),
    ):
        login_as(client, user)
        html = text_of(client.get("/"))
        assert ('href="/dashboard/"' in html) is shown, user.role


# ---------------------------------------------------------------- dialogues


def _session(ward, starts, *, status="held", notice_days=10, results_days=None, **extra):
    """A conference (or, with kind=reception, a slot) starting at `starts`, two hours long,
    published `notice_days` before the start and its results `results_days` after the end."""
    session = make_conference(ward, status=status, **extra)
    session.starts_at, session.ends_at = starts, starts + timedelta(hours=2)
    if notice_days is not None:
        session.published_at = starts - timedelta(days=notice_days)
    if results_days is not None:
        session.results_published_at = session.ends_at + timedelta(days=results_days)
    db.session.flush()
    return session


_booking_codes = itertools.count(1)


def _bookings(session, *statuses: str) -> None:
    for status in statuses:
        db.session.add(
            Booking(
                ward_id=session.ward_id,
                session_id=session.id,
                session_kind=session.kind,
                guest_name="Khách Đặt Chỗ",
                code=f"HD{next(_booking_codes):08d}",
                status=BookingStatus(status),
            )
        )
    db.session.flush()


def _question(session, *, answered: bool = False, merged_into=None) -> Question:
    question = Question(
        ward_id=session.ward_id,
        session_id=session.id,
        text="Khi nào sửa đường ngõ 12?",
        answered_at=session.ends_at if answered else None,
        merged_into_id=merged_into.id if merged_into else None,
    )
    db.session.add(question)
    db.session.flush()
    return question


@pytest.fixture
def dialogues(world: World) -> World:
    """The hand-computed example of November 2026 (Hà Nội dates).

    C1: starts Sunday 1 November 08:00 Hà Nội (31 October 01:00 UTC), results published;
        published 10 days ahead (notice given), results 5 days after the end (on time);
        60 seats, the minutes count 40 present (2 checked-in bookings are not added).
        Questions: 3 asked (2 answered), and an answered duplicate merged into one.
    C2: starts Friday 20 November, held; published 3 days ahead (late notice), no results;
        40 seats, no minutes' count: 3 checked-in bookings + 4 walk-ins = 7 present
        (a no-show and a confirmed booking do not count). Questions: 1, unanswered.
    So: 2 held, notice 1 (50%), results 1 (50%), attendance 47 of 100 (47%), questions
    4 asked and 2 answered (50%).
    Left out: a published (not held) and a cancelled conference in November, with a
    question; a held one in the other ward; a held one starting 1 December 00:30 Hà Nội
    (30 November 17:30 UTC). Held in 2026: C1, C2, one in October and the December one = 4.

    Reception slots in November: S1 an attended booking (booked and used), S2 a confirmed
    and a waiting booking (booked), S3 a cancelled and a no-show booking, S4 no booking:
    4 published, 2 booked (50%), 1 used (25%). Left out: a cancelled and a draft slot with
    bookings, a slot in December."""
    ward, other = world.ward, world.other_ward
    c1 = _session(
        ward, hanoi(2026, 11, 1, 8), status="results_published", results_days=5, capacity=60
    )
    c1.attendance_count = 40
    _bookings(c1, "attended", "attended")
    first = _question(c1, answered=True)
    _question(c1, answered=True)
    _question(c1)
    _question(c1, answered=True, merged_into=first)
    c2 = _session(ward, hanoi(2026, 11, 20), notice_days=3, late_notice=True, capacity=40)
    c2.walk_in_seats, c2.walk_ins = 5, 4
    _bookings(c2, "attended", "attended", "attended", "no_show", "confirmed")
    _question(c2)
    not_held = _session(ward, hanoi(2026, 11, 25), status="published", capacity=30)
    _question(not_held, answered=True)
    _session(ward, hanoi(2026, 11, 26), status="cancelled", capacity=30)
    _session(other, hanoi(2026, 11, 10), capacity=25, attendance_count=20)
    _session(ward, hanoi(2026, 12, 1, 0, 30), capacity=70, attendance_count=70)
    _session(ward, hanoi(2026, 10, 15), capacity=50, attendance_count=45)

    def slot(day: int, status: str = "published", month: int = 11):
        return _session(
            ward, hanoi(2026, month, day, 14), status=status, kind=SessionKind.RECEPTION, capacity=1
        )

    _bookings(slot(3), "attended")
    _bookings(slot(4), "confirmed", "waiting")
    _bookings(slot(5), "cancelled", "no_show")
    slot(6)
    _bookings(slot(9, "cancelled"), "confirmed")
    _bookings(slot(10, "draft"), "attended")
    _bookings(slot(1, month=12), "attended")
    db.session.commit()
    return world


def test_dialogue_figures_of_the_example(dialogues: World):
    d = dashboard.dialogue_summary(dialogues.ward.id, NOV)
    assert (d.year, d.held, d.year_held, d.yearly_minimum_met) == (2026, 2, 4, True)
    assert (d.notice_on_time, d.notice_share) == (1, 0.5)
    assert (d.results_on_time, d.results_share) == (1, 0.5)
    assert (d.attendance, d.capacity, d.attendance_share) == (47, 100, 0.47)
    assert (d.questions, d.answered, d.answered_share) == (4, 2, 0.5)
    assert (d.slots, d.slots_booked, d.booked_share) == (4, 2, 0.5)
    assert (d.slots_used, d.used_share) == (1, 0.25)


def test_dialogue_figures_of_a_quarter_and_the_other_ward(dialogues: World):
    quarter = dashboard.dialogue_summary(
        dialogues.ward.id, parse_period("quarter", "2026-Q4", TODAY)
    )
    # October's conference and December's join in: 4 held, 40 + 7 + 45 + 70 of 60+40+50+70.
    assert (quarter.held, quarter.year_held) == (4, 4)
    assert (quarter.attendance, quarter.capacity) == (162, 220)
    assert (quarter.notice_on_time, quarter.results_on_time) == (3, 1)
    assert (quarter.slots, quarter.slots_booked, quarter.slots_used) == (5, 3, 2)
    other = dashboard.dialogue_summary(dialogues.other_ward.id, NOV)
    assert (other.held, other.attendance, other.capacity, other.questions) == (1, 20, 25, 0)
    assert other.slots == 0 and other.booked_share is None


def test_dialogue_figures_take_a_constant_number_of_queries(dialogues: World):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    ward_id, year = dialogues.ward.id, parse_period("year", "2026", TODAY)
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        dashboard.dialogue_summary(ward_id, year)
        dashboard.dialogue_summaries(ward_id, [year, year.previous(), NOV, NOV.previous()])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    # Held conferences (with bookings and questions), then reception slots: twice two.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 4


def test_several_periods_read_at_once_are_each_period_read_alone(dialogues: World):
    """A dashboard reads its period and the one before together; across a new year too (each
    period counts the conferences of its own calendar year)."""
    ward_id = dialogues.ward.id
    periods = [
        NOV,
        NOV.previous(),
        parse_period("quarter", "2026-Q4", TODAY),
        Period("month", date(2026, 1, 1), date(2026, 2, 1)),
        Period("month", date(2025, 12, 1), date(2026, 1, 1)),
        parse_period("year", "2026", TODAY).previous(),
    ]
    together = dashboard.dialogue_summaries(ward_id, periods)
    assert together == [dashboard.dialogue_summary(ward_id, p) for p in periods]
    assert [f.year for f in together] == [2026, 2026, 2026, 2026, 2025, 2025]
    assert together[0].year_held == together[3].year_held == 4
    assert together[4].year_held == together[5].year_held == 0


def test_dialogue_figures_of_an_empty_period(dialogues: World):
    empty = Period("month", date(2026, 9, 1), date(2026, 10, 1))
    d = dashboard.dialogue_summary(dialogues.ward.id, empty)
    # Nothing in September, but the year's conferences still count.
    assert d == dashboard.DialogueFigures(year=2026, year_held=4)
    assert d.yearly_minimum_met is True
    shares = (d.notice_share, d.results_share, d.attendance_share, d.answered_share)
    assert shares + (d.booked_share, d.used_share) == (None,) * 6


def test_yearly_minimum_not_met_without_a_conference(dialogues: World):
    d = dashboard.dialogue_summary(dialogues.ward.id, parse_period("year", "2027", TODAY))
    assert (d.year, d.held, d.year_held, d.yearly_minimum_met) == (2027, 0, 0, False)
    # Published or cancelled conferences are not held: the other ward's year is its one.
    assert dashboard.dialogue_summary(dialogues.other_ward.id, NOV).yearly_minimum_met is True
    _session(dialogues.ward, hanoi(2027, 3, 2), status="published")
    _session(dialogues.ward, hanoi(2027, 4, 2), status="cancelled")
    d = dashboard.dialogue_summary(dialogues.ward.id, parse_period("month", "2027-03", TODAY))
    assert (d.year_held, d.yearly_minimum_met) == (0, False)


def test_dialogues_table(client, dialogues: World):
    login_as(client, dialogues.chairman)
    response = client.get(
        "/dashboard/export/dialogues.xlsx?date=2026-11", headers={"Accept-Language": "en"}
    )
    [sheet] = load_workbook(io.BytesIO(response.get_data())).worksheets
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == [
        "Period",
        "Conferences held",
        "Conferences held in the calendar year",
        "At least one conference a year",
    ]
    november = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert november["Conferences held"] == 2
    assert november["Attendance"] == 47 and november["Capacity"] == 100
    assert november["Attendance against capacity"] == 0.47
    assert november["Questions asked"] == 4 and november["Questions answered (share)"] == 0.5
    assert november["At least one conference a year"] == "Met"
    assert sheet["K2"].number_format == "0.0%"  # attendance against capacity
    assert sheet.cell(row=3, column=1).value == "10/2026"


def test_dashboard_page_shows_the_dialogues(client, dialogues: World):
    html = text_of(_get(client, dialogues.chairman, "?date=2026-11"))
    section = html.split("Dialogue conferences and citizen reception")[1]
    assert re.search(r'<caption id="[^"]+">Dialogues, 11/2026 beside 10/2026</caption>', section)
    assert "Met" in section
    # A row per column of the dialogues' table, November then October.
    for label, november in (
        ("Conferences held", "2"),
        ("Conferences held in the calendar year", "4"),
        ("Attendance", "47"),
        ("Capacity", "100"),
        ("Attendance against capacity", "47.0%"),
        ("Reception slots used", '1 <span class="muted">(25.0%)</span>'),
    ):
        assert f'<tr><th scope="row">{label}</th><td>{november}</td>' in section, label


def test_dashboard_page_dialogues_empty_year(client, world: World):
    html = text_of(_get(client, world.chairman, "?period=year&date=2001"))
    section = html.split("Dialogue conferences and citizen reception")[1]
    assert "Not met" in section and "no data" in section


# ---------------------------------------------------------------- charts and new tables


def _chart_data(html: str, name: str) -> dict:
    match = re.search(
        rf'<script type="application/json" id="chart-{name}-data">(.*?)</script>', html, re.S
    )
    assert match, f"no data for the {name} chart"
    return json.loads(match.group(1))


def test_ward_page_charts_carry_the_tables_figures(client, rated: World):
    html = text_of(_get(client, rated.chairman, "?date=2026-11"))
    trend = _chart_data(html, "trend")
    assert trend["kind"] == "trend" and len(trend["labels"]) == 12
    assert trend["labels"][-2:] == ["10/2026", "11/2026"]
    ratings, rate = trend["series"]
    assert ratings["label"] == "Ratings" and ratings["values"][-2:] == [1, 3]
    assert rate["label"] == "Satisfaction rate"
    assert rate["values"][-2:] == [1.0, pytest.approx(2 / 3)] and rate["values"][0] is None
    levels = _chart_data(html, "levels")
    a, b, c = rated.procedures
    # Rated procedures only (C was never rated), by Vietnamese name, a series per level.
    assert levels["labels"] == ["Household business registration", "Birth registration"]
    assert [(s["level"], s["values"]) for s in levels["series"]] == [
        ("very_satisfied", [1, 0]),
        ("satisfied", [1, 0]),
        ("dissatisfied", [0, 1]),
    ]
    # Each chart: a hidden figure (shown by the script) with a described image and the
    # vendored library served by the portal itself.
    assert html.count('<figure class="chart" hidden>') == 2
    assert 'role="img" aria-label="Chart: Ratings and satisfaction rate by month' in html
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert 'src="/static/js/dashboard-charts.js"' in html
    assert "cdn" not in html.lower()
    # The trend table beside the chart.
    table = html.split('id="table-monthly-trend-caption"')[1].split("</table>")[0]
    assert re.search(r'<th scope="row">11/2026</th>\s*<td>4</td>\s*<td>3</td>', table)
    assert table.count('<th scope="row">') == 12
    # A month without dossiers nor ratings: counts of 0, rates without data, no share of nothing.
    empty = "<td>0</td><td>0</td><td>no data</td><td>no data</td><td>0</td><td>0</td>"
    assert f'<th scope="row">12/2025</th>{empty}' in table


def test_ward_page_by_field_and_officer_reports(client, rated: World):
    html = text_of(_get(client, rated.chairman, "?date=2026-11"))
    table = html.split('id="table-by-field-caption"')[1].split("</table>")[0]
    assert re.search(r'<th scope="row">Civil status</th>\s*<td>2</td>\s*<td>1</td>', table)
    assert re.search(r'<th scope="row">Household business</th>\s*<td>2</td>\s*<td>2</td>', table)
    assert "/dashboard/export/officer-report.xlsx?period=month&amp;date=2026-11" in html
    assert "/dashboard/export/officer-report.xlsx?period=quarter&amp;date=2026-Q4" in html
    assert "/dashboard/export/by-field.csv?period=month&amp;date=2026-11" in html


def test_no_levels_chart_without_ratings(client, world: World):
    html = text_of(_get(client, world.chairman, "?period=year&date=2001"))
    assert "chart-levels-data" not in html
    trend = _chart_data(html, "trend")
    assert trend["series"][0]["values"] == [0] * 12
    assert trend["series"][1]["values"] == [None] * 12


def test_admin_charts(client, rated: World):
    html = text_of(_get(client, rated.admin, "?date=2026-11"))
    wards = _chart_data(html, "wards")
    assert wards["labels"] == ["Phường Bồ Đề", "Phường Việt Hưng"]
    assert wards["series"][0]["values"] == [pytest.approx(2 / 3), 0.0]
    trend = _chart_data(html, "trend")
    assert trend["series"][0]["values"][-1] == 4  # both wards' November ratings


def test_chart_data_cannot_close_its_script(client, rated: World):
    a, b, c = rated.procedures
    b.name_en = '</script><script src="//evil.example/x.js"></script>'
    db.session.commit()
    html = text_of(_get(client, rated.chairman, "?date=2026-11"))
    assert "evil.example" in html  # it is there, but only as inert text
    assert '<script src="//evil.example' not in html
    assert _chart_data(html, "levels")["labels"][1] == b.name_en


def test_vendored_chart_library_is_the_registry_file(client):
    static = Path(__file__).resolve().parent.parent / "portal" / "static" / "vendor" / "chartjs"
    source = dict(line.split(": ", 1) for line in (static / "SOURCE").read_text().splitlines())
    body = (static / "chart.umd.min.js").read_bytes()
    assert hashlib.sha256(body).hexdigest() == source["sha256"]
    assert f"Chart.js v{source['version']}".encode() in body[:200]
    response = client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert response.status_code == 200 and response.get_data() == body
    response.close()


# ---------------------------------------------------------------- the figures' cache


@pytest.fixture
def cached(app, monkeypatch):
    """The dashboard's figures kept for 60 seconds of a clock the test moves."""
    clock = [1000.0]
    monkeypatch.setattr(pagecache, "clock", lambda: clock[0])
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    pagecache.clear()
    yield clock
    pagecache.clear()


def test_figures_are_kept_for_the_cache_time(client, rated: World, cached):
    first = text_of(_get(client, rated.chairman, "?date=2026-11"))
    assert "66.7%" in first and "Figures as of" in first
    # A fourth November rating, very satisfied: 3 of 4 satisfied = 75.0 %.
    a = rated.procedures[0]
    _, raw = _dossier(rated.staff, rated.ward.id, a, "D5", hanoi(2026, 11, 9), hanoi(2026, 11, 9))
    _rate(raw, "very_satisfied", hanoi(2026, 11, 10))
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        kept = text_of(_get(client, rated.chairman, "?date=2026-11"))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert "66.7%" in kept and "75.0%" not in kept.split("Satisfaction rate</th>")[1][:40]
    assert not any("satisfaction_" in s for s in statements)  # served from the cache
    # Another period, language or role is its own entry: computed now.
    assert "75,0" in text_of(_get(client, rated.chairman, "?date=2026-11", lang="vi"))
    supervisor = text_of(_get(client, rated.supervisor, "?date=2026-11"))
    assert "<td>75.0%</td>" in supervisor
    # After 60 seconds, the chairman's page is computed again.
    cached[0] += 61
    fresh = text_of(_get(client, rated.chairman, "?date=2026-11"))
    assert "<td>75.0%</td>" in fresh


def test_the_cache_never_mixes_wards_or_users(client, rated: World, cached):
    ours = text_of(_get(client, rated.chairman, "?date=2026-11"))
    theirs = text_of(_get(client, rated.admin, f"?ward={rated.other_ward.slug}&date=2026-11"))
    assert "Phải chờ lâu" in ours and "Phải chờ lâu" not in theirs and "Sai tên" in theirs
    # The page around the figures is the viewer's own: his name, his logout form.
    supervisor = text_of(_get(client, rated.supervisor, "?date=2026-11"))
    assert "Lê Văn Giám" in supervisor and "Nguyễn Văn Chủ (" not in supervisor
    # The admin's comparison is not a ward's page.
    city = text_of(_get(client, rated.admin, "?date=2026-11"))
    assert "chart-wards-data" in city and "chart-levels-data" not in city
    # Refused requests are never stored nor served from it.
    assert _get(client, rated.chairman, f"?ward={rated.other_ward.slug}").status_code == 403


@pytest.mark.parametrize(
    "query", ["?date=2000-01", "?date=2100-12", "?period=year&date=2100", "?date=2000-Q1"]
)
def test_the_first_and_last_periods_answer(client, rated: World, query: str):
    for user in (rated.chairman, rated.admin):
        response = _get(client, user, query)
        assert response.status_code == 200
        assert "no data" in text_of(response)
    response = _download(client, rated.chairman, "all.xlsx" + query)
    assert response.status_code == 200


def test_a_kept_page_carries_each_sessions_own_csrf_token(app, rated: World, cached):
    first, second = app.test_client(), app.test_client()
    tokens = []
    for client in (first, second):
        html = text_of(_get(client, rated.chairman, "?date=2026-11"))
        [token] = set(CSRF_RE.findall(html))
        tokens.append(token)
    assert tokens[0] != tokens[1]
    assert "\x00" not in html  # no placeholder left
    # The second session's token (from the kept page) logs it out; the first stays in.
    response = second.post("/logout", data={"csrf_token": tokens[1]})
    assert response.status_code == 302
    assert _get(first, rated.chairman, "?date=2026-11").status_code == 200


def _texts(html: str) -> set[str]:
    """The visible texts between tags of a page's main part, squeezed."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<script\b.*?</script>", "", main, flags=re.S)
    return {" ".join(t.split()) for t in re.findall(r">([^<>]+)<", main)} - {""}


@pytest.mark.parametrize("viewer", ["chairman", "admin"])
def test_the_vietnamese_dashboard_has_no_english_left(client, rated: World, viewer: str):
    user = getattr(rated, viewer)
    english = _texts(text_of(_get(client, user, "?date=2026-11", lang="en")))
    user.language = None  # the English request saved nothing, but be sure
    db.session.commit()
    vietnamese = _texts(text_of(_get(client, user, "?date=2026-11", lang="vi")))
    # English texts (plain ASCII words; not codes nor file formats) of the English page must
    # not be on the Vietnamese one.
    worded = {
        t
        for t in english
        if t.isascii() and re.search(r"[a-z]{3,}", t) and not re.fullmatch(r"[A-Z0-9-]+", t)
    }
    assert len(worded) > 15  # the check has something to check
    assert worded & vietnamese == set()
    assert "Tỷ lệ hài lòng" in vietnamese, sorted(vietnamese)[:80]


def test_an_unknown_period_is_explained_in_vietnamese(client, world: World):
    html = text_of(_get(client, world.chairman, "?period=quarter&year=2026&quarter=7", lang="vi"))
    assert "Không hiển thị được kỳ đã chọn:" in html
    assert "Trang đang hiển thị kỳ hiện tại." in html
    assert selected(html, "period") == "quarter"
