"""Vietnamese phone numbers: validate, normalise to E.164, show masked."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """The text is not a valid Vietnamese mobile number."""


def normalize_phone(raw: str) -> str:
    """Return the number in E.164 (+84...) or raise InvalidPhone."""
    text = (raw or "").strip()
    if not text or len(text) > 20:
        raise InvalidPhone(raw)
    try:
        number = phonenumbers.parse(text, "VN")
    except NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if (
        number.country_code != 84
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in MOBILE_TYPES
    ):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def national(e164: str) -> str:
    """+84912345678 -> 0912 345 678 (the way people write it)."""
    try:
        number = phonenumbers.parse(e164, "VN")
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def mask_phone(e164: str | None) -> str:
    """+84912345678 -> 091••••678: enough to recognise, not enough to call."""
    if not e164:
        return ""
    digits = "0" + e164[3:] if e164.startswith("+84") else e164
    if len(digits) < 7:
        return "•" * len(digits)
    return digits[:3] + "•" * (len(digits) - 6) + digits[-3:]


# A Vietnamese mobile number inside free text: +84 9x..., 84 9x..., 09x... (spaces or dots
# between groups allowed), nine digits after the country code or the leading 0.
_IN_TEXT = re.compile(r"(?<![\d+])(?:\+?84|0)(?:[\s.]?\d){9}(?!\d)")


def mask_phones(text: str) -> str:
    """Every mobile number in `text` masked as mask_phone does (for logs and stored errors)."""

    def _mask(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        e164 = "+84" + digits[2:] if digits.startswith("84") else "+84" + digits[1:]
        return mask_phone(e164)

    return _IN_TEXT.sub(_mask, text)
