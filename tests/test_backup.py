"""Backups: `flask --app wsgi backup` copies the SQLite database while it is written; the
PostgreSQL database goes through pg_dump -Fc and pg_restore into a fresh database, on which
the portal shows what was there."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest
import sqlalchemy as sa
from conftest import (
    XDIST_WORKER,
    build_world,
    fresh_database,
    make_conference,
    make_config,
    worker_database_name,
)

from portal import create_app
from portal.auth.models import User
from portal.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


# ---------------------------------------------------------------- SQLite: flask backup


@pytest.fixture
def sqlite_app(tmp_path):
    """The portal on a SQLite file (WAL, as it runs) with the world in it and some 16 MB of
    attachments-like rows, so that copying takes a while."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        db.create_all()
        build_world()
        db.session.execute(sa.text("CREATE TABLE probe_a (n INTEGER PRIMARY KEY, at REAL)"))
        db.session.execute(sa.text("CREATE TABLE probe_b (n INTEGER PRIMARY KEY, pad BLOB)"))
        db.session.execute(
            sa.text("CREATE TABLE ballast (n INTEGER PRIMARY KEY, pad BLOB)"),
        )
        for _ in range(16):
            db.session.execute(
                sa.text("INSERT INTO ballast (pad) VALUES (randomblob(1048576))"),
            )
        db.session.commit()
        db.session.remove()
        yield app
        db.engine.dispose()


def test_backup_while_the_portal_writes(sqlite_app, tmp_path):
    """A writer commits pairs of rows (one in each of two tables, in one transaction) the
    whole time; the backup does not stop it, and the copy holds whole pairs only, the
    world's accounts, and passes SQLite's integrity check."""
    db_file = tmp_path / "portal.db"
    stop = threading.Event()
    commits: list[float] = []

    def writer() -> None:
        conn = sqlite3.connect(db_file, timeout=30, isolation_level=None)
        try:
            n = 0
            while not stop.is_set():
                n += 1
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO probe_a (n, at) VALUES (?, ?)", (n, time.time()))
                conn.execute("INSERT INTO probe_b (n, pad) VALUES (?, randomblob(2048))", (n,))
                conn.execute("COMMIT")
                commits.append(time.monotonic())
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(commits) < 50:
            time.sleep(0.005)
        started = time.monotonic()
        result = sqlite_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
        ended = time.monotonic()
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)

    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    during = [t for t in commits if started <= t <= ended]
    assert during, "no write went through while the backup ran"
    copy = sqlite3.connect(f"file:{tmp_path / 'copy.db'}?mode=ro", uri=True)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        a = copy.execute("SELECT count(*), max(n) FROM probe_a").fetchone()
        b = copy.execute("SELECT count(*), max(n) FROM probe_b").fetchone()
        phones = {row[0] for row in copy.execute("SELECT phone FROM users")}
        ballast = copy.execute("SELECT count(*) FROM ballast").fetchone()[0]
    finally:
        copy.close()
    assert a == b, "the copy holds half a transaction"
    assert 50 <= a[0] < len(commits), (a, len(commits))
    assert "+84912345678" in phones and len(phones) == 6
    assert ballast == 16
    assert not list(tmp_path.glob(".copy.db.partial-*"))
    # The copy is a portal database: the app opens it and finds the accounts.
    copied = create_app(make_config(f"sqlite:///{tmp_path / 'copy.db'}"))
    with copied.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 6
        db.engine.dispose()


def test_backup_to_a_folder_gets_a_dated_name_and_never_overwrites(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    first = runner.invoke(args=["backup"])  # default: backups/ beside the database
    assert first.exit_code == 0, first.output
    made = list((tmp_path / "backups").glob("portal-*.db"))
    assert len(made) == 1
    again = runner.invoke(args=["backup", str(made[0])])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_backup_refuses_postgresql_and_memory(tmp_path):
    target = str(tmp_path / "never-written.db")
    app = create_app(make_config("postgresql+psycopg://postgres@127.0.0.1:1/not_used"))
    result = app.test_cli_runner().invoke(args=["backup", target])
    assert result.exit_code == 1
    assert "not SQLite" in result.output and "pg_dump" in result.output
    app = create_app(make_config("sqlite://"))
    result = app.test_cli_runner().invoke(args=["backup", target])
    assert result.exit_code == 1 and "in memory" in result.output
    assert not list(tmp_path.iterdir())
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- PostgreSQL: pg_dump, pg_restore


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it (postgresql://…)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_pg_dump_and_pg_restore_into_a_fresh_database(app, backend, world, tmp_path):
    """The deployment guide's backup and restore: `pg_dump -Fc` of the database, then
    `pg_restore --no-owner` into a new, empty one; the portal started on it shows the
    conference."""
    if backend != "postgresql":
        pytest.skip("pg_dump/pg_restore is for PostgreSQL (SQLite: flask backup)")
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (Debian package postgresql-client)")
    conference = make_conference(world.ward, capacity=7, title="Hội nghị đã sao lưu")
    db.session.commit()
    path = f"/wards/{world.ward.slug}/dialogues/{conference.id}"
    dump = tmp_path / "ward_portal.dump"
    source = db.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        ["pg_dump", "-Fc", "--file", str(dump), "--dbname", libpq_url(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    base = sa.make_url(PG_URL).database
    name = worker_database_name(f"{base}_restore", XDIST_WORKER or "main")
    with fresh_database(PG_URL, name) as restored_url:
        done = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                libpq_url(restored_url),
                str(dump),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        restored = create_app(make_config(restored_url))
        try:
            with restored.app_context():
                response = restored.test_client().get(path)
                users = db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()
                db.session.remove()
        finally:
            with restored.app_context():
                db.engine.dispose()
    assert response.status_code == 200
    assert "Hội nghị đã sao lưu" in response.get_data(as_text=True)
    assert users == 6
