"""The HTML audit report of the evidence pack: one self-contained file that prints to A4 PDF.

No outside request of any kind (:func:`outside_requests` checks it): styles are inline, the
two pictures (zone/conduit topology, program map) are SVG markup drawn with matplotlib and
inlined, no fonts are loaded. All user text is escaped with :func:`html.escape`; matplotlib
escapes the text it writes into the SVG, and maths parsing is off so ``$`` stays a dollar.
Colours follow the zone map (Okabe-Ito, colour-blind safe) and every colour is repeated as
text (SL values on the zones, readiness status as words).
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from otrisk import __version__
from otrisk.models import axes_text

__all__ = ["outside_requests", "program_svg", "render_html", "topology_svg", "write_html"]

_SL_COLOURS = {"0": "#56B4E9", "1": "#E69F00", "2+": "#D55E00", "unknown": "#BBBBBB", "none": "#FFFFFF"}
_SL_LEGEND = {"0": "SL-A meets SL-T", "1": "one level below", "2+": "two or more below",
              "unknown": "SL-A not rated", "none": "no SL-T"}
_URL_ATTRS = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "lowsrc",
              "dynsrc", "longdesc", "ping", "manifest", "codebase", "archive", "cite", "icon", "usemap",
              "xlink:href", "imagesrcset"}
_TAG = re.compile(r"<\s*([a-zA-Z][\w:.-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>", re.DOTALL)
_ATTR = re.compile(r"([^\s\"'=<>/]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.IGNORECASE)


def _inert(url: str) -> bool:
    """A reference that fetches nothing: empty, a fragment in the same document, or data:."""
    url = html.unescape(url).strip()
    return url == "" or url.startswith("#") or url.lower().startswith("data:")


def outside_requests(text: str) -> list[str]:
    """Every reference in ``text`` that would make a browser fetch something from outside.

    Flags ``src``/``href``/``srcset``/``poster``/``data``/``action``… attributes (``data-*``
    too) that name anything but a fragment or a ``data:`` URL, except the ``href`` of an
    ``<a>`` (a link the reader follows on purpose); any ``<link>``, ``<base>`` or
    ``<meta http-equiv=refresh>``; ``@import``; and ``url(…)`` in a style element or an
    attribute that names anything but a fragment. Element text (escaped user data) is inert.

    Examples
    --------
    >>> outside_requests('<a href="https://example.org">x</a><svg><use href="#m1"/></svg>')
    []
    >>> outside_requests('<img src="//cdn.example/x.png"><p style="background:url(https://t/x)">')
    ['<img src="//cdn.example/x.png">', 'url(https://t/x)']
    """
    found: list[str] = []
    for block in _STYLE_BLOCK.findall(text):
        found += _css_problems(block)
    for m in _TAG.finditer(text):
        tag, attrs = m.group(1).lower(), m.group(2)
        if tag in ("link", "base") or (tag == "meta" and "refresh" in attrs.lower()):
            found.append(m.group(0))
            continue
        for name, raw in _ATTR.findall(attrs):
            name, value = name.lower(), html.unescape((raw or "").strip("\"'"))
            if name == "style":
                found += _css_problems(value)
            elif name in _URL_ATTRS or name.startswith("data-"):
                if tag == "a" and name in ("href", "xlink:href"):
                    continue
                urls = [u.strip().split(" ")[0] for u in value.split(",")] if "srcset" in name else [value]
                if name.startswith("data-") and not any(_EXTERNAL.match(u) for u in urls):
                    continue  # data-* holding plain text
                if not all(_inert(u) for u in urls):
                    found.append(m.group(0))
                    break
            elif "url(" in value.lower():
                found += _css_problems(value)
    return found


def _css_problems(css: str) -> list[str]:
    out = [m.group(0) for m in _CSS_URL.finditer(css) if not _inert(m.group(2))]
    if "@import" in css.lower():
        out.append("@import")
    return out


# --- pictures ---------------------------------------------------------------------------

_RC = {"svg.fonttype": "none", "text.parse_math": False, "text.usetex": False}


def _drawing(draw):
    """Run a drawing function with text as SVG text (no font files, no paths) and no maths parsing."""
    import functools

    @functools.wraps(draw)
    def wrapped(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(_RC):
            return draw(*args, **kwargs)
    return wrapped


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig, salt: str) -> str:
    import matplotlib

    with matplotlib.rc_context({**_RC, "svg.hashsalt": salt}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE (it names a DTD URL)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


def _sl(value: int | None) -> str:
    return "?" if value is None else str(value)


@_drawing
def topology_svg(plant) -> str:
    """Zones as boxes in rows by Purdue level (highest on top, unknown level at the bottom),
    conduits as arrows in the directions they allow; unapproved dashed and labelled, one-way
    gateways thick and labelled, parallel conduits on separate curves. Empty for no zones."""
    from otrisk.zones import sl_gap, zone_graph

    if not plant.zones:
        return ""
    graph = zone_graph(plant)
    zones = plant.zone_map()
    levels: dict[float, list[str]] = {}
    for z in sorted(graph.nodes):
        level = zones[z].purdue_level
        levels.setdefault(-1 if level is None else level, []).append(z)
    rows = sorted(levels, reverse=True)
    pos = {z: (i - (len(levels[lv]) - 1) / 2, -r) for r, lv in enumerate(rows) for i, z in enumerate(levels[lv])}
    wide = max(len(v) for v in levels.values())
    fig = _figure(min(11.0, 2.0 + 2.1 * wide), 1.0 + 1.5 * len(rows))
    ax = fig.add_subplot()
    ax.set_axis_off()
    seen: dict[frozenset, int] = {}
    for c in sorted(plant.conduits, key=lambda c: c.id):
        a, b = c.zones
        pair = frozenset((a, b))
        n = seen[pair] = seen.get(pair, -1) + 1
        rad = 0.12 * n * (-1 if n % 2 else 1) + (0.25 if abs(pos[a][1] - pos[b][1]) > 1 else 0)
        style = {"both": "<|-|>", "forward": "-|>", "reverse": "<|-"}[getattr(c.direction, "value", c.direction)]
        ax.annotate("", xy=pos[b], xytext=pos[a], arrowprops={
            "arrowstyle": style, "connectionstyle": f"arc3,rad={rad}", "shrinkA": 22, "shrinkB": 22,
            "color": "#D55E00" if not c.approved else "#0072B2" if c.one_way else "#616161",
            "linestyle": "--" if not c.approved else "-", "linewidth": 3 if c.one_way else 1.2})
        notes = [x for x, on in (("unapproved", not c.approved), ("one-way", c.one_way)) if on]
        mid = ((pos[a][0] + pos[b][0]) / 2, (pos[a][1] + pos[b][1]) / 2 + 0.12 * n)
        ax.text(*mid, c.id + (f" ({', '.join(notes)})" if notes else ""), fontsize=6, ha="center",
                va="center", color="#333333", bbox={"fc": "white", "ec": "none", "pad": 0.5, "alpha": 0.8})
    for z, (x, y) in pos.items():
        zone = zones[z]
        ax.text(x, y, f"{_short(zone.id)}\n{zone.kind}\nSL-T {_sl(zone.sl_target)} · SL-A {_sl(zone.sl_achieved)}",
                ha="center", va="center", fontsize=7, bbox={"boxstyle": "round,pad=0.5", "ec": "#333333",
                                                            "fc": _SL_COLOURS[sl_gap(zone)]})
    for r, lv in enumerate(rows):
        ax.text(-wide / 2 - 0.4, -r, "level ?" if lv == -1 else f"level {lv:g}", ha="right", va="center",
                fontsize=7, color="#555555")
    ax.set_xlim(-wide / 2 - 1.2, wide / 2 + 0.2)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    handles = [_patch(_SL_COLOURS[k], v) for k, v in _SL_LEGEND.items()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=5, fontsize=6, frameon=False)
    return _svg(fig, "otrisk-topology")


def _patch(colour: str, label: str):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, edgecolor="#333333", label=label)


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@_drawing
def program_svg(report) -> str:
    """Maturity now against target per program element (horizontal bars, 0..4)."""
    elements = list(report.elements)
    fig = _figure(7.0, 0.45 * len(elements) + 1.2)
    ax = fig.add_subplot()
    ys = range(len(elements))
    ax.barh([y + 0.2 for y in ys], [e.maturity or 0 for e in elements], height=0.38, color="#0072B2",
            label="maturity now")
    ax.barh([y - 0.2 for y in ys], [e.target or 0 for e in elements], height=0.38, color="#E69F00", label="target")
    for y, e in zip(ys, elements):
        if e.maturity is None:
            ax.text(0.05, y + 0.2, "not assessed", va="center", fontsize=7)
        if e.target is None:
            ax.text(0.05, y - 0.2, "no target", va="center", fontsize=7)
    ax.set_yticks(list(ys), [f"{e.id} {_short(e.name, 30)}" for e in elements], fontsize=7)
    ax.set_xticks(range(5), ["0", "ML1", "ML2", "ML3", "ML4"], fontsize=7)
    ax.set_xlim(0, 4.2)
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="lower right")
    return _svg(fig, "otrisk-program")


# --- HTML -------------------------------------------------------------------------------

_CSS = """
body{font-family:sans-serif;font-size:10pt;color:#222;margin:1.5em}
h1{font-size:18pt}h2{font-size:14pt;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
th,td{border:1px solid #bbb;padding:2px 4px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eee}td.n{text-align:right}
.light{display:inline-block;padding:0 .4em;border-radius:.6em;border:1px solid #555}
.ready{background:#56B4E9}.partly{background:#F0E442}.gap{background:#D55E00;color:#fff}
.na{background:#fff}.pre{white-space:pre-line}figure{margin:0}
@page{size:A4;margin:14mm}
@media print{body{margin:0;font-size:8.5pt}section{break-before:page}section.first{break-before:auto}
tr,figure{break-inside:avoid}thead{display:table-header-group}}
"""


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(getattr(value, "value", value))


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], *, raw: frozenset[int] = frozenset()) -> str:
    """A table; cells are escaped, except columns in ``raw`` (markup this module built)."""
    out = ["<table><thead><tr>", *(f"<th>{html.escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    count = 0
    for row in rows:
        count += 1
        cells = []
        for i, v in enumerate(row):
            cls = ' class="n"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{v if i in raw else html.escape(_fmt(v))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out) if count else "<p>None.</p>"


def _light(r) -> str:
    from otrisk.readiness import status

    label, why = status(r)
    cls = {"ready": "ready", "partly": "partly", "gap": "gap"}.get(label, "na")
    return f'<span class="light {cls}" title="{html.escape(why)}">{html.escape(label)}</span>'


def _section(title: str, body: str, first: bool = False) -> str:
    cls = ' class="first"' if first else ""
    return f"<section{cls}><h2>{html.escape(title)}</h2>{body}</section>"


def render_html(pack) -> str:
    """The whole report of a :class:`otrisk.report.Pack` as one HTML document."""
    from otrisk.report import MACHINE, PLANT_FILE

    plant, rd, fr = pack.plant, pack.readiness, pack.findings
    e = html.escape
    statuses = [r.status() for r in pack.register]
    counts = [("assets", len(plant.assets)), ("zones", len(plant.zones)), ("conduits", len(plant.conduits)),
              ("evidence items", len(pack.register)), ("fresh", statuses.count("fresh")),
              ("stale", statuses.count("stale")), ("open findings", len(fr.open)),
              ("accepted findings", len(fr.accepted)), ("actions", len(plant.actions)),
              ("overdue actions", len(pack.overdue))]
    site = plant.site
    summary = (f"<p>Site <b>{e(site.name)}</b> · NIS2 sector {e(site.sector or 'not set')}, entity "
               f"{e(site.entity or 'not classified')} · as of <b>{pack.as_of.isoformat()}</b> · "
               f"plant file {e(pack.source)} (SHA-256 <code>{e(pack.sha256)}</code>) · otrisk {e(__version__)}</p>"
               + _table([c for c, _ in counts], [[n for _, n in counts]])
               + "<p>Readiness per program element:</p>"
               + _table(["element", "name", "status"], ([r.id, r.name, _light(r)] for r in rd.elements),
                        raw=frozenset({2})))
    program_rows = []
    for r in (x for el in rd.elements for x in (el, *el.sub_elements)):
        c = r.counts()
        program_rows.append([r.id, r.name, r.maturity, r.maturity_date, r.target, r.not_applicable,
                             f"{c['operational']['fresh']}/{c['operational']['stale']}",
                             f"{c['organizational']['fresh']}/{c['organizational']['stale']}",
                             r.paper_compliance, _light(r)])
    program = (f"<figure>{program_svg(rd)}</figure>"
               + _table(["id", "name", "maturity", "rated on", "target", "not applicable", "operational fresh/stale",
                         "organizational fresh/stale", "paper compliance", "status"], program_rows, raw=frozenset({9})))
    strengthen = _table(["#", "id", "name", "score", "reasons"],
                        ([i, s.id, s.name, s.score, f'<span class="pre">{e(chr(10).join(s.reasons))}</span>']
                         for i, s in enumerate(rd.strengthen_first, 1)), raw=frozenset({4}))
    zones = (f"<figure>{topology_svg(plant)}</figure>"
             + _table(["id", "name", "kind", "Purdue", "SL-T", "SL-A", "exposure", "owner", "VLANs", "subnets"],
                      ([z.id, z.name, z.kind, z.purdue_level, z.sl_target, z.sl_achieved,
                        pack.zone_exposure.get(z.id), z.owner, z.vlans, z.subnets]
                       for z in sorted(plant.zones, key=lambda z: z.id)))
             + _table(["id", "name", "zones", "direction", "one-way", "approved", "protocols", "SL-T", "boundary devices"],
                      ([c.id, c.name, " - ".join(c.zones), c.direction, c.one_way, c.approved, c.protocols, c.sl_target,
                        c.boundary_devices] for c in sorted(plant.conduits, key=lambda c: c.id))))
    impacts = pack.impact_by_asset
    inventory = _table(["id", "name", "type", "zone", "vendor / model", "firmware", "ip", "owner",
                        "impact p/s/d", "effective p/s/d", "exposure", "priority"],
                       ([a.id, a.name, a.type, a.zone, " ".join(x for x in (a.vendor, a.model) if x), a.firmware, a.ip,
                         a.owner, axes_text(a.impact.as_dict()), axes_text(impacts[a.id].effective) if a.id in impacts
                         else "", impacts[a.id].exposure if a.id in impacts else None,
                         impacts[a.id].priority if a.id in impacts else None]
                        for a in sorted(plant.assets, key=lambda a: a.id)))
    machine = {x.id for x in pack.machine}
    evidence = _table(["id", "source", "kind", "title", "elements", "collected", "valid until", "covers", "file",
                       "status", "freshness"],
                      ([r.id, MACHINE if r.id in machine else PLANT_FILE, r.kind, r.item.title, r.item.elements,
                        r.item.collected, r.item.valid_until, r.item.covers or "whole site",
                        f"{r.item.file.name} (SHA-256 {r.item.file.sha256})" if r.item.file else None,
                        r.status(), r.freshness_text] for r in pack.register))
    expired = {f.id for f, _ in fr.expired}
    findings = (_table(["id", "status", "worst p/s/d", "zones", "assets", "message", "remediation"],
                       [*([f.id, "expired acceptance" if f.id in expired else "open", axes_text(f.worst_effective),
                           f.zones, f.assets, f.message, f.rule.remediation] for f in fr.open),
                        *([f.id, f"accepted until {a.review_by.isoformat()}", axes_text(f.worst_effective), f.zones,
                           f.assets, f.message, f.rule.remediation] for f, a in fr.accepted)])
                + "<h3>Accepted findings</h3>"
                + _table(["id", "justification", "accepted by", "review by"],
                         ([a.id, a.justification, a.accepted_by, a.review_by] for a in plant.accepted_findings)))
    actions = _table(["id", "title", "elements", "owner", "due", "status", "overdue", "notes"],
                     ([a.id, a.title, a.elements, a.owner, a.due, a.status, a.id in pack.overdue, a.notes]
                      for a in sorted(plant.actions, key=lambda a: a.id)))
    configs = _table(["source", "device", "platform / file", "ports", "VLANs", "changed at", "sha256",
                      "imported", "baseline"],
                     [*(["--config", d.device, f"{d.platform} {Path(d.file).name}", len(d.ports),
                         ",".join(str(v) for v in sorted(d.vlans)), d.changed_at, None, None, None]
                        for _, d in sorted(pack.configs.items())),
                      *(["--db", v.device, v.file_name, None, None, v.changed_at, v.sha256,
                         f"{_fmt(v.imported_at)} by {v.imported_by}", v.baseline] for v in pack.versions)])
    body = "".join([
        _section("Summary", summary, first=True), _section("Program map (IEC 62443-2-1)", program),
        _section("Strengthen first", strengthen), _section("Zones and conduits", zones),
        _section("Inventory", inventory), _section("Evidence register", evidence),
        _section("Findings", findings), _section("Actions", actions), _section("Configuration versions", configs)])
    title = e(f"Audit report: {site.name} ({pack.as_of.isoformat()})")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body><h1>{title}</h1>{body}"
            f"<footer><p>otrisk {e(__version__)} · impact p/s/d = production/safety/delivery, 1..5, ? = unknown; "
            "maturity 0 = not implemented, 1..4 = ML1..ML4</p></footer></body></html>\n")


def write_html(pack, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_html` of ``pack`` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(render_html(pack), encoding="utf-8")
    return path
