"""Personal data taken out of text that the public sees."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers and ID numbers: 9 or more digits, possibly split by spaces, dots or dashes.
_NUMBER = re.compile(r"(?<![\d])\+?\d(?:[\s.\-]?\d){8,}(?![\d])")
REDACTED = "•••"


def redact(text: str) -> str:
    """Remove e-mail addresses and phone or ID numbers from text shown to the public."""
    return _NUMBER.sub(REDACTED, _EMAIL.sub(REDACTED, text or ""))
