"""The plant model: validated (non-table) models of an ``otrisk/v1`` plant file.

These are the ``*Base``-style models of the house style: plain SQLModel/pydantic models in
strict mode with unknown keys forbidden. They read YAML (through :mod:`otrisk.plantfile`),
feed the engines, and are converted to and from the table rows in :mod:`otrisk.db`.

Conventions (DESIGN.md, "Plant model file"):

* ids of zones, conduits, assets, evidence and actions match ``[a-z0-9][a-z0-9._-]*``;
* a missing rating, security level or maturity is *unknown* (``None``), never zero;
* text fields must be YAML strings (an unquoted ``2.10`` is a number and is refused);
* impact ratings are 1..5 per axis (production, safety, delivery); security levels
  (IEC 62443-3-2 SL-T / SL-A) are 0..4; Purdue levels are 0..5 with 3.5 for a DMZ.

Cross-references (dangling ids, duplicates) are checked by :func:`reference_problems`,
which returns locations so the file loader can name the line.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field
from sqlmodel import SQLModel

__all__ = [
    "AXES",
    "ID_PATTERN",
    "FORMAT",
    "ZoneKind",
    "AssetType",
    "Direction",
    "EvidenceKind",
    "ActionStatus",
    "Impact",
    "Site",
    "Zone",
    "Conduit",
    "Interface",
    "Asset",
    "EvidenceFile",
    "Evidence",
    "Assessment",
    "AcceptedFinding",
    "Action",
    "Plant",
    "reference_problems",
    "axes_text",
]

FORMAT = "otrisk/v1"
AXES: tuple[str, str, str] = ("production", "safety", "delivery")
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
#: Program element (``CM``), sub-element (``CM 1``) or requirement (``CM 1.4``) id.
ELEMENT_ID_PATTERN = r"^[A-Z]{2,6}( [0-9]{1,2}(\.[0-9]{1,2})?)?$"
FINDING_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9._>-]*$"
_CHANGE_WINDOW = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? "
    r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"
)
_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$")

_STRICT = ConfigDict(strict=True, extra="forbid", validate_default=False, use_enum_values=True)

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=128)]
ElementId = Annotated[str, Field(pattern=ELEMENT_ID_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Rating = Annotated[int, Field(ge=1, le=5)]
SecurityLevel = Annotated[int, Field(ge=0, le=4)]
MaturityLevel = Annotated[int, Field(ge=0, le=4)]


def _enum(cls):  # strict mode would only take Enum instances; YAML gives their string values
    return Annotated[cls, Field(strict=False)]


def _check_ip(value: str) -> str:
    ipaddress.ip_address(value)
    return value


def _check_subnet(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"not an IP network in CIDR form: {exc}") from None
    return value


def _check_mac(value: str) -> str:
    if not _MAC.match(value):
        raise ValueError("not a MAC address (aa:bb:cc:dd:ee:ff, aa-bb-… or aabb.ccdd.eeff)")
    return value


def _check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone name (e.g. Europe/Berlin)") from None
    return value


def _check_window(value: str) -> str:
    if not _CHANGE_WINDOW.match(value):
        raise ValueError("a change window is 'Day HH:MM-HH:MM' or 'Day-Day HH:MM-HH:MM' (Mon..Sun)")
    return value


def _check_purdue(value: int | float) -> int | float:
    if isinstance(value, bool) or not 0 <= value <= 5:
        raise ValueError("a Purdue level is 0..5 (3.5 for a DMZ)")
    if float(value) * 2 != int(float(value) * 2):
        raise ValueError("a Purdue level is a whole number or 3.5")
    return value


IpAddress = Annotated[str, AfterValidator(_check_ip)]
Subnet = Annotated[str, AfterValidator(_check_subnet)]
MacAddress = Annotated[str, AfterValidator(_check_mac)]


class ZoneKind(str, Enum):
    """Kinds of zone, outermost first (IEC 62443-3-2 zones on a Purdue-style model)."""

    external = "external"
    remote_access = "remote_access"
    enterprise = "enterprise"
    dmz = "dmz"
    supervisory = "supervisory"
    control = "control"
    safety = "safety"
    field = "field"


class AssetType(str, Enum):
    """Asset types of the plant model."""

    plc = "plc"
    sis = "sis"
    hmi = "hmi"
    scada = "scada"
    historian = "historian"
    ews = "ews"
    server = "server"
    switch = "switch"
    firewall = "firewall"
    rtu = "rtu"
    drive = "drive"
    iiot = "iiot"
    service = "service"
    other = "other"


class Direction(str, Enum):
    """Which side of a conduit may start connections.

    ``forward``: the first of its two zones starts connections to the second;
    ``reverse``: the second starts them; ``both``: either.
    """

    both = "both"
    forward = "forward"
    reverse = "reverse"


class EvidenceKind(str, Enum):
    """Operational evidence (logs, backups, inventories, restore tests, change traces) or
    organizational evidence (policies, roles, training, supplier specifications)."""

    operational = "operational"
    organizational = "organizational"


class ActionStatus(str, Enum):
    """Life cycle of an action from a workshop or an assessment."""

    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class Impact(SQLModel):
    """Consequence of losing an asset, per axis, on a 1..5 scale (5 = worst).

    A missing axis is unknown, not low. Scale wording: ``data/impact_scale.yaml``.
    """

    model_config = _STRICT
    production: Rating | None = None
    safety: Rating | None = None
    delivery: Rating | None = None

    def as_dict(self) -> dict[str, int | None]:
        """``{"production": 1..5 | None, "safety": …, "delivery": …}``."""
        return {axis: getattr(self, axis) for axis in AXES}


class Site(SQLModel):
    """The site the plant file describes (NIS2 sector and entity class, time zone)."""

    model_config = _STRICT
    name: Text
    sector: Id | None = None
    entity: Literal["essential", "important"] | None = None
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "UTC"
    change_windows: list[Annotated[str, AfterValidator(_check_window)]] = []


class Zone(SQLModel):
    """An IEC 62443-3-2 zone: assets that share security requirements."""

    model_config = _STRICT
    id: Id
    name: Text
    kind: _enum(ZoneKind)
    purdue_level: Annotated[int | float, AfterValidator(_check_purdue)] | None = None
    sl_target: SecurityLevel | None = None
    sl_achieved: SecurityLevel | None = None
    owner: Text | None = None
    vlans: list[Annotated[int, Field(ge=1, le=4094)]] = []
    subnets: list[Subnet] = []
    description: Text | None = None


class Conduit(SQLModel):
    """An IEC 62443-3-2 conduit: the allowed communication path between two zones."""

    model_config = _STRICT
    id: Id
    name: Text | None = None
    zones: Annotated[list[Id], Field(min_length=2, max_length=2)]
    direction: _enum(Direction) = Direction.both.value
    one_way: bool = False
    protocols: list[Text] = []
    sl_target: SecurityLevel | None = None
    boundary_devices: list[Id] = []
    approved: bool = True
    description: Text | None = None


class Interface(SQLModel):
    """A further network interface of an asset (multi-homed assets)."""

    model_config = _STRICT
    zone: Id | None = None
    ip: IpAddress | None = None
    mac: MacAddress | None = None
    switch_port: Text | None = None


class Asset(SQLModel):
    """A system of the plant: a PLC, HMI, server, switch, supplier service …

    ``depends_on``: assets this one needs to work (if one of them is lost, this one is
    affected). ``manages``: assets whose logic or configuration this one can change.
    """

    model_config = _STRICT
    id: Id
    name: Text
    type: _enum(AssetType)
    zone: Id | None = None
    vendor: Text | None = None
    model: Text | None = None
    firmware: Text | None = None
    ip: IpAddress | None = None
    mac: MacAddress | None = None
    switch_port: Text | None = None
    interfaces: list[Interface] = []
    location: Text | None = None
    owner: Text | None = None
    impact: Impact = Impact()
    depends_on: list[Id] = []
    manages: list[Id] = []
    description: Text | None = None


class EvidenceFile(SQLModel):
    """A file attached to an evidence item, identified by its SHA-256."""

    model_config = _STRICT
    name: Text
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Evidence(SQLModel):
    """An item of the evidence register (IEC 62443-2-1 program elements it supports).

    ``collected`` is the date the evidence speaks for, not the upload date. ``covers``
    holds asset ids or ``zone:<id>``; empty means the whole site.
    """

    model_config = _STRICT
    id: Id
    elements: Annotated[list[ElementId], Field(min_length=1)]
    kind: _enum(EvidenceKind)
    title: Text
    collected: dt.date
    valid_until: dt.date | None = None
    covers: list[Text] = []
    location: Text | None = None
    file: EvidenceFile | None = None
    retired: bool = False


class Assessment(SQLModel):
    """A dated snapshot of the program: maturity now and target per element.

    Maturity: 0 = not implemented, 1..4 = ML1..ML4; an absent id is not assessed.
    """

    model_config = _STRICT
    date: dt.date
    name: Text | None = None
    maturity: dict[ElementId, MaturityLevel] = {}
    target: dict[ElementId, MaturityLevel] = {}
    not_applicable: dict[ElementId, Text] = {}


class AcceptedFinding(SQLModel):
    """A finding accepted as a risk until ``review_by`` (then back in the open list)."""

    model_config = _STRICT
    id: Annotated[str, Field(pattern=FINDING_ID_PATTERN)]
    justification: Text
    accepted_by: Text
    review_by: dt.date


class Action(SQLModel):
    """A decided improvement: who does what for which program elements, by when."""

    model_config = _STRICT
    id: Id
    title: Text
    elements: list[ElementId] = []
    owner: Text | None = None
    due: dt.date | None = None
    status: _enum(ActionStatus) = ActionStatus.open.value
    notes: Text | None = None


class Plant(SQLModel):
    """A whole ``otrisk/v1`` plant file."""

    model_config = _STRICT
    format: Literal["otrisk/v1"]
    site: Site
    zones: list[Zone] = []
    conduits: list[Conduit] = []
    assets: list[Asset] = []
    evidence: list[Evidence] = []
    assessments: list[Assessment] = []
    accepted_findings: list[AcceptedFinding] = []
    actions: list[Action] = []

    def asset_map(self) -> dict[str, Asset]:
        """``{asset id: Asset}``."""
        return {a.id: a for a in self.assets}

    def zone_map(self) -> dict[str, Zone]:
        """``{zone id: Zone}``."""
        return {z.id: z for z in self.zones}


Loc = tuple[str | int, ...]


def axes_text(values: "dict[str, int | None]") -> str:
    """Ratings per axis as ``production/safety/delivery``, ``?`` for unknown.

    >>> axes_text({"production": 5, "safety": None, "delivery": 4})
    '5/?/4'
    """
    return "/".join("?" if values.get(ax) is None else str(values[ax]) for ax in AXES)


def reference_problems(plant: Plant) -> list[tuple[Loc, str, str]]:
    """Duplicate ids and dangling references of a structurally valid plant.

    Returns
    -------
    list of (loc, value, message)
        ``loc`` is the path of the offending value inside the document, e.g.
        ``("assets", 3, "depends_on", 0)``; ``value`` the offending text. Empty when the
        plant is consistent.
    """
    problems: list[tuple[Loc, str, str]] = []
    for section in ("zones", "conduits", "assets", "evidence", "actions", "accepted_findings"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(plant, section)):
            if item.id in seen:
                problems.append(
                    ((section, i, "id"), item.id, f"duplicate id: already used by {section}[{seen[item.id]}]")
                )
            else:
                seen[item.id] = i
    zones = {z.id for z in plant.zones}
    assets = {a.id for a in plant.assets}

    def need_zone(loc: Loc, zone_id: str | None) -> None:
        if zone_id is not None and zone_id not in zones:
            problems.append((loc, zone_id, "no zone with this id"))

    def need_asset(loc: Loc, asset_id: str) -> None:
        if asset_id not in assets:
            problems.append((loc, asset_id, "no asset with this id"))

    for i, c in enumerate(plant.conduits):
        for j, z in enumerate(c.zones):
            need_zone(("conduits", i, "zones", j), z)
        if len(c.zones) == 2 and c.zones[0] == c.zones[1]:
            problems.append((("conduits", i, "zones"), c.zones[0], "a conduit joins two different zones"))
        for j, a in enumerate(c.boundary_devices):
            need_asset(("conduits", i, "boundary_devices", j), a)
    for i, a in enumerate(plant.assets):
        need_zone(("assets", i, "zone"), a.zone)
        for j, nic in enumerate(a.interfaces):
            need_zone(("assets", i, "interfaces", j, "zone"), nic.zone)
        for field in ("depends_on", "manages"):
            for j, other in enumerate(getattr(a, field)):
                need_asset(("assets", i, field, j), other)
                if other == a.id:
                    problems.append(((("assets", i, field, j)), other, f"an asset cannot list itself in {field}"))
    for i, ev in enumerate(plant.evidence):
        for j, target in enumerate(ev.covers):
            if target.startswith("zone:"):
                need_zone(("evidence", i, "covers", j), target[len("zone:"):])
            else:
                need_asset(("evidence", i, "covers", j), target)
        if ev.valid_until is not None and ev.valid_until < ev.collected:
            problems.append((("evidence", i, "valid_until"), ev.valid_until.isoformat(), "valid_until is before collected"))
    dates = [a.date for a in plant.assessments]
    for i in range(1, len(dates)):
        if dates[i] <= dates[i - 1]:
            problems.append((("assessments", i, "date"), dates[i].isoformat(), "assessments are listed oldest first, one per date"))
    for i, assessment in enumerate(plant.assessments):
        for element in sorted(set(assessment.maturity) & set(assessment.not_applicable)):
            problems.append((("assessments", i, "not_applicable", element), element,
                             "rated and marked not applicable in the same assessment: keep one of the two"))
    return problems
