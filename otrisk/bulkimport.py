"""Bulk import of assets from a CSV or Excel table into the plant (issue 7).

Three steps, and only the last one writes:

1. :func:`read_table` (from :mod:`otrisk.bulkread`) reads the file as text cells under a
   header row; :func:`suggest_mapping` proposes a target field of :data:`FIELDS` per column
   from common English and German column names, which the user may change.
2. :func:`preview` turns every data row into a :class:`RowResult` (create, update, unchanged
   or error, with the changes field by field) and builds the resulting plant in memory.
3. :func:`apply_import` saves that plant as one new revision, in one transaction.

Rules
-----
* **Matching.** A row updates the existing asset with its ``id``; else the one with its
  ``ip``; else the one with its ``mac`` (an asset's further interfaces count too); else,
  without an ``id`` cell, the one asset with the same name (case and spacing ignored). No
  match creates an asset. A row whose ``id`` is new while its ip or mac belongs to another
  asset is an error (it would duplicate that asset); so is a row whose ip and mac belong to
  two different assets, and a second row that matches an asset an earlier row already
  imports (the message names that row). An ``id`` cell is lower-cased; a new asset without
  one gets an id made from its name like :func:`otrisk.graphimport.asset_id_for`, with
  ``-2``, ``-3`` … when that id is taken.
* **Empty cells never clear** an existing value; a filled cell replaces it
  (``depends_on``/``manages`` replace the list; the same ids in another order are no change).
  A row's ip or mac that already is one of the asset's addresses changes nothing.
* **Type** from common words (PLC/SPS, HMI, EWS, VFD, SIS …); an unknown word gives
  ``other`` on a new asset and keeps the type of an existing one, with a note.
* **Ratings** are 1..5 or a word: very low 1, low 2, medium 3, high 4, critical (very high)
  5 (German: sehr niedrig, niedrig/gering, mittel, hoch, kritisch/sehr hoch).
  ``criticality`` fills every impact axis whose own column is *not mapped*.
* **Zones** are named by id or name. An unknown zone is an error unless ``zones_create``
  is set and the row has a valid ``zone_kind``: then the zone is created (id made from the
  name) and listed in :attr:`ImportPreview.zones_created`.
* **References** in ``depends_on``/``manages`` (ids separated by ``,`` ``;`` or spaces)
  must name an asset of the plant or of a row that is imported; rows with errors are left
  out, and rows that depend on them become errors in turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from otrisk.bulkread import (
    FIELDS,
    BulkImportError,
    Table,
    asset_type_for,
    check_mapping,
    parse_ip,
    parse_mac,
    parse_rating,
    plain_words,
    read_table,
    suggest_mapping,
)
from otrisk.db import plant_revision, save_plant_db
from otrisk.errors import StaleDataError, pydantic_message, shown_value
from otrisk.graphimport import asset_id_for
from otrisk.models import (
    AXES,
    ID_PATTERN,
    Asset,
    Plant,
    Zone,
    ZoneKind,
    reference_problems,
)

__all__ = ["FIELDS", "BulkImportError", "ImportPreview", "RowResult", "Table",
           "apply_import", "preview", "read_table", "suggest_mapping"]

_TEXT = ("name", "vendor", "model", "firmware", "switch_port", "location", "owner", "description")
_COMPARED = ("name", "type", "zone", "vendor", "model", "firmware", "ip", "mac", "switch_port", "location",
             "owner", "description", *(f"impact.{a}" for a in AXES), "depends_on", "manages")
_ID = re.compile(ID_PATTERN)
_SPLIT = re.compile(r"[,;\s]+")



@dataclass(frozen=True)
class RowResult:
    """What :func:`preview` does with one data row.

    Attributes
    ----------
    row : int
        The row number in the file (header = row 1 in a CSV file) or sheet.
    action : {"create", "update", "unchanged", "error"}
    asset_id : str or None
        The asset the row creates or updates (None when no id could be found or made).
    matched_on : {"id", "ip", "mac", "name"} or None
        How an existing asset was found; None for a new one.
    problems : tuple[str, ...]
        Why the row is not imported, each naming the column and value; empty unless "error".
    notes : tuple[str, ...]
        Things the user should know that do not stop the row (type ``other`` …).
    changes : dict[str, tuple[Any, Any]]
        ``{field: (old, new)}`` (old None for a new asset); impact axes as ``impact.safety``.
    """

    row: int
    action: str
    asset_id: str | None
    matched_on: str | None = None
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportPreview:
    """The plant an import would produce, and what it does row by row. Nothing is written.

    Attributes
    ----------
    plant : Plant
        The resulting plant, validated and free of dangling references.
    rows : tuple[RowResult, ...]
        One result per data row, in file order.
    created, updated, unchanged, errors : int
        Rows per action.
    zones_created : tuple[str, ...]
        Ids of the zones the import creates.
    source : str
        The file name.
    """

    plant: Plant
    rows: tuple[RowResult, ...]
    created: int
    updated: int
    unchanged: int
    errors: int
    zones_created: tuple[str, ...] = ()
    source: str = ""

    @property
    def ok(self) -> bool:
        """True when no row has an error."""
        return self.errors == 0


class _Row:
    """Working state of one row while the preview is built."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.asset_id: str | None = None
        self.matched_on: str | None = None
        self.new = False
        self.after: Asset | None = None
        self.refs: dict[str, tuple[str, list[str]]] = {}
        self.zone: str | None = None
        self.changes: dict[str, tuple[Any, Any]] = {}
        self.duplicate = False

    def problem(self, column: str, message: str, value: str | None = None) -> None:
        self.problems.append(f"column {column!r}: {message}{shown_value(value)}")


class _Builder:
    """Indexes of the plant plus the assets the rows so far create (one preview)."""

    def __init__(self, plant: Plant, table: Table, fields: dict[str, int], zones_create: bool) -> None:
        self.table, self.fields, self.zones_create = table, fields, zones_create
        self.columns = {f: table.columns[i] for f, i in fields.items()}
        self.assets = {a.id: a for a in plant.assets}
        self.created: dict[str, int] = {}  # new asset id -> row
        self.claimed: dict[str, int] = {}  # asset id -> first row that imports it
        self.index: dict[str, dict[str, list[str]]] = {"ip": {}, "mac": {}, "name": {}}  # key -> asset ids
        self.addresses: dict[str, set[str]] = {}  # asset id -> canonical ips and macs
        for a in plant.assets:
            self._index(a)
        self.zones = {z.id: z.id for z in plant.zones} | {plain_words(z.name): z.id for z in plant.zones}
        self.new_zones: dict[str, Zone] = {}

    def _index(self, asset: Asset) -> None:
        keys = [("name", _name_key(asset.name))]
        for nic in [asset, *asset.interfaces]:
            keys += [("ip", parse_ip(nic.ip)[1])] if nic.ip else []
            keys += [("mac", parse_mac(nic.mac)[1])] if nic.mac else []
        for kind, key in keys:
            self.index[kind].setdefault(key, []).append(asset.id)
        self.addresses[asset.id] = {key for kind, key in keys if kind != "name"}

    def row(self, number: int, cells: tuple[str, ...]) -> _Row:
        r = _Row(number)
        raw = {f: cells[i] for f, i in self.fields.items() if cells[i]}
        if number in self.table.long_rows:
            r.problems.append(f"row {number} has more values than the header has columns "
                              "(a separator inside a value that is not quoted?)")
        if not raw:
            r.problems.append("no values in the mapped columns")
            return r
        val = self._parse(r, raw)
        self._match(r, val)
        if r.asset_id is not None and not r.duplicate:
            self._apply(r, val, raw)
        return r

    def _parse(self, r: _Row, raw: dict[str, str]) -> dict[str, Any]:
        val: dict[str, Any] = {}
        for f, text in raw.items():
            col = self.columns[f]
            try:
                if f == "id":
                    val[f] = text.lower()
                    if not _ID.fullmatch(val[f]) or len(val[f]) > 128:
                        raise ValueError(f"not a valid asset id (a-z, 0-9, '.', '_', '-'; e.g. {asset_id_for(text)!r})")
                elif f in ("ip", "mac"):
                    val[f] = (parse_ip if f == "ip" else parse_mac)(text)
                elif f.startswith("impact.") or f == "criticality":
                    val[f] = parse_rating(text)
                elif f in ("depends_on", "manages"):
                    ids = list(dict.fromkeys(t.lower() for t in _SPLIT.split(text) if t))
                    bad = [t for t in ids if not _ID.fullmatch(t)]
                    if bad:
                        raise ValueError(f"not an asset id: {', '.join(map(repr, bad))}")
                    r.refs[f] = (col, ids)
                elif f == "zone_kind":
                    val[f] = "_".join(plain_words(text).split())
                    if val[f] not in {k.value for k in ZoneKind}:
                        raise ValueError(f"not a zone kind ({', '.join(k.value for k in ZoneKind)})")
                else:
                    val[f] = text
            except ValueError as exc:
                r.problem(col, str(exc).split("\n")[0], text)
                val.pop(f, None)
        if "zone" in raw:
            self._zone(r, raw["zone"], val.get("zone_kind"))
        return val

    def _zone(self, r: _Row, text: str, kind: str | None) -> None:
        for key in (text, text.lower(), asset_id_for(text), plain_words(text)):
            if key in self.zones:
                r.zone = self.zones[key]
                return
        col = self.columns["zone"]
        if self.zones_create and kind:
            try:
                zone = Zone.model_validate({"id": asset_id_for(text), "name": text, "kind": kind})
            except ValidationError as exc:
                r.problem(col, f"cannot create this zone: {pydantic_message(exc.errors()[0])}", text)
                return
            r.zone = zone.id
            self.zones[r.zone] = self.zones[plain_words(text)] = r.zone
            self.new_zones[r.zone] = zone
        elif self.zones_create:
            r.problem(col, "zone does not exist; give its kind in the zone kind column to create it", text)
        else:
            r.problem(col, "zone does not exist (create it first, or allow creating zones)", text)

    def _match(self, r: _Row, val: dict[str, Any]) -> None:
        hits = {k: self.index[k].get(val[k][1], []) for k in ("ip", "mac") if k in val}
        target, on = None, None
        if "id" in val and (val["id"] in self.assets or val["id"] in self.created):
            target, on = val["id"], "id"
        else:
            for k, found in hits.items():
                if len(set(found)) > 1:
                    r.problem(self.columns[k], f"belongs to several assets ({', '.join(sorted(set(found)))}): "
                                               "add an id column to say which", val[k][0])
                    return
                if found and target is None:
                    target, on = found[0], k
                elif found and found[0] != target:
                    r.problem(self.columns[k], f"belongs to asset {found[0]!r}, but the {on} belongs to "
                                               f"{target!r}", val[k][0])
                    return
            if target is not None and "id" in val:
                r.problem(self.columns[on], f"belongs to asset {target!r}, but the row's id {val['id']!r} is new: "
                                            f"use id {target!r} or leave the id empty", val[on][0])
                return
            if target is None and "id" not in val and "name" in val:
                same = self.index["name"].get(_name_key(val["name"]), [])
                if len(same) > 1:
                    r.problem(self.columns["name"], f"several assets have this name ({', '.join(sorted(same))}): "
                                                    "add an id, ip or mac column to say which", val["name"])
                    return
                target, on = (same[0], "name") if same else (None, None)
        if target is not None:
            for k, found in hits.items():
                others = sorted(set(found) - {target})
                if others:  # only when matched on id: an ip or mac match has no other owner
                    r.notes.append(f"{k} {val[k][0]} is also an address of {', '.join(others)}")
            r.asset_id, r.matched_on = target, on
        elif "id" in val or "name" in val:
            base = val.get("id") or asset_id_for(val["name"])
            aid, k = base, 1
            while aid in self.assets or aid in self.created:
                k += 1
                aid = f"{base}-{k}"
            r.asset_id, r.new = aid, True
        else:
            r.problems.append("no asset has this ip or mac, and without an id or name no asset can be created")
            return
        if r.asset_id in self.claimed:
            r.problems.append(f"row {self.claimed[r.asset_id]} already imports asset {r.asset_id!r}"
                              + (f" (same {on})" if on else ""))
            r.new, r.duplicate = False, True
            return
        self.claimed[r.asset_id] = r.number

    def _apply(self, r: _Row, val: dict[str, Any], raw: dict[str, str]) -> None:
        aid = r.asset_id
        before = None if r.new else _as_dict(self.assets[aid])
        after = dict(before) if before else {"id": aid, "name": val.get("name", aid), "type": "other"}
        for f in _TEXT:
            if f in val:
                after[f] = val[f]
        if "type" in raw:
            word = asset_type_for(raw["type"])
            if word:
                after["type"] = word
            else:
                kept = f"kept type {after['type']!r}" if before else "created as type 'other'"
                r.notes.append(f"column {self.columns['type']!r}: {raw['type']!r} is not a known type; {kept}")
        elif r.new:
            r.notes.append("no type given: created as type 'other'")
        if r.zone:
            after["zone"] = r.zone
        for k in ("ip", "mac"):
            if k in val and val[k][1] not in self.addresses.get(aid, ()):
                after[k] = val[k][0]
        impact = dict(after.get("impact") or {})
        for axis in AXES:
            if f"impact.{axis}" in val:
                impact[axis] = val[f"impact.{axis}"]
            elif "criticality" in val and f"impact.{axis}" not in self.fields:
                impact[axis] = val["criticality"]
        after["impact"] = impact
        for f, (_, ids) in r.refs.items():
            if set(ids) != set(after.get(f) or []):
                after[f] = ids
        old, new = _flat(before), _flat(after)
        r.changes = {f: (old.get(f), new.get(f)) for f in _COMPARED if old.get(f) != new.get(f)}
        if not r.changes and not r.new:
            r.after = self.assets[aid]
            return
        try:
            r.after = Asset.model_validate(after)
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(p) for p in err["loc"]]
                col = (self.columns.get(".".join(loc[:2])) or self.columns.get(loc[0])
                       or (self.columns.get("criticality") if loc[0] == "impact" else None))
                r.problem(col or ".".join(loc), pydantic_message(err),
                          str(err.get("input")) if isinstance(err.get("input"), (str, int)) else None)
            return
        if r.new:
            self.created[aid] = r.number
            self._index(r.after)

    def refs_ok(self, rows: list[_Row]) -> None:
        """Make rows whose references name no imported asset errors, until none is left."""
        changed = True
        while changed:
            changed = False
            known = set(self.assets) | {r.asset_id for r in rows if r.new and not r.problems}
            for r in rows:
                if r.problems or not r.refs:
                    continue
                for f, (col, ids) in r.refs.items():
                    for ref in ids:
                        if ref == r.asset_id:
                            r.problem(col, f"an asset cannot list itself in {f}", ref)
                        elif ref not in known:
                            why = (f"asset {ref!r} (row {self.created[ref]}) has errors and is not imported"
                                   if ref in self.created else f"no asset {ref!r} in the plant or in the file")
                            r.problem(col, why, ref)
                changed = changed or (bool(r.problems) and r.new)


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _as_dict(asset: Asset) -> dict[str, Any]:
    """An asset's fields as a dict (nested items shared, not copied: lists are replaced, never changed)."""
    return {f: getattr(asset, f) for f in Asset.model_fields} | {"impact": asset.impact.as_dict()}


def _flat(asset: dict[str, Any] | None) -> dict[str, Any]:
    if asset is None:
        return {}
    flat = {f: asset.get(f) for f in _COMPARED if not f.startswith("impact.")}
    flat |= {f"impact.{a}": (asset.get("impact") or {}).get(a) for a in AXES}
    return {f: v for f, v in flat.items() if v not in (None, [])}


def preview(plant: Plant, table: Table, mapping: dict[str, str | None], *, zones_create: bool = False) -> ImportPreview:
    """What importing ``table`` with ``mapping`` would do to ``plant``; writes nothing.

    Parameters
    ----------
    plant : Plant
        The stored plant (not changed).
    table : Table
        From :func:`read_table`.
    mapping : dict
        ``{column: field of FIELDS or None}``; unmapped columns are ignored.
    zones_create : bool
        Create unknown zones for rows that give a ``zone_kind``.

    Returns
    -------
    ImportPreview
        Row results and the resulting plant, without the rows that have errors.

    Raises
    ------
    BulkImportError
        For a mapping that names unknown columns or fields, maps two columns to one field,
        or maps none of id, name, ip, mac. Problems of rows are data, never exceptions.
    """
    builder = _Builder(plant, table, check_mapping(table, mapping), zones_create)
    rows = [builder.row(n, cells) for n, cells in zip(table.row_numbers, table.rows)]
    while True:
        builder.refs_ok(rows)
        result, stray = _build(plant, builder, rows)
        if not stray:
            break
    results = tuple(RowResult(
        row=r.number, asset_id=r.asset_id, matched_on=r.matched_on, problems=tuple(r.problems),
        notes=tuple(r.notes), changes={} if r.problems else r.changes,
        action="error" if r.problems else "create" if r.new else "update" if r.changes else "unchanged",
    ) for r in rows)
    count = {a: sum(x.action == a for x in results) for a in ("create", "update", "unchanged", "error")}
    zones = tuple(z.id for z in result.zones[len(plant.zones):])
    return ImportPreview(plant=result, rows=results, created=count["create"], updated=count["update"],
                         unchanged=count["unchanged"], errors=count["error"], zones_created=zones, source=table.name)


def _build(plant: Plant, builder: _Builder, rows: list[_Row]) -> tuple[Plant, bool]:
    """The plant with the rows that have no problems; True when the model's own reference
    check found a problem (it is then added to the row and the caller builds again)."""
    done = [r for r in rows if not r.problems and r.after is not None]
    by_id = {r.asset_id: r for r in done}
    data = {f: getattr(plant, f) for f in Plant.model_fields}
    data["assets"] = [by_id[a.id].after if a.id in by_id else a for a in plant.assets]
    data["assets"] += [r.after for r in done if r.new]
    used = {r.after.zone for r in done}
    data["zones"] = [*plant.zones, *(z for z in builder.new_zones.values() if z.id in used)]
    try:  # items are validated already (instances are not validated again)
        result = Plant.model_validate(data)
    except ValidationError as exc:
        raise BulkImportError(builder.table.name, f"the plant would be invalid: {exc}") from None
    stray = False
    for loc, value, message in reference_problems(result):
        row = by_id.get(result.assets[loc[1]].id) if loc[0] == "assets" else None
        if row is None:
            raise BulkImportError(builder.table.name, f"the plant is inconsistent at "
                                                      f"{'.'.join(map(str, loc))} = {value!r}: {message}")
        row.problems.append(f"{'.'.join(map(str, loc[2:]))}: {message}{shown_value(value)}")
        stray = True
    return result, stray


def apply_import(engine: Engine, preview: ImportPreview, *, expected_revision: int, who: str | None = None,
                 skip_errors: bool = False) -> int:
    """Save ``preview.plant`` as one new revision (one transaction; change-log action "import").

    Parameters
    ----------
    expected_revision : int
        The revision of the plant the preview was built from.
    who : str or None
        Who imports; None: the operating-system user.
    skip_errors : bool
        Import the other rows although some rows have errors (those are left out).

    Returns
    -------
    int
        The new revision; ``expected_revision`` when the import changes nothing (then
        nothing is written).

    Raises
    ------
    BulkImportError
        When rows have errors and ``skip_errors`` is False; nothing is written.
    StaleDataError
        When the plant was saved by someone else since ``expected_revision``.
    StorageError
        When the database fails; nothing is written.
    """
    if preview.errors and not skip_errors:
        bad = [str(r.row) for r in preview.rows if r.action == "error"]
        shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BulkImportError(preview.source, f"not imported: {len(bad)} row(s) have errors (row {shown}); "
                                              "fix them, or import the other rows without them")
    if not (preview.created or preview.updated or preview.zones_created):
        current = plant_revision(engine)
        if current != expected_revision:
            raise StaleDataError(expected_revision, current)
        return expected_revision
    zones = f", {len(preview.zones_created)} zone(s) created" if preview.zones_created else ""
    summary = (f"bulk import of {preview.source}: {preview.created} asset(s) created, "
               f"{preview.updated} updated{zones}")
    return save_plant_db(engine, preview.plant, expected_revision=expected_revision, who=who,
                         summary=summary, action="import")
