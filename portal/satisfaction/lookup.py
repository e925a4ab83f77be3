"""Tra cứu hồ sơ: a resident looks a dossier up by its receipt number and the last 4 digits
of the phone number given at the desk, and sees where it stands. Every miss (no such
receipt, wrong digits, a dossier without a phone, another ward's dossier) is the same
neutral answer; the digits are compared in constant time, and the page is throttled per
client address like every lookup."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.satisfaction.models import Dossier, Timeliness
from portal.text import clean
from portal.timeutil import local_zone

DIGITS = 4


class NotFound(DomainError):
    """The one answer for every lookup that finds nothing."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "No dossier matches this receipt number and these digits. Check both on the "
                "receipt slip, or ask at the one-stop desk."
            )
        )


@dataclass(frozen=True)
class DossierStatus:
    """What the resident is shown: no name, no phone, nothing but the dossier's progress."""

    receipt_number: str
    procedure_vi: str
    procedure_en: str
    received_at: datetime
    due_on: date
    returned_at: datetime | None
    timeliness: Timeliness | None
    overdue: bool  # not returned and past its due date

    def procedure(self, locale: str) -> str:
        return self.procedure_en if locale == "en" and self.procedure_en else self.procedure_vi


def last_digits(raw: str | None) -> str:
    """The digits typed (spaces and dots dropped); only ASCII digits count."""
    return "".join(ch for ch in (raw or "") if ch.isascii() and ch.isdigit())[: DIGITS + 1]


def find(ward_id: int, receipt_number: str | None, digits: str | None, now=None) -> DossierStatus:
    """The ward's dossier with this receipt number, if the digits are the last 4 of the
    phone given at the desk; otherwise NotFound, whatever the reason."""
    now = now or utcnow()
    number = clean(receipt_number)
    typed = last_digits(digits)
    dossier = None
    if 0 < len(number) <= 40:
        dossier = db.session.execute(
            sa.select(Dossier).where(Dossier.ward_id == ward_id, Dossier.receipt_number == number)
        ).scalar_one_or_none()
    phone = dossier.applicant_phone if dossier is not None else ""
    expected = phone[-DIGITS:] if len(phone) > DIGITS else "-" * DIGITS
    if not (hmac.compare_digest(expected, typed.rjust(DIGITS, "x")) and len(typed) == DIGITS):
        raise NotFound()
    today = now.astimezone(local_zone()).date()
    return DossierStatus(
        receipt_number=dossier.receipt_number,
        procedure_vi=dossier.procedure.name_vi,
        procedure_en=dossier.procedure.name_en,
        received_at=dossier.received_at,
        due_on=dossier.due_on,
        returned_at=dossier.returned_at,
        timeliness=dossier.timeliness,
        overdue=dossier.returned_at is None and dossier.due_on < today,
    )
