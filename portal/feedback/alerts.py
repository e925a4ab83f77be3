"""The daily deadline job (`flask --app wsgi deadlines run`): the officer an item is assigned
to is told when it falls due within the warning window (DEADLINE_WARN_WORKING_DAYS), the
ward's chairman when it is overdue, and every officer with something pressing gets one
digest a day. Run twice, it tells nobody twice: each warning is recorded (DeadlineNotice,
one per item, person, threshold and deadline) and the digest has one outbox key a day.

Officers are staff, not residents: their work messages rest on their duties, not on a
consent, so they go by e-mail when the account has an address, otherwise to the phone (Zalo
when the ward sends Zalo messages, SMS otherwise), and a resident's message choices play no
part."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.services import active_chairmen
from portal.codes import format_code
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import deadlines, queries
from portal.feedback.messages import about
from portal.feedback.models import DeadlineNotice, Feedback
from portal.notifications.services import Recipient, enqueue
from portal.notifications.sms_text import short
from portal.security import WARD_OFFICERS
from portal.timeutil import local_today, office_date, to_local

DUE_SOON = "due_soon"
OVERDUE = "overdue"


@dataclass
class Report:
    warnings: int = 0  # officers told an item is due soon
    overdue: int = 0  # chairmen told an item is overdue
    digests: int = 0


@dataclass
class Digest:
    """What one officer has pressing today."""

    officer: User
    overdue: list[Feedback] = field(default_factory=list)
    today: list[Feedback] = field(default_factory=list)
    soon: list[Feedback] = field(default_factory=list)


def due_text(item: Feedback) -> str:
    """The deadline as the messages give it: 16/12/2026, or 15:00 16/12/2026 for an urgent
    item's hour."""
    if item.due_at is not None:
        return to_local(item.due_at).strftime("%H:%M ") + office_date(to_local(item.due_at))
    return office_date(item.due_on)


def _first_notice(item: Feedback, user: User, threshold: str, now: datetime) -> bool:
    """Record that `user` is told about `item` at `threshold`; False if already told (or
    another run is telling them now: the unique constraint keeps one)."""
    exists = db.session.execute(
        sa.select(DeadlineNotice.id).where(
            DeadlineNotice.feedback_id == item.id,
            DeadlineNotice.user_id == user.id,
            DeadlineNotice.threshold == threshold,
            DeadlineNotice.due_on == item.due_on,
        )
    ).first()
    if exists:
        return False
    notice = DeadlineNotice(
        feedback_id=item.id, user_id=user.id, threshold=threshold, due_on=item.due_on, sent_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(notice)
            db.session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def _is_officer(user: User | None, ward_id: int) -> bool:
    return (
        user is not None
        and user.is_active
        and user.role in WARD_OFFICERS
        and user.ward_id == ward_id
    )


def _due_on_day(item: Feedback) -> date:
    return local_today(item.due_at) if item.due_at is not None else item.due_on


def run(now: datetime | None = None) -> Report:
    """Send today's warnings, overdue notices and digests (in the caller's transaction)."""
    now = now or utcnow()
    today = local_today(now)
    soon = deadlines.soon_limit(today)
    items = queries.pressing(today, now)
    chairmen = active_chairmen({item.ward_id for item in items})
    digests: dict[int, Digest] = {}
    report = Report()
    for item in items:
        state = deadlines.due_state(item, today, soon, now)
        officer = item.assignee if _is_officer(item.assignee, item.ward_id) else None
        if officer is not None:
            digest = digests.setdefault(officer.id, Digest(officer))
            if state == OVERDUE:
                digest.overdue.append(item)
            elif _due_on_day(item) <= today:
                digest.today.append(item)
            else:
                digest.soon.append(item)
            if state == DUE_SOON and _first_notice(item, officer, DUE_SOON, now):
                _send_warning(item, officer)
                report.warnings += 1
        if state == OVERDUE:
            for chairman in chairmen.get(item.ward_id, []):
                if _first_notice(item, chairman, OVERDUE, now):
                    _send_overdue(item, chairman)
                    report.overdue += 1
    for digest in digests.values():
        if _send_digest(digest, today):
            report.digests += 1
    audit.record(
        "deadlines.run",
        detail={"warnings": report.warnings, "overdue": report.overdue, "digests": report.digests},
    )
    return report


def _send_warning(item: Feedback, officer: User):
    recipient = Recipient.for_official(officer)
    with force_locale(recipient.locale):
        params = {
            "name": officer.full_name,
            "code": format_code(item.code),
            "title": item.title,
            "due": due_text(item),
        }
        subject = _("Feedback %(code)s is due by %(due)s", **params)
        body = _(
            'Dear %(name)s, the feedback "%(title)s" (%(code)s) assigned to you must be '
            "answered by %(due)s.",
            **params,
        )
        sms = (
            pgettext(
                "sms",
                "Feedback %(code)s assigned to you is due by %(due)s. Please answer it on the "
                "ward portal.",
            )
            % params
        )
    return enqueue(
        recipient,
        kind="deadline_warning",
        subject=subject,
        body=body,
        sms=sms,
        ward_id=item.ward_id,
        about=about(item),
    )


def _send_overdue(item: Feedback, chairman: User):
    recipient = Recipient.for_official(chairman)
    with force_locale(recipient.locale):
        officer = item.assignee.full_name if item.assignee else _("nobody")
        params = {
            "name": chairman.full_name,
            "code": format_code(item.code),
            "title": item.title,
            "due": due_text(item),
            "officer": short(officer, 40),
        }
        subject = _("Feedback %(code)s is overdue", **params)
        body = _(
            'Dear %(name)s, the feedback "%(title)s" (%(code)s) was due by %(due)s and has '
            "not been answered. Assigned to: %(officer)s.",
            **params,
        )
        sms = (
            pgettext(
                "sms",
                "Feedback %(code)s was due by %(due)s and is not answered yet (assigned to: "
                "%(officer)s).",
            )
            % params
        )
    return enqueue(
        recipient,
        kind="deadline_overdue",
        subject=subject,
        body=body,
        sms=sms,
        ward_id=item.ward_id,
        about=about(item),
    )


def digest_text(digest: Digest, today: date) -> tuple[str, str, str]:
    """The digest's subject, e-mail text and text message, in the current locale."""
    day = office_date(today)
    subject = _("Your feedback deadlines on %(day)s", day=day)
    lines = [
        _(
            "Dear %(name)s, your feedback deadlines on %(day)s:",
            name=digest.officer.full_name,
            day=day,
        )
    ]
    sections = (
        (_("Overdue"), digest.overdue),
        (_("Due today"), digest.today),
        (
            _("Due within %(days)d working days", days=deadlines.warn_days()),
            digest.soon,
        ),
    )
    for heading, items in sections:
        if not items:
            continue
        lines.append("")
        lines.append(f"{heading} ({len(items)}):")
        lines.extend(
            _(
                "- %(code)s %(title)s, due by %(due)s",
                code=format_code(item.code),
                title=short(item.title, 80),
                due=due_text(item),
            )
            for item in items
        )
    sms = pgettext(
        "sms",
        "Your feedback on %(day)s: %(overdue)d overdue, %(today)d due today, %(soon)d due "
        "soon. The list is in the ward portal's inbox.",
    ) % {
        "day": day,
        "overdue": len(digest.overdue),
        "today": len(digest.today),
        "soon": len(digest.soon),
    }
    return subject, "\n".join(lines), sms


def _send_digest(digest: Digest, today: date):
    recipient = Recipient.for_official(digest.officer)
    with force_locale(recipient.locale):
        subject, body, sms = digest_text(digest, today)
    return enqueue(
        recipient,
        kind="deadline_digest",
        subject=subject,
        body=body,
        sms=sms,
        ward_id=digest.officer.ward_id,
        dedupe_key=f"deadline_digest:{digest.officer.id}:{today.isoformat()}",
    )
