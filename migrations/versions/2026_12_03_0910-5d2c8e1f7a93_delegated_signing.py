"""Delegated signing (ủy quyền ký): the chairman's delegations to officers, the procedures
each covers, and who signed each returned dossier (and under which delegation)

Revision ID: 5d2c8e1f7a93
Revises: e61f0a18c2d7
Create Date: 2026-12-03 08:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5d2c8e1f7a93"
down_revision = "e61f0a18c2d7"
branch_labels = None
depends_on = None

# The two columns of dossiers, each with its foreign key.
DOSSIER_COLUMNS = (
    ("signed_by_id", "users", "fk_dossiers_signed_by_id_users"),
    ("delegation_id", "delegations", "fk_dossiers_delegation_id_delegations"),
)


def upgrade():
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_delegations_valid_dates")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_delegations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_delegations_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_delegations_revoked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_delegations_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        sa.UniqueConstraint("ward_id", "decision_number", name="uq_delegations_ward_decision"),
    )
    op.create_index("ix_delegations_ward_officer", "delegations", ["ward_id", "officer_id"])
    op.create_table(
        "delegation_procedures",
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_delegation_procedures_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_delegation_procedures_procedure_id_procedures"),
        ),
        sa.PrimaryKeyConstraint(
            "delegation_id", "procedure_id", name=op.f("pk_delegation_procedures")
        ),
    )
    op.create_index(
        op.f("ix_delegation_procedures_procedure_id"), "delegation_procedures", ["procedure_id"]
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, target, fk in DOSSIER_COLUMNS:
        if sqlite:
            # A plain ADD COLUMN with its REFERENCES: no table copy, whose copy of dossiers
            # would break the ratings' foreign keys (SQLite has no ALTER ... ADD CONSTRAINT).
            op.execute(
                f"ALTER TABLE dossiers ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {fk} REFERENCES {target} (id)"
            )
        else:
            op.add_column("dossiers", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(fk, "dossiers", target, [column], ["id"])
        op.create_index(f"ix_dossiers_{column}", "dossiers", [column])


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, _target, fk in reversed(DOSSIER_COLUMNS):
        op.drop_index(f"ix_dossiers_{column}", table_name="dossiers")
        if sqlite:
            # Native DROP COLUMN (SQLite >= 3.35), its inline REFERENCES going with it: no
            # table copy either.
            op.execute(f"ALTER TABLE dossiers DROP COLUMN {column}")
        else:
            op.drop_constraint(fk, "dossiers", type_="foreignkey")
            op.drop_column("dossiers", column)
    op.drop_index(op.f("ix_delegation_procedures_procedure_id"), table_name="delegation_procedures")
    op.drop_table("delegation_procedures")
    op.drop_index("ix_delegations_ward_officer", table_name="delegations")
    op.drop_table("delegations")
