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


SEARCH_WORDS_MAX = 10  # words of one search; more are ignored


def fold(*parts: object) -> str:
    """The parts as one text to search in and to search with: without diacritics (đ → d),
    lower case, single spaces ("Phường Bồ Đề" → "phuong bo de"). Searches fold the typed text
    the same way, so "duong", "Đường" and "DUONG" find "đường"."""
    text = " ".join(str(p) for p in parts if p)
    text = strip_controls(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", plain).casefold().split())


def search_words(text: object) -> list[str]:
    """The folded words of a typed search (at most SEARCH_WORDS_MAX), each to be found
    somewhere in the folded text, in any order."""
    return fold(text).split()[:SEARCH_WORDS_MAX]
