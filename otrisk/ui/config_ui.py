"""Tables and cached results of the Switch configs page, shaped from :mod:`otrisk.configstore`,
:mod:`otrisk.configdiff` and :mod:`otrisk.crossings`. Column names here are the words the page shows.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from otrisk.configdiff import diff_devices
from otrisk.configs import DeviceConfig
from otrisk.crossings import crossing_findings
from otrisk.findings import Finding
from otrisk.models import axes_text
from otrisk.ui.cache import analysis
from otrisk.ui.setup import PageContext

__all__ = ["crossings", "crossings_frame", "decode", "devices_frame", "no_baseline_style", "port_changes_frame",
           "side_by_side_frame", "unified_diff", "version_label", "versions_frame", "when"]

DEVICE_COLUMNS = ("device", "versions", "latest import", "imported by", "stated change time", "baseline")
PORT_FACTS = ("mode", "access_vlan", "voice_vlan", "native_vlan", "trunk_vlans", "profile", "shutdown")


def when(value: dt.datetime | None) -> str:
    """An aware time as ``YYYY-MM-DD HH:MM UTC``; ``unknown`` for None."""
    if value is None:
        return "unknown"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def devices_frame(summaries: Sequence[Any]) -> pd.DataFrame:
    """One row per device: versions, latest import (time, who), stated change time, baseline."""
    rows = [{
        "device": s.device, "versions": s.versions, "latest import": when(s.latest.imported_at),
        "imported by": s.latest.imported_by or "", "stated change time": when(s.latest.changed_at),
        "baseline": (f"released (version {s.baseline.id}, imported {when(s.baseline.imported_at)})"
                     if s.baseline is not None else "none released"),
    } for s in summaries]
    return pd.DataFrame(rows, columns=list(DEVICE_COLUMNS))


def no_baseline_style(frame: pd.DataFrame):
    """Devices without a released baseline stand out (amber tint, bold)."""
    return frame.style.apply(
        lambda row: ["background-color: #FFE8B3; font-weight: bold" if row["baseline"] == "none released" else ""]
        * len(row), axis=1)


def version_label(v: Any) -> str:
    """``#id · time · file · who`` plus ``· baseline`` for the released one."""
    who = f" · {v.imported_by}" if v.imported_by else ""
    return f"#{v.id} · {when(v.imported_at)} · {v.file_name}{who}" + (" · baseline" if v.baseline else "")


def versions_frame(versions: Sequence[Any]) -> pd.DataFrame:
    rows = [{"version": v.id, "imported": when(v.imported_at), "imported by": v.imported_by or "",
             "stated change time": when(v.changed_at), "file": v.file_name, "bytes": v.size,
             "sha256": v.sha256[:16], "baseline": bool(v.baseline)} for v in versions]
    return pd.DataFrame(rows, columns=["version", "imported", "imported by", "stated change time", "file", "bytes",
                                       "sha256", "baseline"])


def _facts_text(facts: dict | None) -> str:
    if facts is None:
        return "(not a switchport)"
    parts = [f"{k.replace('_', ' ')} {facts[k]}" for k in PORT_FACTS
             if k != "shutdown" and facts.get(k) is not None]
    if facts.get("shutdown"):
        parts.append("shutdown")
    return ", ".join(parts)


def port_changes_frame(before: DeviceConfig, after: DeviceConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(ports, other)``: one row per changed port (port, what changed, before, after) and one per
    other change (kind, subject, change), from :func:`otrisk.configdiff.diff_devices`."""
    changed, other = diff_devices(before, after)
    rows = []
    for c in changed:
        b, a = c["before"], c["after"]
        if b is None or a is None:
            what = "added" if b is None else "removed"
        else:
            what = ", ".join(k.replace("_", " ") for k in PORT_FACTS if b.get(k) != a.get(k))
        rows.append({"port": c["port"], "what changed": what, "before": _facts_text(b),
                     "after": _facts_text(a)})
    ports = pd.DataFrame(rows, columns=["port", "what changed", "before", "after"])
    others = pd.DataFrame([{"kind": o["kind"], "subject": o["subject"], "change": o["text"]} for o in other],
                          columns=["kind", "subject", "change"])
    return ports, others


def decode(data: bytes) -> str:
    """Configuration bytes as text (UTF-8, else Latin-1, as the reader does)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def side_by_side_frame(before: str, after: str, *, context: int = 3) -> pd.DataFrame:
    """The text diff as two columns: changed lines with ``context`` lines around them
    (``-`` removed, ``+`` added, blank: unchanged); ``…`` rows mark skipped lines."""
    a, b = _lines(before), _lines(after)
    rows: list[dict] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append({"line (baseline)": None, "baseline": "…", "change": "", "line (latest)": None, "latest": "…"})
        for tag, i1, i2, j1, j2 in group:
            left, right = list(range(i1, i2)), list(range(j1, j2))
            for k in range(max(len(left), len(right))):
                li = left[k] if k < len(left) else None
                ri = right[k] if k < len(right) else None
                mark = "" if tag == "equal" else "-" if ri is None else "+" if li is None else "≠"
                rows.append({"line (baseline)": None if li is None else li + 1,
                             "baseline": "" if li is None else a[li], "change": mark,
                             "line (latest)": None if ri is None else ri + 1,
                             "latest": "" if ri is None else b[ri]})
    frame = pd.DataFrame(rows, columns=["line (baseline)", "baseline", "change", "line (latest)", "latest"])
    for c in ("line (baseline)", "line (latest)"):
        frame[c] = pd.array(frame[c].tolist(), dtype="Int64")
    return frame


def unified_diff(before: str, after: str, *, before_name: str, after_name: str) -> str:
    """A unified diff of two configuration texts (for ``st.code``, shown literally)."""
    return "\n".join(difflib.unified_diff(_lines(before), _lines(after), fromfile=before_name, tofile=after_name,
                                          lineterm=""))


@st.cache_data(max_entries=8, show_spinner="Checking the zone crossings…")
def _crossings(url: str, revision: int, store_revision: int, _ctx: PageContext,
               _baseline: dict, _current: dict) -> list[Finding]:
    impacts = {i.asset: i for i in analysis(_ctx)}
    return crossing_findings(_ctx.plant, _baseline, _current, impacts=impacts)


def crossings(ctx: PageContext, store_revision: int, baseline: dict[str, DeviceConfig],
              current: dict[str, DeviceConfig]) -> list[Finding]:
    """:func:`otrisk.crossings.crossing_findings` of the released baselines against the latest
    versions, worst first (cached per plant revision and configuration store revision)."""
    return _crossings(ctx.url, ctx.revision, store_revision, ctx, baseline, current)


CROSSING_COLUMNS = ("id", "rule", "zones", "conduit", "conduit status", "worst effective", "assets", "message")


def crossings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """One row per finding, worst first: id, rule, zones, conduit and its status
    (``bypasses_approved`` / ``matches_unapproved`` / ``none``; empty for change windows), the worst
    effective impact (production/safety/delivery, ``?`` unknown), assets count and message."""
    rows = []
    for f in findings:
        conduit = f.extra.get("conduit") or {}
        rows.append({"id": f.id, "rule": f.rule.title, "zones": ", ".join(f.zones),
                     "conduit": conduit.get("id") or "", "conduit status": conduit.get("status", ""),
                     "worst effective": axes_text(f.worst_effective), "assets": len(f.assets),
                     "message": f.message})
    return pd.DataFrame(rows, columns=list(CROSSING_COLUMNS))
