"""Reading the audit trail: each reader sees their own ward's entries (the chairman, the
supervisor), or all of them (the city administrator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.paging import Page, paginate
from portal.security import CITY_ADMINS
from portal.timeutil import to_utc
from portal.wards.models import Ward

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    actor_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    ward_id: int | None = None  # the administrator's choice of ward
    since: date | None = None  # local dates, both included
    until: date | None = None


def _scope(viewer: User) -> sa.Select:
    query = sa.select(AuditEntry)
    if viewer.role not in CITY_ADMINS:
        query = query.where(AuditEntry.ward_id == viewer.ward_id)
    return query


def entries(viewer: User, filters: Filters, page: int) -> Page:
    """One page of the entries the viewer may read, newest first."""
    query = _scope(viewer)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.ward_id is not None and viewer.role in CITY_ADMINS:
        query = query.where(AuditEntry.ward_id == filters.ward_id)
    if filters.since is not None:
        query = query.where(AuditEntry.created_at >= _start_of(filters.since))
    if filters.until is not None:
        query = query.where(AuditEntry.created_at < _start_of(filters.until + timedelta(days=1)))
    order = (AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return paginate(query, AuditEntry.id, order, page, PAGE_SIZE, objects=True)


def _start_of(day: date) -> datetime:
    return to_utc(datetime.combine(day, time()))


def actors(viewer: User) -> list[tuple[int, str]]:
    """Who appears in the viewer's entries (for the filter), by name."""
    scope = _scope(viewer).subquery()
    rows = db.session.execute(
        sa.select(scope.c.actor_id, sa.func.max(scope.c.actor_name))
        .where(scope.c.actor_id.is_not(None))
        .group_by(scope.c.actor_id)
    ).all()
    return sorted(((actor_id, name) for actor_id, name in rows), key=lambda row: row[1])


def ward_names() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Ward.id, Ward.name).order_by(Ward.name)).all())
