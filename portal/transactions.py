"""One transaction for work done outside a request: a worker's step or a command.

A request has its own boundary (`portal.web.commit`). A worker or a command wraps each unit
of its work in `unit_of_work()`: whatever the session held before is dropped, the
transaction begins as a writer (BEGIN IMMEDIATE on SQLite, so that it never has to upgrade a
read transaction), it commits when the block ends and rolls back if the block raises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portal.db import write_intent
from portal.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    db.session.rollback()
    with write_intent():
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()


def fresh_read() -> None:
    """End whatever transaction the session holds before a read-only step."""
    db.session.rollback()
