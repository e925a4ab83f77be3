"""A copy of the SQLite database taken while the portal runs (`flask --app wsgi backup`).

SQLite's online backup (Python's `Connection.backup`) copies every page in one step, inside
one read transaction: the copy is the database as it was at one moment, and writers go on
meanwhile (WAL mode, portal/db.py). The copy is checked (`PRAGMA integrity_check`), made a
single self-contained file (rollback journal instead of WAL) and only then given its name,
so a file at the destination is always a whole, checked backup. PostgreSQL is backed up with
pg_dump (docs/deployment.md).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa


class BackupRefused(Exception):
    """The database cannot be backed up this way; the message says what to do instead."""


@dataclass(frozen=True)
class BackupResult:
    source: Path
    path: Path
    size: int
    tables: int
    seconds: float


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite database URL; BackupRefused for any other database."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with "
            "`pg_dump -Fc` and restore with `pg_restore` (docs/deployment.md, section 8)."
        )
    if url.database in (None, "", ":memory:"):
        raise BackupRefused("The database is SQLite in memory: there is no file to back up.")
    path = Path(url.database)
    if not path.is_file():
        raise BackupRefused(f"The SQLite database {path} does not exist.")
    return path


def destination_for(source: Path, target: Path | None, now: datetime | None = None) -> Path:
    """The backup's file: `target` itself, or a new time-stamped name in the folder `target`
    (default: backups/ beside the database)."""
    folder = source.parent / "backups" if target is None else target
    if target is not None and not target.is_dir():
        return target
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"{source.stem}-{stamp}.db"


def backup_sqlite(database_url: str, target: Path | None = None) -> BackupResult:
    """Copy the SQLite database at `database_url` to `target` (a new file, or a folder for a
    time-stamped one) while others may write to it. Refuses an existing file."""
    source = sqlite_path(database_url)
    path = destination_for(source, target)
    if path.exists():
        raise BackupRefused(f"{path} already exists: choose another name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    started = time.monotonic()
    try:
        _copy(source, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_folder(path.parent)
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = copy.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()
    finally:
        copy.close()
    return BackupResult(source, path, path.stat().st_size, tables[0], time.monotonic() - started)


def _copy(source: Path, partial: Path) -> None:
    src = sqlite3.connect(source, timeout=30)  # it exists (sqlite_path): nothing is created
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=-1)  # every page in one step: one snapshot, writers not blocked
        problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupRefused(f"The copy failed its integrity check: {problems[:5]}")
        # One file, restorable by copying it back (the portal turns WAL on again when it
        # opens it).
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
