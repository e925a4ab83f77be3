"""Publishing a resident's feedback on the ward's page (without their name) is a consent of
its own (Decree 13/2023): given per item when it is sent or later, withdrawable at any time
with one click, each grant and withdrawal kept as a Consent row. Withdrawing takes the item
off the public page at the next commit (this worker's cached copy is dropped then; other
workers' within PAGE_CACHE_SECONDS)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale

from portal.auth.models import Consent, ConsentPurpose, User
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import labels, policy
from portal.feedback.models import Feedback
from portal.feedback.policy import Action


def record_consent(user: User, item: Feedback, now: datetime | None = None) -> Consent:
    """The sender's consent to publish `item`, with the wording they agreed to, in the
    language of the page they agreed on."""
    locale = str(get_locale() or user.locale or "vi")
    with force_locale(locale):
        text = str(labels.PUBLISH_CONSENT)
    consent = Consent(
        user_id=user.id,
        purpose=ConsentPurpose.PUBLISH,
        feedback_id=item.id,
        policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
        locale=locale[:5],
        text=text,
        given_at=now or utcnow(),
    )
    db.session.add(consent)
    return consent


def allow(actor: User, item: Feedback, now: datetime | None = None) -> Consent:
    """The sender allows the item to be published."""
    now = now or utcnow()
    policy.require(actor, item, Action.ALLOW_PUBLICATION, now)
    item.publish_allowed = True
    return record_consent(actor, item, now)


def withdraw(actor: User, item: Feedback, now: datetime | None = None) -> None:
    """The sender takes the consent back: the item leaves the public page."""
    now = now or utcnow()
    policy.require(actor, item, Action.WITHDRAW_PUBLICATION, now)
    item.publish_allowed = False
    db.session.execute(
        sa.update(Consent)
        .where(
            Consent.feedback_id == item.id,
            Consent.purpose == ConsentPurpose.PUBLISH,
            Consent.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )
