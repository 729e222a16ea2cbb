"""The network map: a pyvis (vis-network) page of the plant's assets, offline and inert.

A node is an asset, grouped and coloured by its zone. An edge ``A -> B`` is drawn for
``A.depends_on: [B]`` (solid, "depends on") and for ``A.manages: [B]`` (dashed, "manages").
The zone view (:func:`zone_network_html`) draws zones as nodes, coloured by their SL gap, and
conduits as edges, under the same three rules.

Three rules keep the page safe on a plant laptop (STACK_NOTES.md, "pyvis"):

* **Offline.** The JavaScript is inlined (``cdn_resources="in_line"``) and the Bootstrap
  ``<link>``/``<script>`` tags pyvis adds in every mode are removed, so the page makes no
  outside request. :func:`network_html` refuses to return a page that still would.
* **Inert user text.** Labels and titles are plain text: vis-network draws labels on a
  canvas and shows string titles with ``innerText``, and pyvis' JSON encoder escapes
  ``<``, ``>`` and ``&``. pyvis switches tooltips to ``innerHTML`` when a title contains
  ``href``, so that substring is broken with a zero-width space (any letter case). No user
  text goes into ``heading``, ``select_menu``, ``filter_menu`` or ``options``.
* **Fast.** Nodes and edges are filled into ``net.nodes``/``net.edges`` directly
  (``add_node``/``add_edge`` are O(N·E)). Above ``graph_physics_max_nodes`` nodes the
  browser's physics simulation is off and positions come from Python: Purdue level gives
  the row (level 5 on top), zones sit side by side in their level's row.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from pyvis.network import Network

from otrisk.models import AXES, Asset, Conduit, Plant, Zone
from otrisk.zones import sl_gap, zone_exposure

__all__ = [
    "NO_ZONE",
    "SL_GAPS",
    "ZONE_PALETTE",
    "GraphView",
    "neighbourhood",
    "network_html",
    "outside_references",
    "plain_text",
    "sl_gap",
    "strip_outside_resources",
    "view_asset_ids",
    "zone_colours",
    "zone_network_html",
]

NO_ZONE = "(no zone)"
NO_ZONE_COLOUR = "#9e9e9e"
#: Colour-blind-friendly qualitative palette (Okabe-Ito, then Tableau 10), zones in order.
ZONE_PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#76B7B2", "#EDC948", "#FF9DA7",
)
_SHAPES = {
    "plc": "square", "sis": "star", "rtu": "square", "drive": "square",
    "switch": "triangle", "firewall": "triangleDown",
    "service": "diamond", "iiot": "diamond", "other": "diamond",
}
_DEFAULT_SHAPE = "dot"
_HEIGHT_PX = 640
_COL_PX, _ROW_PX, _ZONE_GAP_PX, _LEVEL_GAP_PX = 90, 70, 120, 140
_LABEL_MAX = 40


@dataclass(frozen=True)
class GraphView:
    """Which part of the plant the map shows: all, one zone, or an asset's neighbourhood."""

    zone: str | None = None
    center: str | None = None
    radius: int = 1
    #: Place nodes by Purdue level and zone even when the view is small enough for physics.
    layered: bool = False


def plain_text(text: object) -> str:
    """User text made safe for a pyvis title: ``href`` broken (any case), nothing escaped."""
    return re.sub(r"(?i)(h)(ref)", "\\1\u200b\\2", str(text))


def _zone_order(zones: list[Zone]) -> list[Zone]:
    """Top of the Purdue model first (level 5 … 0, unknown last), then by id."""
    return sorted(zones, key=lambda z: (-(z.purdue_level if z.purdue_level is not None else -1), z.id))


def zone_colours(plant: Plant) -> dict[str, str]:
    """``{zone id: colour}`` in zone order, plus :data:`NO_ZONE`."""
    colours = {z.id: ZONE_PALETTE[i % len(ZONE_PALETTE)] for i, z in enumerate(_zone_order(plant.zones))}
    colours[NO_ZONE] = NO_ZONE_COLOUR
    return colours


def neighbourhood(plant: Plant, center: str, radius: int) -> set[str]:
    """Assets within ``radius`` steps of ``center`` over depends_on/manages, either direction."""
    adjacent: dict[str, set[str]] = {a.id: set() for a in plant.assets}
    for a in plant.assets:
        for other in (*a.depends_on, *a.manages):
            if other in adjacent:
                adjacent[a.id].add(other)
                adjacent[other].add(a.id)
    if center not in adjacent:
        return set()
    seen = {center}
    frontier = deque([(center, 0)])
    while frontier:
        node, dist = frontier.popleft()
        if dist == radius:
            continue
        for nxt in sorted(adjacent[node]):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, dist + 1))
    return seen


def view_asset_ids(plant: Plant, view: GraphView) -> set[str]:
    """The asset ids a view shows."""
    if view.center is not None:
        return neighbourhood(plant, view.center, view.radius)
    if view.zone is not None:
        return {a.id for a in plant.assets if (a.zone or NO_ZONE) == view.zone}
    return {a.id for a in plant.assets}


def _title(asset: Asset, zones: dict[str, Zone]) -> str:
    zone = zones.get(asset.zone) if asset.zone else None
    impact = asset.impact.as_dict()
    lines = [
        asset.name,
        f"id: {asset.id} · type: {asset.type}",
        f"zone: {zone.name} ({zone.id})" if zone else "zone: none (data gap)",
        "impact: " + ", ".join(f"{axis} {impact[axis] if impact[axis] is not None else '?'}" for axis in AXES),
    ]
    product = " ".join(x for x in (asset.vendor, asset.model, asset.firmware) if x)
    if product:
        lines.append(product)
    if asset.ip:
        lines.append(f"ip: {asset.ip}")
    if asset.owner:
        lines.append(f"owner: {asset.owner}")
    return plain_text("\n".join(lines))


def _label(asset: Asset) -> str:
    name = asset.name if len(asset.name) <= _LABEL_MAX else asset.name[: _LABEL_MAX - 1] + "…"
    return plain_text(name)


#: Id prefix of the zone caption nodes drawn above each zone block in the Purdue layout.
ZONE_CAPTION = "zone-caption:"


def _positions(plant: Plant, ids: set[str]) -> dict[str, tuple[int, int]]:
    """Grid layout: one row band per Purdue level, one column band per zone in it.

    Also places one caption per zone (key ``ZONE_CAPTION + zone id``) above its block.
    """
    known = {z.id for z in plant.zones}
    by_zone: dict[str, list[str]] = {}
    for a in sorted(plant.assets, key=lambda a: a.id):
        if a.id in ids:
            by_zone.setdefault(a.zone if a.zone in known else NO_ZONE, []).append(a.id)
    levels: dict[float, list[str]] = {}
    for z in _zone_order(plant.zones):
        if z.id in by_zone:
            levels.setdefault(z.purdue_level if z.purdue_level is not None else -1, []).append(z.id)
    if NO_ZONE in by_zone:
        levels.setdefault(-2, []).append(NO_ZONE)
    pos: dict[str, tuple[int, int]] = {}
    y = 0
    for level in sorted(levels, reverse=True):
        x = 0
        tallest = 1
        for zone_id in levels[level]:
            members = by_zone[zone_id]
            cols = max(1, math.ceil(math.sqrt(len(members) * 2)))
            rows = math.ceil(len(members) / cols)
            tallest = max(tallest, rows)
            pos[ZONE_CAPTION + zone_id] = (x + (cols - 1) * _COL_PX // 2, y - _ROW_PX)
            for i, asset_id in enumerate(members):
                pos[asset_id] = (x + (i % cols) * _COL_PX, y + (i // cols) * _ROW_PX)
            x += cols * _COL_PX + _ZONE_GAP_PX
        y += tallest * _ROW_PX + _LEVEL_GAP_PX
    return pos


_BOOTSTRAP_LINK = re.compile(r"<link\b[^>]*bootstrap[^>]*>", re.IGNORECASE)
_BOOTSTRAP_SCRIPT = re.compile(r"<script\b[^>]*bootstrap[^>]*>\s*</script>", re.IGNORECASE)
# pyvis' template keeps a commented-out <link>/<script> to ../node_modules: no request,
# but it is noise to every offline check.
_DEAD_COMMENT = re.compile(r"<!--\s*<link rel=\"stylesheet\" href=\"\.\./node_modules.*?-->", re.DOTALL)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>")
# src=/href= attributes (or url()) that point to another host.
_OUTSIDE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)(?:https?:)?//""", re.IGNORECASE)


def strip_outside_resources(html: str) -> str:
    """Remove what pyvis' template loads from CDNs (Bootstrap) and its empty heading."""
    for pattern in (_BOOTSTRAP_LINK, _BOOTSTRAP_SCRIPT, _DEAD_COMMENT, _EMPTY_HEADING):
        html = pattern.sub("", html)
    return html.replace("</head>", "<style>body{margin:0}</style></head>", 1)


_CDN_TAG = re.compile(r"<(?:link|script)\b[^>]*(?:bootstrap|cdn)", re.IGNORECASE)
# The lines that carry the (JSON-escaped) node and edge data: user text, not markup.
_DATA_LINE = re.compile(r"^.*new vis\.DataSet\(.*$", re.MULTILINE)


def outside_references(html: str) -> list[str]:
    """Markup in ``html`` that would load something from another host (should be none).

    ``src``/``href``/``url()`` pointing to another host, or a ``<link>``/``<script>`` tag
    naming Bootstrap or a CDN. The node and edge data lines are skipped: they hold user
    text, JSON-encoded with ``<`` and ``>`` escaped, which a browser never reads as markup.
    """
    skeleton = _DATA_LINE.sub("", html)
    found = [m for pattern in (_OUTSIDE, _CDN_TAG) for m in pattern.finditer(skeleton)]
    return [skeleton[max(0, m.start() - 20): m.end() + 60] for m in found]


def network_html(plant: Plant, view: GraphView = GraphView(), *, physics_max_nodes: int = 300) -> str:
    """A self-contained HTML page drawing ``view`` of the plant with vis-network.

    Raises
    ------
    RuntimeError
        If the page would still load anything from another host (a changed pyvis template).
    """
    zones = plant.zone_map()
    colours = zone_colours(plant)
    ids = view_asset_ids(plant, view)
    assets = [a for a in sorted(plant.assets, key=lambda a: a.id) if a.id in ids]
    physics = len(assets) <= physics_max_nodes and not view.layered
    pos = {} if physics else _positions(plant, ids)

    net = Network(height=f"{_HEIGHT_PX}px", width="100%", directed=True, cdn_resources="in_line")
    nodes = []
    for a in assets:
        zone_key = a.zone if a.zone in zones else NO_ZONE
        node = {
            "id": a.id,
            "label": _label(a),
            "title": _title(a, zones),
            "group": zone_key,
            "color": colours[zone_key],
            "shape": _SHAPES.get(a.type, _DEFAULT_SHAPE),
            "size": 22 if a.id == view.center else 12,
            "borderWidth": 4 if a.id == view.center else 1,
        }
        if not physics:
            node["x"], node["y"] = pos[a.id]
            node["physics"] = False
        nodes.append(node)
    for key, (x, y) in sorted(pos.items()):
        if key.startswith(ZONE_CAPTION):
            zone_id = key[len(ZONE_CAPTION):]
            zone = zones.get(zone_id)
            level = "" if zone is None or zone.purdue_level is None else f" · level {zone.purdue_level:g}"
            caption = plain_text(zone.name if zone else "assets without zone") + level
            nodes.append({"id": key, "label": caption, "shape": "text", "x": x, "y": y,
                          "physics": False, "font": {"size": 22, "color": colours[zone_id]}})
    edges = []
    for a in assets:
        for other in sorted(set(a.depends_on)):
            if other in ids:
                edges.append({"from": a.id, "to": other, "title": "depends on", "color": "#616161",
                              "arrows": "to"})
        for other in sorted(set(a.manages)):
            if other in ids:
                edges.append({"from": a.id, "to": other, "title": "manages", "color": "#C62828",
                              "dashes": True, "arrows": "to"})
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]  # includes the zone captions of the Purdue layout
    # Options are constants only: pyvis inserts them into the page unescaped.
    net.options = {
        "physics": {"enabled": physics, "stabilization": {"iterations": 300}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": not physics},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}},
        "nodes": {"font": {"size": 12}},
        # a fixed seed: the same plant is drawn the same way on every visit
        "layout": {"improvedLayout": physics and len(assets) <= 100, "randomSeed": 7},
    }
    return _page(net)


def _page(net: Network) -> str:
    """The generated page without outside resources; refuses one that would still load any."""
    html = strip_outside_resources(net.generate_html())
    leftovers = outside_references(html)
    if leftovers:
        raise RuntimeError(f"the network map would load resources from other hosts: {leftovers[:3]}")
    return html


# --- Zone view: zones as nodes, conduits as edges -----------------------------------------

#: SL gap classes (SL-T − SL-A) of the zone view: (legend text, fill colour), Okabe-Ito
#: colours that stay apart for colour-blind readers; the label repeats SL-T and SL-A as text.
SL_GAPS: dict[str, tuple[str, str]] = {
    "0": ("SL-A meets SL-T", "#56B4E9"),
    "1": ("SL-A one level below SL-T", "#E69F00"),
    "2+": ("SL-A two or more levels below SL-T", "#D55E00"),
    "unknown": ("SL-T set, SL-A not rated", "#BBBBBB"),
    "none": ("no SL-T", "#FFFFFF"),
}
_CONDUIT_COLOUR, _UNAPPROVED_COLOUR, _ONE_WAY_COLOUR = "#616161", "#D55E00", "#0072B2"
_ZONE_COL_PX, _ZONE_ROW_PX = 260, 170


def _sl(value: int | None) -> str:
    return "?" if value is None else str(value)


def _zone_title(zone: Zone, assets: int, exposure: int | None) -> str:
    level = "unknown" if zone.purdue_level is None else f"{zone.purdue_level:g}"
    lines = [
        zone.name,
        f"id: {zone.id} · kind: {zone.kind} · Purdue level: {level}",
        f"SL-T {_sl(zone.sl_target)} · SL-A {_sl(zone.sl_achieved)}: {SL_GAPS[sl_gap(zone)][0]}",
        f"exposure: {'?' if exposure is None else exposure} · assets: {assets}",
        f"owner: {zone.owner or 'none named'}",
    ]
    if zone.vlans:
        lines.append("VLANs: " + ", ".join(str(v) for v in zone.vlans))
    if zone.subnets:
        lines.append("subnets: " + ", ".join(zone.subnets))
    return plain_text("\n".join(lines))


def _conduit_title(c: Conduit) -> str:
    a, b = c.zones
    arrow = {"forward": f"{a} → {b}", "reverse": f"{b} → {a}"}.get(c.direction, f"{a} ↔ {b}")
    lines = [c.name or c.id, f"conduit {c.id}: {arrow}" + (" (one-way gateway)" if c.one_way else "")]
    lines.append("approved" if c.approved else "NOT APPROVED (exists but not released)")
    if c.protocols:
        lines.append("protocols: " + ", ".join(c.protocols))
    lines.append(f"SL-T {_sl(c.sl_target)}")
    if c.boundary_devices:
        lines.append("boundary devices: " + ", ".join(c.boundary_devices))
    return plain_text("\n".join(lines))


def zone_network_html(plant: Plant, *, device_zones: Iterable[str] = (), reachable: Iterable[str] = ()) -> str:
    """A self-contained HTML page drawing the plant's zones and conduits with vis-network.

    With ``device_zones`` (an unknown device's zones, triage) those zones get a thick black
    border and the label "DEVICE HERE", the zones it can reach a thick orange border and
    "in reach", and every other zone and conduit is greyed out.

    A node is a zone (box, labelled with its name and kind, coloured by :func:`sl_gap`); rows
    by Purdue level (5 on top, unknown at the bottom), zones side by side by id. An edge is a
    conduit between its two zones with arrows in the directions it allows (``both``: both
    ways); unapproved conduits are dashed and labelled "unapproved", one-way gateways thick,
    blue and labelled "one-way". Parallel conduits are drawn as separate curves. Positions
    come from Python, so the same plant is drawn the same way every time.

    Raises
    ------
    RuntimeError
        If the page would still load anything from another host (a changed pyvis template).
    """
    exposure = zone_exposure(plant)
    here, reach = set(device_zones), set(reachable)
    focus = bool(here)
    count: dict[str, int] = {}
    for a in plant.assets:
        if a.zone:
            count[a.zone] = count.get(a.zone, 0) + 1
    rows: dict[float, list[Zone]] = {}
    for z in _zone_order(plant.zones):
        rows.setdefault(z.purdue_level if z.purdue_level is not None else -1, []).append(z)
    widest = max((len(r) for r in rows.values()), default=1)
    nodes = []
    row_of: dict[str, int] = {}
    for y, level in enumerate(sorted(rows, reverse=True)):
        members = rows[level]
        offset = (widest - len(members)) * _ZONE_COL_PX // 2  # centre each row...
        if len(members) < widest:  # ...shifted left and right in turn, so conduits that skip rows
            offset += (1 if y % 2 else -1) * _ZONE_COL_PX // 3  # do not run through the zones between
        for x, z in enumerate(members):
            row_of[z.id] = y
            gap = sl_gap(z)
            name = z.name if len(z.name) <= _LABEL_MAX else z.name[: _LABEL_MAX - 1] + "…"
            node = {
                "id": z.id,
                "label": plain_text(f"{name}\n{z.kind} · SL-T {_sl(z.sl_target)} / SL-A {_sl(z.sl_achieved)}"),
                "title": _zone_title(z, count.get(z.id, 0), exposure.get(z.id)),
                "shape": "box",
                "color": {"background": SL_GAPS[gap][1], "border": "#424242"},
                "borderWidth": 1,
                "x": offset + x * _ZONE_COL_PX, "y": y * _ZONE_ROW_PX, "physics": False,
            }
            if focus:
                role = "DEVICE HERE" if z.id in here else "in reach" if z.id in reach else None
                if role:
                    node["label"] = plain_text(f"{role}\n") + node["label"]
                    node["color"]["border"] = "#000000" if z.id in here else _UNAPPROVED_COLOUR
                    node["borderWidth"] = 6 if z.id in here else 4
                else:
                    node["color"] = {"background": "#F2F2F2", "border": "#BDBDBD"}
                    node["font"] = {"color": "#9E9E9E"}
            nodes.append(node)
    known = {z.id for z in plant.zones}
    seen_pairs: dict[frozenset[str], int] = {}
    edges = []
    for c in sorted(plant.conduits, key=lambda c: c.id):
        a, b = c.zones
        if a not in known or b not in known or a == b:
            continue
        labels = [text for flag, text in ((c.one_way, "one-way"), (not c.approved, "unapproved")) if flag]
        edge = {
            "id": c.id, "from": a, "to": b,
            "arrows": {"forward": "to", "reverse": "from"}.get(c.direction, "to, from"),
            "title": _conduit_title(c),
            "color": _ONE_WAY_COLOUR if c.one_way else _CONDUIT_COLOUR if c.approved else _UNAPPROVED_COLOUR,
            "width": 4 if c.one_way else 2,
            "dashes": not c.approved,
        }
        if labels:
            edge["label"] = " · ".join(labels)
        if focus and not ({a, b} & here or {a, b} <= (here | reach)):
            edge["color"] = "#D0D0D0"
        pair = frozenset((a, b))
        k = seen_pairs.get(pair, 0)
        seen_pairs[pair] = k + 1
        if k:  # a second conduit between the same zones: a curve beside the first
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if k % 2 else "curvedCCW",
                              "roundness": 0.2 * ((k + 1) // 2)}
        elif abs(row_of[a] - row_of[b]) > 1:  # skips a row: bend it around the zones in between
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25}
        edges.append(edge)

    net = Network(height=f"{_HEIGHT_PX}px", width="100%", directed=True, cdn_resources="in_line")
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    # Options are constants only: pyvis inserts them into the page unescaped.
    net.options = {
        "physics": {"enabled": False},
        "interaction": {"hover": True, "tooltipDelay": 120},
        "edges": {"smooth": False, "font": {"size": 12, "align": "horizontal", "background": "#FFFFFF"},
                  "arrows": {"to": {"scaleFactor": 0.7}, "from": {"scaleFactor": 0.7}}},
        "nodes": {"font": {"size": 14}, "margin": 10},
        "layout": {"improvedLayout": False, "randomSeed": 7},
    }
    return _page(net)
