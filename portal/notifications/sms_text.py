"""SMS texts that fit few segments. A text in plain GSM characters takes 160 a segment (153
when split); one with a single Vietnamese letter takes 70 (67 when split), so the setting
SMS_WITHOUT_DIACRITICS sends them without diacritics ("Cổng phường" → "Cong phuong")."""

from __future__ import annotations

import unicodedata

# The GSM 03.38 basic character set (with the escaped extension characters counted as two).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")
# Punctuation of typed text that GSM lacks, as its plain look-alike.
PLAIN_PUNCTUATION = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
    }
)


def without_diacritics(text: str) -> str:
    """Vietnamese letters as their plain Latin letters (đ → d), other marks dropped, typed
    quotes and dashes as plain ones."""
    text = text.replace("đ", "d").replace("Đ", "D").translate(PLAIN_PUNCTUATION)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def segments(text: str) -> int:
    """How many SMS segments the text takes."""
    if is_gsm(text):
        length = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        return 1 if length <= 160 else -(-length // 153)
    length = len(text.encode("utf-16-le")) // 2
    return 1 if length <= 70 else -(-length // 67)


def tidy(text: str) -> str:
    """One line, single spaces: a text message has no room for layout."""
    return " ".join(text.split())


def short(value: object, limit: int) -> str:
    """A value cut to `limit` characters (with "…") so that a text stays in few segments."""
    text = tidy(str(value or ""))
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def prepare(text: str, plain: bool) -> tuple[str, bool]:
    """The text to send and whether it needs Unicode: without diacritics when `plain` (unless
    it holds letters no plain text has, e.g. a name in Chinese characters: then as written)."""
    text = tidy(text)
    if plain:
        stripped = without_diacritics(text)
        if is_gsm(stripped):
            return stripped, False
    return text, not is_gsm(text)
