"""Framework library texts: ``library_texts`` (requirement nodes of user-loaded libraries).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

One row per requirement node of a CISO Assistant framework library the user imported
(:mod:`otrisk.libraries`), unique per (library urn, node urn); ``element_id`` is the
IEC 62443-2-1 id of ours the node maps onto. Hand-written to match
:class:`otrisk.tables.LibraryTextRow`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_urn", sa.String(), nullable=False),
        sa.Column("library_name", sa.Text(), nullable=False),
        sa.Column("library_version", sa.String(), nullable=True),
        sa.Column("library_copyright", sa.Text(), nullable=True),
        sa.Column("node_urn", sa.String(), nullable=False),
        sa.Column("ref_id", sa.String(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("element_id", sa.String(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_texts")),
    )
    op.create_index(op.f("ix_library_texts_element_id"), "library_texts", ["element_id"], unique=False)
    op.create_index("uq_library_texts_node", "library_texts", ["library_urn", "node_urn"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_library_texts_node", table_name="library_texts")
    op.drop_index(op.f("ix_library_texts_element_id"), table_name="library_texts")
    op.drop_table("library_texts")
