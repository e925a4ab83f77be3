"""The monthly rollups always equal a fresh aggregation of dossiers and ratings, whatever
the mix of returns, ratings, months, officers and CSV imports; concurrent ratings add up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from conftest import World, make_user
from test_dialogues_concurrency import race

from portal.auth.models import Role
from portal.extensions import db
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import ratings as satisfaction_ratings
from portal.satisfaction import rollups
from portal.satisfaction.models import Dossier, SatisfactionRollup, SatisfactionWardMonth


def hanoi(y, m, d, hour=9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC) - timedelta(hours=7)


def assert_ward_months_add_up() -> None:
    """The totals per ward and month equal the rollups added up per ward and month."""
    stored, added = rollups.ward_month_totals()
    assert stored == added and stored


def random_dossiers_and_ratings(world: World) -> None:
    """120 dossiers over 11 months, two wards and three officers: some still processed, some
    returned, most of those rated (some in the following month)."""
    satisfaction_catalogue.provide_defaults(world.ward.id)
    satisfaction_catalogue.provide_defaults(world.other_ward.id)
    second_officer = make_user(Role.STAFF, world.ward, name="Lê Thị Một Cửa")
    rng = random.Random(20261126)
    levels = ["very_satisfied", "satisfied", "dissatisfied"]
    for n in range(120):
        ward, officer = (
            (world.other_ward, world.staff_other)
            if n % 5 == 0
            else (world.ward, rng.choice([world.staff, second_officer]))
        )
        procedure = rng.choice(satisfaction_catalogue.procedures(ward.id))
        received = hanoi(2026, rng.randint(1, 11), rng.randint(1, 28), rng.randint(7, 17))
        returned = received + timedelta(days=rng.randint(0, 20))
        data = satisfaction_dossiers.DossierInput(
            procedure_id=procedure.id,
            receipt_number=f"BN-{n}",
            received_at=received,
            returned_at=returned if n % 3 == 0 else None,  # some registered already returned
            extra_visits=rng.randint(0, 3),
            receiving_officer_id=officer.id,
        )
        dossier = satisfaction_dossiers.register_dossier(
            officer, ward.id, data, now=hanoi(2026, 12, 31)
        )
        if n % 3 == 1:
            continue  # still being processed
        # Returned at the desk (again, for one registered already returned: a new slip).
        raw = satisfaction_dossiers.return_dossier(officer, dossier, now=returned)
        if rng.random() < 0.8:
            level = rng.choice(levels)
            satisfaction_ratings.rate(
                raw,
                satisfaction_ratings.RatingInput(
                    level=level,
                    reason="Chậm" if level == "dissatisfied" else "",
                    attitude=rng.choice([None, "good", "acceptable", "poor"]),
                ),
                # Some are rated in the following month.
                now=returned + timedelta(days=rng.randint(0, 25)),
            )
    db.session.commit()


def test_rollups_equal_a_fresh_aggregation(world: World):
    random_dossiers_and_ratings(world)
    fresh = rollups.fresh_totals()
    assert fresh == rollups.stored_totals()
    assert sum(c["ratings"] for c in fresh.values()) > 50
    assert len({key[3] for key in fresh}) > 6  # several months
    assert_ward_months_add_up()
    assert rollups.stored_totals(world.ward.id) == rollups.fresh_totals(world.ward.id)


def test_a_rating_counts_in_the_hanoi_month(world: World):
    satisfaction_catalogue.provide_defaults(world.ward.id)
    procedure = satisfaction_catalogue.procedures(world.ward.id)[0]
    data = satisfaction_dossiers.DossierInput(
        procedure_id=procedure.id, receipt_number="BN-1", received_at=hanoi(2026, 10, 30)
    )
    dossier = satisfaction_dossiers.register_dossier(
        world.staff, world.ward.id, data, now=hanoi(2026, 12, 1)
    )
    # 31 October 18:00 UTC is already 1 November in Hà Nội.
    raw = satisfaction_dossiers.return_dossier(
        world.staff, dossier, now=datetime(2026, 10, 31, 18, tzinfo=UTC)
    )
    satisfaction_ratings.rate(
        raw, satisfaction_ratings.RatingInput(level="satisfied"), now=hanoi(2026, 11, 2)
    )
    [(key, counter)] = rollups.stored_totals().items()
    assert key[3].isoformat() == "2026-11-01"
    assert counter["returned"] == 1 and counter["ratings"] == 1 and counter["satisfied"] == 1
    # The set-based rebuild puts them in the same Hà Nội month.
    assert rollups.rebuild() == 1
    assert rollups.stored_totals() == {key: counter}


def test_rebuild_repairs_the_rollups(world: World):
    random_dossiers_and_ratings(world)
    fresh = rollups.fresh_totals()
    # Damage them: one ward's rows gone, the other's counters wrong.
    db.session.execute(
        sa.delete(SatisfactionRollup).where(SatisfactionRollup.ward_id == world.ward.id)
    )
    db.session.execute(sa.update(SatisfactionRollup).values(ratings=999, score_sum=-1))
    db.session.execute(sa.update(SatisfactionWardMonth).values(returned=12345))
    written = rollups.rebuild(world.ward.id)
    assert written == len(rollups.fresh_totals(world.ward.id)) > 10
    assert rollups.stored_totals(world.ward.id) == rollups.fresh_totals(world.ward.id)
    assert rollups.stored_totals(world.other_ward.id) != rollups.fresh_totals(world.other_ward.id)
    assert rollups.rebuild() == len(fresh)
    assert rollups.stored_totals() == fresh
    assert_ward_months_add_up()


def test_concurrent_ratings_add_up(app, world: World):
    satisfaction_catalogue.provide_defaults(world.ward.id)
    procedure = satisfaction_catalogue.procedures(world.ward.id)[0]
    now = datetime.now(UTC)
    tokens = []
    for n in range(12):
        data = satisfaction_dossiers.DossierInput(
            procedure_id=procedure.id, receipt_number=f"BN-{n}", received_at=now
        )
        dossier = satisfaction_dossiers.register_dossier(world.staff, world.ward.id, data, now=now)
        tokens.append(satisfaction_dossiers.return_dossier(world.staff, dossier, now=now))
    db.session.commit()

    def rate(i: int) -> str:
        satisfaction_ratings.rate(
            tokens[i], satisfaction_ratings.RatingInput(level="very_satisfied")
        )
        return "rated"

    outcomes = race(app, 12, rate)
    assert outcomes == {"rated": 12}, outcomes
    db.session.rollback()  # see the other threads' work (SQLite WAL snapshot)
    [(key, counter)] = rollups.stored_totals().items()
    assert counter["ratings"] == 12 and counter["very_satisfied"] == 12
    assert rollups.stored_totals() == rollups.fresh_totals()
    assert_ward_months_add_up()
    assert db.session.scalar(sa.select(sa.func.count(Dossier.id))) == 12


def test_rebuild_command(app, world: World):
    random_dossiers_and_ratings(world)
    fresh = rollups.fresh_totals()
    db.session.execute(sa.delete(SatisfactionRollup))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["satisfaction", "rebuild-rollups", "--ward", world.ward.slug])
    assert result.exit_code == 0, result.output
    assert f"{len(rollups.fresh_totals(world.ward.id))} rollup row(s) written." in result.output
    assert rollups.stored_totals(world.other_ward.id) == {}
    result = runner.invoke(args=["satisfaction", "rebuild-rollups"])
    assert result.exit_code == 0 and f"{len(fresh)} rollup row(s)" in result.output
    db.session.rollback()
    assert rollups.stored_totals() == fresh
    result = runner.invoke(args=["satisfaction", "rebuild-rollups", "--ward", "no-such-ward"])
    assert result.exit_code != 0 and "Unknown ward: no-such-ward" in result.output
