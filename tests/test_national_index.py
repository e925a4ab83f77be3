"""The indicators of Circular 01/2018 one dossier supports (1, 2, 3, 4 and 7), kept on the
rating row and in the rollups; the national index panel of the dashboard (Decision
766/QĐ-TTg) against hand-computed figures, with the list of what the portal cannot compute;
the migration that re-scores existing ratings. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import World, text_of
from test_dashboard import NOV, _get, _procedure, hanoi, rated  # noqa: F401  # fixture

from portal.dashboard import national_index, tables
from portal.dashboard import services as dashboard
from portal.domain import DomainError
from portal.extensions import db
from portal.satisfaction import catalogue, dossiers, indicators, ratings, rollups
from portal.satisfaction.models import Attitude, Timeliness

EXPORT = "/dashboard/export/"
EARLY, ON_TIME, LATE = Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE

# ---------------------------------------------------------------- the rules, one by one


@pytest.mark.parametrize(("timeliness", "points"), [(EARLY, 2), (ON_TIME, 1), (LATE, 0)])
def test_indicator_1_and_2_for_the_ward_alone(timeliness, points):
    got = indicators.points_of(timeliness, 0, 1, Attitude.GOOD)
    # with the ward alone, its own time against its limit is the total time
    assert got["points_time"] == got["points_agency_time"] == points


@pytest.mark.parametrize(("contacts", "points"), [(0, 2), (1, 1), (2, 0), (7, 0)])
def test_indicator_3_contacts(contacts, points):
    assert indicators.points_of(ON_TIME, contacts, 1, None)["points_contacts"] == points


@pytest.mark.parametrize(("agencies", "points"), [(1, 2), (2, 1), (3, 0)])
def test_indicator_4_agencies(agencies, points):
    assert indicators.points_of(EARLY, 0, agencies, None)["points_agencies"] == points


@pytest.mark.parametrize(
    ("timeliness", "points", "score", "score_max"),
    [
        (EARLY, None, 2 + 2 + 1 + 2, 8),  # the total says nothing of each agency: not scored
        (ON_TIME, None, 1 + 2 + 1 + 2, 8),
        (LATE, 0, 0 + 0 + 2 + 1 + 2, 10),  # a late total: some agency overran its share
    ],
)
def test_indicator_2_with_two_agencies(timeliness, points, score, score_max):
    got = indicators.points_of(timeliness, 0, 2, Attitude.GOOD)
    assert got["points_agency_time"] == points
    assert indicators.score_and_max(got) == (score, score_max)


@pytest.mark.parametrize(
    ("attitude", "points"),
    [(Attitude.GOOD, 2), (Attitude.ACCEPTABLE, 1), (Attitude.POOR, 0), (None, 1)],
)
def test_indicator_7_attitude(attitude, points):
    assert indicators.points_of(EARLY, 0, 1, attitude)["points_attitude"] == points


def test_no_return_no_points():
    assert indicators.score_and_max(indicators.points_of(None, 0, 1, None)) == (None, None)
    assert ratings.score_of(None, 0, Attitude.GOOD) is None


def test_the_indicator_table():
    assert [i.number for i in indicators.INDICATORS] == list(range(1, 10))
    assert [i.number for i in indicators.PER_DOSSIER] == [1, 2, 3, 4, 7]
    assert all(i.not_per_dossier for i in indicators.INDICATORS if not i.column)
    assert indicators.POINTS_MAX * len(indicators.INDICATORS) == indicators.FULL_SCALE


def test_the_weights_add_up_to_100():
    assert sum(group.weight for group in national_index.GROUPS) == national_index.TOTAL
    assert national_index.BY_KEY["satisfaction"].weight == 18
    computed = [g.key for g in national_index.GROUPS if g.not_computed is None]
    assert computed == ["timeliness", "satisfaction"]


# ---------------------------------------------------------------- through the services


def _returned(world: World, number: str, received, returned, *, agencies=1, visits=0):
    procedure = _procedure(world.ward.id, "Đăng ký hộ kinh doanh")  # 3 working days
    data = dossiers.DossierInput(
        procedure_id=procedure.id,
        receipt_number=number,
        received_at=received,
        extra_visits=visits,
        agencies_involved=agencies,
        receiving_officer_id=world.staff.id,
    )
    dossier = dossiers.register_dossier(world.staff, world.ward.id, data, now=hanoi(2026, 12, 2))
    return dossier, dossiers.return_dossier(world.staff, dossier, now=returned)


def _rate(raw, attitude=None, when=None):
    data = ratings.RatingInput(level="satisfied", attitude=attitude)
    return ratings.rate(raw, data, now=when or hanoi(2026, 11, 20))


def test_a_rating_keeps_each_indicator(world: World):
    catalogue.provide_defaults(world.ward.id)
    monday = hanoi(2026, 11, 2)
    _, raw = _returned(world, "A1", monday, hanoi(2026, 11, 4), agencies=1, visits=1)
    one = _rate(raw, "good")
    _, raw = _returned(world, "A2", monday, hanoi(2026, 11, 4), agencies=2)
    two = _rate(raw, "poor")
    _, raw = _returned(world, "A3", monday, hanoi(2026, 11, 10), agencies=3, visits=4)
    late = _rate(raw)
    db.session.commit()

    def row(rating):
        return tuple(getattr(rating, c) for c in (*indicators.POINT_COLUMNS, "score", "score_max"))

    assert row(one) == (2, 2, 1, 2, 2, 9, 10)
    assert (one.agencies_involved, one.contacts_needed) == (1, 1)
    assert row(two) == (2, None, 2, 1, 0, 5, 8)
    assert two.agencies_involved == 2
    assert row(late) == (0, 0, 0, 0, 1, 1, 10)
    # The rollups hold the same sums as a recompute, and a rebuild gives them again.
    assert rollups.stored_totals() == rollups.fresh_totals()
    totals = dashboard.satisfaction_totals(world.ward.id, NOV)
    assert (totals.score_sum, totals.score_max_sum, totals.scored) == (15, 28, 3)
    assert (totals.points_agency_time, totals.scored_agency_time) == (2, 2)
    assert totals.average_score == pytest.approx(10 * 15 / 28)
    before = rollups.stored_totals()
    rollups.rebuild()
    db.session.commit()
    assert rollups.stored_totals() == before
    stored, added = rollups.ward_month_totals()
    assert stored == added


def test_agencies_must_be_at_least_one(world: World):
    catalogue.provide_defaults(world.ward.id)
    with pytest.raises(DomainError) as caught:
        _returned(world, "B0", hanoi(2026, 11, 2), hanoi(2026, 11, 4), agencies=0)
    assert "agencies_involved" in caught.value.errors


def test_the_import_takes_agencies_involved(world: World):
    catalogue.provide_defaults(world.ward.id)
    text = (
        "receipt_number,procedure,received_at,returned_at,agencies_involved,officer_phone\n"
        "C1,Đăng ký hộ kinh doanh,2026-11-02 09:00,2026-11-04 10:00,2,\n"
        "C2,Đăng ký hộ kinh doanh,2026-11-02 09:00,,,\n"
        "C3,Đăng ký hộ kinh doanh,2026-11-02 09:00,,0,\n"
    )
    from portal.satisfaction import exchange

    report = exchange.import_dossiers_csv(world.staff, world.ward.id, text, now=hanoi(2026, 12, 1))
    db.session.commit()
    found = {
        number: agencies
        for number, agencies in db.session.execute(
            sa.text("SELECT receipt_number, agencies_involved FROM dossiers")
        )
    }
    assert found == {"C1": 2, "C2": 1}
    assert [line for line, _ in report.errors] == [4]


# ---------------------------------------------------------------- the panel


def test_the_panel_of_the_example(english, rated: World):  # noqa: F811
    """November of the dashboard's example: 2 early, 1 on time, 1 late returned; ratings
    scored 10, 9 and 5 out of 10 each."""
    panel = dashboard.satisfaction_summary(rated.ward.id, NOV).national_index
    timeliness, satisfaction = panel.groups
    assert timeliness.group.key == "timeliness" and timeliness.weight == 20
    assert timeliness.points == pytest.approx(20 * 3 / 4)  # 15.0
    assert "2 early, 1 on time and 1 late of 4 returned" in timeliness.how
    assert satisfaction.weight == 18
    assert satisfaction.points == pytest.approx(18 * 24 / 30)  # 14.4
    assert "24 of 30, 3 ratings" in satisfaction.how
    assert panel.computed_weight == 38
    averages = {row.indicator.number: row.average for row in panel.indicators}
    assert averages == pytest.approx({1: 5 / 3, 2: 5 / 3, 3: 5 / 3, 4: 2.0, 7: 1.0})
    missing = {row.name: row for row in panel.missing}
    for name, weight in [
        ("Publicity and transparency", 18),
        ("Online public services", 12),
        ("Online payment", 10),
        ("Digitisation of dossiers and results", 22),
    ]:
        assert missing[name].weight == weight and missing[name].reason
    agency = [row for name, row in missing.items() if name.startswith("Indicator ")]
    assert len(agency) == 4  # 5, 6, 8 and 9
    assert {(row.weight, row.scale) for row in agency} == {(2, "of the Circular's 18 points")}
    assert missing["Online payment"].scale == "of the index's 100 points"


def test_an_empty_period_has_no_points(world: World):
    panel = national_index.IndexPanel(dashboard.Figures())
    assert [group.points for group in panel.groups] == [None, None]
    assert [row.average for row in panel.indicators] == [None] * 5


def test_the_panel_reads_only_the_ward_months(rated: World):  # noqa: F811
    """The panel's figures come from the rows per ward and month: no rating is read."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        summary = dashboard.satisfaction_summary(rated.ward.id, NOV)
        _ = summary.national_index.groups, summary.national_index.indicators
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    read = [s for s in statements if "satisfaction" in s]
    assert len(read) == 1 and "satisfaction_ward_months" in read[0]
    assert "satisfaction_ratings" not in read[0]


def test_the_page_and_the_files_show_the_panel(client, rated: World):  # noqa: F811
    html = text_of(_get(client, rated.chairman, "?period=month&date=2026-11"))
    assert "National service-quality index" in html
    assert "15.0" in html and "14.4" in html
    assert "Online payment" in html and "the portal handles no payments" in html
    response = _get(
        client, rated.chairman, "index-not-computed.csv?date=2026-11", "vi", page=EXPORT
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Thanh toán trực tuyến" in body
    sheet = tables.WARD_TABLES["national-index"]
    assert len(str(sheet.sheet)) <= 31


def test_the_vietnamese_panel(client, rated: World):  # noqa: F811
    html = text_of(_get(client, rated.chairman, "?period=month&date=2026-11", lang="vi"))
    assert "Chỉ số đánh giá chất lượng phục vụ" in html
    assert "Mức độ hài lòng" in html
