"""Vietnamese phone numbers: validate, normalise to E.164, show masked."""

from __future__ import annotations

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
