"""warning details: what a warning is about moves out of the narrow, often rewritten state row

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 05:17:58.485768

The columns written when a warning opens (fingerprint, rule, title, labels, field, region,
site, routing, release content, explanation, start, assignee, escalation snapshot) move to
`warning_details`, one row per warning keyed by `warning_id`; `warnings` keeps the columns that
signals, flushes and escalations change, so each change rewrites a narrow row. Existing rows are
copied over.

`warnings` keeps its name and ids, and its columns are dropped one by one (`ALTER TABLE ... DROP
COLUMN`, SQLite >= 3.35): rebuilding the table, as Alembic's batch mode does on SQLite, would
drop it, and with foreign keys enforced (they cannot be switched off inside the migration's
transaction) dropping it deletes the time line and every other row that refers to it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = (
    "fingerprint", "rule", "title", "labels", "field", "region_code", "region_path", "site_code",
    "routing", "content", "explanation", "started_at", "assignee", "escalation",
)  # fmt: skip
INDEXED = ("fingerprint", "field", "region_path", "site_code", "started_at")


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=True),
        sa.Column("region_path", sa.String(length=400), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=True),
        sa.Column("routing", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("escalation", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "warning_details",
        sa.Column("warning_id", sa.Integer(), nullable=False),
        *_columns(),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warnings.id"],
            name=op.f("fk_warning_details_warning_id_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("warning_id", name=op.f("pk_warning_details")),
    )
    names = ", ".join(MOVED)
    op.execute(
        f"INSERT INTO warning_details (warning_id, {names}) SELECT id, {names} FROM warnings"
    )
    for name in INDEXED:
        op.create_index(f"ix_warning_details_{name}", "warning_details", [name], unique=False)
        op.drop_index(f"ix_warnings_{name}", table_name="warnings")
    for name in MOVED:
        op.drop_column("warnings", name)


def downgrade() -> None:
    # Added back as NULL-able: on SQLite a NOT NULL constraint cannot be added without
    # rebuilding the table (see the module docstring); PostgreSQL gets it back.
    required = [c.name for c in _columns() if not c.nullable]
    for column in _columns():
        column.nullable = True
        op.add_column("warnings", column)
    sets = ", ".join(
        f"{n} = (SELECT d.{n} FROM warning_details AS d WHERE d.warning_id = warnings.id)"
        for n in MOVED
    )
    op.execute(f"UPDATE warnings SET {sets}")
    if op.get_bind().dialect.name != "sqlite":
        for name in required:
            op.alter_column("warnings", name, nullable=False)
    for name in INDEXED:
        op.create_index(f"ix_warnings_{name}", "warnings", [name], unique=False)
    op.drop_table("warning_details")
