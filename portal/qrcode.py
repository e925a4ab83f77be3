"""QR codes as inline SVG, drawn by segno (no external service, no image files)."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> bytes:
    """The QR code of `text` as an SVG document (medium error correction)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    return buffer.getvalue()
