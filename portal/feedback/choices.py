"""The lists an officer's feedback pages offer on every request (the inbox's category and
officer filters, the officers to assign an item to), kept per ward in this process for a
short while instead of being read from the database on every page (issue 17).

Correct at once in this process: every statement this process sends that writes to the
categories or the accounts (an ORM flush, a bulk UPDATE, a raw DELETE) makes the stored
lists of that kind out of date, when it runs and again when its transaction commits (so a
list read meanwhile, before the change was visible, is not kept). Other processes see a
change after at most INBOX_LISTS_SECONDS, like the page cache. The lists are plain tuples
of ids and names, never ORM objects: they outlive the request's database session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from portal import pagecache
from portal.extensions import db

# Which list each table feeds.
KINDS = {"feedback_categories": "categories", "users": "officers"}
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE
)  # (a statement sent as text)
_TOUCHED = "portal_choices_touched"  # on a connection's info: kinds written, not committed

_store = pagecache.TTLStore()
_generation = dict.fromkeys(KINDS.values(), 0)


class Officer(NamedTuple):
    id: int
    full_name: str


def _kind_of(statement) -> str | None:
    if isinstance(statement, sa.sql.dml.UpdateBase):
        return KINDS.get(getattr(statement.table, "name", ""))
    if isinstance(statement, str | sa.TextClause):
        match = _WRITE.match(str(statement))
        return KINDS.get(match.group(1).lower()) if match else None
    return None


def _forget(kinds) -> None:
    for kind in kinds:
        _generation[kind] += 1


@sa.event.listens_for(sa.engine.Engine, "after_execute")
def _note_write(connection, statement, *_args) -> None:
    kind = _kind_of(statement)
    if kind is not None:
        _forget([kind])
        connection.info.setdefault(_TOUCHED, set()).add(kind)


@sa.event.listens_for(sa.engine.Engine, "commit")
def _note_commit(connection) -> None:
    _forget(connection.info.pop(_TOUCHED, ()))


@sa.event.listens_for(sa.engine.Engine, "rollback")
def _note_rollback(connection) -> None:
    connection.info.pop(_TOUCHED, None)


def _remember(kind: str, key: tuple, load: Callable[[], tuple]) -> tuple:
    seconds = current_app.config.get("INBOX_LISTS_SECONDS", 0)
    if seconds <= 0:
        return load()
    # The generation is read before the rows; the database is named (tests use two).
    full_key = (kind, _generation[kind], str(db.engine.url), *key)
    kept = _store.get(full_key, pagecache.clock())
    if kept is None:
        kept = load()
        _store.put(full_key, kept, pagecache.clock() + seconds)
    return kept


def category_names(ward_id: int, locale: str) -> dict[int, str]:
    """{id: name in `locale`} of every category of the ward (inactive ones too: old items
    still name theirs), in the ward's order."""
    from portal.feedback.categories import ward_categories

    def load() -> tuple:
        return tuple((c.id, c.name(locale)) for c in ward_categories(ward_id, active_only=False))

    return dict(_remember("categories", (ward_id, locale), load))


def officers(ward_id: int) -> tuple[Officer, ...]:
    """The ward's officers that feedback can be assigned to (workflow.officers), by name."""
    from portal.feedback.workflow import officers as load_officers

    def load() -> tuple:
        return tuple(Officer(u.id, u.full_name) for u in load_officers(ward_id))

    return _remember("officers", (ward_id,), load)


def clear() -> None:
    _store.clear()
