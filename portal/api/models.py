"""The API keys of Open311 clients (city apps that file and read feedback)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, UTCDateTime
from portal.extensions import db
from portal.wards.models import Ward


class ApiKey(TimestampMixin, db.Model):
    """An Open311 client's key. Only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    prefix: Mapped[str] = mapped_column(sa.String(12))  # to recognise a key in the list
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # None: the client may file in every served ward.
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ward: Mapped[Ward | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
