"""Writing the audit trail.

Officials' and administrators' changes are recorded by themselves: the request's one commit
(portal.web.commit) first adds an entry naming the route, its record and the official, so
an action that took effect always has its entry and a refused one (rolled back) has none.
Services add what changed with `note(...)`; downloads of personal data are marked on their
route with `@audited_download`; jobs and commands call `record(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.audit.labels import ACTIONS, NOT_AUDITED
from portal.audit.models import AuditEntry
from portal.extensions import db

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class AppendOnly(Exception):  # noqa: N818 - it reads as what it is
    """Something tried to change or delete an audit entry."""


def note(**detail) -> None:
    """Add to what the current request's entry says changed (codes and numbers only), or
    name its record (`target_type`, `target_id`, `ward_id`) when the route cannot."""
    if has_request_context():
        g.setdefault("audit_note", {}).update(detail)


def created(result) -> None:
    """After a route without a record in its address made one (a new conference, dossier or
    feedback item): name that record in the entry."""
    if not has_request_context():
        return
    if any(isinstance(v, int) for v in (request.view_args or {}).values()):
        return
    record_id = getattr(result, "id", None)
    if isinstance(record_id, int) and "target_id" not in g.get("audit_note", {}):
        note(target_id=record_id)


def record(
    action: str,
    *,
    actor=None,
    ward_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    detail: dict | None = None,
    role: str = "",
) -> AuditEntry:
    """Add an entry in the current transaction (the caller commits). Without an `actor` it
    is a scheduled job's, or (with a `role`) a person's who is named by the record only."""
    if action not in ACTIONS:
        raise KeyError(f"audit action {action!r} has no label in portal.audit.labels")
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=(actor.full_name or "")[:120] if actor is not None else "",
        actor_role=actor.role.value if actor is not None else role,
        ward_id=ward_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or None,
        client_address=_client_address(),
    )
    db.session.add(entry)
    return entry


def _client_address() -> str | None:
    if not has_request_context() or not request.remote_addr:
        return None
    return request.remote_addr[:45]


def _official():
    from portal.security import OFFICIALS  # security imports ward services, which note here

    user = current_user if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user if user.role in OFFICIALS else None


def _target(endpoint: str) -> tuple[str | None, int | None]:
    target_type = ACTIONS[endpoint][1]
    ids = [v for v in (request.view_args or {}).values() if isinstance(v, int)]
    return target_type, (ids[0] if ids and target_type else None)


def for_request() -> AuditEntry | None:
    """The entry for the current request, added to the session before its commit: for a
    change by an official on an audited route (None otherwise)."""
    if not has_request_context() or g.get("audit_done"):
        return None
    endpoint = request.endpoint or ""
    audited_read = g.get("audit_download", False)
    if (request.method in READ_METHODS and not audited_read) or endpoint in NOT_AUDITED:
        return None
    actor = _official()
    if actor is None or endpoint not in ACTIONS:
        return None
    noted = dict(g.get("audit_note", {}))
    target_type, target_id = _target(endpoint)
    target_type = noted.pop("target_type", target_type)
    target_id = noted.pop("target_id", target_id) if target_type else None
    noted.pop("target_id", None)
    ward_id = noted.pop("ward_id", actor.ward_id)
    g.audit_done = True
    return record(
        endpoint,
        actor=actor,
        ward_id=ward_id,
        target_type=target_type,
        target_id=target_id,
        detail=noted,
    )


def audited_download(view: Callable) -> Callable:
    """Mark a GET route that hands out personal data: each successful download by an
    official is recorded (in its own small transaction, the response being read-only)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        status = getattr(response, "status_code", 200)
        if status < 400 and _official() is not None:
            g.audit_download = True
            if for_request() is not None:
                db.session.commit()
        return response

    return wrapped


def _refuse_changes(session, _flush_context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnly("audit entries cannot be changed or deleted")


def _refuse_bulk(orm_execute_state) -> None:
    if orm_execute_state.is_update or orm_execute_state.is_delete:
        table = getattr(orm_execute_state.statement, "table", None)
        if getattr(table, "name", None) == AuditEntry.__tablename__:
            raise AppendOnly("audit entries cannot be changed or deleted")


def install_guards() -> None:
    """The application's own refusal, on every backend (PostgreSQL adds its trigger)."""
    if not sa.event.contains(Session, "before_flush", _refuse_changes):
        sa.event.listen(Session, "before_flush", _refuse_changes)
        sa.event.listen(Session, "do_orm_execute", _refuse_bulk)
