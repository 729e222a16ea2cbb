"""Tables, column settings and cached results of the Zones and conduits and Findings pages and
the zone view of the Network map, shaped from :mod:`otrisk.zone_edit`, :mod:`otrisk.zones` and
:mod:`otrisk.rules`. Column names here are the words the pages show.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from otrisk.findings import Finding, FindingsReport
from otrisk.models import AcceptedFinding, Direction, Plant, ZoneKind, axes_text
from otrisk.rules import rules_report
from otrisk.ui.cache import analysis
from otrisk.ui.graph import SL_GAPS, zone_network_html
from otrisk.ui.setup import PageContext
from otrisk.ui.text import md_code, md_escape
from otrisk.zone_edit import (
    CONDUIT_COLUMNS,
    ORIGIN,
    ZONE_COLUMNS,
    TableProblem,
    conduit_rows,
    zone_rows,
)
from otrisk.zones import exposure_reasons, reach

__all__ = [
    "STATUSES", "zones_frame", "conduits_frame", "zone_column_config", "conduit_column_config", "records",
    "problems_markdown", "reach_frame", "sl_gap_legend", "zone_graph_html", "findings_report", "finding_rows",
    "filter_findings", "findings_frame", "findings_style", "finding_details_markdown", "assets_frame",
    "stale_frame", "zone_map_view",
]

#: Finding statuses in the order the Findings page offers them.
STATUSES = ("open", "expired", "accepted")
_ID_HELP = "Unique id: lower-case letters, digits, . _ -"
_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


# --- Zones and conduits editor -----------------------------------------------------------------

def _frame(rows: list[dict[str, Any]], columns: Sequence[str], *, numbers: Sequence[str] = (),
           floats: Sequence[str] = (), flags: Sequence[str] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*columns, ORIGIN])
    for c in frame.columns:
        if c in numbers:
            frame[c] = pd.array([None if pd.isna(v) else int(v) for v in frame[c]], dtype="Int64")
        elif c in floats:
            frame[c] = pd.array([None if pd.isna(v) else float(v) for v in frame[c]], dtype="Float64")
        elif c in flags:
            frame[c] = pd.array([None if v is None else bool(v) for v in frame[c]], dtype="boolean")
        else:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def zones_frame(plant: Plant) -> pd.DataFrame:
    """One editor row per zone plus the hidden :data:`~otrisk.zone_edit.ORIGIN` column
    (show with ``column_order=ZONE_COLUMNS``)."""
    return _frame(zone_rows(plant), ZONE_COLUMNS, numbers=("sl_target", "sl_achieved"), floats=("purdue_level",))


def conduits_frame(plant: Plant) -> pd.DataFrame:
    """One editor row per conduit plus the hidden origin column."""
    return _frame(conduit_rows(plant), CONDUIT_COLUMNS, numbers=("sl_target",), flags=("one_way", "approved"))


def zone_column_config() -> dict[str, Any]:
    """Column types, choices and help of the zone editor (constant: a changing configuration
    would make Streamlit drop the edits)."""
    cc = st.column_config
    sl_help = "IEC 62443-3-3 security level 0..4; empty = unknown (not 0)"
    return {
        "id": cc.TextColumn("id", required=True, validate=_ID_PATTERN,
                            help=_ID_HELP + ". Renaming updates assets, interfaces, conduits, evidence and "
                                            "accepted findings."),
        "name": cc.TextColumn("name", required=True),
        "kind": cc.SelectboxColumn("kind", options=[k.value for k in ZoneKind], required=True),
        # no min/max: Streamlit would clamp a typo silently; the model reports it
        "purdue_level": cc.NumberColumn("purdue_level", step=0.5, help="0..5; 3.5 for a DMZ; empty = unknown"),
        "sl_target": cc.NumberColumn("sl_target", step=1, format="%d", help="SL-T: " + sl_help),
        "sl_achieved": cc.NumberColumn("sl_achieved", step=1, format="%d", help="SL-A: " + sl_help),
        "vlans": cc.TextColumn("vlans", help="Comma-separated VLAN ids 1..4094"),
        "subnets": cc.TextColumn("subnets", help="Comma-separated networks in CIDR form (10.10.0.0/16)"),
        "description": cc.TextColumn("description", width="medium"),
    }


def conduit_column_config() -> dict[str, Any]:
    """Column types, choices and help of the conduit editor (constant, as for zones)."""
    cc = st.column_config
    zone_help = "Zone id (a zone added or renamed above may be used before saving)"
    return {
        "id": cc.TextColumn("id", required=True, validate=_ID_PATTERN,
                            help=_ID_HELP + ". Renaming carries accepted findings about the conduit."),
        "zone_a": cc.TextColumn("zone_a", required=True, validate=_ID_PATTERN, help=zone_help),
        "zone_b": cc.TextColumn("zone_b", required=True, validate=_ID_PATTERN, help=zone_help),
        "direction": cc.SelectboxColumn("direction", options=[d.value for d in Direction], default="both",
                                        help="both; forward: zone_a starts connections to zone_b; reverse: "
                                             "zone_b starts them"),
        "one_way": cc.CheckboxColumn("one_way", default=False,
                                     help="A unidirectional gateway (data diode) in its direction"),
        "protocols": cc.TextColumn("protocols", help="Comma-separated"),
        "sl_target": cc.NumberColumn("sl_target", step=1, format="%d", help="SL-T 0..4; empty = unknown"),
        "boundary_devices": cc.TextColumn("boundary_devices", help="Comma-separated asset ids that enforce it"),
        "approved": cc.CheckboxColumn("approved", default=True, help="Off: the conduit exists but was not released"),
        "description": cc.TextColumn("description", width="medium"),
    }


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The edited rows as plain dicts (missing cells None, numpy scalars as Python ones)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def problems_markdown(problems: Sequence[TableProblem]) -> str:
    n = len(problems)
    head = (f"{n} problem{'s' if n != 1 else ''} in the tables; nothing can be saved until "
            f"{'they are' if n != 1 else 'it is'} fixed:")
    return head + "\n\n" + "\n".join(f"- {md_code(p)}" for p in problems)


def _few(ids: Sequence[str], shown: int = 8) -> str:
    more = f" +{len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def reach_frame(plant: Plant) -> pd.DataFrame:
    """Per zone: exposure 0..3 with its reason, the zones it reaches, the unapproved conduits
    on those paths (:func:`otrisk.zones.reach`, :func:`otrisk.zones.zone_exposure`)."""
    reasons = exposure_reasons(plant)
    rows = []
    for z in plant.zones:
        r = reach(plant, z.id)
        exposure, why = reasons[z.id]
        rows.append({"zone": z.id, "name": z.name, "kind": z.kind, "exposure": exposure, "why": why,
                     "reaches": len(r.reachable), "reachable zones": ", ".join(r.reachable),
                     "unapproved conduits on the paths": ", ".join(r.unapproved_conduits)})
    return pd.DataFrame(rows, columns=["zone", "name", "kind", "exposure", "why", "reaches", "reachable zones",
                                       "unapproved conduits on the paths"])


def sl_gap_legend():
    """The zone view's colours: SL gap class, meaning, colour (cell coloured)."""
    frame = pd.DataFrame([{"SL gap": key, "meaning": text, "colour": colour}
                          for key, (text, colour) in SL_GAPS.items()])
    return frame.style.map(lambda c: f"background-color: {c}", subset=["colour"])


@st.cache_data(max_entries=8, show_spinner="Drawing the zone map…")
def _zone_graph_html(url: str, revision: int, _plant: Plant) -> str:
    return zone_network_html(_plant)


def zone_graph_html(ctx: PageContext) -> str:
    """The zone view of the page's plant (cached per database and revision)."""
    return _zone_graph_html(ctx.url, ctx.revision, ctx.plant)


# --- Findings ---------------------------------------------------------------------------------

@st.cache_data(max_entries=8, show_spinner="Checking the rules…")
def _findings(url: str, revision: int, as_of: dt.date, _plant: Plant, _ctx: PageContext) -> FindingsReport:
    return rules_report(_plant, as_of=as_of, impacts=analysis(_ctx))


def findings_report(ctx: PageContext, as_of: dt.date) -> FindingsReport:
    """:func:`otrisk.rules.rules_report` of the page's plant on ``as_of`` (cached per revision and day),
    the same that ``otrisk rules`` prints."""
    return _findings(ctx.url, ctx.revision, as_of, ctx.plant, ctx)


Row = tuple[Finding, str, AcceptedFinding | None]


def finding_rows(report: FindingsReport) -> list[Row]:
    """``(finding, status, acceptance)``: the open ones worst first (``expired`` when an acceptance
    ran out), then the accepted ones worst first."""
    expired = {f.id: a for f, a in report.expired}
    rows: list[Row] = [(f, "expired" if f.id in expired else "open", expired.get(f.id)) for f in report.open]
    rows += [(f, "accepted", a) for f, a in report.accepted]
    return rows


def filter_findings(rows: Iterable[Row], *, rules: Sequence[str] = (), zones: Sequence[str] = (),
                    axes: Sequence[str] = (), statuses: Sequence[str] = ()) -> list[Row]:
    """Rows matching every filter given: one of ``rules``, a zone among ``zones``, worst effective
    ≥ 4 on one of ``axes``, one of ``statuses``. An empty filter matches everything."""
    return [r for r in rows
            if (not rules or r[0].rule.id in rules)
            and (not zones or set(zones) & set(r[0].zones))
            and (not axes or any((r[0].worst_effective.get(ax) or 0) >= 4 for ax in axes))
            and (not statuses or r[1] in statuses)]


FINDING_COLUMNS = ("id", "status", "rule", "zones", "assets", "worst effective", "message", "accepted by",
                   "review by")


def findings_frame(rows: Iterable[Row]) -> pd.DataFrame:
    """One row per finding: id, status, rule title, zones, assets count, worst effective
    (production/safety/delivery, ``?`` unknown), message, who accepted it and until when."""
    records_ = [{
        "id": f.id, "status": status, "rule": f.rule.title, "zones": ", ".join(f.zones), "assets": len(f.assets),
        "worst effective": axes_text(f.worst_effective), "message": f.message,
        "accepted by": a.accepted_by if a else None, "review by": a.review_by.isoformat() if a else None,
    } for f, status, a in rows]
    return pd.DataFrame(records_, columns=list(FINDING_COLUMNS))


_STATUS_STYLE = {"expired": "background-color: #F9D3C0; font-weight: bold", "accepted": "color: #616161"}


def findings_style(frame: pd.DataFrame):
    """Expired acceptances stand out (vermillion tint, bold); accepted ones are greyed."""
    return frame.style.apply(lambda row: [_STATUS_STYLE.get(row["status"], "")] * len(row), axis=1)


def finding_details_markdown(f: Finding, status: str, acceptance: AcceptedFinding | None, *,
                             plant: Plant, as_of: dt.date) -> str:
    """The finding in full, user text escaped: message, status, rule rationale, references,
    remediation, zones and rule-specific fields."""
    zones = plant.zone_map()
    lines = [f"**{md_escape(f.rule.title)}** ({md_code(f.rule.id)}): {md_escape(f.message)}", ""]
    if status == "accepted" and acceptance:
        lines.append(f"- status: **accepted** by {md_escape(acceptance.accepted_by)} until "
                     f"{acceptance.review_by.isoformat()}: {md_escape(acceptance.justification)}")
    elif status == "expired" and acceptance:
        lines.append(f"- status: **:red[acceptance expired]** on {acceptance.review_by.isoformat()} "
                     f"(accepted by {md_escape(acceptance.accepted_by)}: {md_escape(acceptance.justification)}); "
                     f"open again on {as_of.isoformat()} until reviewed")
    else:
        lines.append("- status: **open**")
    lines.append(f"- worst effective impact of the assets involved (production/safety/delivery): "
                 f"{axes_text(f.worst_effective)}")
    lines.append("- zones: " + (", ".join(f"{md_code(z)} {md_escape(zones[z].name)}" if z in zones else md_code(z)
                                         for z in f.zones) or "none"))
    lines.append(f"- why it matters: {md_escape(f.rule.rationale)}")
    lines.append("- references: " + (", ".join(md_escape(r) for r in f.rule.references) or "none"))
    lines.append(f"- what to do: {md_escape(f.rule.remediation)}")
    for key, value in sorted(f.extra.items()):
        shown = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value
        lines.append(f"- {md_escape(key)}: {md_code(shown)}")
    return "\n".join(lines)


def assets_frame(f: Finding, plant: Plant, impacts: Sequence[Any]) -> pd.DataFrame:
    """The finding's assets with their names, types, zones and effective impact (loss)."""
    assets = plant.asset_map()
    effective = {i.asset: i.effective for i in impacts}
    rows = [{"asset": a, "name": assets[a].name if a in assets else "(not in the plant)",
             "type": assets[a].type if a in assets else "", "zone": assets[a].zone if a in assets else None,
             "effective impact": axes_text(effective[a]) if a in effective else "?/?/?"}
            for a in f.assets]
    return pd.DataFrame(rows, columns=["asset", "name", "type", "zone", "effective impact"])


def stale_frame(report: FindingsReport) -> pd.DataFrame:
    """Acceptances whose finding no rule reports any more."""
    rows = [{"id": a.id, "accepted by": a.accepted_by, "review by": a.review_by.isoformat(),
             "justification": a.justification} for a in report.stale_acceptances]
    return pd.DataFrame(rows, columns=["id", "accepted by", "review by", "justification"])


# --- Zone view of the Network map ----------------------------------------------------------------

def zone_map_view(ctx: PageContext) -> None:
    """The Network map's zone view: the map, its legend, and one zone's reach and findings
    (widget keys ``nm_``)."""
    from otrisk.evidence import today_utc

    st.caption("A box is a zone, coloured by its SL gap (SL-T − SL-A); an arrow is a conduit in the direction "
               "it allows connections to start (both ways: arrows at both ends). Dashed with the label "
               "'unapproved': exists but not released. Thick blue with the label 'one-way': a unidirectional "
               "gateway. Rows: Purdue level (5 on top). Hover a zone or conduit for details.")
    if not ctx.plant.zones:
        st.info("No zones yet. Add them on the Zones and conduits page.")
        return
    st.iframe(zone_graph_html(ctx), height=660, alt="Zone map")
    st.dataframe(sl_gap_legend(), hide_index=True, key="nm_sl_legend")

    zones = ctx.plant.zone_map()
    picked = st.selectbox("Zone", list(zones), key="nm_zone_pick",
                          format_func=lambda z: f"{z} · {zones[z].name}")
    reach_row = reach_frame(ctx.plant).set_index("zone").loc[picked]
    st.markdown(
        f"**{md_escape(zones[picked].name)}** ({md_code(picked)}, {md_escape(zones[picked].kind)}): exposure "
        f"{reach_row['exposure']} ({md_escape(reach_row['why'])}); reaches "
        f"{md_escape(reach_row['reachable zones'] or 'no other zone')}"
        + (f"; unapproved conduits on the way: {md_escape(reach_row['unapproved conduits on the paths'])}"
           if reach_row["unapproved conduits on the paths"] else ""))
    as_of = today_utc()
    rows = filter_findings(finding_rows(findings_report(ctx, as_of)), zones=[picked])
    st.subheader(f"Findings that speak of {picked} on {as_of.isoformat()}")
    if rows:
        st.dataframe(findings_style(findings_frame(rows)), hide_index=True, key="nm_zone_findings",
                     column_config={"message": st.column_config.TextColumn(width="large")})
        st.caption("Details, accepting and un-accepting: the Findings page.")
    else:
        st.info(f"No finding speaks of zone {picked}.")
