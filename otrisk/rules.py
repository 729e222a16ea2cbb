"""Architecture rules on zones, conduits and assets (issue 4; IEC 62443-3-2 zones and conduits).

A rule is metadata (:class:`otrisk.findings.Rule`) plus a pure function ``ctx -> findings``
over one precomputed :class:`RuleContext`: the zone graph and its reach sets
(:mod:`otrisk.zones`, computed once), zone kinds and Purdue levels, assets per zone and the
worst effective impact per zone. Finding ids are ``rule@subject`` (DESIGN.md, "Findings").

Words used below: *outer* zones are of kind enterprise, external or remote_access (the
business and outside side of the DMZ); *OT* zones are supervisory, control, field or safety;
*inner* zones are control, field or safety. "Reaches" is DESIGN.md's ``reachable``: through
one or more conduits in their allowed direction, unapproved conduits included.

References are cross-reference ids only, never the standard's text: IEC 62443-3-2 ZCR and
IEC 62443-3-3 SR ids as named in the public outlines of those standards (CISO Assistant
libraries, ``../shared/realdata/ciso-assistant``); IEC 62443-2-1 sub-element ids as in
``data/iec62443_2_1.yaml``, whose requirement granularity is marked unverified there. No
requirement enhancement (SR x.y RE z) is cited because none could be checked.

Cost: one reach-set pass, one breadth-first search per outer zone (flows into OT) and per
external zone (flows out of OT, on the reversed graph), one set lookup per dependency edge.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from itertools import pairwise
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import networkx as nx

from otrisk.findings import Finding, FindingsReport, Rule, SortedIds, max_axes, triage_findings, worst_of
from otrisk.impact import AssetImpact, analyze
from otrisk.models import Plant
from otrisk.zones import conduit_edges, reach_sets, zone_graph

__all__ = ["INNER", "OT", "OUTER", "RULES", "RuleContext", "rule_context", "rules_report", "run_rules"]

OUTER = frozenset({"enterprise", "external", "remote_access"})
OT = frozenset({"supervisory", "control", "field", "safety"})
INNER = frozenset({"control", "field", "safety"})


@dataclass(frozen=True)
class RuleContext:
    """Everything the rules read, computed once per plant (Z zones, C conduits, A assets)."""

    plant: Plant
    graph: nx.DiGraph                       # zone graph, Z nodes (attribute kind)
    reach: Mapping[str, frozenset[str]]     # reachable(Z) per zone
    kinds: Mapping[str, str]                # zone -> kind
    purdue: Mapping[str, float | None]      # zone -> Purdue level or None
    assets_by_zone: Mapping[str, tuple[str, ...]]   # zone -> sorted ids of assets whose zone it is
    zone_worst: Mapping[str, dict]          # zone -> worst effective impact of its assets
    impacts: Mapping[str, AssetImpact]      # asset -> impact figures
    boundary_devices: frozenset[str]        # asset ids named as a conduit's boundary device
    edge_conduits: Mapping[tuple[str, str], list[str]]   # zone edge -> sorted conduit ids allowing it
    succ: Mapping[str, list[str]]           # zone -> sorted zones its edges lead to
    pred: Mapping[str, list[str]]           # zone -> sorted zones whose edges lead to it

    def assets_of(self, *zones: str) -> tuple[str, ...]:
        """Ids of the assets whose zone is one of ``zones`` (sorted for one zone)."""
        if len(zones) == 1:
            return self.assets_by_zone.get(zones[0], ())
        return tuple(a for z in zones for a in self.assets_by_zone.get(z, ()))

    def worst_in(self, *zones: str) -> dict:
        """Worst effective impact over the assets of ``zones``."""
        if len(zones) == 1:
            return self.zone_worst.get(zones[0], {})
        return max_axes(*(self.zone_worst.get(z, {}) for z in zones))

    def conduits_on(self, path: list[str]) -> list[str]:
        """Ids of the conduits that allow each step of a zone path, in path order."""
        out: list[str] = []
        for u, v in pairwise(path):
            out += [c for c in self.edge_conduits[u, v] if c not in out]
        return out


def rule_context(plant: Plant, *, impacts: Mapping[str, AssetImpact] | Iterable[AssetImpact] | None = None
                 ) -> RuleContext:
    """Precompute what the rules need; ``impacts`` default ``analyze(plant)`` (list or mapping)."""
    if impacts is None:
        impacts = analyze(plant)
    if not isinstance(impacts, Mapping):
        impacts = {i.asset: i for i in impacts}
    graph = zone_graph(plant)
    by_zone: dict[str, list[str]] = {z.id: [] for z in plant.zones}
    for a in plant.assets:
        if a.zone is not None:
            by_zone.setdefault(a.zone, []).append(a.id)
    assets_by_zone = {z: SortedIds(sorted(ids)) for z, ids in by_zone.items()}
    return RuleContext(
        plant=plant, graph=graph, reach=reach_sets(graph),
        kinds={z.id: z.kind for z in plant.zones},
        purdue={z.id: z.purdue_level for z in plant.zones},
        assets_by_zone=assets_by_zone,
        zone_worst={z: worst_of(impacts, ids) for z, ids in assets_by_zone.items()},
        impacts=impacts,
        boundary_devices=frozenset(d for c in plant.conduits for d in c.boundary_devices),
        edge_conduits={(u, v): d["conduits"] for u, v, d in graph.edges(data=True)},
        succ={n: sorted(graph.successors(n)) for n in graph},
        pred={n: sorted(graph.predecessors(n)) for n in graph},
    )


def _tree(adjacency: Mapping[str, list[str]], start: str) -> dict[str, str | None]:
    """Breadth-first parents from ``start`` (neighbours in id order, so paths repeat)."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        n = queue.popleft()
        for m in adjacency[n]:
            if m not in parent:
                parent[m] = n
                queue.append(m)
    return parent


def _walk(parent: Mapping[str, str | None], node: str) -> list[str]:
    out = [node]
    while parent[out[-1]] is not None:
        out.append(parent[out[-1]])
    return out


def _and(ids: Iterable[str]) -> str:
    items = list(ids)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _finding(rule: Rule, subject: str, zones: Iterable[str], assets: tuple[str, ...] | list[str], worst: dict,
             message: str, **extra) -> Finding:
    return Finding(f"{rule.id}@{subject}", rule, subject, tuple(zones), assets, worst, message, extra)


def _flow(ctx: RuleContext, rule: Rule, path: list[str], exposed: str) -> Finding:
    src, dst = path[0], path[-1]
    conduits = ctx.conduits_on(path)
    return _finding(rule, f"{src}->{dst}", path, ctx.assets_of(exposed), ctx.worst_in(exposed),
                    f"{src} ({ctx.kinds[src]}) reaches {dst} ({ctx.kinds[dst]}) through "
                    f"{' -> '.join(path)} ({'conduit' if len(conduits) == 1 else 'conduits'} {_and(conduits)}).",
                    path=path, conduits=conduits)


# --- rule 1 ------------------------------------------------------------------------------
SAFETY_REACHABLE = Rule(
    "safety-reachable-from-outside", "Safety zone reachable from the business or outside side",
    "Safety instrumented systems keep people and equipment safe when the process goes wrong. When a "
    "connection started in an office network, a supplier network or a remote-access segment can reach "
    "them through any chain of conduits, one infected laptop or stolen vendor account is a few hops "
    "away from the safety function.",
    ("IEC 62443-3-2 ZCR 3.3", "IEC 62443-3-3 SR 5.1", "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 1"),
    "Cut every such path: only the supervisory zone that needs it may start connections into the safety "
    "zone, and business or remote sessions end in the DMZ instead of being routed on.")


def _rule_safety_reachable(ctx: RuleContext) -> Iterator[Finding]:
    outer = sorted(z for z, k in ctx.kinds.items() if k in OUTER)
    for zone in sorted(z for z, k in ctx.kinds.items() if k == "safety"):
        sources = [z for z in outer if zone in ctx.reach[z]]
        if not sources:
            continue
        yield _finding(SAFETY_REACHABLE, zone, [zone, *sources], ctx.assets_of(zone), ctx.worst_in(zone),
                       f"Safety zone {zone} can be reached from {_and(sources)}.", reached_from=sources)


# --- rule 2 ------------------------------------------------------------------------------
OUTER_REACHES_INNER = Rule(
    "outside-reaches-control", "Business or outside zone reaches a control, field or safety zone",
    "A DMZ must terminate flows, not forward them: business and outside connections end on DMZ servers "
    "that broker what OT needs. When conduits let a connection started in an enterprise, external or "
    "remote-access zone continue into a control, field or safety zone, the separation of business and "
    "process networks holds only on paper.",
    ("IEC 62443-3-2 ZCR 3.2", "IEC 62443-3-2 ZCR 3.6", "IEC 62443-3-3 SR 1.13", "IEC 62443-3-3 SR 5.1",
     "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 1"),
    "Make the DMZ terminate the flow: conduits from the DMZ into OT are started by the OT side or "
    "replaced by a brokered service (jump host with its own sign-in, replicated data); remove direct "
    "conduits from outer zones into OT.")


def _rule_outer_reaches_inner(ctx: RuleContext) -> Iterator[Finding]:
    for src in sorted(z for z, k in ctx.kinds.items() if k in OUTER):
        targets = sorted(z for z in ctx.reach[src] if ctx.kinds[z] in INNER)
        if not targets:
            continue
        parent = _tree(ctx.succ, src)
        for dst in targets:
            yield _flow(ctx, OUTER_REACHES_INNER, _walk(parent, dst)[::-1], dst)


# --- rule 3 ------------------------------------------------------------------------------
OT_REACHES_EXTERNAL = Rule(
    "ot-reaches-external", "OT zone reaches an external network",
    "An OT zone that can open connections to the Internet or a supplier network gives malware a way to "
    "call home and data a way out, and makes operation depend on networks outside the plant's control.",
    ("IEC 62443-3-2 ZCR 3.6", "IEC 62443-3-3 SR 5.1", "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 1"),
    "Send what must leave (historian data, instrument health) through a DMZ service or a one-way "
    "gateway; block direct outbound connections from OT zones.")


def _rule_ot_reaches_external(ctx: RuleContext) -> Iterator[Finding]:
    for dst in sorted(z for z, k in ctx.kinds.items() if k == "external"):
        sources = sorted(z for z, k in ctx.kinds.items() if k in OT and dst in ctx.reach[z])
        if not sources:
            continue
        toward = _tree(ctx.pred, dst)  # parent = next hop toward dst
        for src in sources:
            yield _flow(ctx, OT_REACHES_EXTERNAL, _walk(toward, src), src)


# --- rule 4 ------------------------------------------------------------------------------
REMOTE_ACCESS = Rule(
    "remote-access-bypasses-dmz", "Remote access that does not end in a DMZ",
    "Vendor and staff remote sessions should land on a broker in the DMZ (jump host, access gateway) that "
    "signs users in, records sessions and can cut them, never directly in an OT zone. A remote-access "
    "zone's conduits lead outward (external zones) and to a DMZ, nowhere else.",
    ("IEC 62443-3-3 SR 1.13", "IEC 62443-3-3 SR 2.6", "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 3"),
    "Connect the remote-access zone only to the DMZ broker and let the broker open onward sessions; "
    "remove its other conduits.")


def _rule_remote_access(ctx: RuleContext) -> Iterator[Finding]:
    for c in sorted(ctx.plant.conduits, key=lambda c: c.id):
        a, b = c.zones
        if ctx.kinds[a] != "remote_access":
            a, b = b, a
        if ctx.kinds[a] != "remote_access":
            continue
        if ctx.kinds[b] in ("dmz", "external"):
            continue
        yield _finding(REMOTE_ACCESS, c.id, c.zones, ctx.assets_of(b), ctx.worst_in(b),
                       f"Conduit {c.id} joins remote-access zone {a} to {b} ({ctx.kinds[b]}), not to a DMZ.",
                       conduits=[c.id])


# --- rule 5 ------------------------------------------------------------------------------
UNAPPROVED = Rule(
    "unapproved-conduit", "Conduit not approved",
    "A conduit that exists but was never released by the asset owner has no agreed requirements, no "
    "reviewed boundary and often nobody responsible; it is how undocumented vendor routers and test "
    "links stay in place for years.",
    ("IEC 62443-3-2 ZCR 6.4", "IEC 62443-3-2 ZCR 7.1", "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 1"),
    "Review the conduit: approve it with its SL-T, protocols and boundary devices, or remove it.")


def _rule_unapproved(ctx: RuleContext) -> Iterator[Finding]:
    for c in sorted(ctx.plant.conduits, key=lambda c: c.id):
        if c.approved:
            continue
        yield _finding(UNAPPROVED, c.id, c.zones, ctx.assets_of(*c.zones), ctx.worst_in(*c.zones),
                       f"Conduit {c.id} between {c.zones[0]} and {c.zones[1]} exists but is not approved.",
                       conduits=[c.id])


# --- rule 6 ------------------------------------------------------------------------------
ZONE_SL = Rule(
    "zone-sl-below-target", "Zone below its target security level",
    "The SL-T records how much protection the risk assessment asked for; an achieved level (SL-A) below "
    "it means the zone's countermeasures do not deliver that protection yet.",
    ("IEC 62443-3-2 ZCR 5.6", "IEC 62443-3-2 ZCR 5.12", "IEC 62443-2-1 ORG 2"),
    "Close the gap with countermeasures in or around the zone and re-assess SL-A; if the target is too "
    "high, change it through the risk assessment, not in the data.")


def _rule_zone_sl(ctx: RuleContext) -> Iterator[Finding]:
    for z in sorted(ctx.plant.zones, key=lambda z: z.id):
        if z.sl_target is None or z.sl_achieved is None:
            continue
        if z.sl_achieved >= z.sl_target:
            continue
        yield _finding(ZONE_SL, z.id, [z.id], ctx.assets_of(z.id), ctx.worst_in(z.id),
                       f"Zone {z.id} achieves SL {z.sl_achieved}, below its target SL {z.sl_target}.",
                       sl_target=z.sl_target, sl_achieved=z.sl_achieved)


# --- rule 7 ------------------------------------------------------------------------------
CONDUIT_SL = Rule(
    "conduit-sl-below-zones", "Conduit weaker than the zones it joins",
    "A conduit is part of the boundary of both zones it joins. With a lower SL-T than the more demanding "
    "of them it is the weak point through which that zone can be attacked.",
    ("IEC 62443-3-2 ZCR 5.6", "IEC 62443-3-2 ZCR 6.4", "IEC 62443-3-3 SR 5.2"),
    "Raise the conduit's SL-T, and its boundary devices, to the higher zone SL-T, or record in the risk "
    "assessment why less is enough.")


def _rule_conduit_sl(ctx: RuleContext) -> Iterator[Finding]:
    zones = ctx.plant.zone_map()
    for c in sorted(ctx.plant.conduits, key=lambda c: c.id):
        levels = [zones[z].sl_target for z in c.zones]
        if c.sl_target is None or None in levels:
            continue
        needed = max(levels)
        if c.sl_target >= needed:
            continue
        weaker = [z for z in c.zones if zones[z].sl_target > c.sl_target]
        yield _finding(CONDUIT_SL, c.id, c.zones, ctx.assets_of(*weaker), ctx.worst_in(*weaker),
                       f"Conduit {c.id} has SL-T {c.sl_target}, below the SL-T {needed} of {_and(weaker)}.",
                       conduits=[c.id], sl_target=c.sl_target, zone_sl_target=needed)


# --- rule 8 ------------------------------------------------------------------------------
UNDOCUMENTED_FLOW = Rule(
    "undocumented-flow", "Dependency across zones without a conduit path",
    "When an asset depends on one in another zone but no conduit path joins the two zones in either "
    "direction, the assets talk over a path nobody documented (a second network card, a cable, a "
    "cellular link), or the zone model is incomplete.",
    ("IEC 62443-3-2 ZCR 3.1", "IEC 62443-3-2 ZCR 6.4", "IEC 62443-2-1 CM 1", "IEC 62443-2-1 NET 1"),
    "Find out how the two assets really communicate; document that conduit (approve or remove it), or "
    "correct the zones or the dependency.")


def _asset_zones(asset) -> frozenset[str]:
    return frozenset(z for z in (asset.zone, *(i.zone for i in asset.interfaces)) if z is not None)


def _rule_undocumented_flow(ctx: RuleContext) -> Iterator[Finding]:
    zones_of = {a.id: _asset_zones(a) for a in ctx.plant.assets}
    for a in sorted(ctx.plant.assets, key=lambda a: a.id):
        for b in sorted(set(a.depends_on)):
            za, zb = zones_of[a.id], zones_of[b]
            if not za or not zb:
                continue  # a missing zone is asset-without-zone's finding
            if za & zb:
                continue
            if any(not ctx.reach[x].isdisjoint(zb) for x in za) or any(not ctx.reach[y].isdisjoint(za) for y in zb):
                continue
            ids = (a.id, b)
            yield _finding(UNDOCUMENTED_FLOW, f"{a.id}->{b}", za | zb, ids, worst_of(ctx.impacts, ids),
                           f"{a.id} ({_and(sorted(za))}) depends on {b} ({_and(sorted(zb))}), but no conduit "
                           "path joins their zones in either direction.", dependent=a.id, depends_on=b)


# --- rule 9 ------------------------------------------------------------------------------
ONE_WAY_INWARD = Rule(
    "one-way-gateway-inward", "One-way gateway points toward control",
    "A unidirectional gateway protects the side it cannot send into. Pointing from a higher Purdue level "
    "to a lower one, it lets data in toward the process and blocks the way out, the opposite of its "
    "purpose; usually the direction is wrong in the model or in the cabinet.",
    ("IEC 62443-3-3 SR 5.1", "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 1"),
    "Check the gateway's real direction: it should export from the lower level (OT) to the higher one; "
    "if data must flow inward, use a brokered service and document why.")


def _rule_one_way_inward(ctx: RuleContext) -> Iterator[Finding]:
    for c in sorted(ctx.plant.conduits, key=lambda c: c.id):
        if not c.one_way:
            continue
        for u, v in conduit_edges(c):
            lu, lv = ctx.purdue[u], ctx.purdue[v]
            if lu is None or lv is None or lu <= lv:
                continue
            yield _finding(ONE_WAY_INWARD, c.id, c.zones, ctx.assets_of(v), ctx.worst_in(v),
                           f"One-way conduit {c.id} sends from {u} (level {lu}) into {v} (level {lv}).",
                           conduits=[c.id], path=[u, v])
            break


# --- rule 10 -----------------------------------------------------------------------------
MULTI_HOMED = Rule(
    "multi-homed-asset", "Asset bridging zones",
    "An asset with network interfaces in several zones can carry traffic between them around the "
    "conduits' boundary devices; one compromise of it joins the zones. Firewalls and assets named as a "
    "conduit's boundary device are exempt: their legs in several zones are how they enforce conduits.",
    ("IEC 62443-3-2 ZCR 3.1", "IEC 62443-3-3 SR 5.1", "IEC 62443-3-3 SR 5.2", "IEC 62443-2-1 NET 1"),
    "Give the asset one interface in one zone and route its other traffic through a conduit; where it "
    "must bridge, declare it a boundary device of that conduit and harden it as one.")


def _rule_multi_homed(ctx: RuleContext) -> Iterator[Finding]:
    for a in sorted(ctx.plant.assets, key=lambda a: a.id):
        if a.type == "firewall" or a.id in ctx.boundary_devices:
            continue
        zones = sorted(_asset_zones(a))
        if len(zones) < 2:
            continue
        yield _finding(MULTI_HOMED, a.id, zones, [a.id], worst_of(ctx.impacts, [a.id]),
                       f"{a.id} ({a.type}) has interfaces in zones {_and(zones)} and can bridge them.")


# --- rules 11 and 12 ---------------------------------------------------------------------
NO_ZONE = Rule(
    "asset-without-zone", "Asset without a zone",
    "An asset in no zone gets no zone's requirements and its exposure cannot be judged; temporarily "
    "connected devices such as service laptops are the typical case and need a zone of their own.",
    ("IEC 62443-3-2 ZCR 3.1", "IEC 62443-3-2 ZCR 3.4", "IEC 62443-2-1 CM 1"),
    "Assign the asset to the zone it connects to, or create a zone for temporarily connected devices "
    "with its own conduit.")


def _rule_no_zone(ctx: RuleContext) -> Iterator[Finding]:
    for a in sorted(ctx.plant.assets, key=lambda a: a.id):
        if a.zone is not None:
            continue
        yield _finding(NO_ZONE, a.id, (), [a.id], worst_of(ctx.impacts, [a.id]),
                       f"{a.id} ({a.type}) is in no zone.")


NO_OWNER = Rule(
    "zone-without-owner", "Zone without an owner",
    "Every zone needs an accountable organisation that approves its conduits, accepts its risks and keeps "
    "its documentation current; without one, its findings have nobody to go to. External zones are "
    "exempt: they are not the plant's to run.",
    ("IEC 62443-3-2 ZCR 6.4", "IEC 62443-2-1 ORG 1"),
    "Name the accountable role or department in the zone's owner field.")


def _rule_no_owner(ctx: RuleContext) -> Iterator[Finding]:
    for z in sorted(ctx.plant.zones, key=lambda z: z.id):
        if z.kind == "external" or z.owner is not None:
            continue
        yield _finding(NO_OWNER, z.id, [z.id], ctx.assets_of(z.id), ctx.worst_in(z.id),
                       f"Zone {z.id} ({z.kind}) has no owner.")


_CHECKS: tuple[tuple[Rule, Callable[[RuleContext], Iterator[Finding]]], ...] = (
    (SAFETY_REACHABLE, _rule_safety_reachable),
    (OUTER_REACHES_INNER, _rule_outer_reaches_inner),
    (OT_REACHES_EXTERNAL, _rule_ot_reaches_external),
    (REMOTE_ACCESS, _rule_remote_access),
    (UNAPPROVED, _rule_unapproved),
    (ZONE_SL, _rule_zone_sl),
    (CONDUIT_SL, _rule_conduit_sl),
    (UNDOCUMENTED_FLOW, _rule_undocumented_flow),
    (ONE_WAY_INWARD, _rule_one_way_inward),
    (MULTI_HOMED, _rule_multi_homed),
    (NO_ZONE, _rule_no_zone),
    (NO_OWNER, _rule_no_owner),
)
#: Every architecture rule, in a fixed order.
RULES: tuple[Rule, ...] = tuple(rule for rule, _ in _CHECKS)


def run_rules(plant: Plant, *, impacts: Mapping[str, AssetImpact] | Iterable[AssetImpact] | None = None
              ) -> list[Finding]:
    """All findings of all architecture rules, worst first (:meth:`Finding.severity`), ties by id.

    Parameters
    ----------
    plant : Plant
        A valid plant (references resolve).
    impacts : mapping or iterable of AssetImpact, optional
        As from :func:`otrisk.impact.analyze`; computed when None.

    Returns
    -------
    list[Finding]
        Unique ids ``rule@subject``.

    Raises
    ------
    OtriskError
        When a conduit or dependency names something the plant does not have.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... zones:
    ...   - {id: office, name: Office, kind: enterprise, owner: IT}
    ...   - {id: dmz, name: DMZ, kind: dmz, owner: OT}
    ...   - {id: cell, name: Cell, kind: control, owner: OT}
    ... conduits:
    ...   - {id: office-dmz, zones: [office, dmz], direction: forward}
    ...   - {id: dmz-cell, zones: [dmz, cell], direction: forward, approved: false}
    ... assets:
    ...   - {id: plc, name: PLC, type: plc, zone: cell, impact: {production: 4}}
    ... ''')
    >>> [f.id for f in run_rules(p)]
    ['outside-reaches-control@office->cell', 'unapproved-conduit@dmz-cell']
    >>> run_rules(p)[0].message
    'office (enterprise) reaches cell (control) through office -> dmz -> cell (conduits office-dmz and dmz-cell).'
    """
    ctx = rule_context(plant, impacts=impacts)
    return sorted((f for _, check in _CHECKS for f in check(ctx)), key=Finding.severity)


def rules_report(plant: Plant, *, as_of: dt.date,
                 impacts: Mapping[str, AssetImpact] | Iterable[AssetImpact] | None = None) -> FindingsReport:
    """:func:`run_rules` split by the plant's ``accepted_findings`` on the day ``as_of``.

    Only acceptances of these rules can be stale (other commands' acceptances are left alone).
    """
    return triage_findings(run_rules(plant, impacts=impacts), plant.accepted_findings, as_of=as_of,
                           rule_ids=[r.id for r in RULES])
