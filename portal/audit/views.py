"""/staff/audit: the audit trail, for the chairman and the supervisor (their ward's) and the
city administrator (every ward's)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from portal.audit import queries
from portal.audit.labels import ACTIONS, DETAILS, TARGETS, action_names
from portal.forms import int_or_none
from portal.security import AUDIT_READERS, CITY_ADMINS, may_open, role_required

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip()[:10])
    except ValueError:
        return None


def _filters() -> queries.Filters:
    args = request.args
    action = args.get("action", "")
    target_type = args.get("target", "")
    return queries.Filters(
        actor_id=int_or_none(args.get("actor")),
        action=action if action in ACTIONS else None,
        target_type=target_type if target_type in TARGETS else None,
        target_id=int_or_none(args.get("id")),
        ward_id=int_or_none(args.get("ward")),
        since=_day("from"),
        until=_day("to"),
    )


def target_link(entry) -> str | None:
    """The page of the record an entry names, when there is one the reader may open."""
    if entry.target_type not in TARGETS or entry.target_id is None:
        return None
    _name, endpoint, argument = TARGETS[entry.target_type]
    if endpoint is None or not may_open(endpoint):
        return None
    return url_for(endpoint, **{argument: entry.target_id})


@bp.get("/")
@role_required(AUDIT_READERS)
def index():
    """The entries the reader may see, newest first, filtered by who, what, record and day."""
    filters = _filters()
    page = queries.entries(current_user, filters, request.args.get("page", 1, type=int) or 1)
    city = current_user.role in CITY_ADMINS
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actors=queries.actors(current_user),
        actions=sorted(((k, str(v[0])) for k, v in ACTIONS.items()), key=lambda kv: kv[1]),
        targets=sorted(((k, str(v[0])) for k, v in TARGETS.items()), key=lambda kv: kv[1]),
        target_names={k: v[0] for k, v in TARGETS.items()},
        action_names=action_names(),
        details=DETAILS,
        wards=queries.ward_names() if city else None,
        target_link=target_link,
    )
