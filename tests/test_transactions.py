"""A worker's or a command's unit of work commits what it did, or nothing at all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import World

from portal.extensions import db
from portal.transactions import unit_of_work
from portal.wards.models import Ward


def served(slug: str) -> bool:
    db.session.rollback()  # read what is committed
    return db.session.execute(sa.select(Ward.enabled).where(Ward.slug == slug)).scalar_one()


def test_a_unit_of_work_commits_when_it_ends(app, world: World):
    with unit_of_work():
        world.unserved_ward.enabled = True
    assert served("phuong-hoan-kiem")


def test_a_unit_of_work_that_fails_keeps_nothing(app, world: World):
    with pytest.raises(RuntimeError), unit_of_work():
        world.unserved_ward.enabled = True
        db.session.flush()
        raise RuntimeError("the command failed half-way")
    assert not served("phuong-hoan-kiem")


def test_a_unit_of_work_drops_what_the_session_held_before(app, world: World):
    world.other_ward.enabled = False  # left uncommitted by an earlier step
    with unit_of_work():
        world.unserved_ward.enabled = True
    assert served("phuong-viet-hung") and served("phuong-hoan-kiem")
