"""Tables of the program-map pages (program map, strengthen first) built from a
:class:`otrisk.readiness.ReadinessReport`. Numbers come from the report unchanged, so the
pages show exactly what ``otrisk readiness`` prints.

Library names (:func:`otrisk.libraries.library_names`, ``{our id: [(library, ref_id, name)]}``)
are the user's own texts, shown beside our ids only when a library is stored
(:func:`with_library_names`, :func:`library_requirements_frame`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from otrisk.impact import AssetImpact
from otrisk.models import Plant, axes_text
from otrisk.readiness import (
    GAP,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    PARTLY,
    READY,
    ElementReadiness,
    ReadinessReport,
    StrengthenItem,
    SubElementReadiness,
    stake,
    status,
)

__all__ = [
    "LIBRARY_COLUMN",
    "STATUS_COLOURS",
    "actions_frame",
    "coverage_frame",
    "elements_frame",
    "evidence_frame",
    "library_requirements_frame",
    "readiness_style",
    "strengthen_frame",
    "sub_elements_frame",
    "with_library_names",
]

LibraryNames = dict[str, list[tuple[str, str | None, str | None]]]
#: The column of the user's library names in the elements and sub-elements tables.
LIBRARY_COLUMN = "name in your library"

#: Background per readiness label (colour-blind-friendly: blue/orange/vermillion, greys).
STATUS_COLOURS = {READY: "#cfe8f7", PARTLY: "#fde3b0", GAP: "#f6c1a9", NOT_ASSESSED: "#e0e0e0",
                  NOT_APPLICABLE: "#f3f3f3"}


def _evidence_text(counts: dict, kind: str) -> str:
    c = counts[kind]
    return f"{c['fresh']} fresh / {c['stale']} stale"


def _row(r: ElementReadiness | SubElementReadiness, score: float | None) -> dict:
    label, why = status(r)
    counts = r.counts()
    return {"rank": r.rank, "id": r.id, "name": r.name, "readiness": label, "why": why,
            "maturity": r.maturity, "assessed": r.maturity_date.isoformat() if r.maturity_date else "",
            "target": r.target, "operational": _evidence_text(counts, "operational"),
            "organizational": _evidence_text(counts, "organizational"),
            "paper compliance": "⚠ paper only" if r.paper_compliance else "", "score": score}


def elements_frame(report: ReadinessReport) -> pd.DataFrame:
    """One row per program element in the standard's order (ORG … AVAIL)."""
    return pd.DataFrame([_row(e, e.score) for e in report.elements]).astype({"maturity": "Int64", "target": "Int64"})


def sub_elements_frame(element: ElementReadiness) -> pd.DataFrame:
    """One row per sub-element of ``element``, with its high-impact coverage."""
    rows = []
    for s in element.sub_elements:
        row = _row(s, s.score.score if s.score else None)
        cov = s.coverage
        row["expects"] = s.expected_kind
        row["high-impact covered"] = (f"{len(cov.operational)} operational, {len(cov.organizational_only)} on paper "
                                      f"only, {len(cov.uncovered)} none (of {len(cov.high_impact)})")
        rows.append(row)
    return pd.DataFrame(rows).astype({"maturity": "Int64", "target": "Int64"})


def _library_name(entries: list[tuple[str, str | None, str | None]]) -> str:
    """The node names of one id; with several libraries each is followed by its library."""
    named = [(lib, name) for lib, _, name in entries if name]
    if len({lib for lib, _ in named}) <= 1:
        return "; ".join(name for _, name in named)
    return "; ".join(f"{name} ({lib})" for lib, name in named)


def with_library_names(frame: pd.DataFrame, names: LibraryNames) -> pd.DataFrame:
    """``frame`` with :data:`LIBRARY_COLUMN` after ``name`` (the user's names for each ``id``);
    ``frame`` unchanged when no library is stored."""
    if not names:
        return frame
    out = frame.copy()
    out.insert(out.columns.get_loc("name") + 1, LIBRARY_COLUMN,
               [_library_name(names.get(i, [])) for i in out["id"]])
    return out


def library_requirements_frame(sub_id: str, names: LibraryNames) -> pd.DataFrame:
    """The requirements of sub-element ``sub_id`` (``CM 1.1`` …) as the user's libraries name them."""
    prefix = f"{sub_id}."
    rows = [{"id": i, "ref_id": ref or "", "name": name or "", "library": lib}
            for i, entries in names.items() if i.startswith(prefix) for lib, ref, name in entries]
    rows.sort(key=lambda r: (tuple(int(p) for p in r["id"][len(prefix):].split(".")), r["library"]))
    return pd.DataFrame(rows, columns=["id", "ref_id", "name", "library"])


def evidence_frame(sub: SubElementReadiness) -> pd.DataFrame:
    """The evidence items that apply to a sub-element, with their status and why."""
    return pd.DataFrame([{"evidence": e.evidence, "kind": e.kind, "title": e.title, "status": e.status,
                          "filed as": e.filed_as, "why": e.reason} for e in sub.evidence],
                        columns=["evidence", "kind", "title", "status", "filed as", "why"])


def coverage_frame(sub: SubElementReadiness, plant: Plant, impacts: Iterable[AssetImpact]) -> pd.DataFrame:
    """The high-impact assets of a sub-element, most critical first, and what covers them."""
    by_id = {r.asset: r for r in impacts}
    assets = plant.asset_map()
    cov = sub.coverage
    covered_by = {**{a: "operational" for a in cov.operational},
                  **{a: "organizational only (on paper)" for a in cov.organizational_only},
                  **{a: "nothing fresh" for a in cov.uncovered}}
    return pd.DataFrame([{"asset": a, "name": assets[a].name, "zone": assets[a].zone or "",
                          "worst impact": stake(by_id[a]), "if lost": axes_text(by_id[a].effective),
                          "if taken over": axes_text(by_id[a].compromise), "covered by": covered_by[a]}
                         for a in cov.high_impact],
                        columns=["asset", "name", "zone", "worst impact", "if lost", "if taken over", "covered by"])


def strengthen_frame(items: Sequence[StrengthenItem], report: ReadinessReport) -> pd.DataFrame:
    """The strengthen-first list as shown: position, sub-element, score, the first reasons."""
    rows = []
    for i, item in enumerate(items, 1):
        sub = report.sub_element(item.id)
        rows.append({"#": i, "id": item.id, "name": item.name, "score": item.score,
                     "readiness": status(sub)[0], "uncovered high-impact assets": len(item.assets),
                     "zones": ", ".join(z or "(no zone)" for z in item.zones),
                     "why": "; ".join(item.reasons[1:4])})
    return pd.DataFrame(rows, columns=["#", "id", "name", "score", "readiness", "uncovered high-impact assets",
                                       "zones", "why"])


def actions_frame(plant: Plant, overdue_ids: set[str]) -> pd.DataFrame:
    """All actions, overdue ones first and flagged."""
    rows = [{"overdue": "⚠ overdue" if a.id in overdue_ids else "", "id": a.id, "title": a.title,
             "elements": ", ".join(a.elements), "owner": a.owner or "", "due": a.due, "status": a.status}
            for a in plant.actions]
    frame = pd.DataFrame(rows, columns=["overdue", "id", "title", "elements", "owner", "due", "status"])
    return frame.sort_values(["overdue", "due", "id"], ascending=[False, True, True], na_position="last",
                             ignore_index=True)


def readiness_style(frame: pd.DataFrame):
    """A Styler colouring the ``readiness`` column by :data:`STATUS_COLOURS`."""
    return frame.style.map(lambda v: f"background-color: {STATUS_COLOURS.get(v, '')}; color: #111",
                           subset=["readiness"])
