"""The Workshop page's tables, colours and session state (Streamlit adapter of :mod:`otrisk.workshop`).

Quick rating keeps one :class:`RatingState` in ``st.session_state["ws_rating"]``: the plant
and revision the room started rating from (the revision a save names, so a save over
someone else's change is refused), the :class:`otrisk.workshop.RatingSession` of steps, and
a counter that names the editor. The editor shows the preview (stored ratings plus the
steps) as it was when that editor was made; each run, every cell whose value differs from
the preview becomes one step (:func:`new_steps`). Undo pops a step and makes a new editor,
so the table shows the preview again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from otrisk.cells import cell_number
from otrisk.impact import AssetImpact, analyze_plant
from otrisk.models import AXES, Plant, axes_text
from otrisk.readiness import ReadinessReport, overdue_actions, status
from otrisk.reference import impact_scale
from otrisk.ui.program import STATUS_COLOURS, actions_frame
from otrisk.ui.setup import PageContext
from otrisk.workshop import (
    EXPOSURE_COLUMNS,
    IMPACT_ROWS,
    RankMove,
    RatingError,
    RatingSession,
    RiskMatrix,
)

__all__ = [
    "ELEMENT_COLUMNS",
    "EXPOSURE_LABELS",
    "IMPACT_LABELS",
    "MATRIX_COLOURS",
    "MATRIX_COLUMNS",
    "RANKING_COLUMNS",
    "ROW_HEIGHT",
    "STRENGTHEN_COLUMNS",
    "RatingState",
    "changes_text",
    "editor_frame",
    "editor_key",
    "elements_frame",
    "matrix_cells",
    "matrix_frame",
    "matrix_style",
    "moves_frame",
    "new_steps",
    "open_actions_frame",
    "preview_analysis",
    "rating_columns",
    "rating_frame",
    "rating_state",
    "restart_rating",
    "strengthen_top",
    "table_height",
]

IMPACT_LABELS = {5: "5 severe", 4: "4 major", 3: "3 serious", 2: "2 minor", 1: "1 low", None: "not rated"}
EXPOSURE_LABELS = {0: "0", 1: "1", 2: "2", 3: "3", None: "no zone"}
#: Cell background by severity band (impact + exposure; see :func:`_band`), colour-blind friendly
#: from pale blue to vermillion; grey where a figure is unknown.
MATRIX_COLOURS = {0: "#e8f1f8", 1: "#fde3b0", 2: "#f6a96b", 3: "#d55e00", None: "#eeeeee"}
ROW_HEIGHT = 35  # st.dataframe's default row height in pixels
# Column widths (pixels) that fit three panels side by side on a 1280-pixel screen.
_cc = st.column_config
MATRIX_COLUMNS: dict[str, Any] = {
    "_index": _cc.TextColumn("worst if lost", width=82, help="Worst effective impact over the three axes"),
    **{EXPOSURE_LABELS[e]: _cc.NumberColumn(width=44, help=f"Exposure {e}") for e in EXPOSURE_COLUMNS[:-1]},
    "no zone": _cc.NumberColumn(width=64, help="Assets without a zone: exposure not analysed"),
}
ELEMENT_COLUMNS: dict[str, Any] = {
    "element": _cc.TextColumn(width=62), "name": _cc.TextColumn(width=110), "now": _cc.NumberColumn(width=46, help="Maturity now, 0..4"),
    "target": _cc.NumberColumn(width=52), "readiness": _cc.TextColumn(width=78)}
STRENGTHEN_COLUMNS: dict[str, Any] = {
    "#": _cc.NumberColumn(width=28), "id": _cc.TextColumn(width=66), "score": _cc.NumberColumn(width=58),
    "why first": _cc.TextColumn(width="large")}


def table_height(rows: int) -> int:
    """Pixel height of a dataframe showing ``rows`` rows and the header, without scrolling."""
    return ROW_HEIGHT * (rows + 1) + 3


def _band(impact: int | None, exposure: int | None) -> int | None:
    if impact is None or exposure is None:
        return None
    total = impact + exposure  # 1..8
    return 3 if total >= 7 else 2 if total >= 5 else 1 if total >= 4 else 0


def matrix_frame(matrix: RiskMatrix) -> pd.DataFrame:
    """Counts per cell: index worst effective impact (labels), columns exposure (labels)."""
    return pd.DataFrame([[matrix.count(i, e) for e in EXPOSURE_COLUMNS] for i in IMPACT_ROWS],
                        index=pd.Index([IMPACT_LABELS[i] for i in IMPACT_ROWS], name="worst if lost"),
                        columns=[EXPOSURE_LABELS[e] for e in EXPOSURE_COLUMNS])


def matrix_style(frame: pd.DataFrame):
    """The matrix coloured by severity band; empty cells keep the band but grey text."""
    impact_of = {v: k for k, v in IMPACT_LABELS.items()}
    exposure_of = {v: k for k, v in EXPOSURE_LABELS.items()}
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for row in frame.index:
        for col in frame.columns:
            band = _band(impact_of[row], exposure_of[col])
            text = "#ffffff" if band == 3 else "#111111"
            if frame.loc[row, col] == 0:
                text = "#9e9e9e"
            styles.loc[row, col] = f"background-color: {MATRIX_COLOURS[band]}; color: {text}; font-weight: 600"
    return frame.style.apply(lambda _: styles, axis=None)


def matrix_cells(matrix: RiskMatrix) -> dict[str, tuple[str, ...]]:
    """The non-empty cells, worst first, as ``{label: asset ids}`` for the drill-down."""
    out = {}
    for i in IMPACT_ROWS:
        for e in reversed(EXPOSURE_COLUMNS[:-1]):
            ids = matrix.cell(i, e)
            if ids:
                out[f"{IMPACT_LABELS[i]} × exposure {EXPOSURE_LABELS[e]} ({len(ids)})"] = ids
        ids = matrix.cell(i, None)
        if ids:
            out[f"{IMPACT_LABELS[i]} × no zone ({len(ids)})"] = ids
    return out


def elements_frame(report: ReadinessReport) -> pd.DataFrame:
    """The eight program elements: maturity now (0..4), target, readiness (styled)."""
    rows = [{"element": e.id, "name": e.name, "now": e.maturity, "target": e.target, "readiness": status(e)[0]}
            for e in report.elements]
    frame = pd.DataFrame(rows, columns=["element", "name", "now", "target", "readiness"])
    frame = frame.astype({"now": "Int64", "target": "Int64"})
    return frame.style.map(lambda v: f"background-color: {STATUS_COLOURS.get(v, '')}; color: #111",
                           subset=["readiness"])


def strengthen_top(report: ReadinessReport, n: int = 5) -> pd.DataFrame:
    """The first ``n`` strengthen-first items: id, score and the first reason behind it (the
    line after the arithmetic)."""
    rows = [{"#": k, "id": i.id, "score": i.score, "why first": i.reasons[1] if len(i.reasons) > 1 else ""}
            for k, i in enumerate(report.strengthen_first[:n], 1)]
    return pd.DataFrame(rows, columns=["#", "id", "score", "why first"])


def open_actions_frame(plant: Plant, as_of: dt.date) -> pd.DataFrame:
    """Open and in-progress actions, overdue ones first and flagged."""
    late = {a.id for a in overdue_actions(plant, as_of=as_of)}
    frame = actions_frame(plant, late)
    frame = frame[frame["status"].isin(["open", "in_progress"])].reset_index(drop=True)
    return frame[["overdue", "id", "title", "owner", "due", "status"]]


# --- Quick rating -----------------------------------------------------------------------


@dataclass
class RatingState:
    """The room's quick rating: base plant and revision, the steps, the editor counter."""

    plant: Plant
    revision: int
    session: RatingSession = field(default_factory=RatingSession)
    nonce: int = 0


def rating_state(ctx: PageContext) -> RatingState:
    """The page's rating state, started from the stored plant on first use."""
    if "ws_rating" not in st.session_state:
        st.session_state["ws_rating"] = RatingState(ctx.plant, ctx.revision)
    return st.session_state["ws_rating"]


def restart_rating(state: RatingState, plant: Plant, revision: int, *, keep_steps: bool) -> list[str]:
    """Start again from ``plant`` at ``revision``: keep the steps (of assets it still has;
    returns the ids dropped) or drop them all; a new editor either way."""
    state.plant, state.revision = plant, revision
    state.nonce += 1
    if keep_steps:
        return state.session.drop_missing(plant)
    state.session.clear()
    return []


def rating_frame(plant: Plant, zones: list[str]) -> pd.DataFrame:
    """One row per asset of the zones picked (all when none; ``""`` = no zone), plant order."""
    picked = set(zones)
    rows = [{"asset": a.id, "name": a.name, "zone": a.zone or "", **a.impact.as_dict()}
            for a in plant.assets if not picked or (a.zone or "") in picked]
    frame = pd.DataFrame(rows, columns=["asset", "name", "zone", *AXES])
    for axis in AXES:
        frame[axis] = pd.array(frame[axis].tolist(), dtype="Int64")
    return frame


def editor_key(state: RatingState, zones: list[str]) -> str:
    """``ws_rate_<counter>_<zones digest>``: a new editor per counter and zone filter."""
    digest = hashlib.sha1("\n".join(sorted(zones)).encode()).hexdigest()[:8] if zones else "all"
    return f"ws_rate_{state.nonce}_{digest}"


def editor_frame(state: RatingState, key: str, zones: list[str]) -> pd.DataFrame:
    """The frame editor ``key`` started from: the preview when it was made (kept per key, so
    the editor's own edits always apply to the rows they were made on)."""
    held = st.session_state.get("ws_rate_frame")
    if held is None or held[0] != key:
        held = (key, rating_frame(state.session.preview(state.plant), zones))
        st.session_state["ws_rate_frame"] = held
    return held[1]


def rating_columns() -> dict[str, Any]:
    """Column config of the rating editor: ids read-only, ratings 1..5 with the scale as help."""
    cc = st.column_config
    scale = impact_scale()
    config: dict[str, Any] = {"asset": cc.TextColumn("asset", disabled=True, width=120),
                              "name": cc.TextColumn("name", disabled=True, width=130),
                              "zone": cc.TextColumn("zone", disabled=True, width=90)}
    for axis in AXES:
        levels = "; ".join(f"{n} {text.split(',')[0].rstrip('.')}" for n, text in sorted(scale[axis].items()))
        config[axis] = cc.NumberColumn(axis, min_value=1, max_value=5, step=1, format="%d", width=96,
                                       help=f"If this asset is lost: {levels}. Empty = unknown (not low).")
    return config


def new_steps(state: RatingState, frame: pd.DataFrame, edited: pd.DataFrame) -> list[RatingError]:
    """Record one step per cell of ``edited`` that differs from the preview; return the
    problems of cells that cannot be recorded (they stay unrecorded)."""
    preview = state.session.preview(state.plant).asset_map()
    problems = []
    for asset, (_, row) in zip(frame["asset"], edited.iterrows()):
        stored = preview[asset].impact.as_dict()
        for axis in AXES:
            value = cell_number(row[axis])
            if value != stored[axis]:
                try:
                    state.session.rate(asset, axis, value)
                except RatingError as exc:
                    problems.append(exc)
    return problems


@st.cache_data(max_entries=16, show_spinner="Ranking…")
def _preview_analysis(url: str, revision: int, pending: tuple, _plant: Plant) -> list[AssetImpact]:
    return analyze_plant(_plant)


def preview_analysis(ctx: PageContext, state: RatingState) -> tuple[list[AssetImpact], list[AssetImpact]]:
    """The ranking of the base plant and of the preview (cached per database, base revision and
    pending ratings)."""
    pending = state.session.pending()
    key = tuple((a, tuple(axes.items())) for a, axes in pending.items())
    before = _preview_analysis(ctx.url, state.revision, (), state.plant)
    after = _preview_analysis(ctx.url, state.revision, key, state.session.preview(state.plant)) if key else before
    return before, after


def moves_frame(moves: list[RankMove], after: list[AssetImpact], plant: Plant) -> pd.DataFrame:
    """The preview ranking: rank, move against the stored ranking, asset, priority, impacts."""
    names = {a.id: a.name for a in plant.assets}
    by_id = {r.asset: r for r in after}
    rows = []
    for m in moves:
        r = by_id[m.asset]
        if m.rank_before is None or m.rank_before == m.rank:
            move = ""
        else:
            move = f"▲ {m.rank_before - m.rank}" if m.rank_before > m.rank else f"▼ {m.rank - m.rank_before}"
        rows.append({"rank": m.rank, "move": move, "was": m.rank_before, "asset": m.asset,
                     "name": names.get(m.asset, ""), "priority": m.priority, "before": m.priority_before,
                     "if lost": axes_text(r.effective)})
    frame = pd.DataFrame(rows, columns=["rank", "move", "asset", "priority", "was", "before", "if lost", "name"])
    return frame.astype({"was": "Int64"})


#: Column widths of the preview ranking: the figures first, the name last (it may be cut off).
RANKING_COLUMNS: dict[str, Any] = {
    "rank": _cc.NumberColumn(width=44), "move": _cc.TextColumn(width=48, help="Places up or down against the stored ranking"),
    "asset": _cc.TextColumn(width=130), "priority": _cc.NumberColumn(width=64),
    "was": _cc.NumberColumn(width=40, help="Rank in the stored ranking"),
    "before": _cc.NumberColumn(width=60, help="Priority in the stored ranking"),
    "if lost": _cc.TextColumn(width=56, help="Effective impact production/safety/delivery, ? = unknown")}


def changes_text(state: RatingState) -> str:
    """The pending changes in one line: ``plc-1 production 3→4, …`` (``?`` = unknown)."""
    def shown(v: int | None) -> str:
        return "?" if v is None else str(v)

    return ", ".join(f"{c.asset} {c.axis} {shown(c.before)}→{shown(c.after)}"
                     for c in state.session.changes(state.plant))
