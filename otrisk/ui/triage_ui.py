"""Streamlit adapter of the Unknown device page: gathers the stored configurations and a pasted
show output, runs :func:`otrisk.triage.triage`, and draws the answer (widget keys ``ud_``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from otrisk.configs import DeviceConfig
from otrisk.configstore import baseline_devices, current_devices, store_revision
from otrisk.evidence import today_utc
from otrisk.findings import Finding
from otrisk.impact import AssetImpact
from otrisk.models import AXES, Plant
from otrisk.showparse import ShowOutputs, parse_show_outputs
from otrisk.triage import SEVERITIES, TriageAnswer, parse_target, triage
from otrisk.ui.cache import analysis
from otrisk.ui.graph import zone_network_html
from otrisk.ui.setup import PageContext
from otrisk.ui.text import md_code, md_escape
from otrisk.ui.zone_ui import findings_report

__all__ = ["answer_for", "plain_md", "reachable_assets_frame", "severity_banner", "stored_configs", "triage_map_html",
           "zones_frame"]


@st.cache_data(max_entries=4, show_spinner="Reading the stored switch configurations…")
def _stored(url: str, store: int, _engine) -> tuple[dict[str, DeviceConfig], dict[str, DeviceConfig]]:
    return current_devices(_engine), baseline_devices(_engine)


def stored_configs(ctx: PageContext) -> tuple[dict[str, DeviceConfig], dict[str, DeviceConfig]]:
    """``(latest version per switch, released baseline per switch)`` from the config store,
    cached per config-store revision."""
    return _stored(ctx.url, store_revision(ctx.engine), ctx.engine)


def answer_for(ctx: PageContext, target: str, *, pasted: str = "", paste_switch: str = "",
               use_stored: bool = True) -> TriageAnswer:
    """The triage answer for ``target`` on the page's plant.

    Raises
    ------
    TriageError
        A target that is not a port, IP or MAC.
    ShowOutputError
        A pasted text that is no show output otrisk understands.
    """
    t = parse_target(target)
    configs, baselines = stored_configs(ctx) if use_stored else ({}, {})
    shows: list[ShowOutputs] = []
    if pasted.strip():
        fallback = paste_switch.strip() or (t.switch if t.kind == "port" else None)
        shows.append(parse_show_outputs(pasted, source="the pasted text", switch=fallback))
    impacts = analysis(ctx)
    findings = findings_report(ctx, today_utc()).open
    return triage(ctx.plant, t, impacts=impacts, configs=configs, baselines=baselines, shows=shows,
                  findings=findings)


def severity_banner(answer: TriageAnswer) -> None:
    """The severity up front: red for danger to people, orange for production downtime."""
    text = f"**{md_escape(SEVERITIES[answer.severity])}** — {md_escape(answer.severity_reason)}"
    {"safety": st.error, "production": st.warning, "limited": st.info, "unknown": st.warning}[answer.severity](text)


def zones_frame(answer: TriageAnswer, plant: Plant) -> pd.DataFrame:
    """The device's zones: id, name, kind, SL-T, owner."""
    names = {z.id: z.name for z in plant.zones}
    return pd.DataFrame([{"zone": d["id"], "name": names.get(d["id"], ""), "kind": d["kind"],
                          "SL-T": d["sl_target"], "owner": d["owner"] or "none named"} for d in answer.zone_details],
                        columns=["zone", "name", "kind", "SL-T", "owner"])


def reachable_assets_frame(answer: TriageAnswer, plant: Plant, impacts: Sequence[AssetImpact]) -> pd.DataFrame:
    """The systems in reach, most critical first: asset, name, zone, owner, effective impact per axis."""
    assets = {a.id: a for a in plant.assets}
    by_id = {i.asset: i for i in impacts}
    rows = []
    for aid in answer.reachable_assets:
        a, imp = assets[aid], by_id.get(aid)
        eff = imp.effective if imp else dict.fromkeys(AXES)
        rows.append({"asset": aid, "name": a.name, "type": a.type, "zone": a.zone or "", "owner": a.owner or "",
                     **{ax: eff[ax] for ax in AXES},
                     "_worst": max((v for v in eff.values() if v is not None), default=0)})
    frame = pd.DataFrame(rows, columns=["asset", "name", "type", "zone", "owner", *AXES, "_worst"])
    frame = frame.sort_values(["_worst", "asset"], ascending=[False, True], kind="stable").drop(columns="_worst")
    for ax in AXES:
        frame[ax] = frame[ax].astype("Int64")
    return frame.reset_index(drop=True)


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Open findings on the device's zones: id, title, message."""
    return pd.DataFrame([{"finding": f.id, "rule": f.rule.title, "message": f.message} for f in findings],
                        columns=["finding", "rule", "message"])


@st.cache_data(max_entries=8, show_spinner="Drawing the zone map…")
def _map(url: str, revision: int, here: tuple[str, ...], reach: tuple[str, ...], _plant: Plant) -> str:
    return zone_network_html(_plant, device_zones=here, reachable=reach)


def triage_map_html(ctx: PageContext, answer: TriageAnswer) -> str:
    """The zone map with the device's zones and what it can reach highlighted (cached)."""
    return _map(ctx.url, ctx.revision, answer.zones, answer.reachable_zones, ctx.plant)


_MAC_TEXT = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b")


def plain_md(text: str) -> str:
    """Text as markdown, MAC addresses as inline code: copyable as typed (``md_escape`` has to break
    ``:de:``-like emoji short codes with an invisible character, which a copied MAC must not carry)."""
    out, last = [], 0
    for m in _MAC_TEXT.finditer(text):
        out += [md_escape(text[last:m.start()]), md_code(m.group())]
        last = m.end()
    return "".join(out) + md_escape(text[last:])


def where_markdown(answer: TriageAnswer) -> str:
    """Plain-words lines: the spots and how the zones were found."""
    lines = [f"- Seen on {md_code(s.label())} ({md_escape(s.how)})" for s in answer.spots]
    if answer.source_text:
        lines.append(f"- How we know: {plain_md(answer.source_text)}")
    return "\n".join(lines)


def note_stamp() -> dt.datetime:
    """Local time for the incident note."""
    return dt.datetime.now().astimezone()
