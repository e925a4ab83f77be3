"""The public transparency page (minh bạch) of a ward and of the city, and its open data:
the figures are the dashboard services' own, a small sample gives no rate, nothing names a
person, the files keep their schema, bad input is a 404, the city adds up its wards, and
the number of queries does not grow with the number of ratings."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import asdict

import pytest
import sqlalchemy as sa
import test_dashboard
from conftest import World, make_feedback, text_of
from test_dashboard import NOV, _dossier, _procedure, _rate, hanoi

from portal.dashboard import services as dashboard
from portal.dashboard.periods import period_containing
from portal.extensions import db
from portal.timeutil import local_today
from portal.transparency import opendata

# The dashboard's hand-computed examples of November 2026 (test_dashboard.py).
rated = test_dashboard.rated
answered = test_dashboard.answered
dialogues = test_dashboard.dialogues

WARD_JSON = "/wards/phuong-bo-de/minh-bach/2026-11.json"


@pytest.fixture
def example(rated: World, answered: World, dialogues: World) -> World:
    """Ratings, feedback and dialogues of November 2026, and the resident's own feedback."""
    make_feedback(rated.ward, rated.resident, now=hanoi(2026, 11, 12), title="Đèn hỏng ngõ 7")
    db.session.commit()
    return rated


@pytest.fixture
def few(app, monkeypatch):
    """A rate from 3 ratings on (the example has 3 in November)."""
    monkeypatch.setitem(app.config, "PUBLIC_MIN_RATINGS", 3)


def _get(client, path: str, lang: str = "en"):
    return client.get(path, headers={"Accept-Language": lang})


def _json(client, path: str = WARD_JSON) -> dict:
    response = _get(client, path)
    assert response.status_code == 200, path
    assert response.content_type == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return json.loads(text_of(response))


def _csv(client, path: str) -> list[dict]:
    response = _get(client, path)
    assert response.status_code == 200 and response.content_type.startswith("text/csv")
    text = text_of(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _satisfaction(figures: dashboard.Figures) -> dict:
    keys = opendata.SATISFACTION_KEYS[:-2]  # all but the rate and whether it is withheld
    return {key: getattr(figures, key) for key in keys}


# ---------------------------------------------------------------- the figures


def test_ward_figures_are_the_dashboards(client, example: World, few):
    data = _json(client)
    ward = example.ward.id
    totals = dashboard.satisfaction_totals(ward, NOV)
    assert {k: data["satisfaction"][k] for k in _satisfaction(totals)} == _satisfaction(totals)
    assert data["satisfaction"]["satisfaction_rate"] == pytest.approx(2 / 3)
    assert data["satisfaction"]["rate_withheld"] is False
    fields = dashboard.satisfaction_summary(ward, NOV).by_field
    assert [(row["field_vi"], row["returned"], row["ratings"]) for row in data["by_field"]] == [
        (row.field_vi, row.figures.returned, row.figures.ratings) for row in fields
    ]
    feedback = dashboard.feedback_summary(ward, NOV).totals
    assert data["feedback"] == {
        "received": feedback.received,
        "answered": feedback.answered,
        "answered_on_time": feedback.answered_on_time,
        "on_time_share": feedback.on_time_share,
    }
    assert (data["feedback"]["received"], data["feedback"]["answered"]) == (
        5,
        3,
    )  # with the case the dissatisfied rating opened
    held = dashboard.dialogue_summary(ward, NOV)
    assert data["dialogues"] == {
        "held": held.held,
        "results_on_time": held.results_on_time,
        "results_share": held.results_share,
        "results_days": 10,
    }
    assert (held.held, held.results_on_time) == (2, 1)


def test_the_page_shows_the_same_figures(client, example: World, few):
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?period=month&year=2026&month=11"))
    table = html.split('id="table-satisfaction-caption"')[1].split("</table>")[0]
    assert re.search(r'<th scope="row">Dossiers returned</th><td>4</td>', table)
    assert "66.7%" in table  # the satisfaction rate
    assert '<td>2 <span class="muted">(50.0%)</span></td>' in table  # early dossiers
    fields = html.split('id="table-by-field-caption"')[1].split("</table>")[0]
    assert "Civil status" in fields and "Household business" in fields
    feedback = html.split('id="table-feedback-caption"')[1].split("</table>")[0]
    assert re.search(r"Feedback received</th><td>5</td>", feedback)
    assert '<td>1 <span class="muted">(33.3%)</span></td>' in feedback  # answered on time
    conferences = html.split('id="table-dialogues-caption"')[1].split("</table>")[0]
    assert 'within 10 days</th><td>1 <span class="muted">(50.0%)</span></td>' in conferences
    # The chart's data beside its table, as a JSON block (CSP: no inline script runs).
    chart = re.search(
        r'<script type="application/json" id="chart-levels-data">(.*?)</script>', html
    )
    assert json.loads(chart.group(1))["labels"] == ["Household business", "Civil status"]
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []
    assert "style=" not in html
    # Tables scroll inside their own box on a phone.
    assert html.count('<div class="table-wrap"') == 4
    # The open data of the same period.
    assert 'href="/wards/phuong-bo-de/minh-bach/2026-11.json"' in html
    assert 'href="/wards/phuong-bo-de/minh-bach/2026-11.csv"' in html
    assert "Licence: CC BY 4.0" in html


def test_a_quarter(client, example: World, few):
    data = _json(client, "/wards/phuong-bo-de/minh-bach/2026-Q4.json")
    assert data["period"] == {
        "kind": "quarter",
        "key": "2026-Q4",
        "first_day": "2026-10-01",
        "last_day": "2026-12-31",
    }
    quarter = period_containing(NOV.start, "quarter")
    totals = dashboard.satisfaction_totals(example.ward.id, quarter)
    assert data["satisfaction"]["returned"] == totals.returned == 5  # October's D0 too
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?period=quarter&date=2026-Q4"))
    assert "Quarter 4/2026" in html


def test_a_small_sample_gives_no_rate(client, example: World):
    # PUBLIC_MIN_RATINGS is 10 by default; November has 3 ratings.
    data = _json(client)
    assert data["min_ratings"] == 10
    assert data["satisfaction"]["ratings"] == 3
    assert data["satisfaction"]["satisfaction_rate"] is None
    assert data["satisfaction"]["rate_withheld"] is True
    assert all(row["satisfaction_rate"] is None for row in data["by_field"])
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?date=2026-11"))
    assert "Not enough ratings to compute a rate" in html and "66.7%" not in html
    vi = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?date=2026-11", "vi"))
    assert "Chưa đủ số đánh giá để tính tỷ lệ" in vi and "66,7" not in vi
    rows = _csv(client, "/wards/phuong-bo-de/minh-bach/2026-11.csv")
    rate = [
        r for r in rows if r["section"] == "satisfaction" and r["indicator"] == "satisfaction_rate"
    ]
    assert rate[0]["value"] == ""


# ---------------------------------------------------------------- nothing personal


def test_no_personal_data_anywhere(client, example: World, few):
    people = [
        example.resident.full_name,
        example.resident.phone,
        "0912 345 678",
        "dan@example.vn",
        example.staff.full_name,
        example.chairman.full_name,
        example.staff_other.full_name,
        "Người Gọi Điện",  # who phoned in a feedback item, and their number
        "0987 654 321",
        "Khách Đặt Chỗ",  # a booking's guest
        "Phải chờ lâu",  # a dissatisfied rating's reason
        "Sai tên",
        "Đèn hỏng ngõ 7",  # the resident's own feedback
        "Rác thải ở ngõ 12",
    ]
    for path in (
        "/wards/phuong-bo-de/minh-bach?date=2026-11",
        "/minh-bach?date=2026-11",
        WARD_JSON,
        "/wards/phuong-bo-de/minh-bach/2026-11.csv",
        "/minh-bach/2026-11.json",
        "/minh-bach/2026-11.csv",
    ):
        for lang in ("vi", "en"):
            response = _get(client, path, lang)
            assert response.status_code == 200
            body = text_of(response)
            assert [who for who in people if who in body] == [], path


# ---------------------------------------------------------------- the files' schema


def test_json_schema(client, example: World):
    data = _json(client)
    assert list(data) == [
        "schema_version",
        "licence",
        "scope",
        "ward",
        "wards",
        "period",
        "min_ratings",
        "satisfaction",
        "by_field",
        "feedback",
        "dialogues",
    ]
    assert (data["schema_version"], data["licence"], data["scope"]) == (1, "CC BY 4.0", "ward")
    assert data["ward"] == {"slug": "phuong-bo-de", "name": "Phường Bồ Đề"}
    assert tuple(data["satisfaction"]) == opendata.SATISFACTION_KEYS
    for row in data["by_field"]:
        assert tuple(row) == ("field_vi", "field_en", *opendata.SATISFACTION_KEYS)
    assert tuple(data["feedback"]) == opendata.FEEDBACK_KEYS
    assert tuple(data["dialogues"]) == (*opendata.DIALOGUE_KEYS, "results_days")
    city = _json(client, "/minh-bach/2026-11.json")
    assert list(city) == list(data) and (city["scope"], city["ward"]) == ("city", None)
    assert [w["slug"] for w in city["wards"]] == ["phuong-bo-de", "phuong-viet-hung"]


def test_the_licence_is_a_setting(app, client, example: World, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_LICENCE", "Giấy phép dữ liệu mở Việt Nam")
    assert _json(client)["licence"] == "Giấy phép dữ liệu mở Việt Nam"


def test_csv_header_and_rows(client, example: World, few):
    response = _get(client, "/wards/phuong-bo-de/minh-bach/2026-11.csv")
    first = text_of(response)[1:].split("\r\n")[0]
    assert first == "period,scope,ward,section,field,indicator,value"
    assert tuple(first.split(",")) == opendata.CSV_HEADER
    rows = _csv(client, "/wards/phuong-bo-de/minh-bach/2026-11.csv")
    data = _json(client)
    values = {(r["section"], r["field"], r["indicator"]): r["value"] for r in rows}
    assert {r["period"] for r in rows} == {"2026-11"}
    assert {(r["scope"], r["ward"]) for r in rows} == {("ward", "phuong-bo-de")}
    assert values[("satisfaction", "", "returned")] == "4"
    assert values[("satisfaction", "", "rate_withheld")] == "0"
    assert float(values[("satisfaction", "", "satisfaction_rate")]) == pytest.approx(2 / 3)
    assert values[("by_field", "Hộ tịch", "ratings")] == "1"
    assert values[("feedback", "", "received")] == "5"
    assert values[("dialogues", "", "held")] == "2"
    n = len(opendata.SATISFACTION_KEYS)
    assert len(rows) == n * (1 + len(data["by_field"])) + 4 + 4


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "path",
    [
        "/wards/phuong-bo-de/minh-bach?date=2026-13",
        "/wards/phuong-bo-de/minh-bach?date=nonsense",
        "/wards/phuong-bo-de/minh-bach?period=week",
        "/wards/phuong-bo-de/minh-bach?period=year&date=2026",
        "/wards/phuong-bo-de/minh-bach?date=1999-01",
        "/minh-bach?date=2026-00",
        "/wards/phuong-bo-de/minh-bach/2026-13.json",
        "/wards/phuong-bo-de/minh-bach/nonsense.csv",
        "/wards/phuong-bo-de/minh-bach/2026.json",  # a year
        "/minh-bach/2026-Q5.json",
    ],
)
def test_an_unknown_period_is_a_404_that_says_why(client, world: World, path: str):
    response = _get(client, path, "vi")
    assert response.status_code == 404
    html = text_of(response)
    assert "Kỳ báo cáo không hợp lệ" in html or "Không tìm thấy" in html
    english = text_of(_get(client, path, "en"))
    assert "Unknown period" in english or "Page not found" in english


def test_the_unknown_period_message_is_translated(client, world: World):
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?date=2026-13", "vi"))
    assert "Unknown period" not in html and "A month is numbered" not in html


def test_a_future_period_is_a_404(client, world: World):
    coming = period_containing(local_today()).next()
    for path in (
        f"/wards/phuong-bo-de/minh-bach?date={coming.key}",
        f"/wards/phuong-bo-de/minh-bach/{coming.key}.json",
        f"/minh-bach/{coming.key}.csv",
        "/minh-bach/2099-Q1.json",
    ):
        response = _get(client, path)
        assert response.status_code == 404, path
        assert "This period has not begun yet." in text_of(response)


@pytest.mark.parametrize(
    "path",
    [
        "/wards/phuong-hoan-kiem/minh-bach",  # not served
        "/wards/phuong-hoan-kiem/minh-bach/2026-11.json",
        "/wards/no-such-ward/minh-bach",
        "/wards/no-such-ward/minh-bach/2026-11.csv",
        "/wards/phuong-bo-de/minh-bach/2026-11.xml",
        "/minh-bach/2026-11.xlsx",
        "/minh-bach/2026-011.json",  # one address per period
        "/minh-bach/2026-q4.json",
    ],
)
def test_a_ward_not_served_or_an_unknown_format_is_a_404(client, world: World, path: str):
    assert _get(client, path).status_code == 404


# ---------------------------------------------------------------- the city


def test_the_city_adds_up_its_wards(client, example: World, few):
    city = _json(client, "/minh-bach/2026-11.json")
    wards = [
        _json(client, f"/wards/{slug}/minh-bach/2026-11.json")
        for slug in ("phuong-bo-de", "phuong-viet-hung")
    ]
    for key in ("returned", "early", "on_time", "late", "ratings", "satisfied", "dissatisfied"):
        assert city["satisfaction"][key] == sum(w["satisfaction"][key] for w in wards), key
    assert city["satisfaction"]["ratings"] == 4
    assert city["satisfaction"]["satisfaction_rate"] == pytest.approx(2 / 4)
    for section in ("feedback", "dialogues"):
        for key in ("received", "answered", "answered_on_time", "held", "results_on_time"):
            if key in city[section]:
                assert city[section][key] == sum(w[section][key] for w in wards), key
    fields = Counter()
    for ward in wards:
        for row in ward["by_field"]:
            fields[row["field_vi"]] += row["ratings"]
    assert {row["field_vi"]: row["ratings"] for row in city["by_field"]} == dict(fields)
    # The page lists each ward, linked to its own page.
    html = text_of(_get(client, "/minh-bach?date=2026-11"))
    table = html.split('id="table-by-ward-caption"')[1].split("</table>")[0]
    assert 'href="/wards/phuong-viet-hung/minh-bach?date=2026-11"' in table
    assert "Phường Bồ Đề" in table


# ---------------------------------------------------------------- defaults and links


def test_the_default_period_is_the_last_complete_month(client, world: World):
    last = period_containing(local_today()).previous()
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach"))
    assert f'href="/wards/phuong-bo-de/minh-bach/{last.key}.json"' in html
    assert f'<option value="{last.start.month}" selected>' in html
    quarter = period_containing(local_today(), "quarter").previous()
    html = text_of(_get(client, "/minh-bach?period=quarter"))
    assert f'href="/minh-bach/{quarter.key}.csv"' in html
    # The selects offer a month or a quarter, never a year.
    assert '<option value="year"' not in html


def test_an_empty_period_shows_zeros_and_no_rate(client, world: World):
    data = _json(client, "/minh-bach/2001-01.json")
    assert data["satisfaction"]["returned"] == 0 and data["by_field"] == []
    assert data["satisfaction"]["satisfaction_rate"] is None
    assert data["feedback"]["on_time_share"] is None
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?date=2001-01"))
    assert "chart-levels-data" not in html


def test_linked_from_the_ward_home_and_the_footer(client, world: World):
    html = text_of(_get(client, "/wards/phuong-bo-de"))
    assert 'href="/wards/phuong-bo-de/minh-bach"' in html
    assert 'href="/minh-bach"' in html


def test_the_vietnamese_page(client, example: World):
    html = text_of(_get(client, "/wards/phuong-bo-de/minh-bach?date=2026-11", "vi"))
    assert "Minh bạch" in html and "Giấy phép: CC BY 4.0" in html


# ---------------------------------------------------------------- cost


def _selects(client, path: str) -> int:
    issued: list[str] = []

    def record(conn, cursor, statement, *args):
        issued.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert _get(client, path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len([s for s in issued if s.lstrip().upper().startswith(("SELECT", "WITH"))])


def _more_ratings(world: World, count: int) -> None:
    ward = world.ward.id
    procedure = _procedure(ward, "Đăng ký khai sinh")
    for n in range(count):
        day = hanoi(2026, 11, 16 + n % 10)
        _, raw = _dossier(world.staff, ward, procedure, f"M{n}", day, day)
        _rate(raw, "satisfied", day)
    db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/wards/phuong-bo-de/minh-bach?date=2026-11",
        WARD_JSON,
        "/minh-bach?date=2026-11",
        "/minh-bach/2026-11.csv",
    ],
)
def test_the_queries_do_not_grow_with_the_ratings(client, rated: World, path: str):
    _get(client, path)  # anything read once per process
    before = _selects(client, path)
    _more_ratings(rated, 30)
    assert _json(client)["satisfaction"]["ratings"] == 33
    assert _selects(client, path) == before


def test_public_figures_keep_the_dashboards_figures():
    figures = dashboard.Figures(returned=4, ratings=3, satisfied=2)
    from portal.transparency.services import PublicFigures

    public = PublicFigures.of(figures, 10)
    assert {k: v for k, v in asdict(public).items() if k != "minimum"} == asdict(figures)
    assert public.withheld and public.satisfaction_rate is None
    assert PublicFigures.of(figures, 3).satisfaction_rate == pytest.approx(2 / 3)
