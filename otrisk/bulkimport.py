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

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from otrisk.bulkread import (
    FIELDS,
    BulkImportError,
    Table,
    check_mapping,
    read_table,
    suggest_mapping,
)
from otrisk.bulkrows import _Builder, _Row
from otrisk.db import plant_revision, save_plant_db
from otrisk.errors import StaleDataError, shown_value
from otrisk.models import Plant, reference_problems

__all__ = ["FIELDS", "BulkImportError", "ImportPreview", "RowResult", "Table",
           "apply_import", "preview", "read_table", "suggest_mapping"]


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
