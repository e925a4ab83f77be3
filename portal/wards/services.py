"""Wards: import the official list, enable wards for this deployment, look them up."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.domain import DomainError
from portal.extensions import db
from portal.wards.models import Ward


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def find_province(key: str):
    """Find a province of the `vietnam-provinces` list by codename suffix ("ha_noi") or code."""
    from vietnam_provinces import Province

    key = key.strip().lower().replace("-", "_")
    for province in Province.iter_all():
        if key == str(int(province.code)) or province.codename == key:
            return province
        if province.codename.endswith("_" + key):
            return province
    raise DomainError(_l("Unknown province: %(key)s", key=key))


def slug_for(codename: str) -> str:
    """phuong_bo_de -> phuong-bo-de"""
    return codename.replace("_", "-")


def import_province(key: str) -> ImportResult:
    """Create or update every ward and commune of a province; running it twice changes nothing."""
    from vietnam_provinces import Ward as SourceWard

    province = find_province(key)
    existing = {
        w.code: w
        for w in db.session.execute(
            sa.select(Ward).where(Ward.province_code == int(province.code))
        ).scalars()
    }
    created = updated = unchanged = 0
    for source in SourceWard.iter_by_province(province.code):
        values = {
            "name": source.name,
            "slug": slug_for(source.codename),
            "division_type": source.division_type.value,
            "province_code": int(province.code),
            "province_name": province.name,
        }
        ward = existing.get(int(source.code))
        if ward is None:
            db.session.add(Ward(code=int(source.code), enabled=False, **values))
            created += 1
        elif any(getattr(ward, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(ward, k, v)
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    return ImportResult(created, updated, unchanged)


# Sent with a ward, inside the caller's transaction, each time it is enabled: the features
# give it what it needs before anyone uses it (feedback categories, the procedure catalogue).
# The receivers are idempotent, so enabling a served ward again repairs what is missing.
_signals = Namespace()
ward_enabled = _signals.signal("ward-enabled")


def set_enabled(ward: Ward, enabled: bool) -> None:
    """Start or stop serving a ward; a ward starting to be served gets its defaults."""
    ward.enabled = enabled
    audit.note(ward_id=ward.id, **{"enabled" if enabled else "disabled": True})
    if enabled:
        db.session.flush()
        ward_enabled.send(ward)


def provide_defaults_for_served_wards() -> int:
    """Give every served ward what enabling it would have (for wards served before the
    defaults were made this way). Returns how many wards were looked at."""
    wards = enabled_wards()
    for ward in wards:
        ward_enabled.send(ward)
    return len(wards)


def enabled_wards() -> list[Ward]:
    return list(
        db.session.execute(sa.select(Ward).where(Ward.enabled).order_by(Ward.name)).scalars()
    )


def all_wards() -> list[Ward]:
    return list(
        db.session.execute(sa.select(Ward).order_by(Ward.enabled.desc(), Ward.name)).scalars()
    )


def get_ward_by_slug(slug: str, *, enabled_only: bool = True) -> Ward | None:
    query = sa.select(Ward).where(Ward.slug == slug)
    if enabled_only:
        query = query.where(Ward.enabled)
    return db.session.execute(query).scalar_one_or_none()


def chairman_name(ward_id: int) -> str | None:
    """The full name of the ward's chairman, who signs its documents: its one active
    chairman account; None when it has none, or several (who signs is then not known)."""
    from portal.auth.models import Role, User

    query = sa.select(User.full_name).where(
        User.ward_id == ward_id,
        User.role == Role.CHAIRMAN,
        User.is_active_account.is_(True),
        User.deleted_at.is_(None),
    )
    names = db.session.execute(query.limit(2)).scalars().all()
    return names[0] if len(names) == 1 else None
