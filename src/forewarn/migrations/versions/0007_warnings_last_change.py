"""warnings last change

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:32:13.684571
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_change", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_warnings_muted_by"), ["muted_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warnings_muted_by"))
        batch_op.drop_column("last_change")
