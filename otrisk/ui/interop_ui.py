"""Tables and plans of the "Other formats" section of the Import and export page.

**Threagile model** (:func:`otrisk.threagile.threagile_to_plant`): the page shows what the
model becomes, lets the user confirm the suggested impacts (:func:`impact_frame`,
:func:`confirmed_impacts`) and writes one of two plants (:func:`plant_to_store`):

* ``replace``: the stored plant *becomes* the imported one (site, zones, conduits,
  assets); its evidence, assessments, actions and accepted findings go with it. For
  starting a plant from a Threagile model.
* ``merge``: zones, conduits and assets whose id the stored plant does not have are added
  (:func:`plan_merge`); an item whose id exists is left alone, whatever the model says
  about it. Ids name things: an added asset whose zone or dependency has such an id
  refers to the stored item of that id. Nothing stored is changed or removed.

Confirmed impacts go into the ``impact`` of the assets written (for a merge: the added
ones). Like the bulk import, the save names the revision the user saw
(:func:`seen_revision`), so a save by someone else in between is refused.

**CISO Assistant libraries** (:mod:`otrisk.libraries`): :func:`libraries_frame` lists the
stored ones. Column names here are the words the page shows.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, MutableMapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from otrisk.errors import OtriskError
from otrisk.libraries import StoredLibrary
from otrisk.models import AXES, Impact
from otrisk.plantmerge import (
    MergePlan,
    Mode,
    plan_merge,
    plant_to_store,
    removed_by_replace,
)
from otrisk.threagile import ThreagileError, ThreagileImport, threagile_to_plant

__all__ = ["IMPACT_COLUMNS", "IMPACT_EDITOR", "MODES", "MergePlan", "Mode", "confirmed_impacts", "impact_frame", "import_counts",
           "libraries_frame", "plan_merge", "plant_to_store", "read_threagile", "removed_by_replace", "seen_revision",
           "short_key"]

MODES: tuple[Mode, ...] = ("merge", "replace")
IMPACT_COLUMNS = ("asset", "name", "zone", "use", *AXES)
_SEEN, _READ = "ie_other_tg_seen", "ie_other_tg_read"
#: Column config of the impact editor: ids read-only, ratings 1..5 (empty = unknown, never low).
IMPACT_EDITOR: dict[str, Any] = {
    "asset": st.column_config.TextColumn("asset", disabled=True),
    "name": st.column_config.TextColumn("name", disabled=True),
    "zone": st.column_config.TextColumn("zone", disabled=True),
    "use": st.column_config.CheckboxColumn("use", help="Write this asset's impact; unticked: it stays unknown."),
    **{axis: st.column_config.NumberColumn(axis, min_value=1, max_value=5, step=1, format="%d",
                                           help=f"{axis.capitalize()} impact if the asset is lost, 1..5; "
                                                "empty = unknown.")
       for axis in AXES},
}


def short_key(*parts: object) -> str:
    """A short stable key of some values, for widget keys (a new file or library gets new widgets)."""
    return hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()[:12]


def read_threagile(state: MutableMapping, file_id: str, data: bytes, name: str) -> ThreagileImport:
    """:func:`~otrisk.threagile.threagile_to_plant` of an upload, read once per file (kept in
    ``state`` for the current file only: a large model takes a while, and the page reruns on every click).

    Raises
    ------
    ThreagileError
        As :func:`~otrisk.threagile.threagile_to_plant` (the refusal is remembered, too).
    """
    kept = state.get(_READ)
    if kept is None or kept[0] != file_id:
        try:
            kept = (file_id, threagile_to_plant(data, source=name))
        except ThreagileError as exc:
            kept = (file_id, exc)
        state[_READ] = kept
    if isinstance(kept[1], ThreagileError):
        raise kept[1]
    return kept[1]


def import_counts(result: ThreagileImport) -> dict[str, int]:
    """``{"Assets": n, "Zones": n, "Conduits": n, "Dependencies": n}`` of an imported model."""
    p = result.plant
    return {"Assets": len(p.assets), "Zones": len(p.zones), "Conduits": len(p.conduits),
            "Dependencies": sum(len(a.depends_on) for a in p.assets)}


def impact_frame(result: ThreagileImport, asset_ids: Sequence[str]) -> pd.DataFrame:
    """One row per asset of ``asset_ids`` (id order): the suggested impact 1..5 per axis (empty:
    unknown) and ``use``, ticked when anything is suggested."""
    assets = result.plant.asset_map()
    rows = []
    for aid in sorted(asset_ids):
        suggested = result.suggested_impacts.get(aid, Impact()).as_dict()
        rows.append({"asset": aid, "name": assets[aid].name, "zone": assets[aid].zone or "",
                     "use": any(v is not None for v in suggested.values()), **suggested})
    frame = pd.DataFrame(rows, columns=list(IMPACT_COLUMNS))
    return frame.astype({"use": "bool", **dict.fromkeys(AXES, "Int64")})


def _rating(value: object, asset: str, axis: str) -> int | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (number.is_integer() and 1 <= number <= 5):
        raise OtriskError(f"impact of {asset}: {axis} must be a whole number 1..5 or empty (value {value!r})")
    return int(number)


def confirmed_impacts(edited: pd.DataFrame) -> dict[str, Impact]:
    """``{asset id: Impact}`` of the rows ticked ``use`` in the edited impact table.

    Raises
    ------
    OtriskError
        A rating that is not a whole number 1..5 (empty is unknown), naming asset and axis.
    """
    out = {}
    for row in edited.to_dict("records"):
        if bool(row["use"]):
            out[row["asset"]] = Impact(**{axis: _rating(row[axis], row["asset"], axis) for axis in AXES})
    return dict(sorted(out.items()))


def seen_revision(state: MutableMapping, key: Hashable, revision: int) -> int:
    """The revision the user saw the Threagile preview ``key`` against: the previous run's for
    the same key, else ``revision`` (this run's, which is remembered for the next run)."""
    seen = state.get(_SEEN)
    expected = seen[1] if seen is not None and seen[0] == key else revision
    state[_SEEN] = (key, revision)
    return expected


def libraries_frame(libraries: Sequence[StoredLibrary]) -> pd.DataFrame:
    """One row per stored library, as :func:`otrisk.libraries.stored_libraries` lists them."""
    columns = ["library", "version", "copyright (as given)", "nodes", "mapped onto our ids", "imported (UTC)",
               "imported by"]
    rows = [{"library": lib.name, "version": lib.version or "", "copyright (as given)": lib.copyright or "",
             "nodes": lib.nodes, "mapped onto our ids": lib.mapped,
             "imported (UTC)": lib.imported_at.strftime("%Y-%m-%d %H:%M"), "imported by": lib.imported_by}
            for lib in libraries]
    return pd.DataFrame(rows, columns=columns)
