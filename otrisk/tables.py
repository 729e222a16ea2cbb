"""Database tables of the plant model, and the conversion between a Plant and its rows.

One database holds one plant. Every item of a plant section is one row of that
section's table, with a ``position`` column that keeps the order of the file; every list
inside an item (VLANs, subnets, protocols, boundary devices, interfaces, ``depends_on`` and
``manages`` edges, evidence elements and covers, assessment entries, action elements) is a
child table keyed by ``(parent id, position)``. References between items (an asset's zone,
a conduit's zones, dependency edges, …) are foreign keys, so the database itself refuses
a dangling reference.

Two tables do not hold the plant: ``meta`` (one row, the plant's revision) and
``change_log`` (append-only: who saved which revision when, and what changed).

Invariant: storing :func:`plant_rows` of a consistent plant ``p`` and reading the tables
back through :func:`plant_from_rows` gives ``p`` again (list and mapping order, ``3`` vs
``3.0`` Purdue levels and unset optional values included).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, LargeBinary, Text, text
from sqlmodel import Field, SQLModel

from otrisk.models import FORMAT, Plant

__all__ = [
    "MetaRow", "ChangeLogRow", "SiteRow", "SiteChangeWindowRow",
    "ZoneRow", "ZoneVlanRow", "ZoneSubnetRow",
    "ConduitRow", "ConduitProtocolRow", "ConduitBoundaryDeviceRow",
    "AssetRow", "AssetInterfaceRow", "AssetDependsOnRow", "AssetManagesRow",
    "EvidenceRow", "EvidenceElementRow", "EvidenceCoverRow",
    "AssessmentRow", "AssessmentEntryRow", "AcceptedFindingRow", "ActionRow", "ActionElementRow",
    "PLANT_TABLES", "plant_rows", "plant_from_rows", "ConfigVersionRow", "LibraryTextRow",
]

# Named constraints: Alembic's batch mode (SQLite) can only alter constraints that have names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_CASCADE = "CASCADE"


class MetaRow(SQLModel, table=True):
    """The one row of bookkeeping: ``revision`` counts saves (0 = nothing stored yet)."""

    __tablename__ = "meta"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0


class ChangeLogRow(SQLModel, table=True):
    """One save: ``details`` is JSON ``{section: {"added": [ids], "changed": [...], "removed": [...]}}``."""

    __tablename__ = "change_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    who: str
    revision: int = Field(unique=True)
    action: str
    summary: str = Field(sa_type=Text)
    details: str = Field(sa_type=Text)


class SiteRow(SQLModel, table=True):
    __tablename__ = "site"
    id: int = Field(default=1, primary_key=True)
    name: str
    sector: str | None = None
    entity: str | None = None
    timezone: str


class SiteChangeWindowRow(SQLModel, table=True):
    __tablename__ = "site_change_windows"
    position: int = Field(primary_key=True)
    change_window: str


class ZoneRow(SQLModel, table=True):
    """A zone. ``purdue_level_is_float`` remembers ``3.0`` (written so) apart from ``3``."""

    __tablename__ = "zones"
    id: str = Field(primary_key=True)
    position: int = Field(unique=True)
    name: str
    kind: str = Field(index=True)
    purdue_level: float | None = None
    purdue_level_is_float: bool = False
    sl_target: int | None = None
    sl_achieved: int | None = None
    owner: str | None = None
    description: str | None = None


class ZoneVlanRow(SQLModel, table=True):
    __tablename__ = "zone_vlans"
    zone_id: str = Field(foreign_key="zones.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    vlan: int = Field(index=True)


class ZoneSubnetRow(SQLModel, table=True):
    __tablename__ = "zone_subnets"
    zone_id: str = Field(foreign_key="zones.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    subnet: str


class AssetRow(SQLModel, table=True):
    """An asset; its impact ratings are the three ``impact_*`` columns (NULL = unknown)."""

    __tablename__ = "assets"
    id: str = Field(primary_key=True)
    position: int = Field(unique=True)
    name: str
    type: str = Field(index=True)
    zone: str | None = Field(default=None, foreign_key="zones.id", index=True)
    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    ip: str | None = Field(default=None, index=True)
    mac: str | None = None
    switch_port: str | None = None
    location: str | None = None
    owner: str | None = None
    impact_production: int | None = None
    impact_safety: int | None = None
    impact_delivery: int | None = None
    description: str | None = None


class AssetInterfaceRow(SQLModel, table=True):
    __tablename__ = "asset_interfaces"
    asset_id: str = Field(foreign_key="assets.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    zone: str | None = Field(default=None, foreign_key="zones.id", index=True)
    ip: str | None = None
    mac: str | None = None
    switch_port: str | None = None


class AssetDependsOnRow(SQLModel, table=True):
    """Edge ``asset_id -> depends_on``: if ``depends_on`` is lost, ``asset_id`` is affected."""

    __tablename__ = "asset_depends_on"
    asset_id: str = Field(foreign_key="assets.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    depends_on: str = Field(foreign_key="assets.id", index=True)


class AssetManagesRow(SQLModel, table=True):
    """Edge ``asset_id -> managed``: ``asset_id`` can change ``managed``'s logic or configuration."""

    __tablename__ = "asset_manages"
    asset_id: str = Field(foreign_key="assets.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    managed: str = Field(foreign_key="assets.id", index=True)


class ConduitRow(SQLModel, table=True):
    __tablename__ = "conduits"
    id: str = Field(primary_key=True)
    position: int = Field(unique=True)
    name: str | None = None
    zone_a: str = Field(foreign_key="zones.id", index=True)
    zone_b: str = Field(foreign_key="zones.id", index=True)
    direction: str
    one_way: bool
    sl_target: int | None = None
    approved: bool
    description: str | None = None


class ConduitProtocolRow(SQLModel, table=True):
    __tablename__ = "conduit_protocols"
    conduit_id: str = Field(foreign_key="conduits.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    protocol: str


class ConduitBoundaryDeviceRow(SQLModel, table=True):
    __tablename__ = "conduit_boundary_devices"
    conduit_id: str = Field(foreign_key="conduits.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    asset_id: str = Field(foreign_key="assets.id", index=True)


class EvidenceRow(SQLModel, table=True):
    __tablename__ = "evidence"
    id: str = Field(primary_key=True)
    position: int = Field(unique=True)
    kind: str
    title: str
    collected: dt.date
    valid_until: dt.date | None = None
    location: str | None = None
    file_name: str | None = None
    file_sha256: str | None = None
    retired: bool


class EvidenceElementRow(SQLModel, table=True):
    __tablename__ = "evidence_elements"
    evidence_id: str = Field(foreign_key="evidence.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    element: str = Field(index=True)


class EvidenceCoverRow(SQLModel, table=True):
    """What an evidence item covers: exactly one of an asset or a zone (``zone:<id>`` in the file)."""

    __tablename__ = "evidence_covers"
    __table_args__ = (CheckConstraint("(asset_id IS NULL) <> (zone_id IS NULL)", name="one_target"),)
    evidence_id: str = Field(foreign_key="evidence.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    asset_id: str | None = Field(default=None, foreign_key="assets.id", index=True)
    zone_id: str | None = Field(default=None, foreign_key="zones.id", index=True)


class AssessmentRow(SQLModel, table=True):
    __tablename__ = "assessments"
    date: dt.date = Field(primary_key=True)
    position: int = Field(unique=True)
    name: str | None = None


class AssessmentEntryRow(SQLModel, table=True):
    """One ``section`` entry of an assessment: ``maturity``/``target`` (``level``) or
    ``not_applicable`` (``reason``)."""

    __tablename__ = "assessment_entries"
    assessment_date: dt.date = Field(foreign_key="assessments.date", ondelete=_CASCADE, primary_key=True)
    section: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    element: str = Field(index=True)
    level: int | None = None
    reason: str | None = None


class AcceptedFindingRow(SQLModel, table=True):
    __tablename__ = "accepted_findings"
    id: str = Field(primary_key=True)
    position: int = Field(unique=True)
    justification: str
    accepted_by: str
    review_by: dt.date


class ActionRow(SQLModel, table=True):
    __tablename__ = "actions"
    id: str = Field(primary_key=True)
    position: int = Field(unique=True)
    title: str
    owner: str | None = None
    due: dt.date | None = None
    status: str = Field(index=True)
    notes: str | None = None


class ActionElementRow(SQLModel, table=True):
    __tablename__ = "action_elements"
    action_id: str = Field(foreign_key="actions.id", ondelete=_CASCADE, primary_key=True)
    position: int = Field(primary_key=True)
    element: str = Field(index=True)


#: Tables holding the plant, parents before children (insert order; delete in reverse).
PLANT_TABLES: tuple[type[SQLModel], ...] = (
    SiteRow, SiteChangeWindowRow, ZoneRow, ZoneVlanRow, ZoneSubnetRow,
    AssetRow, AssetInterfaceRow, AssetDependsOnRow, AssetManagesRow,
    ConduitRow, ConduitProtocolRow, ConduitBoundaryDeviceRow,
    EvidenceRow, EvidenceElementRow, EvidenceCoverRow,
    AssessmentRow, AssessmentEntryRow, AcceptedFindingRow, ActionRow, ActionElementRow,
)
_ASSESSMENT_SECTIONS = ("maturity", "target", "not_applicable")


def plant_rows(plant: Plant) -> dict[type[SQLModel], list[dict[str, Any]]]:
    """Column values of the rows that store a consistent ``plant``.

    The values come from a validated Plant and are not validated again through the table
    models (``model_validate`` on a table model costs ~0.3 ms a row: seconds per save).

    Returns
    -------
    dict
        ``{table class: [{column: value}, …]}``, a list (maybe empty) for every table of
        :data:`PLANT_TABLES`, rows in file order.
    """
    out: dict[type[SQLModel], list[dict[str, Any]]] = {cls: [] for cls in PLANT_TABLES}

    def add(cls: type[SQLModel], values: dict[str, Any]) -> None:
        out[cls].append(values)

    def add_list(cls: type[SQLModel], key: Mapping[str, Any], field: str, values: Iterable[Any]) -> None:
        for i, value in enumerate(values):
            add(cls, {**key, "position": i, field: value})

    site = plant.site
    add(SiteRow, {"id": 1, **site.model_dump(exclude={"change_windows"})})
    add_list(SiteChangeWindowRow, {}, "change_window", site.change_windows)
    for p, z in enumerate(plant.zones):
        level = z.purdue_level
        add(ZoneRow, {**z.model_dump(exclude={"vlans", "subnets", "purdue_level"}), "position": p,
                      "purdue_level": None if level is None else float(level),
                      "purdue_level_is_float": isinstance(level, float)})
        add_list(ZoneVlanRow, {"zone_id": z.id}, "vlan", z.vlans)
        add_list(ZoneSubnetRow, {"zone_id": z.id}, "subnet", z.subnets)
    for p, a in enumerate(plant.assets):
        scalars = a.model_dump(exclude={"interfaces", "impact", "depends_on", "manages"})
        add(AssetRow, {**scalars, "position": p, **{f"impact_{k}": v for k, v in a.impact.as_dict().items()}})
        for i, nic in enumerate(a.interfaces):
            add(AssetInterfaceRow, {"asset_id": a.id, "position": i, **nic.model_dump()})
        add_list(AssetDependsOnRow, {"asset_id": a.id}, "depends_on", a.depends_on)
        add_list(AssetManagesRow, {"asset_id": a.id}, "managed", a.manages)
    for p, c in enumerate(plant.conduits):
        scalars = c.model_dump(exclude={"zones", "protocols", "boundary_devices"})
        add(ConduitRow, {**scalars, "position": p, "zone_a": c.zones[0], "zone_b": c.zones[1]})
        add_list(ConduitProtocolRow, {"conduit_id": c.id}, "protocol", c.protocols)
        add_list(ConduitBoundaryDeviceRow, {"conduit_id": c.id}, "asset_id", c.boundary_devices)
    for p, e in enumerate(plant.evidence):
        scalars = e.model_dump(exclude={"elements", "covers", "file"})
        add(EvidenceRow, {**scalars, "position": p, "file_name": e.file.name if e.file else None,
                          "file_sha256": e.file.sha256 if e.file else None})
        add_list(EvidenceElementRow, {"evidence_id": e.id}, "element", e.elements)
        for i, target in enumerate(e.covers):
            zone = target[len("zone:"):] if target.startswith("zone:") else None
            add(EvidenceCoverRow, {"evidence_id": e.id, "position": i, "zone_id": zone,
                                   "asset_id": None if zone is not None else target})
    for p, s in enumerate(plant.assessments):
        add(AssessmentRow, {"date": s.date, "position": p, "name": s.name})
        for section in _ASSESSMENT_SECTIONS:
            na = section == "not_applicable"
            for i, (element, value) in enumerate(getattr(s, section).items()):
                add(AssessmentEntryRow, {"assessment_date": s.date, "section": section, "position": i,
                                         "element": element, "level": None if na else value,
                                         "reason": value if na else None})
    for p, f in enumerate(plant.accepted_findings):
        add(AcceptedFindingRow, {**f.model_dump(), "position": p})
    for p, act in enumerate(plant.actions):
        add(ActionRow, {**act.model_dump(exclude={"elements"}), "position": p})
        add_list(ActionElementRow, {"action_id": act.id}, "element", act.elements)
    return out


def _grouped(rows: Sequence[Any], *key: str) -> defaultdict[Any, list[Any]]:
    groups: defaultdict[Any, list[Any]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.position):
        groups[tuple(getattr(row, k) for k in key) if len(key) > 1 else getattr(row, key[0])].append(row)
    return groups


def _scalars(row: Any, *drop: str) -> dict[str, Any]:
    values = row.model_dump() if isinstance(row, SQLModel) else row._asdict()
    return {k: v for k, v in values.items() if k != "position" and k not in drop}


def plant_from_rows(rows: Mapping[type[SQLModel], Sequence[Any]]) -> Plant | None:
    """Rebuild the plant from ``{table class: rows}`` (any order; missing tables are empty).

    A row is a table-model instance or a result row of ``select(table)``.

    Returns
    -------
    Plant or None
        None when there is no site row (nothing stored yet).

    Raises
    ------
    pydantic.ValidationError
        When the rows do not form a valid plant (a damaged database).
    """
    sites = rows.get(SiteRow, [])
    if not sites:
        return None

    def get(cls: type[SQLModel]) -> Sequence[Any]:
        return sorted(rows.get(cls, []), key=lambda r: r.position)

    def values(groups: Mapping[Any, list[Any]], key: Any, field: str) -> list[Any]:
        return [getattr(r, field) for r in groups.get(key, [])]

    vlans, subnets = _grouped(rows.get(ZoneVlanRow, []), "zone_id"), _grouped(rows.get(ZoneSubnetRow, []), "zone_id")
    zones = []
    for z in get(ZoneRow):
        level = z.purdue_level
        if level is not None and not z.purdue_level_is_float and level == int(level):
            level = int(level)
        zones.append({**_scalars(z, "purdue_level_is_float"), "purdue_level": level,
                      "vlans": values(vlans, z.id, "vlan"), "subnets": values(subnets, z.id, "subnet")})
    nics = _grouped(rows.get(AssetInterfaceRow, []), "asset_id")
    deps = _grouped(rows.get(AssetDependsOnRow, []), "asset_id")
    manages = _grouped(rows.get(AssetManagesRow, []), "asset_id")
    assets = []
    for a in get(AssetRow):
        impact = {axis: getattr(a, f"impact_{axis}") for axis in ("production", "safety", "delivery")}
        assets.append({**_scalars(a, *(f"impact_{k}" for k in impact)), "impact": impact,
                       "interfaces": [_scalars(n, "asset_id") for n in nics.get(a.id, [])],
                       "depends_on": values(deps, a.id, "depends_on"), "manages": values(manages, a.id, "managed")})
    protocols = _grouped(rows.get(ConduitProtocolRow, []), "conduit_id")
    boundary = _grouped(rows.get(ConduitBoundaryDeviceRow, []), "conduit_id")
    conduits = [{**_scalars(c, "zone_a", "zone_b"), "zones": [c.zone_a, c.zone_b],
                 "protocols": values(protocols, c.id, "protocol"),
                 "boundary_devices": values(boundary, c.id, "asset_id")} for c in get(ConduitRow)]
    elements = _grouped(rows.get(EvidenceElementRow, []), "evidence_id")
    covers = _grouped(rows.get(EvidenceCoverRow, []), "evidence_id")
    evidence = []
    for e in get(EvidenceRow):
        item = _scalars(e, "file_name", "file_sha256")
        item["file"] = {"name": e.file_name, "sha256": e.file_sha256} if e.file_name is not None else None
        item["elements"] = values(elements, e.id, "element")
        item["covers"] = [f"zone:{c.zone_id}" if c.zone_id is not None else c.asset_id for c in covers.get(e.id, [])]
        evidence.append(item)
    entries = _grouped(rows.get(AssessmentEntryRow, []), "assessment_date", "section")
    assessments = []
    for s in get(AssessmentRow):
        item = {"date": s.date, "name": s.name}
        for section in _ASSESSMENT_SECTIONS:
            field = "reason" if section == "not_applicable" else "level"
            item[section] = {r.element: getattr(r, field) for r in entries.get((s.date, section), [])}
        assessments.append(item)
    action_elements = _grouped(rows.get(ActionElementRow, []), "action_id")
    actions = [{**_scalars(a), "elements": values(action_elements, a.id, "element")} for a in get(ActionRow)]
    return Plant.model_validate({
        "format": FORMAT,
        "site": {**_scalars(sites[0], "id"), "change_windows": [w.change_window for w in get(SiteChangeWindowRow)]},
        "zones": zones, "conduits": conduits, "assets": assets, "evidence": evidence,
        "assessments": assessments, "accepted_findings": [_scalars(f) for f in get(AcceptedFindingRow)],
        "actions": actions,
    })


class ConfigVersionRow(SQLModel, table=True):
    """One imported switch configuration, byte for byte (not part of the plant).

    ``device_key`` is the device id lower-cased (hostname, else file stem). At most one
    version per device is the released baseline (a partial unique index);
    ``released_at``/``released_by`` tell when that version was last released.
    """

    __tablename__ = "config_versions"
    __table_args__ = (Index("uq_config_versions_baseline", "device_key", unique=True,
                            sqlite_where=text("baseline"), postgresql_where=text("baseline")),)
    id: int | None = Field(default=None, primary_key=True)
    device: str
    device_key: str = Field(index=True)
    sha256: str
    imported_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    imported_by: str
    changed_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    file_name: str
    size: int
    baseline: bool = False
    released_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    released_by: str | None = None
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LibraryTextRow(SQLModel, table=True):
    """One requirement node of a framework library the user loaded (not part of the plant).

    From a CISO Assistant library (:mod:`otrisk.libraries`): the library's urn, name,
    version and copyright as given, and per node its urn, ``ref_id``, name and description.
    ``element_id`` is the IEC 62443-2-1 element, sub-element or requirement id of ours the
    node maps onto (NULL: none). Rows are in file order (``id``); a re-import of the same
    library urn replaces its rows.
    """

    __tablename__ = "library_texts"
    __table_args__ = (Index("uq_library_texts_node", "library_urn", "node_urn", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    library_urn: str
    library_name: str = Field(sa_type=Text)
    library_version: str | None = None
    library_copyright: str | None = Field(default=None, sa_type=Text)
    node_urn: str
    ref_id: str | None = None
    name: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    element_id: str | None = Field(default=None, index=True)
    imported_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    imported_by: str
