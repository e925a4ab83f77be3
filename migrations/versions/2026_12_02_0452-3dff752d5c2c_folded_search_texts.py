"""Folded search texts: feedback, dossiers and procedures searched without diacritics

Revision ID: 3dff752d5c2c
Revises: 0c4c74ce1523
Create Date: 2026-12-02 04:52:02

Each searched text gets a folded copy (portal.text.fold: no diacritics, đ → d, lower case),
filled here from the existing rows with the same functions the services use. On PostgreSQL
the copies get pg_trgm GIN indexes, which serve the searches' LIKE '%word%'.
"""

import sqlalchemy as sa
from alembic import op

from portal.feedback.search import texts as feedback_texts
from portal.satisfaction.catalogue import search_text_of as procedure_text
from portal.text import fold

revision = "3dff752d5c2c"
down_revision = "0c4c74ce1523"
branch_labels = None
depends_on = None

BATCH = 1000
TRIGRAM_INDEXES = (
    ("ix_feedback_search_text", "feedback", "search_text"),
    ("ix_feedback_public_search_text", "feedback", "public_search_text"),
    ("ix_dossiers_search_text", "dossiers", "search_text"),
)
COLUMNS = {
    "feedback": ("search_text", "public_search_text"),
    "dossiers": ("search_text",),
    "procedures": ("search_text",),
}


def _table(name, *sources):
    """Enough of a table for the data step: its id, the texts read and the folded ones."""
    return sa.table(name, *(sa.column(c) for c in ("id", *sources, *COLUMNS[name])))


def _batches(conn, table, columns):
    """The rows of `table`, BATCH at a time, in id order (a large table never held whole)."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(*(table.c[c] for c in columns))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _fill(conn, table, values_of):
    """Write the folded texts of every row, `values_of(row)` giving them."""
    sources = [c.name for c in table.columns if c.name not in COLUMNS[table.name]]
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in COLUMNS[table.name]})
    )
    for rows in _batches(conn, table, sources):
        params = [
            {"row_id": r.id, **{f"new_{k}": v for k, v in values_of(r).items()}} for r in rows
        ]
        conn.execute(update, params)


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite: the tables are referenced by others).
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sa.Text(), nullable=False, server_default=""))

    conn = op.get_bind()
    feedback = _table("feedback", "code", "title", "body", "address", "residential_group")
    _fill(
        conn,
        feedback,
        lambda r: feedback_texts(r.code, r.title, r.body, r.address, r.residential_group),
    )
    dossiers = _table("dossiers", "receipt_number")
    _fill(conn, dossiers, lambda r: {"search_text": fold(r.receipt_number)})
    procedures = _table("procedures", "name_vi", "name_en", "code")
    _fill(conn, procedures, lambda r: {"search_text": procedure_text(r.name_vi, r.name_en, r.code)})

    if conn.dialect.name == "postgresql":
        # The services write every new row's texts: no default needed any more (SQLite keeps
        # it: dropping it there would copy the tables).
        for table, columns in COLUMNS.items():
            for column in columns:
                op.alter_column(table, column, existing_type=sa.Text(), server_default=None)
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM_INDEXES:
            op.create_index(
                name,
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade():
    # The extension stays: other databases' objects may use it, and it is harmless.
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _column in TRIGRAM_INDEXES:
            op.drop_index(name, table_name=table)
    for table, columns in COLUMNS.items():
        for column in columns:
            op.drop_column(table, column)  # native DROP COLUMN on SQLite >= 3.35: no copy
