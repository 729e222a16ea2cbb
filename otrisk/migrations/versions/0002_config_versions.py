"""Switch configuration store: ``config_versions`` (every imported version, byte for byte).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

One row per imported configuration version; ``baseline`` marks the released one, at most
one per device (partial unique index, SQLite and PostgreSQL). Hand-written to match
:class:`otrisk.tables.ConfigVersionRow`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(), nullable=False),
        sa.Column("device_key", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_versions")),
    )
    op.create_index(op.f("ix_config_versions_device_key"), "config_versions", ["device_key"], unique=False)
    op.create_index("uq_config_versions_baseline", "config_versions", ["device_key"], unique=True,
                    sqlite_where=sa.text("baseline"), postgresql_where=sa.text("baseline"))


def downgrade() -> None:
    op.drop_index("uq_config_versions_baseline", table_name="config_versions")
    op.drop_index(op.f("ix_config_versions_device_key"), table_name="config_versions")
    op.drop_table("config_versions")
