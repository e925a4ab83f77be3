"""A ward's information page: where the People's Committee and its one-stop desk are, the
hotline, the opening hours and a link to directions. The ward's chairman keeps it; anyone
may read it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.auth.models import User
from portal.domain import PermissionDenied, Problems
from portal.extensions import db
from portal.security import WARD_MANAGERS
from portal.text import clean
from portal.wards.models import Ward, WardInfo

ADDRESS_MAX = 300
HOURS_MAX = 1000
HOTLINE_MAX = 20
# Hà Nội's wards lie well inside these; a point outside is a typo (or lat/lon swapped).
VIETNAM_LATITUDE = (8.0, 24.0)
VIETNAM_LONGITUDE = (102.0, 110.0)
AREA_RADIUS = (100, 50000)  # metres (the model's check)


def info_of(ward_id: int) -> WardInfo | None:
    return db.session.execute(
        sa.select(WardInfo).where(WardInfo.ward_id == ward_id)
    ).scalar_one_or_none()


@dataclass
class WardInfoInput:
    committee_address: str = ""
    desk_address: str = ""
    hotline: str = ""
    opening_hours: str = ""
    latitude: float | None = None
    longitude: float | None = None
    area_radius_m: int | None = None


def format_hotline(raw: str) -> str | None:
    """A Vietnamese telephone number (landline, mobile or 1900/1800) written the usual way,
    or None when it is not one."""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _problems(data: WardInfoInput) -> Problems:
    problems = Problems()
    data.committee_address = clean(data.committee_address)
    data.desk_address = clean(data.desk_address)
    data.hotline = clean(data.hotline)
    data.opening_hours = clean(data.opening_hours)
    if not data.committee_address:
        problems.add("committee_address", _l("Enter the address of the People's Committee."))
    for name in ("committee_address", "desk_address"):
        if len(getattr(data, name)) > ADDRESS_MAX:
            problems.add(name, _l("At most %(max)d characters.", max=ADDRESS_MAX))
    if data.hotline:
        formatted = format_hotline(data.hotline) if len(data.hotline) <= HOTLINE_MAX else None
        if formatted is None:
            problems.add("hotline", _l("Enter a Vietnamese telephone number, e.g. 024 3827 1234."))
        else:
            data.hotline = formatted
    if len(data.opening_hours) > HOURS_MAX:
        problems.add("opening_hours", _l("At most %(max)d characters.", max=HOURS_MAX))
    if (data.latitude is None) != (data.longitude is None):
        field = "longitude" if data.longitude is None else "latitude"
        problems.add(field, _l("Enter both the latitude and the longitude, or neither."))
    elif data.latitude is not None:
        low, high = VIETNAM_LATITUDE
        if not low <= data.latitude <= high:
            problems.add(
                "latitude", _l("Enter a latitude in Vietnam (between 8 and 24), e.g. 21.0455.")
            )
        low, high = VIETNAM_LONGITUDE
        if not low <= data.longitude <= high:
            problems.add(
                "longitude",
                _l("Enter a longitude in Vietnam (between 102 and 110), e.g. 105.8772."),
            )
    if data.area_radius_m is not None:
        if data.latitude is None:
            problems.add("area_radius_m", _l("Enter the latitude and longitude first."))
        elif not AREA_RADIUS[0] <= data.area_radius_m <= AREA_RADIUS[1]:
            problems.add(
                "area_radius_m",
                _l(
                    "Enter between %(low)d and %(high)d metres.",
                    low=AREA_RADIUS[0],
                    high=AREA_RADIUS[1],
                ),
            )
    return problems


def may_edit(actor: User | None, ward: Ward) -> bool:
    """The ward's chairman (one of the ward managers) of this ward, and nobody else."""
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.role in WARD_MANAGERS
        and actor.ward_id == ward.id
    )


def save_info(actor: User, ward: Ward, data: WardInfoInput) -> WardInfo:
    """Write the ward's information (its chairman only); every problem is reported at once."""
    if not may_edit(actor, ward):
        raise PermissionDenied(_l("Only the ward's chairman may edit its information."))
    _problems(data).raise_if_any()
    info = info_of(ward.id)
    if info is None:
        info = WardInfo(ward_id=ward.id)
        db.session.add(info)
    changed = [
        name
        for name in WardInfoInput.__dataclass_fields__
        if getattr(info, name, None) != getattr(data, name)
    ]
    for name in WardInfoInput.__dataclass_fields__:
        setattr(info, name, getattr(data, name))
    info.updated_by_id = actor.id
    db.session.flush()
    audit.note(target_type="ward", target_id=ward.id, ward_id=ward.id, fields=",".join(changed))
    return info


def tel_link(hotline: str) -> str:
    """tel: link of a hotline as stored (national format)."""
    try:
        number = phonenumbers.parse(hotline, "VN")
    except phonenumbers.NumberParseException:
        return ""
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def directions_links(info: WardInfo | None, label: str) -> dict[str, str]:
    """Plain links to the ward's place: a `geo:` link (the phone's own map app) and a web
    map (DIRECTIONS_URL, a setting: a map shown to the public must draw Vietnam's borders
    and islands correctly, so the deployment chooses its map). No script, no embed."""
    if info is None or not info.has_place:
        return {}
    lat, lon = f"{info.latitude:.6f}", f"{info.longitude:.6f}"
    links = {"geo": f"geo:{lat},{lon}?q={lat},{lon}({quote(label)})"}
    template = current_app.config.get("DIRECTIONS_URL", "")
    if template:
        links["web"] = template.format(lat=lat, lon=lon)
    return links
