"""The rows of a bulk import while :func:`otrisk.bulkimport.preview` builds its plant.

Internal to :mod:`otrisk.bulkimport`, whose module docstring states the rules. One
:class:`_Builder` per preview indexes the stored plant (ids, ips, macs, names, zones) and
turns each data row into a :class:`_Row`: its cells parsed (:mod:`otrisk.bulkvalues`), its
zone found or created, the asset it matches or creates, the asset after the import, the
changes field by field, and the problems that keep it out. :meth:`_Builder.refs_ok` then
turns rows whose ``depends_on``/``manages`` name no imported asset into errors.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from otrisk.bulkread import Table
from otrisk.bulkvalues import (
    asset_type_for,
    parse_ip,
    parse_mac,
    parse_rating,
    plain_words,
)
from otrisk.errors import pydantic_message, shown_value
from otrisk.graphimport import asset_id_for
from otrisk.models import AXES, ID_PATTERN, Asset, Plant, Zone, ZoneKind

__all__: list[str] = []  # nothing public: the builder is internal to otrisk.bulkimport


_TEXT = ("name", "vendor", "model", "firmware", "switch_port", "location", "owner", "description")
_COMPARED = ("name", "type", "zone", "vendor", "model", "firmware", "ip", "mac", "switch_port", "location",
             "owner", "description", *(f"impact.{a}" for a in AXES), "depends_on", "manages")
_ID = re.compile(ID_PATTERN)
_SPLIT = re.compile(r"[,;\s]+")


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
