"""Wards and communes (phường, xã): the unit that owns every other row."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import TimestampMixin, UTCDateTime, utcnow
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


class WardInfo(db.Model):
    """What a resident needs to find and reach the ward: the People's Committee's and the
    one-stop desk's addresses, the hotline, the opening hours and where it is on a map. One
    row per ward, written by the ward's chairman; the chairman's reception hours are the
    reception schedule's (portal.dialogues.reception), not repeated here."""

    __tablename__ = "ward_info"
    __table_args__ = (
        sa.CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        sa.CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        sa.CheckConstraint(
            "area_radius_m IS NULL OR area_radius_m BETWEEN 100 AND 50000", name="area_radius_m"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), unique=True)
    committee_address: Mapped[str] = mapped_column(sa.String(300), default="")
    desk_address: Mapped[str] = mapped_column(sa.String(300), default="")  # Bộ phận Một cửa
    hotline: Mapped[str] = mapped_column(sa.String(20), default="")
    opening_hours: Mapped[str] = mapped_column(sa.Text, default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    # The ward's area, roughly, for the feedback maps: within this many metres of the place
    # above. A position sent from farther away is warned about, never refused (the ward has
    # no boundary data; a circle is enough to catch a tap in the wrong district). Empty: no
    # warning.
    area_radius_m: Mapped[int | None] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def area(self) -> tuple[float, float, int] | None:
        """The ward's area as centre and radius in metres, when both are known."""
        if not self.has_place or not self.area_radius_m:
            return None
        return self.latitude, self.longitude, self.area_radius_m
