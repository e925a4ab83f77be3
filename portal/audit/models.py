"""The audit trail's one table. Rows are only ever added: the ORM refuses to change or delete
one, and on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE to every role."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_ward_created", "ward_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who: kept as they were then (a later rename or role change does not rewrite history;
    # no foreign key, so nothing ever cascades into this table). None: a scheduled job.
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(120), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    # The ward whose record it was (None: city-wide, e.g. an API key).
    ward_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(80), index=True)  # the route's endpoint
    target_type: Mapped[str | None] = mapped_column(sa.String(30))
    target_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # What changed, as codes and numbers only: never a name, phone or text of the record.
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    client_address: Mapped[str | None] = mapped_column(sa.String(45))


# The database's own refusal (PostgreSQL): also against the application's role, which owns
# the table. Restoring a backup or emptying test databases needs a superuser's
# `SET session_replication_role = replica`.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()",
)
DROP_APPEND_ONLY = (
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "DROP FUNCTION IF EXISTS audit_entries_append_only()",
)

for _statement in (APPEND_ONLY_FUNCTION, *APPEND_ONLY_TRIGGERS):
    sa.event.listen(
        AuditEntry.__table__,
        "after_create",
        sa.DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"),
    )
