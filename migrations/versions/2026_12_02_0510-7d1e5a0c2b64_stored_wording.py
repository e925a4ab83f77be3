"""Stored wording: reception slots store no title (pages, SMS and calendar files show the kind
in the reader's language, "Tiếp công dân" / "Citizen reception", instead of the bilingual text
stored before); the default feedback category cites Decree 20/2008/NĐ-CP by its full number.

Revision ID: 7d1e5a0c2b64
Revises: 3dff752d5c2c
Create Date: 2026-12-02 05:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d1e5a0c2b64"
down_revision = "3dff752d5c2c"
branch_labels = None
depends_on = None

BILINGUAL = "Tiếp công dân / Citizen reception"

OLD_DESCRIPTIONS = (
    "Phản ánh, kiến nghị về quy định hành chính, thủ tục hành chính (Nghị định 20/2008).",
    "Feedback on administrative regulations and procedures (Decree 20/2008).",
)
NEW_DESCRIPTIONS = (
    "Phản ánh, kiến nghị về quy định hành chính, thủ tục hành chính (Nghị định 20/2008/NĐ-CP).",
    "Feedback on administrative regulations and procedures (Decree 20/2008/ND-CP).",
)

categories = sa.table(
    "feedback_categories",
    sa.column("code", sa.String),
    sa.column("description_vi", sa.String),
    sa.column("description_en", sa.String),
)
sessions = sa.table(
    "dialogue_sessions",
    sa.column("kind", sa.String),
    sa.column("title", sa.String),
)


def _describe(old: tuple[str, str], new: tuple[str, str]) -> None:
    for column, before, after in zip(("description_vi", "description_en"), old, new, strict=True):
        op.execute(
            categories.update()
            .where(categories.c.code == "procedures", categories.c[column] == before)
            .values({column: after})
        )


def upgrade():
    op.execute(
        sessions.update()
        .where(sessions.c.kind == "reception", sessions.c.title == BILINGUAL)
        .values(title="")
    )
    _describe(OLD_DESCRIPTIONS, NEW_DESCRIPTIONS)


def downgrade():
    op.execute(
        sessions.update()
        .where(sessions.c.kind == "reception", sessions.c.title == "")
        .values(title=BILINGUAL)
    )
    _describe(NEW_DESCRIPTIONS, OLD_DESCRIPTIONS)
