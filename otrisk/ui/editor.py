"""The asset table of the Systems page: a plant's assets as editor rows, and back.

:func:`assets_frame` turns the assets into one row each (lists as comma-separated ids,
ratings as nullable integers). :func:`plant_from_frame` reads the edited rows back through
the models and :func:`otrisk.models.reference_problems`, and names every problem by its
row (1-based, as shown) and column. Fields the table does not show (MAC, switch port,
interfaces, location, description) are kept from the asset the row started from, also
when its id is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from otrisk.cells import cell_number
from otrisk.cells import cell_text as _text
from otrisk.errors import shown_value
from otrisk.models import AXES, Asset, AssetType, Plant, reference_problems

__all__ = ["EDITOR_COLUMNS", "ORIGIN", "RowProblem", "EditResult", "assets_frame", "column_config",
           "plant_from_frame", "split_ids", "cell_number"]

TEXT_COLUMNS = ("id", "name", "type", "zone", "vendor", "model", "firmware", "ip", "owner")
LIST_COLUMNS = ("depends_on", "manages")
EDITOR_COLUMNS = (*TEXT_COLUMNS, *AXES, *LIST_COLUMNS)
#: Hidden column: the id the row's asset had when the table was made (None: a new row).
#: Not the index: the editor numbers added rows after deleted ones, so positions repeat.
ORIGIN = "_origin"


@dataclass(frozen=True)
class RowProblem:
    """A problem of the edited table: ``row`` is 1-based as shown (None: outside the table)."""

    row: int | None
    asset: str | None
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.asset})" if self.asset else "") if self.row else "plant"
        shown = shown_value(self.value)
        return f"{where}, column {self.column}: {self.message}{shown}"


@dataclass
class EditResult:
    """The edited table read back: a plant to save, or the problems that prevent it."""

    plant: Plant | None
    problems: list[RowProblem] = field(default_factory=list)
    changed: bool = False


def split_ids(text: Any) -> list[str]:
    """``"a, b c"`` → ``["a", "b", "c"]``; empty → ``[]``."""
    text = _text(text)
    return [part for part in re.split(r"[,;\s]+", text) if part] if text else []


def assets_frame(plant: Plant) -> pd.DataFrame:
    """One row per asset, in the plant's order, plus the hidden :data:`ORIGIN` column.

    Show it with ``column_order=EDITOR_COLUMNS`` so :data:`ORIGIN` stays hidden.
    """
    rows = []
    for a in plant.assets:
        row: dict[str, Any] = {c: getattr(a, c) for c in TEXT_COLUMNS}
        row.update(a.impact.as_dict())
        row["depends_on"] = ", ".join(a.depends_on)
        row["manages"] = ", ".join(a.manages)
        row[ORIGIN] = a.id
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*EDITOR_COLUMNS, ORIGIN])
    for c in (*TEXT_COLUMNS, *LIST_COLUMNS, ORIGIN):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    for axis in AXES:
        frame[axis] = pd.array(frame[axis].tolist(), dtype="Int64")
    return frame


def column_config(plant: Plant) -> dict[str, Any]:
    """Column types, choices and help of the asset editor."""
    cc = st.column_config
    rating_help = "1 (negligible) … 5 (severe) if this asset is lost; empty = unknown (not low)"
    config: dict[str, Any] = {
        "id": cc.TextColumn("id", required=True, validate=r"^[a-z0-9][a-z0-9._-]*$",
                            help="Unique id: lower-case letters, digits, . _ -"),
        "name": cc.TextColumn("name", required=True),
        "type": cc.SelectboxColumn("type", options=[t.value for t in AssetType], required=True),
        "zone": cc.SelectboxColumn("zone", options=sorted(z.id for z in plant.zones),
                                   help="Zone id; empty = data gap"),
        "ip": cc.TextColumn("ip", help="IPv4 or IPv6 address"),
        "depends_on": cc.TextColumn("depends_on", help="Comma-separated ids of the assets this one needs to work"),
        "manages": cc.TextColumn("manages", help="Comma-separated ids of the assets whose logic or configuration this one can change"),
    }
    for axis in AXES:
        config[axis] = cc.NumberColumn(axis, step=1, format="%d", help=rating_help)  # no min/max: Streamlit would clamp a typo silently; the model reports it
    return config








def _row_data(row: pd.Series, original: Asset | None) -> dict[str, Any]:
    data: dict[str, Any] = original.model_dump() if original is not None else {}
    for c in TEXT_COLUMNS:
        value = _text(row.get(c))
        if value is None:
            data.pop(c, None)
        else:
            data[c] = value
    data["impact"] = {axis: cell_number(row.get(axis)) for axis in AXES}
    for c in LIST_COLUMNS:
        data[c] = split_ids(row.get(c))
    return data


def _column_of(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "row"
    if loc[0] == "impact" and len(loc) > 1:
        return str(loc[1])
    return str(loc[0])


def _message(err: dict[str, Any]) -> str:
    if err["type"] == "missing":
        return "required: fill it in"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg[0].lower() + msg[1:] if msg else err["type"]


def _unchanged(base: Plant, frame: pd.DataFrame) -> list[bool]:
    """Per edited row: does it still hold exactly what its original asset's row held?

    Vectorised, so a 20,000-row table is compared in a fraction of a second on every rerun
    and only the rows someone touched go through validation again.
    """
    if frame.empty:
        return []
    before = assets_frame(base).set_index(ORIGIN)[list(EDITOR_COLUMNS)]
    origin = frame[ORIGIN].astype(object).where(frame[ORIGIN].notna(), None).tolist()
    known = [o in before.index for o in origin]
    looked_up = before.reindex([o if k else None for o, k in zip(origin, known)])
    missing = object()

    def norm(df: pd.DataFrame) -> pd.DataFrame:
        out = df.astype(object)
        return out.where(out.notna(), missing).map(lambda v: v.strip() if isinstance(v, str) else v)

    same = (norm(frame[list(EDITOR_COLUMNS)]).to_numpy() == norm(looked_up).to_numpy()).all(axis=1)
    return [bool(k and s_) for k, s_ in zip(known, same)]


def plant_from_frame(base: Plant, frame: pd.DataFrame) -> EditResult:
    """Read the edited asset rows back into a copy of ``base``.

    Parameters
    ----------
    base : Plant
        The plant the table was made from (``assets_frame(base)``); every other section
        is kept as it is.
    frame : pandas.DataFrame
        The edited rows. A row whose :data:`ORIGIN` names an asset of ``base`` keeps that
        asset's fields the table does not show (and, if untouched, is that asset); other
        rows are new assets. New rows left completely empty (just added, not filled in)
        are ignored.

    Returns
    -------
    EditResult
        ``plant`` is None when there are problems; ``changed`` says whether the assets
        differ from ``base``.
    """
    problems: list[RowProblem] = []
    assets: list[Asset] = []
    row_of: list[int] = []  # position in `assets` -> 1-based row shown
    originals = base.asset_map()
    unchanged = _unchanged(base, frame)
    changed = False
    records = frame.to_dict("records")
    for shown, (row, same) in enumerate(zip(records, unchanged), start=1):
        origin = _text(row.get(ORIGIN))
        if same:
            assets.append(originals[origin])
            row_of.append(shown)
            continue
        if origin not in originals and all(_text(row.get(c)) is None for c in EDITOR_COLUMNS):
            continue
        changed = True
        data = _row_data(row, originals.get(origin or ""))
        try:
            asset = Asset.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                column = _column_of(err["loc"])
                value = _text(row.get(column)) if column in EDITOR_COLUMNS else None
                problems.append(RowProblem(shown, data.get("id"), column, value, _message(err)))
            # A stand-in keeps its id known, so references to it are not reported too.
            asset = Asset.model_construct(
                id=data.get("id") or f"(row {shown})", name=data.get("name") or "", type="other",
                zone=data.get("zone"), interfaces=[], depends_on=data["depends_on"], manages=data["manages"],
            )
        assets.append(asset)
        row_of.append(shown)
    changed = changed or [a.id for a in assets] != [a.id for a in base.assets]
    candidate = base.model_copy(update={"assets": assets})
    for loc, value, message in reference_problems(candidate):
        if loc[0] == "assets":
            i = int(loc[1])
            column = str(loc[2]) if len(loc) > 2 else "id"
            problems.append(RowProblem(row_of[i], assets[i].id, column, value, message))
        else:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
            problems.append(RowProblem(None, None, path, value,
                                       message + " (an asset it names was deleted or renamed in the table)"))
    problems.sort(key=lambda p: (p.row if p.row is not None else 1 << 30,
                                 EDITOR_COLUMNS.index(p.column) if p.column in EDITOR_COLUMNS else 99, p.message))
    return EditResult(plant=None if problems else candidate, problems=problems, changed=changed)
