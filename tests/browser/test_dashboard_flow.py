"""The chairman's dashboard in a real browser: the hand-computed figures of a seeded month in
Vietnamese number format, the dissatisfied reason linking to its feedback case, the period
form and the previous/next links, a CSV download, the language switch to English, axe-core
on every page, the first screen (headline figures, what needs the chairman today) above the
folded tables, and a 360 px phone with 44 px touch targets where only the tables' own
containers scroll once their folds are opened.

Same set-up as test_feedback_flow.py: Debian's chromium driven by Playwright against the app
served over real HTTP on a fresh SQLite file (see browser_support.py).

The seed (Hà Nội times; "A" is "Đăng ký hộ kinh doanh", 3 working days; "B" is "Đăng ký khai
sinh", same day; all November dossiers received Monday 2 November 2026, 09:00):

    November: D1 A returned 4 Nov (early), very satisfied, good attitude: 2+2+2 = 6.
              D2 A returned 4 Nov (early), very satisfied, no attitude: 2+2+1 = 5.
              D3 B returned 2 Nov 14:00 (on time), 1 extra visit, dissatisfied, poor
                 attitude, with a reason (which opens a feedback case): 1+1+0 = 2.
              So: 3 returned, 3 ratings, response rate 100,0 %, satisfaction rate
              2/3 = 66,7 %, very satisfied 2 (66,7 %), dissatisfied 1 (33,3 %),
              early 2 (66,7 %), on time 1 (33,3 %), average score 13/3 = 4,3.
    October:  D0 A received Thu 1 Oct, returned Mon 5 Oct (early, due 6 Oct), satisfied on
              6 Oct, good attitude: score 6. 1 returned, 1 rating, 100,0 %.
    Quarter 4: 4 returned, 4 ratings, satisfaction rate 3/4 = 75,0 %.

Plus a feedback item received Monday 9 November and answered on Tuesday 10 November (on
time), and a conference held on Friday 20 November (40 seats, 30 present).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import browser_support
import pytest
import sqlalchemy as sa
from browser_support import (
    LiveServer,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    expect_vietnamese,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    screenshot,
    serve_seeded,
    url_is,
)
from conftest import PASSWORD, make_conference, make_feedback, make_user, make_ward
from playwright.sync_api import Locator, Page, expect

from portal.auth.models import Role
from portal.codes import format_code
from portal.extensions import db
from portal.feedback import workflow as feedback_workflow
from portal.feedback.models import Feedback
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import ratings as satisfaction_ratings
from portal.satisfaction.models import Procedure

pytestmark = pytest.mark.browser

SLUG = "phuong-bo-de"
WARD_NAME = "Phường Bồ Đề"
CHAIRMAN_PHONE = "0912 500 001"
CHAIRMAN_NAME = "Nguyễn Văn Chủ"
SUPERVISOR_PHONE = "0912 500 003"  # the Fatherland Front's: the phone test's own account
STAFF_PHONE = "0901 500 002"
ADMIN_PHONE = "0912 500 009"
STAFF_NAME = "Trần Thị Tiếp"
PROCEDURE_A = "Đăng ký hộ kinh doanh"
PROCEDURE_B = "Đăng ký khai sinh"
REASON = "Phải chờ lâu, cán bộ hướng dẫn không rõ ràng"
FEEDBACK_TITLE = "Đèn đường ngõ 7 Bồ Đề bị hỏng"
CONFERENCE_TITLE = "Hội nghị đối thoại tháng 11"

MONTH_PATH = "/dashboard/?period=month&date=2026-11"
OCTOBER_PATH = "/dashboard/?period=month&date=2026-10"
CSV_PATH = "/dashboard/export/by-procedure.csv?period=month&date=2026-11"


def hanoi(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Hà Nội wall-clock time as aware UTC (Việt Nam has no summer time)."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


# ---------------------------------------------------------------- live server


@dataclass
class Seed:
    case_id: int  # the feedback case opened by the dissatisfied rating
    case_code: str


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _procedure(ward_id: int, name_vi: str) -> Procedure:
    return db.session.execute(
        sa.select(Procedure).where(Procedure.ward_id == ward_id, Procedure.name_vi == name_vi)
    ).scalar_one()


def _returned(officer, ward_id, procedure, number, received, returned, extra_visits=0) -> str:
    """Register and return a dossier; the raw rating token of its slip."""
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
    return satisfaction_dossiers.return_dossier(officer, dossier, now=returned)


def _rate(raw: str, level: str, when: datetime, attitude=None, reason: str = ""):
    return satisfaction_ratings.rate(
        raw,
        satisfaction_ratings.RatingInput(level=level, reason=reason, attitude=attitude),
        now=when,
    )


def _seed() -> Seed:
    ward = make_ward(150, WARD_NAME, SLUG)
    make_user(Role.CHAIRMAN, ward, name=CHAIRMAN_NAME, phone=CHAIRMAN_PHONE)
    make_user(Role.SUPERVISOR, ward, name="Lê Thị Giám Sát", phone=SUPERVISOR_PHONE)
    staff = make_user(Role.STAFF, ward, name=STAFF_NAME, phone=STAFF_PHONE)
    make_user(Role.ADMIN, None, name="Quản Trị Thành Phố", phone=ADMIN_PHONE)
    satisfaction_catalogue.provide_defaults(ward.id)
    a, b = _procedure(ward.id, PROCEDURE_A), _procedure(ward.id, PROCEDURE_B)
    monday = hanoi(2026, 11, 2)
    raw1 = _returned(staff, ward.id, a, "D1", monday, hanoi(2026, 11, 4))
    raw2 = _returned(staff, ward.id, a, "D2", monday, hanoi(2026, 11, 4))
    raw3 = _returned(staff, ward.id, b, "D3", monday, hanoi(2026, 11, 2, 14), extra_visits=1)
    raw0 = _returned(staff, ward.id, a, "D0", hanoi(2026, 10, 1), hanoi(2026, 10, 5))
    _rate(raw1, "very_satisfied", hanoi(2026, 11, 5), "good")
    _rate(raw2, "very_satisfied", hanoi(2026, 11, 6))
    dissatisfied = _rate(raw3, "dissatisfied", hanoi(2026, 11, 7), "poor", REASON)
    _rate(raw0, "satisfied", hanoi(2026, 10, 6), "good")
    assert dissatisfied.feedback_id is not None

    item = make_feedback(ward, now=hanoi(2026, 11, 9, 10), title=FEEDBACK_TITLE)
    feedback_workflow.reply(
        staff, item, "Phường đã thay bóng đèn.", answer=True, now=hanoi(2026, 11, 10)
    )

    conference = make_conference(ward, status="held", capacity=40, title=CONFERENCE_TITLE)
    conference.starts_at = hanoi(2026, 11, 20, 8)
    conference.ends_at = conference.starts_at + timedelta(hours=2)
    conference.published_at = conference.starts_at - timedelta(days=10)
    conference.attendance_count = 30
    db.session.commit()
    case = db.session.get(Feedback, dissatisfied.feedback_id)
    return Seed(case_id=case.id, case_code=case.code)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    """The app on a fresh SQLite file with one ward, its chairman and officer, the ward's
    catalogue, four rated dossiers, a feedback item and a held conference."""
    with serve_seeded(tmp_path_factory, "dashboard", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


# ---------------------------------------------------------------- helpers


def log_in(page: Page, live_server: LiveServer, login: str = CHAIRMAN_PHONE) -> None:
    browser_support.log_in(page, live_server, login, PASSWORD)


def squeezed(text: str) -> str:
    """Text with runs of white space (and no-break spaces) made single spaces."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def open_folds(page: Page) -> None:
    """Open every table folded away below the first screen, from its heading, as a reader
    would (they are closed when the page opens)."""
    folds = page.locator("main details.fold")
    assert folds.count() > 0
    for index in range(folds.count()):
        fold = folds.nth(index)
        expect(fold).not_to_have_attribute("open", "")
        fold.locator("> summary").click()
        expect(fold).to_have_attribute("open", "")


def captioned_tables(page: Page) -> Locator:
    """The tables with a visible caption, in the page's order: satisfaction, feedback,
    dialogues."""
    return page.locator("main .table-wrap table").filter(
        has=page.locator("caption:not(.visually-hidden)")
    )


def column(table: Locator, index: int) -> list[str]:
    """The cells of the `index`-th data column (0: the period, 1: the period before)."""
    return [
        squeezed(t)
        for t in table.locator(f"tbody tr td:nth-of-type({index + 1})").all_inner_texts()
    ]


def row_cell(table: Locator, row: int, index: int = 0) -> str:
    return squeezed(table.locator("tbody tr").nth(row).locator("td").nth(index).inner_text())


def pager_label(page: Page) -> Locator:
    return page.locator("main nav.pager span")


# The satisfaction table, row by row: returned, ratings, response rate, satisfaction rate,
# very satisfied, satisfied, dissatisfied, early, on time, late, average score.
NOVEMBER_VI = [
    "3",
    "3",
    "100,0%",
    "66,7%",
    "2 (66,7%)",
    "0 (0,0%)",
    "1 (33,3%)",
    "2 (66,7%)",
    "1 (33,3%)",
    "0 (0,0%)",
    "8,0",  # out of 10: indicators 1, 2, 3, 4 and 7 of Circular 01/2018
]
OCTOBER_VI = [
    "1",
    "1",
    "100,0%",
    "100,0%",
    "0 (0,0%)",
    "1 (100,0%)",
    "0 (0,0%)",
    "1 (100,0%)",
    "0 (0,0%)",
    "0 (0,0%)",
    "10,0",
]
NOVEMBER_EN = [cell.replace(",", ".") for cell in NOVEMBER_VI]


# ---------------------------------------------------------------- tests


def test_chairman_reads_the_dashboard(open_page, live_server):
    seed = live_server.seed
    page = open_page("vi-VN")
    log_in(page, live_server)

    # The dashboard of November 2026, in Vietnamese.
    response = page.goto(MONTH_PATH)
    assert response is not None and response.status == 200
    expect_vietnamese(page)
    expect(page.locator("main h1")).to_have_text(re.compile(r"Trang tổng quan\s*·\s*" + WARD_NAME))
    expect(page.locator("main form.filters #period")).to_have_value("month")
    expect(page.locator("main form.filters #year")).to_have_value("2026")
    expect(page.locator("main form.filters #month")).to_have_value("11")
    expect(pager_label(page)).to_have_text("Tháng 11/2026")
    # The first screen: the headline figures against October, then what needs the chairman.
    rate = page.locator("#headline-satisfaction")
    expect(rate.locator(".headline-value")).to_have_text("66,7%")
    expect(rate.locator(".headline-change")).to_have_text("▼ giảm 33,3 điểm (kém hơn)")
    expect(page.locator("#agenda-heading")).to_have_text("Việc cần Chủ tịch xử lý hôm nay")
    dissatisfied = page.locator("#agenda-dissatisfied a")
    expect(dissatisfied).to_have_attribute("href", f"/staff/feedback/{seed.case_id}")
    open_folds(page)

    satisfaction, feedback, dialogues = (captioned_tables(page).nth(i) for i in range(3))
    expect(captioned_tables(page)).to_have_count(3)
    expect(satisfaction.locator("thead th").nth(1)).to_have_text("Tháng 11/2026")
    expect(satisfaction.locator("thead th").nth(2)).to_have_text("Tháng 10/2026")
    assert column(satisfaction, 0) == NOVEMBER_VI
    assert column(satisfaction, 1) == OCTOBER_VI
    expect(satisfaction.locator("tbody tr").nth(3).locator("th")).to_have_text("Tỷ lệ hài lòng")
    # Feedback: the rated case (7 Nov) and the street-light item (9 Nov) were received;
    # the street light was answered the next working day, on time.
    assert column(feedback, 0)[:4] == ["2", "1", "1 (100,0%)", "1,0"]
    # Dialogues: one conference held in November, 30 present of 40 seats (a row each, then
    # the attendance against the capacity).
    assert row_cell(dialogues, 0) == "1"
    assert [row_cell(dialogues, row) for row in (5, 6, 7)] == ["30", "40", "75,0%"]

    # By procedure: A twice very satisfied, B dissatisfied.
    by_procedure = (
        page.locator("main table").filter(has=page.locator("tbody th", has_text=PROCEDURE_A)).first
    )
    row_a = by_procedure.locator("tbody tr").filter(has=page.locator("th", has_text=PROCEDURE_A))
    row_b = by_procedure.locator("tbody tr").filter(has=page.locator("th", has_text=PROCEDURE_B))
    assert [squeezed(t) for t in row_a.locator("td").all_inner_texts()][:4] == [
        "2",
        "2",
        "100,0%",
        "100,0%",
    ]
    assert [squeezed(t) for t in row_b.locator("td").all_inner_texts()][:4] == [
        "1",
        "1",
        "100,0%",
        "0,0%",
    ]

    # The dissatisfied reason, with the code of its feedback case as a link.
    reason_row = page.locator("main table tbody tr").filter(has=page.locator("td", has_text=REASON))
    expect(reason_row).to_have_count(1)
    expect(reason_row.locator("td").nth(1)).to_have_text(PROCEDURE_B)
    case_link = reason_row.locator("a")
    case_path = f"/staff/feedback/{seed.case_id}"
    expect(case_link).to_have_attribute("href", case_path)
    expect(case_link).to_have_text(format_code(seed.case_code))
    screenshot(page, "dashboard-month-vi")
    check_accessibility(page, "dashboard-month-vi")

    case_link.click()
    expect(page).to_have_url(url_is(live_server, case_path))
    expect(page.locator("main h1")).to_contain_text(format_code(seed.case_code))
    expect(page.locator("dl.facts dd.code")).to_have_text(format_code(seed.case_code))
    expect(page.locator("main")).to_contain_text(REASON)
    page.go_back()
    expect(page).to_have_url(live_server.url(MONTH_PATH))
    if page.locator("main details.fold[open]").count() == 0:  # not kept by the history
        open_folds(page)

    # The CSV of the table by procedure.
    csv_link = page.locator(f'main a[href="{CSV_PATH}"]')
    expect(csv_link).to_have_count(1)
    with page.expect_download() as download_info:
        csv_link.click()
    download = download_info.value
    assert download.suggested_filename == f"dashboard-by-procedure-{SLUG}-2026-11.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(text)) if row}
    # returned, ratings, response rate, satisfaction rate, then count and share of each level
    assert rows[PROCEDURE_A][:10] == ["2", "2", "1", "1", "2", "1", "0", "0", "0", "0"]
    assert rows[PROCEDURE_B][:10] == ["1", "1", "1", "0", "0", "0", "0", "0", "1", "1"]
    assert (rows[PROCEDURE_A][-1], rows[PROCEDURE_B][-1]) == ("9.5", "5")  # out of 10

    # The period form: the kind changed to a quarter, the month left as it was: the quarter
    # of that month (selects only, nothing to type, so no choice is ever refused).
    form = page.locator("main form.filters")
    form.locator("#period").select_option("quarter")
    expect(form.locator("#quarter")).to_have_value("4")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(
        live_server.url("/dashboard/?period=quarter&year=2026&month=11&quarter=4")
    )
    expect_vietnamese(page)
    expect(pager_label(page)).to_have_text("Quý 4/2026")
    expect(page.locator("main form.filters #period")).to_have_value("quarter")
    open_folds(page)
    satisfaction = captioned_tables(page).first
    expect(satisfaction.locator("caption")).to_contain_text("Quý 4/2026")
    expect(satisfaction.locator("thead th").nth(1)).to_have_text("Quý 4/2026")
    expect(satisfaction.locator("thead th").nth(2)).to_have_text("Quý 3/2026")
    assert column(satisfaction, 0)[:4] == ["4", "4", "100,0%", "75,0%"]
    assert column(satisfaction, 1)[:4] == ["0", "0", "chưa có số liệu", "chưa có số liệu"]
    check_accessibility(page, "dashboard-quarter-vi")

    # Previous and next periods: back to the month, then October and November again.
    page.goto(MONTH_PATH)
    pager = page.locator("main nav.pager")
    pager.locator('a[href="/dashboard/?period=month&date=2026-10"]').click()
    expect(page).to_have_url(live_server.url(OCTOBER_PATH))
    expect(pager_label(page)).to_have_text("Tháng 10/2026")
    open_folds(page)
    assert column(captioned_tables(page).first, 0) == OCTOBER_VI
    expect(page.locator("main form.filters #month")).to_have_value("10")
    pager.locator('a[href="/dashboard/?period=month&date=2026-11"]').click()
    expect(page).to_have_url(live_server.url(MONTH_PATH))
    expect(pager_label(page)).to_have_text("Tháng 11/2026")
    open_folds(page)
    assert column(captioned_tables(page).first, 0) == NOVEMBER_VI

    # English through the language switch: the same page, same figures, English formats.
    page.locator('form.lang-switch button[name="lang"][value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url(MONTH_PATH))
    expect(page.locator("main h1")).to_have_text(re.compile(r"Dashboard\s*·\s*" + WARD_NAME))
    expect(pager_label(page)).to_have_text("11/2026")
    expect(page.locator("#agenda-heading")).to_have_text("What needs you today")
    open_folds(page)
    satisfaction = captioned_tables(page).first
    assert column(satisfaction, 0) == NOVEMBER_EN
    expect(satisfaction.locator("tbody tr").nth(3).locator("th")).to_have_text("Satisfaction rate")
    expect(page.locator("main table tbody tr").filter(has_text=REASON)).to_have_count(1)
    screenshot(page, "dashboard-month-en")
    check_accessibility(page, "dashboard-month-en")


SMALL_PHONE = {"width": 360, "height": 740}
TOUCH_TARGET = 44  # px, WCAG 2.5.5


def test_dashboard_fits_a_phone(open_page, live_server):
    # Another account than the chairman's, whose language the other test switches to English.
    page = open_page("vi-VN", viewport=SMALL_PHONE)
    log_in(page, live_server, SUPERVISOR_PHONE)
    response = page.goto(MONTH_PATH)
    assert response is not None and response.status == 200
    expect_vietnamese(page)
    expect(page.locator("main form.filters #year")).to_be_visible()

    def fits(what: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SMALL_PHONE["width"] + 1, f"{what} scrolls sideways: {width}"

    # The summary first, every table folded away below it.
    headlines = page.locator("main .headlines").bounding_box()
    first_fold = page.locator("main details.fold").first.bounding_box()
    assert headlines is not None and first_fold is not None
    assert headlines["y"] < first_fold["y"]
    expect(page.locator("main details.fold[open]")).to_have_count(0)
    fits("the dashboard's first screen")
    targets = page.locator(
        "main .today a, main .agenda a, main details.fold > summary, "
        "main form.filters select, main form.filters button, main nav.pager a"
    )
    assert targets.count() > 11
    for index in range(targets.count()):
        box = targets.nth(index).bounding_box()
        assert box is not None and box["height"] >= TOUCH_TARGET - 0.5, (index, box)
    screenshot(page, "dashboard-phone-first-screen")
    check_accessibility(page, "dashboard-phone-first-screen")

    open_folds(page)
    fits("the dashboard with its tables open")
    # The wide tables scroll inside their own container, which itself fits the screen.
    wraps = page.locator("main .table-wrap")
    assert wraps.count() >= 5
    for index in range(wraps.count()):
        wrap = wraps.nth(index)
        overflow = wrap.evaluate("el => getComputedStyle(el).overflowX")
        assert overflow in ("auto", "scroll"), overflow
        box = wrap.bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= SMALL_PHONE["width"] + 1
    widest = max(
        wraps.nth(i).evaluate("el => el.scrollWidth - el.clientWidth") for i in range(wraps.count())
    )
    assert widest > 0, "no table is wider than a phone: the test no longer tests the scrolling"
    screenshot(page, "dashboard-phone")
    check_accessibility(page, "dashboard-phone")


CHARTS_JS = """() => Array.from(document.querySelectorAll("main canvas[data-chart]")).map(c => {
    const chart = Chart.getChart(c);
    const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
    return chart && {
        type: chart.config.type,
        labels: chart.data.labels,
        data: chart.data.datasets.map(d => d.data),
        painted: painted,
    };
})"""


PAINTED_JS = """() => Array.from(document.querySelectorAll("main canvas[data-chart]")).every(c => {
    if (!Chart.getChart(c) || !c.width || !c.height) return false;
    const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) return true; }
    return false;
})"""


def test_charts_are_drawn_beside_their_tables(open_page, live_server):
    page = open_page("vi-VN")
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, SUPERVISOR_PHONE)  # the chairman's account is in English by now
    response = page.goto(MONTH_PATH)
    assert response is not None and response.status == 200
    open_folds(page)  # the charts are drawn when their fold opens
    page.wait_for_function(PAINTED_JS)
    figures = page.locator("main figure.chart")
    expect(figures).to_have_count(2)
    for index in range(2):
        expect(figures.nth(index)).to_be_visible()
    expect(figures.first.locator("figcaption")).to_contain_text("Tháng 11/2026")
    trend, levels = page.evaluate(CHARTS_JS)
    # The trend: twelve months to November, October's one rating and November's three,
    # and the satisfaction rate 100 % then 2/3.
    assert trend["type"] == "bar" and len(trend["labels"]) == 12
    assert trend["labels"][-2:] == ["Tháng 10/2026", "Tháng 11/2026"]
    ratings, rate = trend["data"]
    assert ratings[-2:] == [1, 3] and ratings[:-2] == [0] * 10
    assert rate[-2] == 1 and abs(rate[-1] - 2 / 3) < 1e-9 and rate[0] is None
    # Levels by procedure: A very satisfied twice, B dissatisfied once.
    assert levels["labels"] == [PROCEDURE_A, PROCEDURE_B]
    assert levels["data"] == [[2, 0], [0, 0], [0, 1]]
    assert trend["painted"] > 1000 and levels["painted"] > 1000  # something was drawn
    assert errors == [], errors  # no script error, no CSP violation
    check_accessibility(page, "dashboard-charts-vi")


def test_without_javascript_the_tables_remain(open_page, live_server):
    page = open_page("vi-VN", java_script_enabled=False)
    log_in(page, live_server, SUPERVISOR_PHONE)
    page.goto(MONTH_PATH)
    open_folds(page)  # <details> needs no script
    expect(page.locator("main figure.chart")).to_have_count(2)
    expect(page.locator("main figure.chart").first).to_be_hidden()
    trend = page.locator("main table").filter(has=page.locator("#table-monthly-trend-caption"))
    row = trend.locator("tbody tr").last
    expect(row.locator("th")).to_have_text("Tháng 11/2026")
    assert [squeezed(t) for t in row.locator("td").all_inner_texts()][:2] == ["3", "3"]


def test_admin_compares_the_wards_in_charts(open_page, live_server):
    page = open_page("vi-VN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, ADMIN_PHONE)
    response = page.goto(MONTH_PATH)
    assert response is not None and response.status == 200
    expect(page.locator("main h1")).to_contain_text("Tất cả các phường")
    expect(page.locator("main figure.chart")).to_have_count(2)
    wards, trend = page.evaluate(CHARTS_JS)
    # One served ward: 2 of its 3 November ratings satisfied.
    assert wards["labels"] == [WARD_NAME] and abs(wards["data"][0][0] - 2 / 3) < 1e-9
    assert trend["data"][0][-2:] == [1, 3]
    assert wards["painted"] > 1000 and errors == []
    check_accessibility(page, "dashboard-city-vi")
