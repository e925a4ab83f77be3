"""The city administrator's comparison of wards (issue 16): each served ward's feedback
(received, answered, on time, overdue now) and conferences (held, results published on
time) beside its satisfaction, from queries grouped by ward whose number does not grow with
the wards; each ward's competition rank (1, 2, 2, 4) on satisfaction, feedback on time and
dialogues, a ward with too few ratings unranked and saying why; the table sorted on the
server by the column its header links name, a bad column or direction giving the default;
the new columns in its CSV and XLSX files; the administrator's only."""

from __future__ import annotations

import io
import re
from datetime import date
from fractions import Fraction
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import test_dashboard
from conftest import World, login_as, make_feedback, make_ward, text_of
from openpyxl import load_workbook
from test_dashboard import NOV, TODAY, _session, hanoi

from portal.dashboard import services as dashboard
from portal.dashboard import tables
from portal.extensions import db

# The dashboard's hand-computed examples of November 2026 (test_dashboard.py).
rated = test_dashboard.rated
answered = test_dashboard.answered
dialogues = test_dashboard.dialogues

NOW = hanoi(2026, 11, 30, 12)  # "overdue now": Monday 30 November 2026, noon in Hà Nội
OURS, OTHER = "Phường Bồ Đề", "Phường Việt Hưng"


@pytest.fixture
def example(rated: World, answered: World, dialogues: World) -> World:
    """November 2026 in both served wards.

    Bồ Đề: 4 dossiers returned, 3 ratings (very satisfied, satisfied, dissatisfied: 2/3);
    feedback received 4 (F1–F3 and the case the dissatisfied rating opened), answered 3
    (F1, F2, F4; 1 on time), overdue on 30 November 3 (F3, F5 and the rating's case);
    conferences held 2, results published within 10 days 1.
    Việt Hưng: 1 dossier returned, 1 rating (dissatisfied: 0); feedback received 2 (one
    filed, the rating's case), none answered, both overdue on 30 November; conferences
    held 1, results not published."""
    return rated


@pytest.fixture
def minimum(app, monkeypatch):
    """A satisfaction rank from 3 ratings on (Bồ Đề has 3 in November, Việt Hưng 1)."""
    monkeypatch.setitem(app.config, "PUBLIC_MIN_RATINGS", 3)
    return 3


def _rows(minimum: int) -> dict[str, dashboard.WardRow]:
    return {row.name: row for row in dashboard.compare_wards(NOV, minimum, TODAY, NOW)}


def _ranks(row: dashboard.WardRow) -> tuple:
    return tuple(row.ranks[name].place for name in dashboard.RANKINGS)


# ---------------------------------------------------------------- the figures


def test_figures_of_two_wards(example: World):
    rows = _rows(1)
    assert list(rows) == [OURS, OTHER]  # by name
    ours, other = rows[OURS], rows[OTHER]
    assert (ours.figures.returned, ours.figures.ratings) == (4, 3)
    assert ours.figures.satisfaction_rate == pytest.approx(2 / 3)
    f = ours.feedback
    assert (f.received, f.answered, f.answered_on_time, ours.overdue) == (4, 3, 1, 3)
    assert f.on_time_share == pytest.approx(1 / 3)
    d = ours.dialogues
    assert (d.held, d.results_on_time, d.results_share) == (2, 1, 0.5)
    f = other.feedback
    assert (f.received, f.answered, f.answered_on_time, other.overdue) == (2, 0, 0, 2)
    assert f.on_time_share is None
    d = other.dialogues
    assert (d.held, d.results_on_time, d.results_share) == (1, 0, 0.0)


def test_the_figures_are_the_ward_dashboards(example: World):
    """The grouped queries give each ward what its own dashboard says."""
    for row in _rows(1).values():
        feedback = dashboard.feedback_summary(row.ward_id, NOV, TODAY)
        assert row.feedback == feedback.totals
        assert row.overdue == len(dashboard.feedback_queries.overdue(row.ward_id, TODAY, NOW))
        summary = dashboard.dialogue_summary(row.ward_id, NOV)
        assert (row.dialogues.held, row.dialogues.results_on_time) == (
            summary.held,
            summary.results_on_time,
        )
        assert row.dialogues.attendance == summary.attendance


def test_an_empty_period_has_zeros_and_no_ranks(example: World):
    rows = dashboard.compare_wards(NOV.next().next(), 1, TODAY, NOW)
    assert [row.feedback for row in rows] == [dashboard.FeedbackFigures()] * 2
    assert [row.dialogues.held for row in rows] == [0, 0]
    assert [_ranks(row) for row in rows] == [(None, None, None)] * 2
    assert {row.ranks["feedback"].unranked for row in rows} == {dashboard.Unranked.NOTHING_ANSWERED}
    assert {row.ranks["dialogues"].unranked for row in rows} == {dashboard.Unranked.NO_CONFERENCE}


# ---------------------------------------------------------------- ranks


def test_ranks_of_two_wards(example: World):
    rows = _rows(1)
    assert _ranks(rows[OURS]) == (1, 1, 1)
    # Nothing answered: no on-time share to rank.
    assert _ranks(rows[OTHER]) == (2, None, 2)
    assert rows[OTHER].ranks["feedback"].unranked is dashboard.Unranked.NOTHING_ANSWERED


def test_a_ward_with_too_few_ratings_is_unranked(example: World):
    rows = _rows(3)
    assert rows[OURS].ranks["satisfaction"] == dashboard.Rank(1)
    assert rows[OTHER].ranks["satisfaction"] == dashboard.Rank(
        None, dashboard.Unranked.FEW_RATINGS, 3
    )
    # The other ranks do not depend on the ratings.
    assert rows[OTHER].ranks["dialogues"].place == 2
    # The default minimum (PUBLIC_MIN_RATINGS = 10): nobody has enough.
    assert [row.ranks["satisfaction"].place for row in _rows(10).values()] == [None, None]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            [Fraction(2, 3), Fraction(1, 2), Fraction(4, 6), None, Fraction(1, 4)],
            [1, 3, 1, None, 4],
        ),
        ([Fraction(1), Fraction(1), Fraction(1)], [1, 1, 1]),
        ([Fraction(0), Fraction(1, 2), Fraction(1, 2), Fraction(1)], [4, 2, 2, 1]),
        ([None, None], [None, None]),
        ([], []),
    ],
)
def test_competition_ranks(values, expected):
    assert dashboard.competition_ranks(values) == expected


def _ward(n: int, ratings: int, satisfied: int, answered: int = 0, on_time: int = 0, held=0):
    row = dashboard.WardRow(
        n, f"Phường {n}", f"phuong-{n}", dashboard.Figures(ratings=ratings, satisfied=satisfied)
    )
    row.feedback = dashboard.FeedbackFigures(answered=answered, answered_on_time=on_time)
    row.dialogues = dashboard.DialogueFigures(year=2026, held=held, results_on_time=held)
    return row


def test_ranks_with_ties_and_small_wards():
    rows = dashboard.rank_wards(
        [
            _ward(1, 10, 8, answered=4, on_time=2, held=1),  # 80%
            _ward(2, 20, 16, answered=2, on_time=1, held=2),  # 80%: the same place
            _ward(3, 10, 9, answered=3, on_time=3),  # 90%: first
            _ward(4, 10, 5, answered=0),  # 50%: fourth
            _ward(5, 9, 9, answered=1, on_time=1, held=1),  # 100% of too few ratings
        ],
        10,
    )
    assert [row.ranks["satisfaction"].place for row in rows] == [2, 2, 1, 4, None]
    assert rows[4].ranks["satisfaction"].unranked is dashboard.Unranked.FEW_RATINGS
    assert [row.ranks["feedback"].place for row in rows] == [3, 3, 1, None, 1]
    assert [row.ranks["dialogues"].place for row in rows] == [1, 1, None, None, 1]


# ---------------------------------------------------------------- queries


def _selects(action) -> int:
    issued: list[str] = []

    def record(conn, cursor, statement, *args):
        issued.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len([s for s in issued if s.lstrip().upper().startswith(("SELECT", "WITH"))])


def _more_wards(count: int) -> None:
    """`count` more served wards, each with a feedback item and a held conference."""
    for n in range(count):
        ward = make_ward(200 + n, f"Phường Mới {n}", f"phuong-moi-{n}")
        make_feedback(ward, now=hanoi(2026, 11, 4, 10))
        _session(ward, hanoi(2026, 11, 12), results_days=3, capacity=20)
    db.session.commit()


def test_queries_do_not_grow_with_the_wards(client, example: World, minimum):
    def compare():
        assert len(dashboard.compare_wards(NOV, 3, TODAY, NOW)) in (2, 6)

    def page():
        assert _get(client, example.admin, "?date=2026-11").status_code == 200

    page()  # anything read once per process
    two, two_on_the_page = _selects(compare), _selects(page)
    assert two == 6
    _more_wards(4)
    assert _selects(compare) == two
    assert _selects(page) == two_on_the_page
    html = text_of(_get(client, example.admin, "?date=2026-11"))
    assert "Phường Mới 3" in html


# ---------------------------------------------------------------- the page


def _get(client, user, query: str = "", lang: str = "en"):
    login_as(client, user)
    return client.get("/dashboard/" + query, headers={"Accept-Language": lang})


def _comparison(html: str) -> str:
    start = html.index('id="table-ward-comparison-caption"')
    return html[start : html.index("</table>", start)]


def _order(html: str) -> list[str]:
    """The wards of the comparison's rows, in order."""
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', _comparison(html))


def _sorted_header(html: str) -> tuple[str, str]:
    """(aria-sort, the sorted column's link) of the comparison's header."""
    found = re.findall(r'<th scope="col" aria-sort="(\w+)"><a class="sort" href="([^"]+)"', html)
    assert len(found) == 1
    return found[0]


def test_the_page_shows_the_figures_and_ranks(client, example: World, minimum):
    html = text_of(_get(client, example.admin, "?date=2026-11"))
    table = _comparison(html)
    for label in (
        "Feedback received",
        "Feedback answered on time",
        "Feedback overdue now",
        "Conferences held",
        "Results published within 10 days",
        "Rank on satisfaction",
        "Rank on feedback answered on time",
        "Rank on dialogues",
    ):
        assert label in table, label
    assert "Unranked: 1 rating, at least 3 needed" in table
    assert "Unranked: no feedback answered" in table
    assert "at least 3 ratings" in html  # the note under the table
    assert "33.3%" in table and "50.0%" in table  # on-time and results shares


@pytest.mark.parametrize(
    ("query", "order", "state", "link"),
    [
        ("", [OURS, OTHER], "ascending", "sort=name&amp;dir=desc"),
        ("&sort=name&dir=desc", [OTHER, OURS], "descending", "sort=name&amp;dir=asc"),
        ("&sort=satisfaction-rate&dir=asc", [OTHER, OURS], "ascending", "dir=desc"),
        ("&sort=satisfaction-rate&dir=desc", [OURS, OTHER], "descending", "dir=asc"),
        ("&sort=feedback-overdue&dir=asc", [OTHER, OURS], "ascending", "dir=desc"),
        ("&sort=feedback-received&dir=desc", [OURS, OTHER], "descending", "dir=asc"),
        # An unranked ward comes last both ways.
        ("&sort=rank-satisfaction&dir=asc", [OURS, OTHER], "ascending", "dir=desc"),
        ("&sort=rank-satisfaction&dir=desc", [OURS, OTHER], "descending", "dir=asc"),
        ("&sort=rank-dialogues&dir=desc", [OTHER, OURS], "descending", "dir=asc"),
    ],
)
def test_sorting(client, example: World, minimum, query, order, state, link):
    response = _get(client, example.admin, "?period=month&date=2026-11" + query)
    html = text_of(response)
    assert response.status_code == 200
    assert _order(html) == order
    aria, href = _sorted_header(html)
    assert aria == state and link in href
    assert "period=month" in href and "date=2026-11" in href
    assert href.endswith("#table-ward-comparison-caption")
    arrow = "▲" if state == "ascending" else "▼"
    assert f'<span aria-hidden="true">{arrow}</span></a>' in html


@pytest.mark.parametrize(
    "query",
    [
        "&sort=nope&dir=desc",
        "&sort=satisfaction-rate&dir=sideways",
        "&sort=satisfaction-rate",
        "&dir=desc",
        "&sort=&dir=",
        "&sort=" + "x" * 5000,
        "&sort=__class__&dir=desc",
        "&sort=rank-satisfaction&sort=name&dir=asc&dir=desc",  # the first of each
        "&sort=%00&dir=%00",
    ],
)
def test_a_bad_sort_gives_the_default_order(client, example: World, minimum, query):
    response = _get(client, example.admin, "?date=2026-11" + query)
    assert response.status_code == 200
    html = text_of(response)
    if "sort=rank-satisfaction&sort" in query:
        assert _sorted_header(html)[0] == "ascending"
        return
    assert _order(html) == [OURS, OTHER]
    aria, href = _sorted_header(html)
    assert aria == "ascending" and "sort=name&amp;dir=desc" in href


def test_every_column_sorts_with_its_own_key():
    spec = tables.CITY_TABLES["ward-comparison"]
    keys = [column.key for column in spec.columns]
    assert all(keys) and len(set(keys)) == len(keys)
    assert spec.sortable == tuple(keys)
    assert spec.sort_asked("rank-feedback", "desc") == ("rank-feedback", "desc")
    assert spec.sort_asked("rank-feedback", "up") == ("name", "asc")
    assert spec.sort_asked(None, None) == ("name", "asc")
    # The ward's own tables cannot be sorted: their headers are not links.
    assert all(not spec.sortable for spec in tables.WARD_TABLES.values())


def test_sorting_in_place_keeps_equal_rows_in_their_order(app):
    rows = [_ward(n, 10, satisfied) for n, satisfied in ((1, 8), (2, 9), (3, 8), (4, 0))]
    rows[3].figures = dashboard.Figures()  # no ratings: no rate
    city = SimpleNamespace(comparison=rows, period=NOV)
    with app.test_request_context("/"):
        table = tables.CITY_TABLES["ward-comparison"].build(city)
        names = lambda t: [line.name for line in t.items]  # noqa: E731
        up = table.sorted_by("satisfaction-rate", "asc")
        assert names(up) == ["Phường 1", "Phường 3", "Phường 2", "Phường 4"]
        down = table.sorted_by("satisfaction-rate", "desc")
        assert names(down) == ["Phường 2", "Phường 1", "Phường 3", "Phường 4"]
        assert down.sort == ("satisfaction-rate", "desc")
        assert table.sorted_by("bogus", "desc") is table


def test_the_sorted_pages_are_kept_apart(app, client, example: World, minimum, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    first = _order(text_of(_get(client, example.admin, "?date=2026-11&sort=name&dir=desc")))
    second = _order(text_of(_get(client, example.admin, "?date=2026-11&sort=name&dir=asc")))
    assert first == [OTHER, OURS] and second == [OURS, OTHER]


def test_the_page_in_vietnamese(client, example: World, minimum):
    html = text_of(_get(client, example.admin, "?date=2026-11", lang="vi"))
    table = _comparison(html)
    assert "Xếp hạng mức độ hài lòng" in table
    assert "Chưa xếp hạng: 1 lượt đánh giá, cần ít nhất 3" in table
    assert "Chưa xếp hạng: chưa trả lời phản ánh nào" in table
    assert "So sánh các phường, xã" in html


def test_the_comparison_is_the_administrators(client, example: World):
    # A ward's chairman sees his own ward: no comparison, and a sort changes nothing.
    response = _get(client, example.chairman, "?date=2026-11&sort=rank-satisfaction&dir=asc")
    assert response.status_code == 200
    html = text_of(response)
    assert "table-ward-comparison-caption" not in html and 'class="sort"' not in html
    assert _get(client, example.chairman, f"?ward={example.other_ward.slug}").status_code == 403
    login_as(client, example.chairman)
    assert client.get("/dashboard/export/ward-comparison.csv").status_code == 404
    for user in (example.staff, example.resident):
        assert _get(client, user, "?sort=name&dir=desc").status_code == 403


# ---------------------------------------------------------------- files


def _download(client, user, path: str):
    login_as(client, user)
    return client.get("/dashboard/export/" + path, headers={"Accept-Language": "en"})


def test_the_files_carry_the_new_columns(client, example: World, minimum):
    import csv

    response = _download(client, example.admin, "ward-comparison.csv?date=2026-11")
    assert response.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(text_of(response)[1:])))
    named = [dict(zip(header, row, strict=True)) for row in rows]
    ours, other = named
    assert (ours["Ward"], other["Ward"]) == (OURS, OTHER)
    assert ours["Rank on satisfaction"] == "1"
    assert other["Rank on satisfaction"] == "Unranked: 1 rating, at least 3 needed"
    assert (ours["Feedback received"], ours["Feedback answered"]) == ("4", "3")
    assert ours["Feedback answered on time"] == "1"
    assert ours["Feedback answered on time (share)"] == "0.333333"
    # Overdue now: on the day of the download, later than 30 November; never fewer.
    assert int(ours["Feedback overdue now"]) >= 3 and int(other["Feedback overdue now"]) >= 2
    assert ours["Rank on feedback answered on time"] == "1"
    assert other["Rank on feedback answered on time"] == "Unranked: no feedback answered"
    assert (ours["Conferences held"], other["Conferences held"]) == ("2", "1")
    assert ours["Results published within 10 days (share)"] == "0.5"
    assert (ours["Rank on dialogues"], other["Rank on dialogues"]) == ("1", "2")
    book = load_workbook(
        io.BytesIO(_download(client, example.admin, "all.xlsx?date=2026-11").get_data())
    )
    sheet = book["Wards compared"]
    header = [cell.value for cell in sheet[1]]
    assert header[: len(header)] == list(named[0])
    rank = header.index("Rank on satisfaction") + 1
    assert sheet.cell(2, rank).value == 1
    assert sheet.cell(3, rank).value == "Unranked: 1 rating, at least 3 needed"


def test_overdue_counts_per_ward(example: World):
    counts = dashboard.feedback_queries.overdue_counts(date(2026, 11, 30), NOW)
    assert counts == {example.ward.id: 3, example.other_ward.id: 2}
