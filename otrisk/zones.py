"""Zone reachability and exposure (DESIGN.md, "Zone reachability" and "Exposure"; IEC 62443-3-2).

The zone graph has one node per zone and an edge ``Z -> Y`` when a conduit lets a
connection started in Z reach Y: ``direction: both`` gives both edges, ``forward`` the
edge from the conduit's first zone to its second, ``reverse`` the other one. A one-way
gateway (``one_way: true``) carries traffic only in its ``direction``, which is what the
edge already says. Unapproved conduits count (they exist) and are reported.

* ``reachable(Z)`` = zones other than Z reachable from Z through one or more edges.
* **Exposure** of a zone: 3 if it is of kind ``external`` or ``remote_access`` or reachable
  from one; else 2 if reachable from an ``enterprise`` zone; else 1 if any other zone
  reaches it; else 0. An asset's exposure is its zone's (None without a zone).

All reach sets come from one pass over ``nx.condensation`` of the zone graph in reverse
topological order with an integer bitset per strongly connected component: O(N + E) set
unions of machine words, instead of one traversal per zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from otrisk.errors import OtriskError
from otrisk.models import Conduit, Plant, Zone

__all__ = [
    "OUTSIDE",
    "Reach",
    "asset_exposure",
    "conduit_edges",
    "exposure_reasons",
    "reach",
    "reach_sets",
    "reachable",
    "sl_gap",
    "zone_exposure",
    "zone_graph",
]

#: Zone kinds outside the plant's control: exposure 3 for them and what they reach.
OUTSIDE = frozenset({"external", "remote_access"})


def conduit_edges(conduit: Conduit) -> list[tuple[str, str]]:
    """The zone-graph edges a conduit allows, as ``(from zone, to zone)`` pairs.

    Examples
    --------
    >>> c = Conduit(id="c", zones=["office", "dmz"], direction="forward")
    >>> conduit_edges(c), conduit_edges(c.model_copy(update={"direction": "both"}))
    ([('office', 'dmz')], [('office', 'dmz'), ('dmz', 'office')])
    """
    a, b = conduit.zones
    if conduit.direction == "forward":
        return [(a, b)]
    if conduit.direction == "reverse":
        return [(b, a)]
    return [(a, b), (b, a)]


def zone_graph(plant: Plant) -> nx.DiGraph:
    """The zone graph: every zone a node (attribute ``kind``); an edge per allowed direction
    of each conduit, attribute ``conduits`` = sorted ids of the conduits that allow it.

    Raises
    ------
    OtriskError
        When a conduit names a zone that does not exist.
    """
    g = nx.DiGraph()
    for z in plant.zones:
        g.add_node(z.id, kind=z.kind)
    for c in plant.conduits:
        for zone in c.zones:
            if zone not in g:
                raise OtriskError(f"conduit {c.id}: no zone {zone!r}")
        for u, v in conduit_edges(c):
            if u == v:
                continue
            if g.has_edge(u, v):
                g[u][v]["conduits"] = sorted({*g[u][v]["conduits"], c.id})
            else:
                g.add_edge(u, v, conduits=[c.id])
    return g


def reach_sets(graph: nx.DiGraph) -> dict[str, frozenset[str]]:
    """``reachable(Z)`` for every zone Z of a zone graph (Z itself excluded, even in a cycle).

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b")])
    >>> {z: sorted(r) for z, r in reach_sets(g).items()}
    {'a': ['b', 'c'], 'b': ['c'], 'c': ['b']}
    """
    nodes = sorted(graph)
    bit = {n: 1 << i for i, n in enumerate(nodes)}
    cond = nx.condensation(graph)
    members = cond.graph["mapping"]
    scc_bits = {c: sum(bit[n] for n in cond.nodes[c]["members"]) for c in cond}
    below: dict[int, int] = {}  # SCC -> bits of every zone reachable from it (its own excluded unless cyclic)
    for c in reversed(list(nx.topological_sort(cond))):
        acc = 0
        for d in cond.successors(c):
            acc |= scc_bits[d] | below[d]
        if len(cond.nodes[c]["members"]) > 1:
            acc |= scc_bits[c]
        below[c] = acc
    out = {}
    for n in nodes:
        mask = below[members[n]] & ~bit[n]
        out[n] = frozenset(m for m in nodes if mask & bit[m]) if mask else frozenset()
    return out


def reachable(plant: Plant, zone: str) -> frozenset[str]:
    """Zones a connection started in ``zone`` can reach (DESIGN.md).

    Raises
    ------
    OtriskError
        When ``zone`` is not a zone of the plant.
    """
    g = zone_graph(plant)
    if zone not in g:
        raise OtriskError(f"no zone {zone!r} in the plant (zones: {', '.join(sorted(g)) or 'none'})")
    return frozenset(nx.descendants(g, zone))


@dataclass(frozen=True)
class Reach:
    """The answer of ``otrisk reach``: ``zone``, ``reachable`` (sorted ids) and
    ``unapproved_conduits`` (sorted ids of unapproved conduits on some path from the zone)."""

    zone: str
    reachable: tuple[str, ...]
    unapproved_conduits: tuple[str, ...]

    def to_json(self) -> dict:
        """``{"zone", "reachable", "unapproved_conduits"}`` (DESIGN.md, "Command line")."""
        return {"zone": self.zone, "reachable": list(self.reachable),
                "unapproved_conduits": list(self.unapproved_conduits)}


def reach(plant: Plant, zone: str) -> Reach:
    """What ``zone`` reaches and the unapproved conduits on the way.

    A conduit is on some path when it allows an edge ``u -> v`` with ``u`` the zone itself
    or a zone it reaches, and ``v`` another zone than the start (a conduit that only leads
    back into the start zone is on no path to a reachable zone).

    Raises
    ------
    OtriskError
        When ``zone`` is not a zone of the plant.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... zones:
    ...   - {id: office, name: Office, kind: enterprise}
    ...   - {id: dmz, name: DMZ, kind: dmz}
    ...   - {id: cell, name: Cell, kind: control}
    ...   - {id: vendor, name: Vendor, kind: external}
    ... conduits:
    ...   - {id: office-dmz, zones: [office, dmz], direction: forward}
    ...   - {id: dmz-cell, zones: [dmz, cell], direction: forward}
    ...   - {id: vendor-cell, zones: [vendor, cell], approved: false}
    ... ''')
    >>> reach(p, "office").to_json()
    {'zone': 'office', 'reachable': ['cell', 'dmz', 'vendor'], 'unapproved_conduits': ['vendor-cell']}
    >>> reach(p, "vendor").reachable
    ('cell',)
    """
    g = zone_graph(plant)
    if zone not in g:
        raise OtriskError(f"no zone {zone!r} in the plant (zones: {', '.join(sorted(g)) or 'none'})")
    found = nx.descendants(g, zone)
    sources = found | {zone}
    unapproved = {c.id for c in plant.conduits if not c.approved
                  and any(u in sources and v != zone for u, v in conduit_edges(c))}
    return Reach(zone, tuple(sorted(found)), tuple(sorted(unapproved)))


def _from(graph: nx.DiGraph, starts: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        n = stack.pop()
        for m in graph.successors(n):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return seen


def zone_exposure(plant: Plant) -> dict[str, int]:
    """Exposure 0..3 of every zone (DESIGN.md "Exposure"; see the module docstring).

    Linear in zones + conduits: two multi-source traversals and the in-degrees. As DESIGN.md
    words it, an enterprise zone is 2 only when *another* enterprise zone reaches it (reachable
    excludes the zone itself); an office network nothing reaches is 0, while everything it
    reaches is 2 (in the example, the office starts connections to the internet and the DMZ).

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... zones:
    ...   - {id: internet, name: Internet, kind: external}
    ...   - {id: office, name: Office, kind: enterprise}
    ...   - {id: dmz, name: DMZ, kind: dmz}
    ...   - {id: cell, name: Cell, kind: control}
    ...   - {id: sis, name: SIS, kind: safety}
    ... conduits:
    ...   - {id: c1, zones: [office, dmz], direction: forward}
    ...   - {id: c2, zones: [cell, dmz], direction: forward}
    ...   - {id: c3, zones: [internet, office], direction: reverse}
    ... ''')
    >>> zone_exposure(p)
    {'cell': 0, 'dmz': 2, 'internet': 3, 'office': 0, 'sis': 0}
    """
    g = zone_graph(plant)
    kinds = nx.get_node_attributes(g, "kind")
    outside = [z for z, k in kinds.items() if k in OUTSIDE]
    from_outside = _from(g, outside) | set(outside)
    from_enterprise = _from(g, [z for z, k in kinds.items() if k == "enterprise"])
    out = {}
    for z in sorted(g):
        if z in from_outside:
            out[z] = 3
        elif z in from_enterprise:
            out[z] = 2
        elif any(p != z for p in g.predecessors(z)):
            out[z] = 1
        else:
            out[z] = 0
    return out


def asset_exposure(plant: Plant) -> dict[str, int | None]:
    """``{asset id: exposure of its zone, or None without a zone}`` (DESIGN.md)."""
    zones = zone_exposure(plant)
    return {a.id: zones.get(a.zone) if a.zone else None for a in plant.assets}


def exposure_reasons(plant: Plant, *, shown: int = 5) -> dict[str, tuple[int, str]]:
    """``{zone id: (exposure 0..3, why)}``: :func:`otrisk.zones.zone_exposure` with the zones
    behind each value (DESIGN.md "Exposure").

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... zones:
    ...   - {id: vendor, name: Vendor, kind: external}
    ...   - {id: office, name: Office, kind: enterprise}
    ...   - {id: dmz, name: DMZ, kind: dmz}
    ...   - {id: cell, name: Cell, kind: control}
    ...   - {id: sis, name: SIS, kind: safety}
    ... conduits:
    ...   - {id: c1, zones: [office, dmz], direction: forward}
    ...   - {id: c2, zones: [vendor, cell], direction: forward}
    ...   - {id: c3, zones: [sis, dmz], direction: forward}
    ... ''')
    >>> for zone, (value, why) in exposure_reasons(p).items():
    ...     print(zone, value, why)
    vendor 3 kind external: outside the plant's control
    office 0 no other zone reaches it
    dmz 2 reachable from enterprise zone office
    cell 3 reachable from external or remote-access zone vendor
    sis 0 no other zone reaches it
    """
    exposure = zone_exposure(plant)
    reach = reach_sets(zone_graph(plant))
    kinds = {z.id: z.kind for z in plant.zones}
    reached_by: dict[str, list[str]] = {z: [] for z in reach}
    for start in sorted(reach):
        for z in reach[start]:
            reached_by[z].append(start)

    def few(ids: list[str]) -> str:
        more = f" +{len(ids) - shown} more" if len(ids) > shown else ""
        return ", ".join(ids[:shown]) + more

    def zones_word(ids: list[str]) -> str:
        return "zone" if len(ids) == 1 else "zones"

    out: dict[str, tuple[int, str]] = {}
    for z in plant.zones:
        value = exposure[z.id]
        by = reached_by.get(z.id, [])
        if z.kind in OUTSIDE:
            why = f"kind {z.kind}: outside the plant's control"
        elif value == 3:
            outside = [y for y in by if kinds[y] in OUTSIDE]
            why = f"reachable from external or remote-access {zones_word(outside)} {few(outside)}"
        elif value == 2:
            enterprise = [y for y in by if kinds[y] == "enterprise"]
            why = f"reachable from enterprise {zones_word(enterprise)} {few(enterprise)}"
        elif value == 1:
            why = f"reached from {few(by)} (no outside or enterprise zone reaches it)"
        else:
            why = "no other zone reaches it"
        out[z.id] = (value, why)
    return out


def sl_gap(zone: Zone) -> str:
    """The zone's SL gap class (SL-T − SL-A, IEC 62443-3-2): ``"0"`` (met), ``"1"``, ``"2+"``,
    ``"unknown"`` (SL-T set, SL-A not rated) or ``"none"`` (no SL-T).

    >>> sl_gap(Zone(id="z", name="Z", kind="control", sl_target=3, sl_achieved=1))
    '2+'
    >>> sl_gap(Zone(id="z", name="Z", kind="control", sl_target=2)), sl_gap(Zone(id="z", name="Z", kind="dmz"))
    ('unknown', 'none')
    """
    if zone.sl_target is None:
        return "none"
    if zone.sl_achieved is None:
        return "unknown"
    gap = zone.sl_target - zone.sl_achieved
    return "0" if gap <= 0 else "1" if gap == 1 else "2+"
