"""Editing zones and conduits as table rows, and accepting findings (pure; no Streamlit).

A *row* is a ``dict`` with one key per column of :data:`ZONE_COLUMNS` or
:data:`CONDUIT_COLUMNS` (lists as comma-separated text, numbers as numbers, empty = None)
plus :data:`ORIGIN`, the id the row's zone or conduit had when the table was made (None: a
new row). :func:`apply_edits` reads both edited tables back into a copy of the plant:

* every row is validated through the strict models, then the whole plant through
  :func:`otrisk.models.reference_problems` and :func:`otrisk.plantfile.reference_data_problems`;
  every problem names its table, row (1-based, as shown), column and value
  (:class:`TableProblem`);
* **renaming a zone** (a row whose id differs from its origin) renames every reference: assets'
  ``zone`` and ``interfaces[].zone``, the conduits' zones, evidence ``covers: zone:<id>``, and
  accepted findings whose subject is that zone (``rule@zone`` or a ``a->b`` flow);
* **renaming a conduit** renames accepted findings whose subject is that conduit
  (``rule@<conduit id>``);
* **deleting a zone** that assets, interfaces, conduits or evidence still name is refused with
  one problem naming all of them; deleting a conduit removes nothing else (an acceptance of a
  finding about it becomes stale and is reported by the findings).

An accepted finding's subject is carried only when the old id names nothing else in the plant
(ids are unique per section, not across them): ``rule@x`` could be about asset ``x`` too.

Examples
--------
>>> from otrisk.plantfile import loads_plant
>>> p = loads_plant('''format: otrisk/v1
... site: {name: T}
... zones:
...   - {id: cell, name: Cell, kind: control}
...   - {id: ops, name: Ops, kind: supervisory}
... conduits:
...   - {id: ops-cell, zones: [ops, cell]}
... assets:
...   - {id: plc-1, name: PLC, type: plc, zone: cell}
... ''')
>>> zones = zone_rows(p)
>>> zones[0]["id"] = "cell-1"
>>> result = apply_edits(p, zones, conduit_rows(p))
>>> result.problems, result.zone_renames
([], {'cell': 'cell-1'})
>>> result.plant.assets[0].zone, result.plant.conduits[0].zones
('cell-1', ['ops', 'cell-1'])
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from otrisk.cells import cell_number as _number
from otrisk.cells import cell_text as _text
from otrisk.cells import is_missing as _missing
from otrisk.errors import OtriskError, pydantic_message, shown_value
from otrisk.models import AcceptedFinding, Conduit, Plant, Zone, reference_problems

__all__ = [
    "ZONE_COLUMNS", "CONDUIT_COLUMNS", "ORIGIN", "TableProblem", "ZoneEditResult", "ZoneReferences",
    "ZoneInUseError", "zone_rows", "conduit_rows", "zone_references", "rename_zone",
    "rename_conduit", "delete_zone", "apply_edits",
]

ZONE_COLUMNS = ("id", "name", "kind", "purdue_level", "sl_target", "sl_achieved", "owner", "vlans",
                "subnets", "description")
CONDUIT_COLUMNS = ("id", "name", "zone_a", "zone_b", "direction", "one_way", "protocols", "sl_target",
                   "boundary_devices", "approved", "description")
#: Hidden column: the id the row's item had when the table was made (None: a new row).
ORIGIN = "_origin"

_ZONE_TEXT = ("id", "name", "kind", "owner", "description")
_ZONE_NUMBERS = ("purdue_level", "sl_target", "sl_achieved")
_CONDUIT_TEXT = ("id", "name", "direction", "description")
_SPLIT_IDS = re.compile(r"[,;\s]+")
_SPLIT_TEXT = re.compile(r"\s*[,;]\s*")  # protocols may contain spaces ("historian replication")


# --- problems -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TableProblem:
    """A problem of the edited tables.

    ``table`` is ``"zones"``, ``"conduits"`` or ``"plant"`` (another section); ``row`` is
    1-based as shown, None for a deleted row or outside the tables; ``item`` the row's id.

    Examples
    --------
    >>> str(TableProblem("zones", 3, "cellar", "sl_target", "7", "input should be less than or equal to 4"))
    "zones, row 3 (cellar), column sl_target: input should be less than or equal to 4 (value '7')"
    >>> str(TableProblem("zones", None, "cellar", "id", None, "cannot delete"))
    'zones, deleted row (cellar), column id: cannot delete'
    """

    table: str
    row: int | None
    item: str | None
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        if self.table == "plant":
            return f"plant, {self.column}: {self.message}{shown_value(self.value)}"
        where = f"row {self.row}" if self.row is not None else "deleted row"
        if self.item:
            where += f" ({self.item})"
        return f"{self.table}, {where}, column {self.column}: {self.message}{shown_value(self.value)}"


@dataclass
class ZoneEditResult:
    """The edited tables read back: a plant to save, or the problems that prevent it.

    ``notes`` say what was (not) carried along with a rename; ``deleted_*`` list removed ids.
    """

    plant: Plant | None
    problems: list[TableProblem] = field(default_factory=list)
    changed: bool = False
    zone_renames: dict[str, str] = field(default_factory=dict)
    conduit_renames: dict[str, str] = field(default_factory=dict)
    deleted_zones: tuple[str, ...] = ()
    deleted_conduits: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


class ZoneInUseError(OtriskError):
    """A zone cannot be deleted: ``references`` says who still names it."""

    def __init__(self, zone: str, references: ZoneReferences):
        self.zone = zone
        self.references = references
        super().__init__(_in_use_message(zone, references))


# --- rows ---------------------------------------------------------------------------------

def _joined(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values)


def zone_rows(plant: Plant) -> list[dict[str, Any]]:
    """One row per zone, in the plant's order (``vlans``/``subnets`` comma-separated)."""
    rows = []
    for z in plant.zones:
        row = {c: getattr(z, c) for c in ZONE_COLUMNS}
        row["vlans"] = _joined(z.vlans) or None
        row["subnets"] = _joined(z.subnets) or None
        row[ORIGIN] = z.id
        rows.append(row)
    return rows


def conduit_rows(plant: Plant) -> list[dict[str, Any]]:
    """One row per conduit, in the plant's order (its two zones as ``zone_a``/``zone_b``)."""
    rows = []
    for c in plant.conduits:
        row: dict[str, Any] = {col: getattr(c, col) for col in CONDUIT_COLUMNS if col not in ("zone_a", "zone_b")}
        row["zone_a"], row["zone_b"] = (list(c.zones) + [None, None])[:2]
        row["protocols"] = _joined(c.protocols) or None
        row["boundary_devices"] = _joined(c.boundary_devices) or None
        row[ORIGIN] = c.id
        rows.append({col: row[col] for col in (*CONDUIT_COLUMNS, ORIGIN)})
    return rows








def _int_or_text(token: str) -> int | str:
    return int(token) if re.fullmatch(r"[+-]?\d+", token) else token


def _list(value: Any, *, ids: bool) -> list[str]:
    text = _text(value)
    if text is None:
        return []
    return [part for part in (_SPLIT_IDS if ids else _SPLIT_TEXT).split(text) if part]


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _same(row: Mapping[str, Any], before: Mapping[str, Any], columns: Sequence[str]) -> bool:
    return all(_norm(row.get(c)) == _norm(before.get(c)) for c in columns)


def _zone_data(row: Mapping[str, Any], original: Zone | None) -> dict[str, Any]:
    data: dict[str, Any] = original.model_dump() if original is not None else {}
    for c in _ZONE_TEXT:
        value = _text(row.get(c))
        if value is None:
            data.pop(c, None)
        else:
            data[c] = value
    for c in _ZONE_NUMBERS:
        value = _number(row.get(c))
        if value is None:
            data.pop(c, None)
        else:
            data[c] = value
    data["vlans"] = [_int_or_text(v) for v in _list(row.get("vlans"), ids=True)]
    data["subnets"] = _list(row.get("subnets"), ids=True)
    return data


def _conduit_data(row: Mapping[str, Any], original: Conduit | None, zones: list[str | None]) -> dict[str, Any]:
    data: dict[str, Any] = original.model_dump() if original is not None else {}
    for c in _CONDUIT_TEXT:
        value = _text(row.get(c))
        if value is None:
            data.pop(c, None)  # direction: the model's default, both
        else:
            data[c] = value
    data["zones"] = zones
    for c in ("one_way", "approved"):
        value = row.get(c)
        if _missing(value):
            data.pop(c, None)  # the model's default: one_way false, approved true
        else:
            data[c] = value
    sl = _number(row.get("sl_target"))
    if sl is None:
        data.pop("sl_target", None)
    else:
        data["sl_target"] = sl
    data["protocols"] = _list(row.get("protocols"), ids=False)
    data["boundary_devices"] = _list(row.get("boundary_devices"), ids=True)
    return data


_message = pydantic_message


def _zone_column(loc: tuple[Any, ...]) -> str:
    return str(loc[0]) if loc else "id"


def _conduit_column(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "id"
    if loc[0] == "zones":
        return "zone_b" if len(loc) > 1 and loc[1] == 1 else "zone_a"
    return str(loc[0])


# --- references and renames ---------------------------------------------------------------

@dataclass(frozen=True)
class ZoneReferences:
    """Who names a zone: asset ids (``zone``), ``(asset id, interface number)`` (1-based),
    conduit ids and evidence ids (``covers: zone:<id>``), each sorted."""

    assets: tuple[str, ...] = ()
    interfaces: tuple[tuple[str, int], ...] = ()
    conduits: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.assets or self.interfaces or self.conduits or self.evidence)

    def text(self, shown: int = 10) -> str:
        """``assets a, b; asset interfaces c (interface 1); conduits d; evidence e`` (at most
        ``shown`` ids per kind, then ``+n more``)."""

        def few(ids: Sequence[str]) -> str:
            more = f" +{len(ids) - shown} more" if len(ids) > shown else ""
            return ", ".join(ids[:shown]) + more

        parts = []
        if self.assets:
            parts.append(f"asset{'s' if len(self.assets) > 1 else ''} {few(self.assets)}")
        if self.interfaces:
            parts.append("interfaces of " + few([f"{a} (interface {n})" for a, n in self.interfaces]))
        if self.conduits:
            parts.append(f"conduit{'s' if len(self.conduits) > 1 else ''} {few(self.conduits)}")
        if self.evidence:
            parts.append(f"evidence {few(self.evidence)}")
        return "; ".join(parts)


def zone_references(plant: Plant, zone_id: str) -> ZoneReferences:
    """Everything in ``plant`` that names zone ``zone_id`` (accepted findings aside)."""
    covers = f"zone:{zone_id}"
    return ZoneReferences(
        assets=tuple(sorted(a.id for a in plant.assets if a.zone == zone_id)),
        interfaces=tuple(sorted((a.id, n) for a in plant.assets
                                for n, nic in enumerate(a.interfaces, start=1) if nic.zone == zone_id)),
        conduits=tuple(sorted(c.id for c in plant.conduits if zone_id in c.zones)),
        evidence=tuple(sorted(e.id for e in plant.evidence if covers in e.covers)),
    )


def _in_use_message(zone: str, refs: ZoneReferences) -> str:
    return (f"cannot delete zone {zone}: still named by {refs.text()}; move or delete those first "
            "(or keep the zone)")


def _subject_renamer(renames: Mapping[str, str]):
    def subject(text: str) -> str:
        if "->" in text:
            return "->".join(renames.get(part, part) for part in text.split("->"))
        return renames.get(text, text)

    def finding_id(fid: str) -> str:
        rule, sep, subj = fid.partition("@")
        return f"{rule}{sep}{subject(subj)}" if sep else fid

    return finding_id


def _carry_acceptances(plant: Plant, renames: Mapping[str, str], *, other_ids: set[str],
                       notes: list[str] | None = None) -> list[AcceptedFinding]:
    """Accepted findings with their subjects renamed; an old id that also names something in
    ``other_ids`` (another section) is ambiguous and left as it is (with a note)."""
    carried = {old: new for old, new in renames.items() if old not in other_ids}
    if notes is not None:
        for old in sorted(set(renames) - set(carried)):
            hit = [f.id for f in plant.accepted_findings if old in _subjects(f.id)]
            if hit:
                notes.append(f"accepted finding{'s' if len(hit) > 1 else ''} {', '.join(hit)} kept as "
                             f"{'they are' if len(hit) > 1 else 'it is'}: {old} also names another asset, "
                             "zone or conduit, so the subject is ambiguous")
    rename = _subject_renamer(carried)
    return [f if rename(f.id) == f.id else f.model_copy(update={"id": rename(f.id)})
            for f in plant.accepted_findings]


def _subjects(fid: str) -> list[str]:
    return fid.partition("@")[2].split("->")


def _rename_zone_refs(plant: Plant, renames: Mapping[str, str], *, conduits: bool) -> dict[str, Any]:
    """The sections that name zones, with ``renames`` applied (simultaneously)."""
    if not renames:
        return {}

    def z(value: str | None) -> str | None:
        return renames.get(value, value) if value is not None else None

    def cover(value: str) -> str:
        return f"zone:{z(value[5:])}" if value.startswith("zone:") else value

    assets = []
    for a in plant.assets:
        update: dict[str, Any] = {}
        if a.zone in renames:
            update["zone"] = z(a.zone)
        if any(nic.zone in renames for nic in a.interfaces):
            update["interfaces"] = [nic.model_copy(update={"zone": z(nic.zone)}) if nic.zone in renames else nic
                                    for nic in a.interfaces]
        assets.append(a.model_copy(update=update) if update else a)
    evidence = [e.model_copy(update={"covers": [cover(c) for c in e.covers]})
                if any(c.startswith("zone:") and c[5:] in renames for c in e.covers) else e
                for e in plant.evidence]
    out: dict[str, Any] = {"assets": assets, "evidence": evidence}
    if conduits:
        out["conduits"] = [c.model_copy(update={"zones": [z(x) for x in c.zones]})
                           if any(x in renames for x in c.zones) else c for c in plant.conduits]
    return out


def rename_zone(plant: Plant, old: str, new: str) -> Plant:
    """``plant`` with zone ``old`` renamed to ``new`` everywhere (a new plant; ``plant`` unchanged).

    Raises
    ------
    OtriskError
        When there is no zone ``old`` or ``new`` is taken or not a valid id.
    """
    ids = {zz.id for zz in plant.zones}
    if old not in ids:
        raise OtriskError(f"no zone {old!r} in the plant")
    if new != old and new in ids:
        raise OtriskError(f"zone id {new!r} is taken")
    renamed = plant.model_copy(update={
        "zones": [zz.model_copy(update={"id": new}) if zz.id == old else zz for zz in plant.zones],
        **_rename_zone_refs(plant, {old: new}, conduits=True),
    })
    others = {a.id for a in plant.assets} | {c.id for c in plant.conduits}
    renamed = renamed.model_copy(update={
        "accepted_findings": _carry_acceptances(plant, {old: new}, other_ids=others)})
    return _validated(renamed)


def rename_conduit(plant: Plant, old: str, new: str) -> Plant:
    """``plant`` with conduit ``old`` renamed to ``new``, accepted findings about it carried along.

    Raises
    ------
    OtriskError
        When there is no conduit ``old`` or ``new`` is taken or not a valid id.
    """
    ids = {c.id for c in plant.conduits}
    if old not in ids:
        raise OtriskError(f"no conduit {old!r} in the plant")
    if new != old and new in ids:
        raise OtriskError(f"conduit id {new!r} is taken")
    others = {a.id for a in plant.assets} | {zz.id for zz in plant.zones}
    return _validated(plant.model_copy(update={
        "conduits": [c.model_copy(update={"id": new}) if c.id == old else c for c in plant.conduits],
        "accepted_findings": _carry_acceptances(plant, {old: new}, other_ids=others),
    }))


def delete_zone(plant: Plant, zone_id: str) -> Plant:
    """``plant`` without zone ``zone_id``.

    Raises
    ------
    ZoneInUseError
        When assets, interfaces, conduits or evidence still name it (all of them are named).
    OtriskError
        When there is no such zone.
    """
    if zone_id not in {zz.id for zz in plant.zones}:
        raise OtriskError(f"no zone {zone_id!r} in the plant")
    refs = zone_references(plant, zone_id)
    if refs:
        raise ZoneInUseError(zone_id, refs)
    return plant.model_copy(update={"zones": [zz for zz in plant.zones if zz.id != zone_id]})


def _validated(plant: Plant) -> Plant:
    try:
        checked = Plant.model_validate(plant.model_dump())
    except ValidationError as exc:
        raise OtriskError("; ".join(f"{'.'.join(map(str, e['loc']))}: {_message(e)}" for e in exc.errors())) from None
    problems = reference_problems(checked)
    if problems:
        raise OtriskError("; ".join(f"{'.'.join(map(str, loc))}: {msg}{shown_value(value)}"
                                    for loc, value, msg in problems))
    return checked


# --- the two tables read back -----------------------------------------------------------------

def _is_blank(row: Mapping[str, Any], columns: Sequence[str]) -> bool:
    return all(_text(row.get(c)) is None for c in columns if c not in ("one_way", "approved"))


def apply_edits(base: Plant, zones: Sequence[Mapping[str, Any]],
                conduits: Sequence[Mapping[str, Any]]) -> ZoneEditResult:
    """Read the edited zone and conduit rows back into a copy of ``base``.

    Parameters
    ----------
    base : Plant
        The plant the rows were made from (:func:`zone_rows`, :func:`conduit_rows`).
    zones, conduits : sequences of row dicts
        The edited rows in the order shown. A row whose :data:`ORIGIN` names an item of
        ``base`` is that item (changed or not); other rows are new. New rows left empty are
        ignored. Items of ``base`` no row names any more are deleted.

    Returns
    -------
    ZoneEditResult
        ``plant`` is None when there are problems; ``changed`` says whether zones, conduits or
        (through renames) other sections differ from ``base``.
    """
    from otrisk.plantfile import (
        reference_data_problems,  # plantfile imports otrisk.reference
    )

    problems: list[TableProblem] = []
    notes: list[str] = []
    base_zones = base.zone_map()
    base_conduits = {c.id: c for c in base.conduits}
    zone_before = {r[ORIGIN]: r for r in zone_rows(base)}
    conduit_before = {r[ORIGIN]: r for r in conduit_rows(base)}

    # Zones.
    new_zones: list[Zone] = []
    zone_row: list[int] = []
    renames: dict[str, str] = {}
    kept_zone_origins: set[str] = set()
    for shown, row in enumerate(zones, start=1):
        origin = _text(row.get(ORIGIN))
        origin = origin if origin in base_zones else None
        if origin is None and _is_blank(row, ZONE_COLUMNS):
            continue
        if origin is not None:
            kept_zone_origins.add(origin)
            if _same(row, zone_before[origin], ZONE_COLUMNS):
                new_zones.append(base_zones[origin])
                zone_row.append(shown)
                continue
        data = _zone_data(row, base_zones.get(origin) if origin else None)
        try:
            zone = Zone.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                column = _zone_column(err["loc"])
                value = _text(row.get(column)) if column in ZONE_COLUMNS else None
                problems.append(TableProblem("zones", shown, data.get("id"), column, value, _message(err)))
            # A stand-in keeps its id known, so references to it are not reported too; with an
            # invalid new id it keeps the old one (no rename to carry into the references).
            bad_id = any(err["loc"][:1] == ("id",) for err in exc.errors())
            zone = Zone.model_construct(id=(origin if bad_id else data.get("id")) or origin or f"(row {shown})",
                                        name=data.get("name") or "", kind=data.get("kind") or "control")
        if origin is not None and zone.id != origin:
            renames[origin] = zone.id
        new_zones.append(zone)
        zone_row.append(shown)
    new_zone_ids = {z.id for z in new_zones}
    # A rename onto an id another row has too is a duplicate (reported below): the references
    # stay with the old id, which is then not reported as missing as well.
    taken = [z.id for z in new_zones]
    blocked = {old for old, new in renames.items() if taken.count(new) > 1}
    renames = {old: new for old, new in renames.items() if old not in blocked}
    deleted_zones = tuple(sorted(set(base_zones) - kept_zone_origins))

    def map_zone(value: str | None, *, unchanged: bool) -> str | None:
        if value is None or value not in renames:
            return value
        # An untouched cell follows its zone; a typed old id only where it names nothing now.
        return renames[value] if unchanged or value not in new_zone_ids else value

    # Conduits.
    new_conduits: list[Conduit] = []
    conduit_row: list[int] = []
    conduit_renames: dict[str, str] = {}
    kept_conduit_origins: set[str] = set()
    for shown, row in enumerate(conduits, start=1):
        origin = _text(row.get(ORIGIN))
        origin = origin if origin in base_conduits else None
        if origin is None and _is_blank(row, CONDUIT_COLUMNS):
            continue
        before = conduit_before.get(origin) if origin else None
        if origin is not None:
            kept_conduit_origins.add(origin)
            if _same(row, before, CONDUIT_COLUMNS) and not any(z in renames for z in base_conduits[origin].zones):
                new_conduits.append(base_conduits[origin])
                conduit_row.append(shown)
                continue
        pair = [map_zone(_text(row.get(c)), unchanged=before is not None and _norm(row.get(c)) == _norm(before[c]))
                for c in ("zone_a", "zone_b")]
        data = _conduit_data(row, base_conduits.get(origin) if origin else None, pair)
        try:
            conduit = Conduit.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                column = _conduit_column(err["loc"])
                value = _text(row.get(column)) if column in CONDUIT_COLUMNS else None
                message = _message(err)
                if column in ("zone_a", "zone_b") and value is None:
                    message = "required: fill it in"
                problems.append(TableProblem("conduits", shown, data.get("id"), column, value, message))
            bad_id = any(err["loc"][:1] == ("id",) for err in exc.errors())
            conduit = Conduit.model_construct(id=(origin if bad_id else data.get("id")) or origin or f"(row {shown})",
                                              zones=[z for z in pair if z], boundary_devices=data["boundary_devices"],
                                              direction="both", approved=True, one_way=False, protocols=[])
        if origin is not None and conduit.id != origin:
            conduit_renames[origin] = conduit.id
        new_conduits.append(conduit)
        conduit_row.append(shown)
    deleted_conduits = tuple(sorted(set(base_conduits) - kept_conduit_origins))

    # The rest of the plant follows the renames.
    candidate = base.model_copy(update={"zones": new_zones, "conduits": new_conduits,
                                        **_rename_zone_refs(base, renames, conduits=False)})
    all_renames = {**renames, **conduit_renames}
    if all_renames:
        assets = {a.id for a in base.assets}
        carried = _carry_acceptances(base, renames, other_ids=assets | set(base_conduits), notes=notes)
        candidate = candidate.model_copy(update={"accepted_findings": carried})
        carried = _carry_acceptances(candidate, conduit_renames, other_ids=assets | set(base_zones), notes=notes)
        candidate = candidate.model_copy(update={"accepted_findings": carried})

    # A deleted zone still named elsewhere: one problem naming everything that names it.
    refused: set[str] = set()
    for zone_id in deleted_zones:
        if zone_id in new_zone_ids:
            continue  # deleted and added again under the same id: the references still hold
        refs = zone_references(candidate, zone_id)
        if refs:
            refused.add(zone_id)
            problems.append(TableProblem("zones", None, zone_id, "id", None, _in_use_message(zone_id, refs)))

    for loc, value, message in reference_problems(candidate) + reference_data_problems(candidate):
        section = loc[0]
        if value in refused | blocked and message == "no zone with this id":
            continue  # said once, in the deletion or duplicate problem
        if section == "zones":
            i = int(loc[1])
            problems.append(TableProblem("zones", zone_row[i], new_zones[i].id, str(loc[2]) if len(loc) > 2 else "id",
                                         value, message))
        elif section == "conduits":
            i = int(loc[1])
            column = _conduit_column(tuple(loc[2:])) if len(loc) > 2 else "id"
            if len(loc) == 3 and loc[2] == "zones":
                column = "zone_b"
            problems.append(TableProblem("conduits", conduit_row[i], new_conduits[i].id, column, value, message))
        else:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
            problems.append(TableProblem("plant", None, None, path, value, message))
    problems.sort(key=lambda p: (("zones", "conduits", "plant").index(p.table),
                                 p.row if p.row is not None else -1,
                                 _column_rank(p), p.message))
    changed = (candidate.zones != base.zones or candidate.conduits != base.conduits
               or candidate.accepted_findings != base.accepted_findings)
    return ZoneEditResult(
        plant=None if problems else candidate, problems=problems, changed=changed, zone_renames=renames,
        conduit_renames=conduit_renames, deleted_zones=tuple(z for z in deleted_zones if z not in new_zone_ids),
        deleted_conduits=tuple(c for c in deleted_conduits if c not in {x.id for x in new_conduits}), notes=notes)


def _column_rank(p: TableProblem) -> int:
    columns = ZONE_COLUMNS if p.table == "zones" else CONDUIT_COLUMNS
    return columns.index(p.column) if p.column in columns else 99
