"""Wards and communes (phường, xã): the unit that owns every other row."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import TimestampMixin
from portal.extensions import db


class Ward(TimestampMixin, db.Model):
    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[int] = mapped_column(sa.Integer, unique=True)  # official administrative code
    name: Mapped[str] = mapped_column(sa.String(120))  # e.g. "Phường Bồ Đề"
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    division_type: Mapped[str] = mapped_column(sa.String(20))  # phường / xã / đặc khu
    province_code: Mapped[int] = mapped_column(sa.Integer, index=True)
    province_name: Mapped[str] = mapped_column(sa.String(120))
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Ward {self.code} {self.slug}>"
