"""Tables and texts of the Evidence page, shaped from :mod:`otrisk.register` and :mod:`otrisk.derived`.

Column names here are the words the page shows; nothing is computed beyond formatting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import streamlit as st

from otrisk.derived import DerivedEvidence
from otrisk.register import EntryProblem, RegisterRow
from otrisk.ui.text import md_code, md_escape

__all__ = ["REGISTER_COLUMNS", "SHA_SHOWN", "WHOLE_SITE", "register_frame", "register_column_config",
           "derived_frame", "problems_markdown", "item_details_markdown"]

REGISTER_COLUMNS = ("id", "title", "kind", "elements", "status", "freshness", "collected", "valid_until",
                    "covers", "location", "file", "sha256", "retired")
#: Hex digits of a SHA-256 shown in the table (the item details show all 64).
SHA_SHOWN = 12
WHOLE_SITE = "whole site"


def register_frame(rows: Iterable[RegisterRow], *, element: str | None = None) -> pd.DataFrame:
    """One row per evidence item; ``status`` is judged for ``element`` (None: all its elements).

    Dates are ISO text (``YYYY-MM-DD``), so they sort and read the same everywhere.
    """
    records = []
    for r in rows:
        item = r.item
        records.append({
            "id": item.id,
            "title": item.title,
            "kind": r.kind,
            "elements": ", ".join(item.elements),
            "status": r.status(element) or "",
            "freshness": r.freshness_text,
            "collected": item.collected.isoformat(),
            "valid_until": item.valid_until.isoformat() if item.valid_until else None,
            "covers": ", ".join(item.covers) if item.covers else WHOLE_SITE,
            "location": item.location,
            "file": item.file.name if item.file else None,
            "sha256": item.file.sha256[:SHA_SHOWN] + "…" if item.file else None,
            "retired": item.retired,
        })
    return pd.DataFrame(records, columns=list(REGISTER_COLUMNS))


def register_column_config() -> dict:
    cc = st.column_config
    return {
        "title": cc.TextColumn(width="medium"),
        "status": cc.TextColumn(help="fresh: fresh for every element considered; stale: stale for at least "
                                     "one; future: collected after the as-of day; retired: kept, never counts"),
        "freshness": cc.TextColumn(width="large", help="Per element the item is filed under"),
        "covers": cc.TextColumn(help="Asset ids or zone:<id>; whole site when none are named"),
        "sha256": cc.TextColumn(help=f"First {SHA_SHOWN} hex digits; all 64 in the item details below"),
        "retired": cc.CheckboxColumn(help="Kept for history; never counts as evidence"),
    }


def derived_frame(figures: Sequence[DerivedEvidence]) -> pd.DataFrame:
    """One row per derived figure: what, elements, measured, how, what is missing."""
    records = []
    for d in figures:
        share = "" if d.share is None else f" ({d.share:.0%})"
        records.append({
            "figure": d.title,
            "elements": ", ".join(d.elements),
            "measured": f"{d.done} of {d.total}{share}",
            "how": d.how,
            "missing": ", ".join(d.missing) if d.missing else "nothing",
            "id": d.id,
        })
    return pd.DataFrame(records, columns=["figure", "elements", "measured", "how", "missing", "id"])


def problems_markdown(problems: Sequence[EntryProblem], *, action: str) -> str:
    """``Not {action}: n problems`` and one literal line per problem (field, message, value)."""
    n = len(problems)
    head = f"Not {action}: {n} problem{'s' if n != 1 else ''}; nothing was changed."
    return head + "\n\n" + "\n".join(f"- {md_code(p)}" for p in problems)


def item_details_markdown(row: RegisterRow) -> str:
    """The item in full, user text escaped: freshness reason per element, file and full SHA-256."""
    item = row.item
    lines = [f"**{md_escape(item.title)}** ({md_escape(row.kind)}, collected {item.collected.isoformat()}"
             + (f", valid until {item.valid_until.isoformat()}" if item.valid_until else "") + ")"]
    for f in row.freshness:
        lines.append(f"- {md_escape(f.element)}: **{f.status}**: {md_escape(f.reason)}")
    for e in row.unknown_elements:
        lines.append(f"- {md_escape(e)}: not in the reference data, so no freshness")
    covers = ", ".join(md_code(c) for c in item.covers) if item.covers else WHOLE_SITE
    lines.append(f"- covers: {covers}")
    lines.append(f"- location: {md_escape(item.location) if item.location else 'not given'}")
    if item.file:
        lines.append(f"- file: {md_code(item.file.name)}, SHA-256 {md_code(item.file.sha256)}")
    else:
        lines.append("- file: none recorded")
    return "  \n".join(lines[:1]) + "\n\n" + "\n".join(lines[1:])
