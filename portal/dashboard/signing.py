"""Delegated signing on the dashboard (issue 16): the dossiers returned in the period that
an officer signed on the chairman's behalf (ủy quyền ký), by month, procedure and officer,
with the working days they took from receipt to return, beside those the chairman signed.

Read from the ward's dossiers returned in the period, one row each: a ward returns a few
hundred a month, and a median needs each one's days (a rollup cannot give one)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.auth.models import User
from portal.dashboard.periods import Period, period_containing
from portal.extensions import db
from portal.satisfaction.models import Dossier, Procedure
from portal.timeutil import local_zone
from portal.workdays import working_days_between


@dataclass
class SigningFigures:
    """The dossiers of a group and the working days each took, receipt to return."""

    days: list[int] = field(default_factory=list)

    @property
    def dossiers(self) -> int:
        return len(self.days)

    @property
    def average_working_days(self) -> float | None:
        return statistics.fmean(self.days) if self.days else None

    @property
    def median_working_days(self) -> float | None:
        return float(statistics.median(self.days)) if self.days else None


@dataclass
class SigningRow:
    """One month, procedure and officer signing under delegation (officer None: the
    chairman), or a total (month, procedure None)."""

    month: Period | None
    procedure_id: int | None
    name_vi: str
    name_en: str
    officer_id: int | None
    officer_name: str
    figures: SigningFigures

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


@dataclass
class SigningSummary:
    """The period's delegated signing: a row per month, procedure and officer, and the
    totals of the dossiers signed under delegation and of those the chairman signed."""

    rows: list[SigningRow]
    delegated: SigningFigures
    chairman: SigningFigures


def signing_summary(ward_id: int, period: Period) -> SigningSummary:
    """The ward's returned dossiers of the period that record who signed them."""
    since, until = period.utc_bounds()
    query = (
        sa.select(
            Dossier.received_at,
            Dossier.returned_at,
            Dossier.delegation_id,
            Procedure.id,
            Procedure.name_vi,
            Procedure.name_en,
            User.id,
            User.full_name,
        )
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(User, User.id == Dossier.signed_by_id)
        .where(
            Dossier.ward_id == ward_id,
            Dossier.signed_by_id.is_not(None),  # on ix_dossiers_ward_signed_returned
            Dossier.returned_at >= since,
            Dossier.returned_at < until,
        )
    )
    zone = local_zone()
    groups: dict[tuple[date, int, int], SigningRow] = {}
    delegated, chairman = SigningFigures(), SigningFigures()
    for (
        received,
        returned,
        delegation_id,
        proc_id,
        name_vi,
        name_en,
        user_id,
        user_name,
    ) in db.session.execute(query):
        returned_day = returned.astimezone(zone).date()
        days = working_days_between(received.astimezone(zone).date(), returned_day)
        if delegation_id is None:
            chairman.days.append(days)
            continue
        delegated.days.append(days)
        month = period_containing(returned_day)
        key = (month.start, proc_id, user_id)
        row = groups.get(key)
        if row is None:
            row = groups[key] = SigningRow(
                month, proc_id, name_vi, name_en, user_id, user_name, SigningFigures()
            )
        row.figures.days.append(days)
    rows = sorted(groups.values(), key=lambda r: (r.month.start, r.name_vi, r.officer_name))
    return SigningSummary(rows, delegated, chairman)
