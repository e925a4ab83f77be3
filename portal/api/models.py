"""The API keys of the portal's machine clients: Open311 apps that file feedback, and a
ward's one-stop software that sends its dossiers (each key serves one scope)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, UTCDateTime, str_enum
from portal.extensions import db
from portal.wards.models import Ward


class ApiScope(enum.StrEnum):
    """What a key opens: one interface each, so a leaked Open311 key cannot send dossiers."""

    OPEN311 = "open311"  # file feedback through /open311/v2 (all wards or one)
    DOSSIERS = "dossiers"  # send one ward's dossiers through /api/v1/dossiers (one ward only)


class ApiKey(TimestampMixin, db.Model):
    """A client's key. Only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    prefix: Mapped[str] = mapped_column(sa.String(12))  # to recognise a key in the list
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # None: the client may file in every served ward (Open311 keys only).
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"))
    scope: Mapped[ApiScope] = mapped_column(
        str_enum(ApiScope), default=ApiScope.OPEN311, server_default=ApiScope.OPEN311.value
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ward: Mapped[Ward | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
