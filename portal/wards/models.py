"""Wards and communes (phường, xã): the unit that owns every other row."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import TimestampMixin
from portal.extensions import db
from portal.wards import names


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

    @property
    def in_text(self) -> str:
        """The name inside a sentence: "phường Bồ Đề" in Vietnamese (Nghị định 30/2020);
        `name` ("Phường Bồ Đề") opens titles and headings."""
        return names.in_text(self.name)

    @property
    def province_in_text(self) -> str:
        """The province or city inside a sentence: "thành phố Hà Nội"."""
        return names.in_text(self.province_name)

    def __repr__(self) -> str:
        return f"<Ward {self.code} {self.slug}>"
