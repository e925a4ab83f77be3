"""QR codes as inline SVG, drawn by segno (no external service, no image files)."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_code(text: str) -> segno.QRCode:
    """The QR code of `text` (medium error correction): always a full QR code, never a Micro
    QR (which segno would choose for a short booking code, and which phone cameras, Zalo's
    included, do not read)."""
    return segno.make_qr(text, error="m")


def qr_svg(text: str) -> bytes:
    """The QR code of `text` as an SVG document, with its 4-module quiet zone."""
    buffer = io.BytesIO()
    qr_code(text).save(buffer, kind="svg", scale=6, border=4, xmldecl=False)
    return buffer.getvalue()


def qr_markup(text: str) -> Markup:
    """The QR code as inline SVG for a page. Safe as HTML: segno writes only its own
    elements, and `text` is in the drawing (its modules), never written out as text."""
    return Markup(qr_svg(text).decode("utf-8"))  # noqa: S704  # nosec B704
