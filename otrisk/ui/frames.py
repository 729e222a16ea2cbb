"""Tables the pages show, shaped from the domain's results (no computing beyond grouping).

Column names here are the words the pages show; colours of the heat map live here too,
never in the domain modules.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from otrisk.db import describe_changes
from otrisk.impact import AssetImpact
from otrisk.models import AXES, Plant, axes_text

__all__ = [
    "plant_counts", "ranking_frame", "gap_frames", "heat_frame", "heat_style", "assets_named",
    "change_log_frame", "changes_text", "changes_frame", "section_counts", "zone_legend",
    "IMPACT_COLOURS",
]

#: Background per rating 1..5 (green → dark red); unknown stays uncoloured.
IMPACT_COLOURS = {1: "#c8e6c9", 2: "#fff59d", 3: "#ffcc80", 4: "#ef9a9a", 5: "#c62828"}
_DARK = {5}


def plant_counts(plant: Plant) -> dict[str, int]:
    """The overview's key figures."""
    return {
        "assets": len(plant.assets),
        "zones": len(plant.zones),
        "conduits": len(plant.conduits),
        "dependencies": sum(len(a.depends_on) for a in plant.assets),
        "unrated assets": sum(1 for a in plant.assets if all(v is None for v in a.impact.as_dict().values())),
        "assets without zone": sum(1 for a in plant.assets if not a.zone),
        "assets without owner": sum(1 for a in plant.assets if not a.owner),
    }


def ranking_frame(plant: Plant, results: Iterable[AssetImpact]) -> pd.DataFrame:
    """One row per asset in ranking order: priority, impacts per axis, blast radius, reasons."""
    assets = plant.asset_map()
    rows = []
    for rank, r in enumerate(results, start=1):
        a = assets.get(r.asset)
        row = {
            "rank": rank,
            "asset": r.asset,
            "name": a.name if a else "",
            "type": a.type if a else "",
            "zone": (a.zone or "") if a else "",
            "priority": r.priority,
        }
        row.update({f"effective {ax}": r.effective.get(ax) for ax in AXES})
        row.update({f"compromise {ax}": r.compromise.get(ax) for ax in AXES})
        row["if lost"] = axes_text(r.effective)
        row["if taken over"] = axes_text(r.compromise)
        row["blast radius"] = r.blast_radius
        row["exposure"] = r.exposure
        row["reasons"] = "; ".join(r.reasons)
        # the causes without the arithmetic: what a workshop reads first
        row["why"] = "; ".join(x for x in r.reasons if not x.startswith("priority "))
        rows.append(row)
    columns = ["rank", "asset", "name", "type", "zone", "priority",
               *(f"effective {ax}" for ax in AXES), *(f"compromise {ax}" for ax in AXES),
               "if lost", "if taken over", "blast radius", "exposure", "reasons", "why"]
    frame = pd.DataFrame(rows, columns=columns)
    for c in (*(f"effective {ax}" for ax in AXES), *(f"compromise {ax}" for ax in AXES), "exposure"):
        frame[c] = pd.array(frame[c].tolist(), dtype="Int64")
    return frame


def assets_named(plant: Plant, ids: Iterable[str]) -> pd.DataFrame:
    """``ids`` as a table with name, type, zone and owner, sorted by id."""
    assets = plant.asset_map()
    rows = [{"asset": i, "name": assets[i].name, "type": assets[i].type, "zone": assets[i].zone or "",
             "owner": assets[i].owner or ""} for i in sorted(ids) if i in assets]
    return pd.DataFrame(rows, columns=["asset", "name", "type", "zone", "owner"])


def gap_frames(plant: Plant) -> dict[str, pd.DataFrame]:
    """Data gaps: unrated assets (no axis rated), assets without zone, assets without owner."""
    def table(pred) -> pd.DataFrame:
        rows = [{"asset": a.id, "name": a.name, "type": a.type, "zone": a.zone or "", "owner": a.owner or ""}
                for a in sorted(plant.assets, key=lambda a: a.id) if pred(a)]
        return pd.DataFrame(rows, columns=["asset", "name", "type", "zone", "owner"])

    return {
        "Unrated assets": table(lambda a: all(v is None for v in a.impact.as_dict().values())),
        "Assets without zone": table(lambda a: not a.zone),
        "Assets without owner": table(lambda a: not a.owner),
    }


def heat_frame(plant: Plant, results: Iterable[AssetImpact], kind: str = "effective") -> pd.DataFrame:
    """Zone × axis: the worst ``kind`` impact (``effective`` = if lost, ``compromise`` = if
    taken over) of the zone's assets (index: zone id).

    Zones without assets are listed (all unknown); assets without zone form the row
    ``(no zone)``.
    """
    zone_of = {a.id: a.zone or "(no zone)" for a in plant.assets}
    worst: dict[str, dict[str, int | None]] = {z.id: dict.fromkeys(AXES) for z in plant.zones}
    for r in results:
        row = worst.setdefault(zone_of.get(r.asset, "(no zone)"), dict.fromkeys(AXES))
        for ax in AXES:
            v = getattr(r, kind).get(ax)
            if v is not None and (row[ax] is None or v > row[ax]):
                row[ax] = v
    names = {z.id: z.name for z in plant.zones}
    order = sorted(worst, key=lambda z: (z == "(no zone)", z))
    frame = pd.DataFrame(
        {"zone name": [names.get(z, "") for z in order],
         **{ax: pd.array([worst[z][ax] for z in order], dtype="Int64") for ax in AXES}},
        index=pd.Index(order, name="zone"),
    )
    return frame


def _cell_style(value) -> str:
    if value is None or value is pd.NA or pd.isna(value):
        return ""
    colour = IMPACT_COLOURS.get(int(value))
    if not colour:
        return ""
    text = "#ffffff" if int(value) in _DARK else "#000000"
    return f"background-color: {colour}; color: {text}"


def heat_style(frame: pd.DataFrame):
    """The heat map coloured by rating (pandas Styler; no matplotlib, nothing fetched)."""
    return frame.style.map(_cell_style, subset=list(AXES)).format(na_rep="unknown", subset=list(AXES))


def change_log_frame(entries) -> pd.DataFrame:
    """Change-log entries (newest first) as a table: revision, when (UTC), who, action, what."""
    rows = [{"revision": e.revision, "when (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"), "who": e.who,
             "action": e.action, "what": e.summary} for e in entries]
    return pd.DataFrame(rows, columns=["revision", "when (UTC)", "who", "action", "what"])


def changes_text(details: dict) -> str:
    """``db.plant_changes`` output as one line, naming up to five ids per kind of change."""
    return describe_changes(details, shown_ids=5)


def changes_frame(details: dict) -> pd.DataFrame:
    """``db.plant_changes`` output as a table: section, added, changed, removed (ids)."""
    rows = [{"section": section,
             "added": ", ".join(change.get("added") or []),
             "changed": ", ".join(change.get("changed") or []),
             "removed": ", ".join(change.get("removed") or [])} for section, change in details.items()]
    return pd.DataFrame(rows, columns=["section", "added", "changed", "removed"])


def section_counts(current: Plant, new: Plant) -> pd.DataFrame:
    """Items per section now and in ``new``."""
    sections = ("zones", "conduits", "assets", "evidence", "assessments", "accepted_findings", "actions")
    return pd.DataFrame(
        [{"section": s, "stored now": len(getattr(current, s)), "in the file": len(getattr(new, s))}
         for s in sections],
        columns=["section", "stored now", "in the file"],
    )


def _level_text(level: int | float | None) -> str:
    """A Purdue level as written in the plant file: ``4``, ``3.5``; empty when unknown."""
    return "" if level is None else f"{level:g}"


def zone_legend(plant: Plant):
    """The network map's legend: zone, name, kind, Purdue level, colour (cell coloured), assets."""
    from otrisk.ui.graph import NO_ZONE, zone_colours

    colours = zone_colours(plant)
    count: dict[str, int] = {}
    for a in plant.assets:
        key = a.zone if a.zone in colours else NO_ZONE
        count[key] = count.get(key, 0) + 1
    zones = plant.zone_map()
    rows = [{"zone": z, "name": zones[z].name if z in zones else "assets without zone",
             "kind": zones[z].kind if z in zones else "",
             "Purdue level": _level_text(zones[z].purdue_level) if z in zones else "",
             "colour": colour, "assets": count.get(z, 0)}
            for z, colour in colours.items() if z in zones or count.get(z)]
    frame = pd.DataFrame(rows, columns=["zone", "name", "kind", "Purdue level", "colour", "assets"])
    return frame.style.map(lambda c: f"background-color: {c}", subset=["colour"])
