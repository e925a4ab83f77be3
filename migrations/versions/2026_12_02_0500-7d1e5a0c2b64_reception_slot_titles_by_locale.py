"""Reception slots store no title: pages, SMS and calendar files show the kind in the reader's
language ("Tiếp công dân" / "Citizen reception") instead of the bilingual text stored before.

Revision ID: 7d1e5a0c2b64
Revises: 49cd468a4c35
Create Date: 2026-12-02 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d1e5a0c2b64"
down_revision = "49cd468a4c35"
branch_labels = None
depends_on = None

BILINGUAL = "Tiếp công dân / Citizen reception"

sessions = sa.table(
    "dialogue_sessions",
    sa.column("kind", sa.String),
    sa.column("title", sa.String),
)


def upgrade():
    op.execute(
        sessions.update()
        .where(sessions.c.kind == "reception", sessions.c.title == BILINGUAL)
        .values(title="")
    )


def downgrade():
    op.execute(
        sessions.update()
        .where(sessions.c.kind == "reception", sessions.c.title == "")
        .values(title=BILINGUAL)
    )
