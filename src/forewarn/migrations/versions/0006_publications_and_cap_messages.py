"""public warnings: publications and CAP messages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 02:30:08.432892
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("drafted_by", sa.String(length=200), nullable=True),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved", sa.JSON(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approver_department_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_department_id"],
            ["departments.id"],
            name=op.f("fk_publications_approver_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warnings.id"],
            name=op.f("fk_publications_warning_id_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("warning_id", name=op.f("uq_publications_warning_id")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publications_cancelled_at"), ["cancelled_at"], unique=False
        )

    op.create_table(
        "cap_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("headline", sa.String(length=500), nullable=False),
        sa.Column("area_desc", sa.String(length=500), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_cap_messages_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warnings.id"],
            name=op.f("fk_cap_messages_warning_id_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cap_messages")),
        sa.UniqueConstraint("identifier", name=op.f("uq_cap_messages_identifier")),
    )
    with op.batch_alter_table("cap_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cap_messages_publication_id"), ["publication_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cap_messages_sent"), ["sent"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cap_messages_warning_id"), ["warning_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cap_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cap_messages_warning_id"))
        batch_op.drop_index(batch_op.f("ix_cap_messages_sent"))
        batch_op.drop_index(batch_op.f("ix_cap_messages_publication_id"))

    op.drop_table("cap_messages")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_cancelled_at"))

    op.drop_table("publications")
