"""What the dossier rules read: the dossier waiting at an officer's desk tablet."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.satisfaction.models import Dossier

KIOSK_MINUTES = 15  # a dossier returned longer ago is rated with the slip's link


def kiosk_dossier(actor: User, now=None, minutes: int = KIOSK_MINUTES) -> Dossier | None:
    """The dossier the officer at this desk returned last, still unrated, within `minutes`."""
    now = now or utcnow()
    return db.session.execute(
        sa.select(Dossier)
        .where(
            Dossier.ward_id == actor.ward_id,
            Dossier.token_issued_by_id == actor.id,
            Dossier.token_used_at.is_(None),
            Dossier.token_issued_at >= now - timedelta(minutes=minutes),
        )
        .order_by(Dossier.token_issued_at.desc(), Dossier.id.desc())
        .limit(1)
    ).scalar_one_or_none()
