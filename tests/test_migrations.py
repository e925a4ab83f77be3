"""Migrations are code: upgrading an empty database gives exactly the models' schema,
and every downgrade works. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import PG_URL, make_config
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.db import schema_objects_of
from portal.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    """A brand-new empty database, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                # The trigram indexes exist on PostgreSQL only (portal.db.trigram_index).
                "include_object": schema_objects_of(conn.dialect.name),
            },
        )
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_matches_models_and_downgrade_to_base(empty_database):
    app = create_app(make_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            assert table_names() >= {"wards", "users", "consents"}
            assert schema_diff() == []
            downgrade(revision="base")
            assert table_names() <= {"alembic_version"}
            upgrade()  # and back up again, as after a rolled-back release
            assert schema_diff() == []
        finally:
            db.session.remove()
            db.engine.dispose()


def test_revision_files_are_date_prefixed_with_downgrades():
    from pathlib import Path

    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    files = sorted(versions.glob("*.py"))
    assert files
    for path in files:
        assert path.name[:4].isdigit() and path.name[4] == "_", path.name
        source = path.read_text("utf-8")
        assert "def downgrade" in source, path.name
        body = source.split("def downgrade", 1)[1]
        assert "op." in body, f"{path.name}: downgrade() does nothing"


def test_ward_months_are_filled_from_the_rollups(empty_database):
    """Upgrading a database that already holds rollups gives the totals per ward and month."""
    from datetime import UTC, datetime

    from conftest import make_user, make_ward

    from portal.auth.models import Role
    from portal.satisfaction import catalogue, dossiers, ratings, rollups
    from portal.satisfaction.models import SatisfactionWardMonth

    app = create_app(make_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
            officer = make_user(Role.STAFF, ward, name="Trần Thị Công", phone="0901000001")
            catalogue.provide_defaults(ward.id)
            for n, (procedure, month) in enumerate([(0, 10), (1, 10), (0, 11), (2, 11), (2, 11)]):
                when = datetime(2026, month, 5, 3, tzinfo=UTC)
                data = dossiers.DossierInput(
                    procedure_id=catalogue.procedures(ward.id)[procedure].id,
                    receipt_number=f"M{n}",
                    received_at=when,
                    receiving_officer_id=officer.id,
                )
                dossier = dossiers.register_dossier(officer, ward.id, data, now=when)
                raw = dossiers.return_dossier(officer, dossier, now=when)
                ratings.rate(raw, ratings.RatingInput(level="satisfied"), now=when)
            db.session.commit()
            expected = rollups.ward_month_totals()[0]
            assert sorted(c["ratings"] for c in expected.values()) == [2, 3]
            db.session.close()  # no open transaction may hold the table the downgrade drops
            downgrade(revision="8c8d42a8fb3f")
            assert "satisfaction_ward_months" not in table_names()
            upgrade()
            stored, added = rollups.ward_month_totals()
            assert stored == added == expected
            count = sa.select(sa.func.count()).select_from(SatisfactionWardMonth)
            assert db.session.scalar(count) == 2
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_migration_fills_the_folded_texts(empty_database):
    """Upgrading a database that holds feedback, dossiers and procedures gives each its
    folded texts, the same as the services write."""
    from datetime import UTC, datetime

    from conftest import make_feedback, make_user, make_ward

    from portal.auth.models import Role
    from portal.feedback.models import Feedback
    from portal.satisfaction import catalogue, dossiers
    from portal.satisfaction.models import Dossier, Procedure

    app = create_app(make_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
            officer = make_user(Role.STAFF, ward, name="Trần Thị Công", phone="0901000001")
            code = make_feedback(ward, None, title="Đường hỏng", address="Ngõ Trạm").code
            catalogue.provide_defaults(ward.id)
            procedure = catalogue.procedures(ward.id)[0]
            dossiers.register_dossier(
                officer,
                ward.id,
                dossiers.DossierInput(
                    procedure_id=procedure.id,
                    receipt_number="BN-Đ1",
                    received_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
                    receiving_officer_id=officer.id,
                ),
                now=datetime(2026, 12, 1, 3, tzinfo=UTC),
            )
            db.session.commit()
            written = (
                db.session.scalar(sa.select(Feedback.search_text)),
                db.session.scalar(sa.select(Feedback.public_search_text)),
                db.session.scalar(sa.select(Dossier.search_text)),
                db.session.scalar(
                    sa.select(Procedure.search_text).where(Procedure.id == procedure.id)
                ),
            )
            assert "duong hong" in written[0] and "ngo tram" in written[0]
            assert written[2] == "bn-d1"
            db.session.close()
            downgrade(revision="0c4c74ce1523")  # the folded columns go
            upgrade()  # and come back, filled from the texts
            db.session.expire_all()
            assert (
                db.session.scalar(sa.select(Feedback.search_text)),
                db.session.scalar(sa.select(Feedback.public_search_text)),
                db.session.scalar(sa.select(Dossier.search_text)),
                db.session.scalar(
                    sa.select(Procedure.search_text).where(Procedure.id == procedure.id)
                ),
            ) == written
            assert code.lower() in written[0]
        finally:
            db.session.remove()
            db.engine.dispose()


def test_stored_wording_is_rewritten_both_ways(empty_database):
    """The slots stored with "Tiếp công dân / Citizen reception" are named by their kind after
    the upgrade (an empty title), and get the old text back on a downgrade; the default
    category's description cites "Nghị định 20/2008/NĐ-CP" in full."""
    from datetime import UTC, datetime, timedelta

    from conftest import make_ward

    from portal.dialogues.models import DialogueSession, SessionKind, SessionStatus
    from portal.feedback import categories
    from portal.feedback.models import FeedbackCategory

    bilingual = "Tiếp công dân / Citizen reception"
    app = create_app(make_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
            start = datetime(2030, 10, 1, 1, tzinfo=UTC)
            for kind, title in (
                (SessionKind.RECEPTION, ""),
                (SessionKind.CONFERENCE, "Hội nghị đối thoại"),
            ):
                db.session.add(
                    DialogueSession(
                        ward_id=ward.id,
                        kind=kind,
                        status=SessionStatus.PUBLISHED,
                        title=title,
                        starts_at=start,
                        ends_at=start + timedelta(minutes=30),
                        capacity=1,
                    )
                )
            categories.provide_defaults(ward.id)
            db.session.commit()
            titles = sa.select(DialogueSession.kind, DialogueSession.title).order_by(
                DialogueSession.id
            )
            described = sa.select(FeedbackCategory.description_vi).where(
                FeedbackCategory.code == "procedures"
            )
            assert db.session.scalar(described).endswith("(Nghị định 20/2008/NĐ-CP).")
            db.session.close()
            downgrade(revision="3dff752d5c2c")
            assert [tuple(r) for r in db.session.execute(titles)] == [
                (SessionKind.RECEPTION, bilingual),
                (SessionKind.CONFERENCE, "Hội nghị đối thoại"),
            ]
            assert db.session.scalar(described).endswith("(Nghị định 20/2008).")
            db.session.close()
            upgrade()
            assert [tuple(r) for r in db.session.execute(titles)] == [
                (SessionKind.RECEPTION, ""),
                (SessionKind.CONFERENCE, "Hội nghị đối thoại"),
            ]
            assert db.session.scalar(described).endswith("(Nghị định 20/2008/NĐ-CP).")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_existing_ratings_are_rescored_with_indicators_2_and_4(empty_database):
    """Upgrading a database whose ratings carry the old 0–6 score (indicators 1, 3 and 7)
    gives each the points of indicators 1, 2, 3, 4 and 7 out of 10, as the services write
    them for a dossier of the ward alone, and rollups equal to a recompute; the downgrade
    gives the old scores back."""
    from datetime import UTC, datetime

    from conftest import make_user, make_ward

    from portal.auth.models import Role
    from portal.satisfaction import catalogue, dossiers, ratings, rollups
    from portal.satisfaction.models import SatisfactionRating

    columns = (
        "points_time",
        "points_agency_time",
        "points_contacts",
        "points_agencies",
        "points_attitude",
        "score",
        "score_max",
    )
    app = create_app(make_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
            officer = make_user(Role.STAFF, ward, name="Trần Thị Công", phone="0901000001")
            catalogue.provide_defaults(ward.id)
            procedure = catalogue.procedures(ward.id)[0]
            cases = [(1, 0, "good", 1), (3, 1, None, 10), (30, 3, "poor", 11)]
            for n, (days, visits, attitude, month) in enumerate(cases):
                received = datetime(2026, month, 2, 2, tzinfo=UTC)
                data = dossiers.DossierInput(
                    procedure_id=procedure.id,
                    receipt_number=f"R{n}",
                    received_at=received,
                    extra_visits=visits,
                    receiving_officer_id=officer.id,
                )
                dossier = dossiers.register_dossier(officer, ward.id, data, now=received)
                returned = datetime(2026, month, 2 + days // 10, 3, tzinfo=UTC)
                raw = dossiers.return_dossier(officer, dossier, now=returned)
                ratings.rate(
                    raw, ratings.RatingInput(level="satisfied", attitude=attitude), now=returned
                )
            db.session.commit()
            query = sa.select(
                SatisfactionRating.id, *[getattr(SatisfactionRating, c) for c in columns]
            )
            expected = sorted(db.session.execute(query).all())
            totals = rollups.stored_totals()
            assert totals == rollups.fresh_totals()
            db.session.close()
            downgrade(revision="b7e3d91c4a52")
            old = sorted(
                db.session.execute(sa.text("SELECT id, score FROM satisfaction_ratings")).all()
            )
            # the 0–6 score of indicators 1, 3 and 7 again
            assert [score for _, score in old] == [row[1] + row[3] + row[5] for row in expected]
            db.session.close()
            upgrade()
            db.session.expire_all()
            assert sorted(db.session.execute(query).all()) == expected
            assert rollups.stored_totals() == totals
            stored, added = rollups.ward_month_totals()
            assert stored == added
        finally:
            db.session.remove()
            db.engine.dispose()
