"""Importing Hà Nội's wards from the official list, and the public ward pages."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import World, text_of

from portal.extensions import db
from portal.wards import services
from portal.wards.models import Ward


def wards_by_code() -> dict[int, Ward]:
    return {w.code: w for w in db.session.execute(sa.select(Ward)).scalars()}


def test_import_ha_noi_gives_126_wards_with_official_codes(app):
    result = services.import_province("ha_noi")
    db.session.commit()
    assert result.created == 126
    wards = wards_by_code()
    assert len(wards) == 126
    assert sum(w.division_type == "phường" for w in wards.values()) == 51
    assert sum(w.division_type == "xã" for w in wards.values()) == 75
    assert wards[130].name == "Phường Bồ Đề" and wards[130].slug == "phuong-bo-de"
    assert wards[127].name == "Phường Việt Hưng"
    assert wards[148].name == "Phường Long Biên"
    assert wards[136].name == "Phường Phúc Lợi"
    assert all(w.province_name == "Thành phố Hà Nội" for w in wards.values())
    assert not any(w.enabled for w in wards.values())  # nothing served until chosen


def test_import_is_idempotent_and_keeps_choices(app):
    services.import_province("ha_noi")
    db.session.commit()
    services.set_enabled(wards_by_code()[130], True)
    db.session.commit()
    again = services.import_province("ha_noi")
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 126)
    assert len(wards_by_code()) == 126
    assert wards_by_code()[130].enabled


def test_import_repairs_a_changed_name(app):
    services.import_province("ha_noi")
    wards_by_code()[130].name = "Sai tên"
    db.session.commit()
    result = services.import_province("ha_noi")
    db.session.commit()
    assert result.updated == 1
    assert wards_by_code()[130].name == "Phường Bồ Đề"


def test_cli_import_and_enable(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["wards", "import", "--province", "ha_noi"])
    assert result.exit_code == 0, result.output
    assert "126 created" in result.output
    result = runner.invoke(args=["wards", "import", "--province", "ha_noi"])
    assert "0 created, 0 updated, 126 unchanged" in result.output
    result = runner.invoke(args=["wards", "enable", "phuong-bo-de", "phuong-viet-hung"])
    assert result.exit_code == 0
    assert {w.slug for w in services.enabled_wards()} == {"phuong-bo-de", "phuong-viet-hung"}
    bad = runner.invoke(args=["wards", "enable", "phuong-khong-co"])
    assert bad.exit_code != 0 and "Unknown ward" in bad.output
    bad = runner.invoke(args=["wards", "import", "--province", "atlantis"])
    assert bad.exit_code != 0 and "atlantis" in bad.output


def test_demo_data_serves_the_four_long_bien_wards(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # second run changes nothing
    served = {w.code for w in services.enabled_wards()}
    assert served == {148, 130, 127, 136}
    logins = runner.invoke(args=["demo", "logins"])
    assert "0901000002" in logins.output


def test_public_ward_pages(client, world: World):
    html = text_of(client.get("/wards/"))
    assert "Phường Bồ Đề" in html and "Phường Việt Hưng" in html
    assert "Phường Hoàn Kiếm" not in html  # imported but not served
    assert client.get("/wards/phuong-bo-de").status_code == 200
    assert client.get("/wards/phuong-hoan-kiem").status_code == 404
    assert client.get("/wards/<script>").status_code == 404
