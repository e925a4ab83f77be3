"""The quarterly and officer reports as the ward's official documents (PDF): rendered by the
routes, read back with pypdf: the decree's headings in Vietnamese, the ward, the same totals
as the XLSX file of the same period, A4, the embedded Liberation Serif, who may download
them, and a url_fetcher that never reaches the network."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import World, login_as
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader
from test_dashboard import _download, rated

from portal.dashboard import pdf
from portal.sheets.columns import Format, shown
from portal.wards.names import proper_name

__all__ = ["rated"]  # the fixture of test_dashboard, used here too

A4 = (595.28, 841.89)  # points
QUARTERLY = "quarterly-report.pdf?period=quarter&date=2026-Q4"
OFFICERS = "officer-report.pdf?period=month&date=2026-11"


def _pdf(response) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == "application/pdf"
    return PdfReader(io.BytesIO(response.get_data()))


def _text(reader: PdfReader) -> str:
    # One space for any run of spaces and line breaks: pypdf breaks lines where the page does.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _fonts(reader: PdfReader) -> set[str]:
    found = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            found.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return found


def _total_row(client, user, path: str) -> list:
    """The total row of the first sheet of the report's XLSX file for the same period."""
    response = _download(client, user, path)
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    return [cell.value for cell in sheet[sheet.max_row]]


def _shown(value, share: bool) -> str:
    with force_locale("vi"):
        return shown(value, Format.PERCENT if share else Format.INTEGER)


def _assert_document(text: str, world: World) -> None:
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND PHƯỜNG BỒ ĐỀ" in text
    assert "Số: /BC-UBND" in text  # the number is left for the clerk
    assert "BÁO CÁO" in text
    assert "Nơi nhận:" in text and "TM. ỦY BAN NHÂN DÂN" in text and "CHỦ TỊCH" in text
    assert world.chairman.full_name in text  # the ward's one chairman signs
    assert "phường Bồ Đề" in text


def _assert_a4(reader: PdfReader, landscape: bool = False) -> None:
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        expected = A4[::-1] if landscape else A4
        assert size == pytest.approx(expected, abs=0.5)


def test_quarterly_report_pdf(client, rated: World):
    response = _download(client, rated.chairman, QUARTERLY)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="dashboard-quarterly-report-phuong-bo-de-2026-Q4.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    reader = _pdf(response)
    _assert_a4(reader)
    text = _text(reader)
    _assert_document(text, rated)
    assert "quý IV năm 2026" in text
    assert "Đăng ký khai sinh" in text  # a procedure, by its Vietnamese name
    # The totals of the XLSX file of the same quarter: the levels' counts and shares, and
    # the number of ratings (None, "Total", 1, 0.25, 2, 0.5, 1, 0.25, 4).
    total = _total_row(client, rated.chairman, QUARTERLY.replace(".pdf", ".xlsx"))
    assert total[1] == "Total"
    counts, shares = total[2:-1:2], total[3:-1:2]
    row = " ".join(
        f"{_shown(count, False)} ({_shown(part, True)})"
        for count, part in zip(counts, shares, strict=True)
    )
    assert f"Tổng cộng {row} {_shown(total[-1], False)}" in text
    # Liberation Serif, and no other font (no glyph fell back to another one).
    fonts = _fonts(reader)
    assert all(font.startswith("Liberation-Serif") for font in fonts), fonts
    assert "Liberation-Serif" in _fonts(reader)


def test_officer_report_pdf(client, rated: World):
    response = _download(client, rated.supervisor, OFFICERS)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="dashboard-officer-report-phuong-bo-de-2026-11.pdf"'
    )
    reader = _pdf(response)
    _assert_a4(reader, landscape=True)  # a document of wide tables is laid on the width
    text = _text(reader)
    _assert_document(text, rated)
    assert "tháng 11 năm 2026" in text
    assert "Trần Thị Công" in text
    # The XLSX total row: returned 4, early 2 (50%), …, ratings 3 (response rate 75%).
    total = _total_row(client, rated.chairman, OFFICERS.replace(".pdf", ".xlsx"))
    assert total[1:4] == ["Total", 4, 2]
    assert (
        f"Tổng cộng {_shown(total[2], False)} {_shown(total[3], False)} ({_shown(total[4], True)})"
        in (text)
    )
    assert (
        f"Số lượt đánh giá: {_shown(total[11], False)} (tỷ lệ phản hồi: {_shown(total[12], True)})"
        in (text)
    )
    assert {"Liberation-Serif", "Liberation-Serif-Bold"} <= _fonts(reader)


def test_without_a_known_chairman_the_signer_is_a_blank_line(client, rated: World):
    from portal.extensions import db

    rated.chairman.is_active_account = False
    db.session.commit()
    login_as(client, rated.supervisor)
    text = _text(_pdf(client.get(f"/dashboard/export/{QUARTERLY}")))
    assert rated.chairman.full_name not in text
    assert "CHỦ TỊCH" in text


def test_who_may_download_the_pdf(client, rated: World):
    assert _download(client, rated.resident, QUARTERLY).status_code == 403
    assert _download(client, rated.staff, QUARTERLY).status_code == 403
    other = f"{QUARTERLY}&ward={rated.other_ward.slug}"
    assert _download(client, rated.chairman, other).status_code == 403
    assert _download(client, rated.admin, QUARTERLY).status_code == 404  # which ward?
    admin = _download(client, rated.admin, f"{QUARTERLY}&ward={rated.ward.slug}")
    assert admin.status_code == 200
    assert _download(client, rated.chairman, "by-procedure.pdf").status_code == 404
    assert _download(client, rated.chairman, "quarterly-report.pdf?period=week").status_code == 400
    anonymous = client.application.test_client().get(f"/dashboard/export/{QUARTERLY}")
    assert anonymous.status_code == 302


def test_the_page_links_the_pdfs(client, rated: World):
    login_as(client, rated.chairman)
    html = client.get("/dashboard/?date=2026-11", headers={"Accept-Language": "vi"})
    body = html.get_data(as_text=True)
    assert "/dashboard/export/quarterly-report.pdf?period=quarter&amp;date=2026-Q4" in body
    assert "/dashboard/export/officer-report.pdf?period=month&amp;date=2026-11" in body
    assert "Tải PDF" in body


# ---------------------------------------------------------------- the document's parts


def test_the_fetcher_serves_only_static_files(app, tmp_path):
    fetcher = pdf.static_url_fetcher(app.static_folder)
    stylesheet = fetcher.fetch(f"file://{app.static_folder}/{pdf.STYLESHEET}")
    assert stylesheet.content_type == "text/css" and b"@page" in stylesheet.read()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in (
        "http://example.org/style.css",
        "https://127.0.0.1/static/css/app.css",
        "ftp://example.org/x",
        "data:text/css,body{}",
        outside.as_uri(),
        f"file://{app.static_folder}/../__init__.py",
        f"file://{app.static_folder}/no-such-file.css",
        f"file://example.org{app.static_folder}/css/app.css",
    ):
        with pytest.raises(pdf.RefusedFetch):
            fetcher.fetch(url)


def test_an_image_from_the_network_is_never_fetched(app, monkeypatch):
    """A document naming a remote image renders without it: the fetcher refuses it."""
    asked, refused = [], []
    real = pdf.static_file

    def recording(root, url):
        asked.append(url)
        try:
            return real(root, url)
        except pdf.RefusedFetch:
            refused.append(url)
            raise

    monkeypatch.setattr(pdf, "static_file", recording)
    with app.test_request_context():
        body = pdf.render_pdf('<p>Ảnh</p><img src="http://example.org/a.png">')
    assert body.startswith(b"%PDF")
    assert refused == ["http://example.org/a.png"]
    assert asked[0].endswith(pdf.STYLESHEET)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 16), "Bồ Đề, ngày 16 tháng 12 năm 2026"),
        (date(2026, 2, 5), "Bồ Đề, ngày 05 tháng 02 năm 2026"),
        (date(2026, 3, 9), "Bồ Đề, ngày 09 tháng 3 năm 2026"),
    ],
)
def test_the_date_line(day: date, expected: str):
    assert pdf.dated(proper_name("Phường Bồ Đề"), day) == expected


def test_place_names():
    assert proper_name("Phường Bồ Đề") == "Bồ Đề"
    assert proper_name("Xã Sóc Sơn") == "Sóc Sơn"
    assert proper_name("Bồ Đề") == "Bồ Đề"


def test_weasyprint_is_loaded_only_to_render_a_document():
    """A worker starting the app does not pay for WeasyPrint (heavy to import)."""
    code = (
        "import sys, wsgi; "
        "from portal.dashboard import pdf; "
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported at start-up'"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
