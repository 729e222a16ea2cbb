"""Impact engine: dependents, blast radius, effective and compromise impact, priority.

Contract (DESIGN.md, "Semantics every test may rely on"):

* A node is an asset id. In a **dependency graph** an edge ``B -> A`` means that
  ``A.depends_on`` lists ``B``: if B is lost, A is affected. So the dependents of B are
  exactly the descendants of B, and ``blast_radius(B) = len(dependents(B))``.
* Cycles are legal. Members of a cycle are each other's dependents; an asset is never its
  own dependent; each dependent counts once, however many paths lead to it.
* **Effective impact** of B per axis (production, safety, delivery) is the max of B's own
  rating and the ratings of its dependents; ``None`` where all of them are unknown.
  Ratings are 1..5; a missing rating is unknown, never low.
* In a **manages graph** an edge ``A -> M`` means ``A.manages`` lists M (transitively).
  **Compromise impact** of A per axis is the max of the effective impacts of A and of every
  asset A manages, directly or through managed assets.
* **Priority** is documented in ``docs/formulas.md`` and :func:`priority_score`.

Algorithm: every whole-graph function makes one pass over ``nx.condensation`` in reverse
topological order (never one traversal per asset). Max-propagation is O(N + E). Exact
dependent counts OR integer bitsets (one bit per asset) along the condensation's edges:
O(E · N / 64) machine words at worst, and a bitset is freed once every predecessor read it.
Only :func:`dependents` and :func:`managed`, single queries for the UI, traverse.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import networkx as nx

from otrisk.errors import OtriskError
from otrisk.models import Plant
from otrisk.priority import BREADTH_WEIGHT, EXPOSURE_WEIGHT, asset_reasons, priority_score

__all__ = [
    "analyze_plant",
    "AssetImpact", "analyze", "dependents", "managed", "dependency_graph", "manages_graph",
    "effective_impact", "blast_radius", "compromise_impact", "priority_score", "EXPOSURE_WEIGHT", "BREADTH_WEIGHT",
]

Ratings = Mapping[Hashable, Mapping[str, "int | None"]]
Keys = tuple[int, int, int]


@dataclass(frozen=True)
class AssetImpact:
    """The impact figures of one asset, with the reasons behind them.

    Attributes
    ----------
    asset : str
        Asset id.
    blast_radius : int
        Number of dependents (assets affected if this one is lost), >= 0.
    effective, compromise : dict[str, int | None]
        Keys ``production``, ``safety``, ``delivery``; values 1..5 or None (unknown).
    exposure : int | None
        0..3 from zone reachability, or None when not analysed.
    priority : float
        >= 0, see :func:`priority_score`; 0.0 when unrated.
    reasons : tuple[str, ...]
        Short plain sentences naming the assets behind each figure.
    """

    asset: str
    blast_radius: int
    effective: dict[str, int | None]
    compromise: dict[str, int | None]
    exposure: int | None
    priority: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The item of ``otrisk impact --json`` (DESIGN.md, "Command line"), keys in that order."""
        return {**asdict(self), "reasons": list(self.reasons)}


def dependency_graph(plant: Plant) -> nx.DiGraph:
    """The dependency graph of a plant: an edge ``B -> A`` when ``A.depends_on`` lists B.

    Every asset is a node (sorted by id), so ``nx.descendants(g, b)`` are b's dependents.

    Raises
    ------
    OtriskError
        When ``depends_on`` names an asset the plant does not have, or an id repeats
        (a plant read by :func:`otrisk.plantfile.load_plant` never does).
    """
    return _graph(plant, "depends_on", reverse=True)


def manages_graph(plant: Plant) -> nx.DiGraph:
    """The manages graph of a plant: an edge ``A -> M`` when ``A.manages`` lists M.

    Raises
    ------
    OtriskError
        As :func:`dependency_graph`, for ``manages``.
    """
    return _graph(plant, "manages", reverse=False)


def _graph(plant: Plant, field: str, *, reverse: bool) -> nx.DiGraph:
    ids = [a.id for a in plant.assets]
    known = set(ids)
    if len(known) != len(ids):
        raise OtriskError("asset ids repeat; validate the plant file first")
    edges = []
    for asset in sorted(plant.assets, key=lambda a: a.id):
        for other in sorted(getattr(asset, field)):
            if other not in known:
                raise OtriskError(f"asset {asset.id}: {field} names unknown asset {other!r}")
            edges.append((other, asset.id) if reverse else (asset.id, other))
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(ids))
    graph.add_edges_from(edges)
    return graph


def dependents(plant: Plant, asset_id: str) -> set[str]:
    """Every asset that reaches ``asset_id`` through one or more ``depends_on`` steps.

    A single query (it traverses); for all assets at once use :func:`analyze`.

    Raises
    ------
    KeyError
        When the plant has no asset ``asset_id``.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: Demo}
    ... assets:
    ...   - {id: sw, name: Switch, type: switch}
    ...   - {id: plc, name: PLC, type: plc, depends_on: [sw]}
    ...   - {id: hmi, name: HMI, type: hmi, depends_on: [plc]}
    ... ''')
    >>> sorted(dependents(p, "sw"))
    ['hmi', 'plc']
    """
    return _reach(dependency_graph(plant), asset_id)


def managed(plant: Plant, asset_id: str) -> set[str]:
    """Every asset ``asset_id`` manages, directly or through managed assets (itself excluded).

    Raises
    ------
    KeyError
        When the plant has no asset ``asset_id``.
    """
    return _reach(manages_graph(plant), asset_id)


def _reach(graph: nx.DiGraph, node: str) -> set[str]:
    if node not in graph:
        raise KeyError(node)
    return nx.descendants(graph, node) - {node}


class _Condensed(NamedTuple):
    """A condensation ready for one pass: SCC ids sinks first, their members and successors."""

    order: Sequence[int]
    members: list[list[Hashable]]
    succ: dict[int, dict[int, Any]]


def _condense(graph: nx.DiGraph, condensation: nx.DiGraph | None = None) -> _Condensed:
    cond = nx.condensation(graph) if condensation is None else condensation
    succ = dict(cond.adjacency())
    # nx.condensation numbers SCCs in the order Tarjan's algorithm closes them, which is
    # sinks first. Check that in O(E) rather than rely on it; sort otherwise.
    if any(t >= s for s, ts in succ.items() for t in ts):
        order: Sequence[int] = list(nx.topological_sort(cond))[::-1]
    else:
        order = range(len(cond))
    members: list[list[Hashable]] = [[] for _ in range(len(cond))]
    for n, s in cond.graph["mapping"].items():
        members[s].append(n)
    return _Condensed(order, members, succ)


def _propagate_max(c: _Condensed, base: Mapping[Hashable, Keys]) -> dict[Hashable, Keys]:
    """Per node, the per-axis max of ``base`` over its SCC and every SCC reachable from it."""
    value: dict[int, Keys] = {}
    out: dict[Hashable, Keys] = {}
    members, succ = c.members, c.succ
    for s in c.order:
        a = b = d = 0
        for n in members[s]:
            x, y, z = base[n]
            a, b, d = (x if x > a else a), (y if y > b else b), (z if z > d else d)
        for t in succ[s]:
            x, y, z = value[t]
            a, b, d = (x if x > a else a), (y if y > b else b), (z if z > d else d)
        value[s] = keys = (a, b, d)
        for n in members[s]:
            out[n] = keys
    return out


def _ranks(nodes: Iterable[Hashable]) -> dict[Hashable, int]:
    """Witness tie-break: among equal ratings the smallest id wins (highest rank value)."""
    ordered = sorted(nodes)
    return {n: len(ordered) - 1 - i for i, n in enumerate(ordered)}


def _base_keys(nodes: Iterable[Hashable], values: Ratings, rank: Mapping[Hashable, int] | None) -> dict[Hashable, Keys]:
    # key = rating × size + rank, 0 = unknown: one int max then yields the max rating and,
    # among equal ratings, the smallest id (the witness named in the reasons).
    size = len(rank) if rank else 1
    out: dict[Hashable, Keys] = {}
    for n in nodes:
        v = values.get(n)
        if not v:
            out[n] = (0, 0, 0)
            continue
        r = rank[n] if rank else 0
        p, s, d = v.get("production"), v.get("safety"), v.get("delivery")
        out[n] = (p * size + r if p else 0, s * size + r if s else 0, d * size + r if d else 0)
    return out


def _decode(keys: Mapping[Hashable, Keys], size: int) -> dict[Hashable, dict[str, int | None]]:
    return {n: {"production": a // size or None, "safety": b // size or None, "delivery": d // size or None}
            for n, (a, b, d) in keys.items()}


def effective_impact(graph: nx.DiGraph, ratings: Ratings, *,
                     condensation: nx.DiGraph | None = None) -> dict[Hashable, dict[str, int | None]]:
    """Effective impact of every node of a dependency graph (DESIGN.md "Effective impact").

    Parameters
    ----------
    graph : nx.DiGraph
        Dependency graph, N nodes, an edge ``B -> A`` when A depends on B.
    ratings : mapping
        ``{node: {"production": 1..5 | None, "safety": …, "delivery": …}}``; a missing
        node or axis is unknown.
    condensation : nx.DiGraph, optional
        ``nx.condensation(graph)`` if the caller already has it.

    Returns
    -------
    dict
        N entries ``{node: {axis: 1..5 | None}}``: the max of the node's own rating and
        its dependents' ratings; None where every one of them is unknown.

    Examples
    --------
    >>> g = nx.DiGraph([("sw", "plc"), ("plc", "hmi"), ("hmi", "plc")])
    >>> effective_impact(g, {"hmi": {"safety": 4}, "sw": {"production": 2}})["sw"]
    {'production': 2, 'safety': 4, 'delivery': None}
    """
    keys = _propagate_max(_condense(graph, condensation), _base_keys(graph, ratings, None))
    return _decode(keys, 1)


def blast_radius(graph: nx.DiGraph, *, condensation: nx.DiGraph | None = None) -> dict[Hashable, int]:
    """Number of dependents of every node of a dependency graph (DESIGN.md "Blast radius").

    Parameters
    ----------
    graph : nx.DiGraph
        Dependency graph, N nodes, an edge ``B -> A`` when A depends on B.
    condensation : nx.DiGraph, optional
        ``nx.condensation(graph)`` if the caller already has it.

    Returns
    -------
    dict
        N entries ``{node: int >= 0}``, equal to ``len(nx.descendants(graph, node) - {node})``.

    Notes
    -----
    The bitset of an SCC holds its members and every node reachable from it. Bits are
    given out sinks first, so a bitset is only as wide as its SCC's position; it is freed
    once every predecessor has read it. Memory: at most N bits per live bitset.

    Examples
    --------
    >>> g = nx.DiGraph([("sw", "plc1"), ("sw", "plc2"), ("plc1", "hmi"), ("plc2", "hmi"),
    ...                 ("hmi", "plc1")])
    >>> blast_radius(g) == {"sw": 3, "plc1": 1, "plc2": 2, "hmi": 1}
    True
    """
    c = _condense(graph, condensation)
    waiting = dict.fromkeys(c.succ, 0)
    for ts in c.succ.values():
        for t in ts:
            waiting[t] += 1
    closure: dict[int, int] = {}
    out: dict[Hashable, int] = {}
    offset = 0
    for s in c.order:
        width = len(c.members[s])
        bits = ((1 << width) - 1) << offset
        offset += width
        for t in c.succ[s]:
            bits |= closure[t]
            waiting[t] -= 1
            if not waiting[t]:
                del closure[t]  # every predecessor has read it
        if waiting[s]:
            closure[s] = bits
        count = bits.bit_count() - 1  # the SCC's members and all below it, minus the node
        for n in c.members[s]:
            out[n] = count
    return out


def compromise_impact(manages: nx.DiGraph, effective: Ratings) -> dict[Hashable, dict[str, int | None]]:
    """Compromise impact of every node of a manages graph (DESIGN.md "Compromise impact").

    Parameters
    ----------
    manages : nx.DiGraph
        N nodes, an edge ``A -> M`` when A manages M.
    effective : mapping
        ``{node: {axis: 1..5 | None}}`` as from :func:`effective_impact`.

    Returns
    -------
    dict
        N entries ``{node: {axis: 1..5 | None}}``: the max effective impact of the node and
        every node it reaches.

    Examples
    --------
    >>> m = nx.DiGraph([("ews", "plc"), ("plc", "sis")])
    >>> compromise_impact(m, {"sis": {"safety": 5}, "ews": {"production": 2}})["ews"]
    {'production': 2, 'safety': 5, 'delivery': None}
    """
    return _decode(_compromise_keys(manages, effective, None), 1)


def _compromise_keys(manages: nx.DiGraph, effective: Ratings, rank: Mapping[Hashable, int] | None
                     ) -> dict[Hashable, Keys]:
    keys = _base_keys(manages, effective, rank)
    # Most assets manage nothing and are managed by nothing: only the part of the graph
    # that has edges needs the condensation pass; every other node keeps its own keys.
    active = nx.DiGraph(manages.edges)
    keys.update(_propagate_max(_condense(active), keys))
    return keys


def analyze_plant(plant: Plant) -> list[AssetImpact]:
    """:func:`analyze` with each asset's exposure from zone reachability (DESIGN.md "Exposure";
    :func:`otrisk.zones.asset_exposure`): what ``otrisk impact``, the pages and the program
    map use. An asset without a zone has exposure None (factor 1, reason "exposure not analysed").

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: Demo}
    ... zones:
    ...   - {id: vendor, name: Vendor, kind: external}
    ...   - {id: cell, name: Cell, kind: control}
    ... conduits:
    ...   - {id: vendor-cell, zones: [vendor, cell], direction: forward}
    ... assets:
    ...   - {id: plc, name: PLC, type: plc, zone: cell, impact: {production: 4}}
    ... ''')
    >>> r = analyze_plant(p)[0]
    >>> r.exposure, r.priority  # (4 + 0.1 × 4) × (1 + 0.25 × 3)
    (3, 7.7)
    """
    from otrisk.zones import asset_exposure

    return analyze(plant, exposure=asset_exposure(plant))


def analyze(plant: Plant, *, exposure: Mapping[str, int | None] | None = None) -> list[AssetImpact]:
    """Impact figures and reasons for every asset of a plant, highest priority first.

    Parameters
    ----------
    plant : Plant
        A valid plant (references resolve).
    exposure : mapping, optional
        ``{asset id: 0..3 | None}``; a missing asset (or no mapping) is not analysed.

    Returns
    -------
    list[AssetImpact]
        One per asset, sorted by priority (highest first), then by id.

    Raises
    ------
    OtriskError
        When a reference is dangling (see :func:`dependency_graph`).
    ValueError
        When an exposure is not an int 0..3 or None.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: Demo}
    ... assets:
    ...   - {id: sw, name: Switch, type: switch}
    ...   - {id: sis, name: SIS, type: sis, impact: {safety: 5}, depends_on: [sw]}
    ...   - {id: ews, name: EWS, type: ews, manages: [sis]}
    ... ''')
    >>> [(r.asset, r.blast_radius, r.priority) for r in analyze(p)]
    [('ews', 0, 5.5), ('sis', 0, 5.5), ('sw', 1, 5.5)]
    >>> analyze(p)[2].reasons[1]
    'effective safety 5 because dependent sis is rated safety 5'
    """
    exposure = dict(exposure or {})
    for key, value in exposure.items():
        if value is not None and (type(value) is not int or not 0 <= value <= 3):
            raise ValueError(f"exposure of {key!r} must be an int 0..3 or None, not {value!r}")
    deps = dependency_graph(plant)
    mgs = manages_graph(plant)
    ids = sorted(deps)
    rank = _ranks(ids)
    cond = nx.condensation(deps)
    ratings = {a.id: a.impact.as_dict() for a in plant.assets}
    eff_keys = _propagate_max(_condense(deps, cond), _base_keys(deps, ratings, rank))
    radius = blast_radius(deps, condensation=cond)
    effective = _decode(eff_keys, len(ids))
    comp_keys = _compromise_keys(mgs, effective, rank)
    compromise = _decode(comp_keys, len(ids))
    results = []
    for n in ids:
        comp = compromise[n]
        exp = exposure.get(n)
        prio = priority_score(effective[n], comp, exp)
        results.append(AssetImpact(
            asset=n, blast_radius=radius[n], effective=effective[n], compromise=comp,
            exposure=exp, priority=prio,
            reasons=tuple(asset_reasons(n, ids, ratings, deps, mgs, eff_keys, comp_keys, radius[n],
                                   effective[n], comp, exp, prio)),
        ))
    results.sort(key=lambda r: (-r.priority, r.asset))
    return results
