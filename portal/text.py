"""Text as people type it, made safe to store and compare."""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` without invisible control characters (NUL first: PostgreSQL refuses it in any
    text); tabs and line breaks are kept."""
    return _CONTROLS.sub("", text)


def clean(text: object) -> str:
    """Composed Unicode (NFC, so that "ệ" typed two ways is one), no control characters
    (see strip_controls), no surrounding spaces."""
    return unicodedata.normalize("NFC", strip_controls(str(text or ""))).strip()
