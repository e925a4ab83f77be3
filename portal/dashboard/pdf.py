"""The ward's reports as official documents: PDF in the layout of a Vietnamese administrative
document (Nghị định 30/2020/NĐ-CP, Phụ lục I): the issuing body and the number top left, the
national title and motto top right with the place and date under them, the title and the
subject, the body, the recipients bottom left and the signature bottom right, on A4 with the
decree's margins, in a Times New Roman-metric font (Liberation Serif).

The figures are the report's own tables (reports.py), built from the same summary as its
XLSX file; the document is always written in Vietnamese. Its number is left blank
("Số:      /BC-UBND") for the ward's clerk to fill in when the document is registered; its
date is today in Hà Nội.

WeasyPrint is imported only when a document is rendered (it is heavy to load), and it never
fetches anything from the network: its url_fetcher serves only the app's own static files."""

from __future__ import annotations

import mimetypes
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from flask_babel import force_locale

from portal.dashboard import reports, services
from portal.dashboard.periods import Period
from portal.sheets.columns import Format, shown
from portal.wards import names
from portal.wards.models import Ward
from portal.wards.services import chairman_name

CONTENT_TYPE = "application/pdf"
STYLESHEET = "css/official-report.css"  # under the app's static folder
TEMPLATES = {
    reports.QUARTERLY_REPORT: "dashboard/pdf/quarterly-report.html",
    reports.OFFICER_REPORT: "dashboard/pdf/officer-report.html",
}


class RefusedFetch(ValueError):
    """WeasyPrint asked for something other than one of the app's static files."""


def static_file(root: Path, url: str) -> Path:
    """The file under `root` (the app's static folder) that a file: URL names. Raises
    RefusedFetch for every other URL (http, https, data, a file elsewhere or missing): a
    document never reaches the network nor reads a file outside the app's static files."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedFetch(f"not one of the app's static files: {url[:200]}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise RefusedFetch(f"not one of the app's static files: {url[:200]}")
    return path


def static_url_fetcher(static_folder: str | Path):
    """A WeasyPrint URL fetcher that serves the files under `static_folder` (static_file)
    and refuses everything else; WeasyPrint leaves out what it refuses (logging it)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_folder).resolve()

    class StaticFiles(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            path = static_file(root, url)
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    # Only file: URLs, no redirects: the handlers of URLFetcher are never used anyway.
    return StaticFiles(allowed_protocols=("file",), allow_redirects=False)


def render_pdf(html: str) -> bytes:
    """HTML rendered as PDF with the official document's print stylesheet."""
    import weasyprint  # lazily: only the workers that render a document pay for it

    root = Path(current_app.static_folder or "").resolve()
    fetcher = static_url_fetcher(root)
    stylesheet = weasyprint.CSS(url=(root / STYLESHEET).as_uri(), url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet])


def dated(place: str, day: date) -> str:
    """The place-and-date line: "Bồ Đề, ngày 05 tháng 02 năm 2026" (days below 10 and the
    months 1 and 2 take a leading zero, Nghị định 30/2020, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


ROMAN_QUARTERS = ("I", "II", "III", "IV")


def period_in_text(period: Period) -> str:
    """The period inside a Vietnamese sentence: "tháng 11 năm 2026", "quý IV năm 2026",
    "năm 2026"."""
    year = period.start.year
    if period.kind == "month":
        return f"tháng {period.start.month} năm {year}"
    if period.kind == "quarter":
        return f"quý {ROMAN_QUARTERS[(period.start.month - 1) // 3]} năm {year}"
    return f"năm {year}"


def document_context(name: str, ward: Ward, period: Period, today: date) -> dict:
    """What a document of one of the REPORTS is rendered from, in the current language: the
    Decree 30 parts (issuer, place and date, signer) and the report's tables, built from the
    same summary as its XLSX file. The PDF document and the printable page (views.py) both
    use it."""
    summary = services.satisfaction_summary(ward.id, period)
    return {
        "ward": ward,
        "period": period,
        "period_text": period_in_text(period),
        "issuer": f"UBND {ward.name.upper()}",
        "dated": dated(names.proper_name(ward.name), today),
        "totals": summary.totals,
        "tables": reports.report_tables(name, summary),
        "signer": chairman_name(ward.id),
        "figure": shown,
        "Format": Format,
    }


def official_report(name: str, ward: Ward, period: Period, today: date) -> bytes:
    """One of the REPORTS of a ward for a period as an official document (PDF), dated
    `today` (Hà Nội), signed by the ward's chairman when known (else a blank line)."""
    with force_locale("vi"):
        html = render_template(TEMPLATES[name], **document_context(name, ward, period, today))
    return render_pdf(html)
