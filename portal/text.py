"""Text as people type it, made safe to store and compare."""

from __future__ import annotations

import unicodedata


def clean(text: object) -> str:
    """Composed Unicode (NFC, so that "ệ" typed two ways is one), no NUL characters, no
    surrounding spaces."""
    return unicodedata.normalize("NFC", str(text or "").replace("\x00", "")).strip()
