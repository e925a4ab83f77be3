"""How the names of wards, communes and cities are written (Nghị định 30/2020/NĐ-CP, Phụ lục II).

A unit is stored as its official name, "Phường Bồ Đề", "Thành phố Hà Nội": the form that opens
a title or heading, and lists of names. Inside a Vietnamese sentence the common noun is written
in lower case and only the proper name keeps its capitals: "Chủ tịch UBND phường Bồ Đề",
"Ủy ban nhân dân phường Bồ Đề, thành phố Hà Nội". English keeps the stored name (a proper
name there: "The chairman of Phường Bồ Đề").

`in_text` gives the running-text form in the current language; templates use the `in_text`
filter or `ward.in_text`, services (SMS, e-mail) the same property."""

from __future__ import annotations

from flask_babel import get_locale

# The unit words that may open a name, longest first ("Thành phố" before any shorter one).
UNIT_WORDS = (
    "Thành phố",
    "Đặc khu",
    "Thị trấn",
    "Thị xã",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)


def lower_unit(name: str) -> str:
    """'Phường Bồ Đề' -> 'phường Bồ Đề', 'Thành phố Hà Nội' -> 'thành phố Hà Nội'; a name
    that opens with no unit word is returned as it is."""
    for word in UNIT_WORDS:
        if name.startswith(word + " "):
            return word.lower() + name[len(word) :]
    return name


def proper_name(name: str) -> str:
    """The name without its unit word: "Phường Bồ Đề" -> "Bồ Đề", the place a ward's
    document is dated from (Nghị định 30/2020, Phụ lục I: the place is the name of the
    commune or ward)."""
    for word in UNIT_WORDS:
        if name.startswith(word + " "):
            return name[len(word) + 1 :]
    return name


def fatherland_front(ward_name: str) -> str:
    """The ward's Fatherland Front committee by its full name, as a proper name in every
    language: "Ủy ban Mặt trận Tổ quốc Việt Nam phường Bồ Đề"."""
    return f"Ủy ban Mặt trận Tổ quốc Việt Nam {lower_unit(ward_name)}"


def in_text(name: str | None) -> str:
    """A unit's name as written inside a sentence in the current language."""
    if not name:
        return ""
    locale = get_locale()
    if locale is not None and locale.language != "vi":
        return name
    return lower_unit(name)
