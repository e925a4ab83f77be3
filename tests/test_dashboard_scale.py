"""The uncached dashboard at scale (issue 17): as many statements with 500 ratings as with 10
(the ward's month and year, and the administrator's comparison of the wards), none reading
the dossiers, and those reading the ratings only the bounded lists of dissatisfied ratings;
the figures the page shows on a fixed data set (a guard for the faster rendering); and the
list of dissatisfied ratings not yet handled, from open cases and from ratings without one.
Times are measured by bench/dashboard_scale.py, never asserted here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_feedback, text_of
from test_dashboard import NOV, dialogues  # noqa: F401 - the fixture

from portal import pagecache
from portal.dashboard import services as dashboard
from portal.dashboard.periods import parse_period
from portal.extensions import db
from portal.feedback.models import Feedback, FeedbackStatus
from portal.satisfaction import cases as satisfaction_cases
from portal.satisfaction import catalogue, rollups
from portal.satisfaction.models import Dossier, SatisfactionRating

MONTH = "/dashboard/?period=month&date=2026-11"
YEAR = "/dashboard/?period=year&date=2026"
START = datetime(2026, 9, 1, 3, tzinfo=UTC)  # 10:00 in Hà Nội
LEVELS = ("very_satisfied", "satisfied", "dissatisfied")
TIMELINESS = ("early", "on_time", "late")


def bulk_ratings(world: World, n: int, first: int = 0) -> None:
    """n more returned and rated dossiers in each served ward, made the way a bulk load makes
    them (no case opened, the rollups rebuilt afterwards), one every 6 hours from
    September 2026 (over 500 rows: into December): levels, timeliness and visits in turn."""
    for ward, officer in ((world.ward, world.staff), (world.other_ward, world.staff_other)):
        catalogue.provide_defaults(ward.id)
        procedures = [p.id for p in catalogue.procedures(ward.id)][:4]
        dossiers = []
        for i in range(first, first + n):
            received = START + timedelta(hours=6 * i)
            returned = received + timedelta(days=2)
            dossiers.append(
                {
                    "ward_id": ward.id,
                    "procedure_id": procedures[i % len(procedures)],
                    "receipt_number": f"SCALE-{i}",
                    "received_at": received,
                    "due_on": returned.date() + timedelta(days=1 - i % 3),
                    "returned_at": returned,
                    "extra_visits": i % 2,
                    "receiving_officer_id": officer.id,
                    "timeliness": TIMELINESS[i % 3],
                    "search_text": f"scale-{i}",
                }
            )
        ids = db.session.execute(sa.insert(Dossier).returning(Dossier.id), dossiers).scalars()
        ratings = [
            {
                "ward_id": ward.id,
                "dossier_id": dossier_id,
                "procedure_id": row["procedure_id"],
                "officer_id": officer.id,
                "level": LEVELS[i % 3],
                "reason": "Chờ lâu" if i % 3 == 2 else "",
                "comment": "",
                "channel": "link",
                "timeliness": row["timeliness"],
                "contacts_needed": row["extra_visits"],
                "score": i % 7,
                "score_max": 10,
                "created_at": row["returned_at"] + timedelta(hours=1),
            }
            for i, (dossier_id, row) in enumerate(zip(ids, dossiers, strict=True), start=first)
        ]
        db.session.execute(sa.insert(SatisfactionRating), ratings)
    rollups.rebuild()
    db.session.commit()


def bulk_feedback(world: World, n: int) -> None:
    """n feedback items received in November, every other one answered there."""
    for i in range(n):
        item = make_feedback(world.ward, now=datetime(2026, 11, 2, 2, tzinfo=UTC) + timedelta(i))
        if i % 2:
            item.status = FeedbackStatus.ANSWERED
            item.answered_at = item.received_at + timedelta(days=3)
    db.session.commit()


def page_statements(client, user, path: str) -> list[str]:
    """The SQL statements of one uncached request of the page."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    login_as(client, user)
    pagecache.clear()
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers={"Accept-Language": "vi"})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return statements


def reads(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if re.search(rf"\b(FROM|JOIN) {table}\b", s)]


@pytest.fixture
def no_cache(app):
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    app.config["PAGE_CACHE_SECONDS"] = 0


@pytest.mark.usefixtures("no_cache")
@pytest.mark.parametrize(
    ("who", "path"),
    [("chairman", MONTH), ("chairman", YEAR), ("admin", YEAR), ("admin", MONTH + "&ward=")],
)
def test_as_many_statements_with_500_ratings_as_with_10(client, world: World, who, path):
    if path.endswith("&ward="):
        path += world.ward.slug
    user = world.by_name(who)
    bulk_ratings(world, 10)
    bulk_feedback(world, 2)
    few = page_statements(client, user, path)
    bulk_ratings(world, 490, first=10)
    bulk_feedback(world, 10)
    many = page_statements(client, user, path)
    assert len(many) == len(few)
    # Dossiers are read only for the delegated-signing table: the period's signed returns,
    # on their partial index.
    for statement in reads(many, "dossiers"):
        assert "dossiers.signed_by_id IS NOT NULL" in statement, statement
        assert "dossiers.returned_at >=" in statement, statement
    # The ratings are read only for the bounded lists of dissatisfied ones (partial indexes).
    for statement in reads(many, "satisfaction_ratings"):
        assert "satisfaction_ratings.level =" in statement, statement


@pytest.mark.usefixtures("no_cache")
def test_the_page_shows_the_figures_of_a_fixed_data_set(client, world: World):
    """Key figures of November 2026 (60 ratings: 20 of each level), as the page shows them
    in Vietnamese, before and after any change to the way the page is rendered."""
    bulk_ratings(world, 480)
    login_as(client, world.chairman)
    html = text_of(client.get(MONTH, headers={"Accept-Language": "vi"}))
    assert 'id="headline-ratings"' in html
    headline = html.split('id="headline-ratings"', 1)[1].split("</li>", 1)[0]
    assert '<span class="headline-value">120</span>' in headline
    assert "giảm 4 (kém hơn)" in headline and "Kỳ trước: 124" in headline
    summary = html.split('id="table-satisfaction-summary-caption"', 1)[1].split("</table>", 1)[0]
    assert '<td>40 <span class="muted">(33,3%)</span></td>' in summary
    assert "<td>66,7%</td>" in summary  # the satisfaction rate
    city = page_statements(client, world.admin, YEAR)
    assert city
    html = text_of(client.get(YEAR, headers={"Accept-Language": "vi"}))
    comparison = html.split('id="table-ward-comparison-caption"', 1)[1].split("</table>", 1)[0]
    assert f'<a href="/dashboard/?ward={world.ward.slug}&amp;period=year&amp;date=2026">' in (
        comparison
    )
    row = (
        "<td>479</td><td>479</td><td>100,0%</td><td>66,8%</td>"
        + '<td>160 <span class="muted">(33,4%)</span></td>' * 2
        + '<td>159 <span class="muted">(33,2%)</span></td>'
        + '<td>160 <span class="muted">(33,4%)</span></td>' * 2
        + '<td>159 <span class="muted">(33,2%)</span></td><td>3,0</td>'
    )
    assert f'date=2026">Phường Bồ Đề</a></th>{row}' in comparison


def test_dissatisfied_ratings_of_open_cases_and_without_a_case(app, world: World):
    bulk_ratings(world, 9)  # 3 dissatisfied in each ward, none with a case
    rows, total = satisfaction_cases.unhandled_dissatisfied(world.ward.id, 2)
    assert total == 3
    assert [row.created_at for row in rows] == sorted(row.created_at for row in rows)
    assert rows[0].code is None and rows[0].name_vi
    first = db.session.get(SatisfactionRating, rows[0].id)
    case = make_feedback(world.ward, now=datetime(2026, 12, 1, 2, tzinfo=UTC))
    first.feedback_id = case.id
    db.session.commit()
    rows, total = satisfaction_cases.unhandled_dissatisfied(world.ward.id, 5)
    assert total == 3  # its case is open: still to handle
    assert rows[0].id == first.id and rows[0].code == case.code
    case.status = FeedbackStatus.CLOSED
    db.session.commit()
    rows, total = satisfaction_cases.unhandled_dissatisfied(world.ward.id, 5)
    assert total == 2 and first.id not in [row.id for row in rows]
    assert db.session.scalar(sa.select(sa.func.count(Feedback.id))) == 1
    assert date(2026, 9, 1) <= rows[0].created_at.date()


@pytest.mark.usefixtures("dialogues")
def test_a_period_beside_the_previous_one_in_the_same_queries(app, world: World):
    """The page reads a period and the one before it together (satisfaction and feedback):
    the same figures as each period on its own, across a year's end too."""
    ward = world.ward.id
    bulk_ratings(world, 40)
    bulk_feedback(world, 6)
    for kind, key in (("month", "2026-11"), ("month", "2027-01"), ("quarter", "2026-Q4")):
        period = parse_period(kind, key, date(2027, 2, 1))
        previous = period.previous()
        assert dashboard.satisfaction_totals_beside(ward, period) == (
            dashboard.satisfaction_totals(ward, period),
            dashboard.satisfaction_totals(ward, previous),
        )
        assert dashboard.feedback_figures_beside(ward, period) == (
            dashboard.feedback_figures(ward, period),
            dashboard.feedback_figures(ward, previous),
        )
    held = dashboard.dialogue_summary(ward, NOV)
    assert held.held and held.questions  # the example's November has both
