"""Initial schema: the plant tables, ``meta`` (revision 0) and the append-only ``change_log``.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Hand-checked from ``alembic revision --autogenerate`` on :mod:`otrisk.tables`; runs on
SQLite and PostgreSQL. Strings are ``VARCHAR`` without a length (SQLModel's ``AutoString``).
Triggers refuse UPDATE and DELETE on ``change_log`` (dropping the table stays possible).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOG_GUARD_SQLITE = """
CREATE TRIGGER change_log_no_{op} BEFORE {OP} ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END
"""
_LOG_GUARD_PG_FUNCTION = """
CREATE FUNCTION change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'change_log is append-only'; END $$
"""
_LOG_GUARD_PG = """
CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON change_log
FOR EACH STATEMENT EXECUTE FUNCTION change_log_append_only()
"""


def _str(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str, cascade: bool = False) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"),
                                   ondelete="CASCADE" if cascade else None)


def _position_unique(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("position", name=op.f(f"uq_{table}_position"))


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _child(table: str, parent: str, target: str, *columns: sa.Column, extra: Sequence[sa.Constraint] = ()) -> None:
    """A list inside an item: ``(parent id, position)`` and the list's columns."""
    op.create_table(table, _str(parent), _int("position"), *columns,
                    _fk(table, parent, target, cascade=True), *extra, _pk(table, parent, "position"))


def upgrade() -> None:
    op.create_table("meta", _int("id"), _int("revision"), _pk("meta", "id"))
    op.bulk_insert(sa.table("meta", sa.column("id", sa.Integer), sa.column("revision", sa.Integer)),
                   [{"id": 1, "revision": 0}])
    op.create_table(
        "change_log", _int("id"), sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _str("who"), _int("revision"), _str("action"),
        sa.Column("summary", sa.Text(), nullable=False), sa.Column("details", sa.Text(), nullable=False),
        _pk("change_log", "id"), sa.UniqueConstraint("revision", name=op.f("uq_change_log_revision")),
    )
    op.create_table("site", _int("id"), _str("name"), _str("sector", True), _str("entity", True),
                    _str("timezone"), _pk("site", "id"))
    op.create_table("site_change_windows", _int("position"), _str("change_window"),
                    _pk("site_change_windows", "position"))

    op.create_table(
        "zones", _str("id"), _int("position"), _str("name"), _str("kind"),
        sa.Column("purdue_level", sa.Float(), nullable=True),
        sa.Column("purdue_level_is_float", sa.Boolean(), nullable=False),
        _int("sl_target", True), _int("sl_achieved", True), _str("owner", True), _str("description", True),
        _pk("zones", "id"), _position_unique("zones"),
    )
    _index("zones", "kind")
    _child("zone_vlans", "zone_id", "zones.id", _int("vlan"))
    _index("zone_vlans", "vlan")
    _child("zone_subnets", "zone_id", "zones.id", _str("subnet"))

    op.create_table(
        "assets", _str("id"), _int("position"), _str("name"), _str("type"), _str("zone", True),
        *(_str(c, True) for c in ("vendor", "model", "firmware", "ip", "mac", "switch_port", "location", "owner")),
        _int("impact_production", True), _int("impact_safety", True), _int("impact_delivery", True),
        _str("description", True),
        _fk("assets", "zone", "zones.id"), _pk("assets", "id"), _position_unique("assets"),
    )
    for column in ("ip", "type", "zone"):
        _index("assets", column)
    _child("asset_interfaces", "asset_id", "assets.id",
           *(_str(c, True) for c in ("zone", "ip", "mac", "switch_port")),
           extra=[_fk("asset_interfaces", "zone", "zones.id")])
    _index("asset_interfaces", "zone")
    _child("asset_depends_on", "asset_id", "assets.id", _str("depends_on"),
           extra=[_fk("asset_depends_on", "depends_on", "assets.id")])
    _index("asset_depends_on", "depends_on")
    _child("asset_manages", "asset_id", "assets.id", _str("managed"),
           extra=[_fk("asset_manages", "managed", "assets.id")])
    _index("asset_manages", "managed")

    op.create_table(
        "conduits", _str("id"), _int("position"), _str("name", True), _str("zone_a"), _str("zone_b"),
        _str("direction"), sa.Column("one_way", sa.Boolean(), nullable=False), _int("sl_target", True),
        sa.Column("approved", sa.Boolean(), nullable=False), _str("description", True),
        _fk("conduits", "zone_a", "zones.id"), _fk("conduits", "zone_b", "zones.id"),
        _pk("conduits", "id"), _position_unique("conduits"),
    )
    _index("conduits", "zone_a")
    _index("conduits", "zone_b")
    _child("conduit_protocols", "conduit_id", "conduits.id", _str("protocol"))
    _child("conduit_boundary_devices", "conduit_id", "conduits.id", _str("asset_id"),
           extra=[_fk("conduit_boundary_devices", "asset_id", "assets.id")])
    _index("conduit_boundary_devices", "asset_id")

    op.create_table(
        "evidence", _str("id"), _int("position"), _str("kind"), _str("title"),
        sa.Column("collected", sa.Date(), nullable=False), sa.Column("valid_until", sa.Date(), nullable=True),
        _str("location", True), _str("file_name", True), _str("file_sha256", True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        _pk("evidence", "id"), _position_unique("evidence"),
    )
    _child("evidence_elements", "evidence_id", "evidence.id", _str("element"))
    _index("evidence_elements", "element")
    _child("evidence_covers", "evidence_id", "evidence.id", _str("asset_id", True), _str("zone_id", True),
           extra=[_fk("evidence_covers", "asset_id", "assets.id"), _fk("evidence_covers", "zone_id", "zones.id"),
                  sa.CheckConstraint("(asset_id IS NULL) <> (zone_id IS NULL)",
                                     name=op.f("ck_evidence_covers_one_target"))])
    _index("evidence_covers", "asset_id")
    _index("evidence_covers", "zone_id")

    op.create_table("assessments", sa.Column("date", sa.Date(), nullable=False), _int("position"),
                    _str("name", True), _pk("assessments", "date"), _position_unique("assessments"))
    op.create_table(
        "assessment_entries", sa.Column("assessment_date", sa.Date(), nullable=False), _str("section"),
        _int("position"), _str("element"), _int("level", True), _str("reason", True),
        _fk("assessment_entries", "assessment_date", "assessments.date", cascade=True),
        _pk("assessment_entries", "assessment_date", "section", "position"),
    )
    _index("assessment_entries", "element")

    op.create_table("accepted_findings", _str("id"), _int("position"), _str("justification"),
                    _str("accepted_by"), sa.Column("review_by", sa.Date(), nullable=False),
                    _pk("accepted_findings", "id"), _position_unique("accepted_findings"))
    op.create_table("actions", _str("id"), _int("position"), _str("title"), _str("owner", True),
                    sa.Column("due", sa.Date(), nullable=True), _str("status"), _str("notes", True),
                    _pk("actions", "id"), _position_unique("actions"))
    _index("actions", "status")
    _child("action_elements", "action_id", "actions.id", _str("element"))
    _index("action_elements", "element")

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_LOG_GUARD_PG_FUNCTION)
        op.execute(_LOG_GUARD_PG)
    else:
        for name in ("update", "delete"):
            op.execute(_LOG_GUARD_SQLITE.format(op=name, OP=name.upper()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS change_log_append_only ON change_log")
        op.execute("DROP FUNCTION IF EXISTS change_log_append_only()")
    else:
        for name in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS change_log_no_{name}")
    for table in (
        "action_elements", "actions", "accepted_findings", "assessment_entries", "assessments",
        "evidence_covers", "evidence_elements", "evidence", "conduit_boundary_devices", "conduit_protocols",
        "conduits", "asset_manages", "asset_depends_on", "asset_interfaces", "assets",
        "zone_subnets", "zone_vlans", "zones", "site_change_windows", "site", "change_log", "meta",
    ):
        op.drop_table(table)
