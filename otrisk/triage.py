"""Unknown device on a switch port: its zones, what it can reach, whom to call (DESIGN.md,
"Unknown device"; floor incident 2).

Contract:

* **Target** (:func:`parse_target`): an IPv4/IPv6 address (a ``/prefix`` is ignored), else a
  MAC address (``aa:bb:cc:dd:ee:ff``, ``aa-bb-…``, ``aabb.ccdd.eeff`` or 12 hex digits), else
  ``SWITCH:PORT`` split at the first colon, the switch compared case-insensitively and the port
  normalized with :func:`otrisk.configs.port_name` (``Gi1/0/4`` = ``GigabitEthernet1/0/4``).
  Anything else is a :class:`TriageError`.
* **Spots** (where the device is plugged in): the target's port; for a MAC, every port of a MAC
  table where it was learned; for an IP or a MAC, the ``switch_port`` of the assets (or
  interfaces) holding that address.
* **Zones**, from the first of these sources that gives any:
  1. ``config`` — the VLANs each spot's port carries in its switch's configuration
     (:func:`otrisk.configs.carried_vlans`: nothing when shut down) and the zones' ``vlans``;
  2. ``mac_table`` — for a MAC target the VLANs it was learned in; for a port target the
     port's VLANs in a ``show interfaces switchport`` listing, else the VLANs of the MAC
     entries learned on that port;
  3. ``assets`` — the zones of the assets known on a spot (their interface's zone, else the
     asset's), and for an IP or MAC target the zone of the asset holding that address;
  4. ``subnets`` — for an IP target, the zones whose ``subnets`` contain it.
  A trunk port may put the device in several zones: the answer says so and unions what they
  reach.
* **Answer**: the zones' conduits (any conduit with one of them as an end); ``reachable_zones``
  = the union of ``reachable(Z)`` over its zones, its own zones excluded; ``reachable_assets``
  = assets with their zone or an interface's zone among its own and reachable zones;
  ``worst_effective`` = the per-axis maximum of their effective impact (None where all are
  unknown); ``owners`` = the owners of its own zones (by zone id), then the owners of the
  reachable assets, most critical first (highest effective impact on any axis, then priority,
  then id), each name once.
* **Severity** (our rule, docs/decisions.md): ``safety`` when a safety zone is among its own or
  reachable zones or the worst safety impact is 4 or 5 (danger to people); else ``production``
  when a control or field zone is in reach or the worst production or delivery impact is 4 or 5
  (production downtime); else ``limited``; ``unknown`` when no zone was found.

The answer is computed from the plant, the configurations and the show outputs passed in;
nothing is read from disk or the database here (the CLI and the page gather them).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from otrisk.configs import DeviceConfig, port_name
from otrisk.errors import OtriskError, shown_value
from otrisk.findings import NO_IMPACT, Finding, worst_of
from otrisk.impact import AssetImpact
from otrisk.models import Plant
from otrisk.showparse import ShowOutputs, normalize_mac
from otrisk.triagelocate import Search, Spot, locate, unknown_spot_problems
from otrisk.zones import zone_graph

__all__ = ["SEVERITIES", "Spot", "Target", "TriageAnswer", "TriageError", "parse_target", "triage"]

#: Severity codes, worst first, with the plain words shown up front.
SEVERITIES: dict[str, str] = {
    "safety": "Danger to people: a safety function is in reach",
    "production": "Production downtime: the process control is in reach",
    "limited": "Limited operational risk",
    "unknown": "Unknown: the device could not be placed in a zone",
}
_ADDRESS_LIKE = re.compile(r"^[0-9A-Fa-f]{1,4}([:.-][0-9A-Fa-f]{0,4}){2,}$")
_MAC_LIKE = re.compile(r"^(\w\w[:-]){5}\w\w$")
_TARGET_MAX = 200
_HIGH = 4  # impact 4..5 counts as high, as in readiness coverage (docs/formulas.md)


class TriageError(OtriskError):
    """A triage target that is neither an IP address, a MAC address nor ``SWITCH:PORT``."""


@dataclass(frozen=True)
class Target:
    """A parsed triage target.

    Attributes
    ----------
    text : str
        As typed.
    kind : str
        ``"ip"``, ``"mac"`` or ``"port"``.
    switch, port : str | None
        For a port target: the switch as typed (compared case-insensitively) and the full
        port name.
    ip : str | None
        Compressed IP address of an ``ip`` target.
    mac : str | None
        ``aa:bb:cc:dd:ee:ff`` of a ``mac`` target.
    """

    text: str
    kind: str
    switch: str | None = None
    port: str | None = None
    ip: str | None = None
    mac: str | None = None

    def label(self) -> str:
        """Short text naming the target (``sw1:GigabitEthernet1/0/4``, ``10.0.0.5``, a MAC)."""
        return f"{self.switch}:{self.port}" if self.kind == "port" else (self.ip or self.mac or self.text)


def parse_target(text: str) -> Target:
    """Read a triage target: IP address, MAC address or ``SWITCH:PORT`` (in that order).

    Raises
    ------
    TriageError
        Empty text, or text that is none of the three forms, or an empty switch or port.

    Examples
    --------
    >>> parse_target("10.1.2.3").kind, parse_target("fe80::1").ip
    ('ip', 'fe80::1')
    >>> parse_target("001B.1B00.0001").mac
    '00:1b:1b:00:00:01'
    >>> t = parse_target("SW-Fill:gi1/0/4"); t.switch, t.port
    ('SW-Fill', 'GigabitEthernet1/0/4')
    """
    raw = (text or "").strip()
    if not raw:
        raise TriageError("no target: give a switch port (SWITCH:PORT), an IP address or a MAC address")
    if len(raw) > _TARGET_MAX:
        raise TriageError(f"target{shown_value(raw)} is too long for a switch port, IP or MAC address "
                          f"(at most {_TARGET_MAX} characters)")
    if any(not c.isprintable() for c in raw):
        raise TriageError(f"target{shown_value(raw)} contains control characters (a line break, a tab …)")
    try:
        ip = ipaddress.ip_interface(raw).ip if "/" in raw else ipaddress.ip_address(raw)
        return Target(raw, "ip", ip=ip.compressed)
    except ValueError:
        pass
    mac = normalize_mac(raw)
    if mac:
        return Target(raw, "mac", mac=mac)
    if _ADDRESS_LIKE.match(raw) or _MAC_LIKE.match(raw):
        raise TriageError(f"target{shown_value(raw)} looks like an address but is neither an IP address nor a MAC "
                          "address (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff)")
    switch, colon, port = raw.partition(":")
    if not colon or not switch.strip() or not port.strip():
        raise TriageError(f"target{shown_value(raw)} is not an IP address, a MAC address (aa:bb:cc:dd:ee:ff, "
                          "aa-bb-…, aabb.ccdd.eeff) or a switch port written SWITCH:PORT (e.g. sw-fill:Gi1/0/4)")
    return Target(raw, "port", switch=switch.strip(), port=port_name(port.strip()))


@dataclass(frozen=True)
class TriageAnswer:
    """Everything the floor needs about an unknown device (see the module contract).

    ``to_json()`` gives exactly the ``otrisk triage --json`` shape of DESIGN.md; the other
    attributes are for the page and the incident note. Impact values are 1..5 or None.
    """

    target: Target
    source: str | None
    source_text: str
    spots: tuple[Spot, ...]
    zones: tuple[str, ...]
    zone_details: tuple[dict[str, Any], ...]
    conduits: tuple[str, ...]
    conduit_texts: tuple[str, ...]
    reachable_zones: tuple[str, ...]
    reachable_assets: tuple[str, ...]
    worst_effective: dict[str, int | None]
    safety_zones: tuple[str, ...]
    severity: str
    severity_reason: str
    owners: tuple[str, ...]
    known_assets: tuple[str, ...]
    findings: tuple[Finding, ...]
    port_facts: tuple[str, ...]
    identification: tuple[str, ...]
    baseline: tuple[str, ...]
    problems: tuple[str, ...]
    next_steps: tuple[str, ...] = ()
    located: tuple[str, ...] = ()
    critical_assets: tuple[tuple[str, dict[str, int | None]], ...] = field(default=())

    @property
    def resolved(self) -> bool:
        """True when at least one zone was found (exit code 0 of ``otrisk triage``)."""
        return bool(self.zones)

    def to_json(self) -> dict[str, Any]:
        """``{"zones", "zone", "zone_details", "conduits", "reachable_zones", "reachable_assets",
        "worst_effective", "owners", "next_steps"}`` (DESIGN.md, "Command line")."""
        return {
            "zones": list(self.zones),
            "zone": self.zones[0] if len(self.zones) == 1 else None,
            "zone_details": [dict(d) for d in self.zone_details],
            "conduits": list(self.conduits),
            "reachable_zones": list(self.reachable_zones),
            "reachable_assets": list(self.reachable_assets),
            "worst_effective": dict(self.worst_effective),
            "owners": list(self.owners),
            "next_steps": list(self.next_steps),
        }


# ---------------------------------------------------------------- what it reaches


def _severity(plant: Plant, own: Iterable[str], reach: Iterable[str], worst: Mapping[str, int | None],
              resolved: bool) -> tuple[str, str]:
    if not resolved:
        return "unknown", "no zone found for the device"
    kinds = {z.id: z.kind for z in plant.zones}
    every = sorted(set(own) | set(reach))
    safety = [z for z in every if kinds.get(z) == "safety"]
    if safety:
        return "safety", f"safety zone {', '.join(safety)} is in reach"
    if (worst.get("safety") or 0) >= _HIGH:
        return "safety", f"assets in reach have safety impact {worst['safety']} if lost"
    process = [z for z in every if kinds.get(z) in ("control", "field")]
    if process:
        many = len(process) > 1
        return "production", (f"{'zones' if many else 'zone'} {', '.join(process)} (process control) "
                              f"{'are' if many else 'is'} in reach")
    for axis in ("production", "delivery"):
        if (worst.get(axis) or 0) >= _HIGH:
            return "production", f"assets in reach have {axis} impact {worst[axis]} if lost"
    return "limited", "no safety, control or field zone and no asset with impact 4 or 5 in reach"


def _criticality(impact: AssetImpact | None) -> tuple[int, float]:
    if impact is None:
        return 0, 0.0
    return max((v for v in impact.effective.values() if v is not None), default=0), impact.priority


def _conduit_text(c, own: set[str]) -> str:
    a, b = c.zones
    arrow = {"both": "↔", "forward": "→", "reverse": "←"}[c.direction]
    notes = [] if c.approved else ["NOT APPROVED"]
    if c.one_way:
        notes.append("one-way gateway")
    if c.protocols:
        notes.append(", ".join(c.protocols))
    return f"{c.id}: {a} {arrow} {b}" + (f" ({'; '.join(notes)})" if notes else "")


def triage(plant: Plant, target: str | Target, *, impacts: Sequence[AssetImpact],
           configs: Mapping[str, DeviceConfig] | None = None,
           baselines: Mapping[str, DeviceConfig] | None = None,
           shows: Sequence[ShowOutputs] = (), findings: Sequence[Finding] = ()) -> TriageAnswer:
    """Answer "what is this device, where is it, what can it reach, whom do I call".

    Parameters
    ----------
    plant : Plant
    target : str or Target
        ``SWITCH:PORT``, an IP address or a MAC address (see :func:`parse_target`).
    impacts : sequence of AssetImpact
        ``impact.analyze_plant(plant)`` (effective impact and priority per asset).
    configs, baselines : mapping of device key → DeviceConfig, optional
        Current switch configurations (stored versions and/or a folder) and released baselines.
    shows : sequence of ShowOutputs
        Parsed MAC tables / switchport / LLDP / CDP listings (:mod:`otrisk.showparse`).
    findings : sequence of Finding
        Open findings (e.g. ``rules_report(...).open``); those naming one of the device's zones
        are kept in the answer.

    Returns
    -------
    TriageAnswer

    Raises
    ------
    TriageError
        When ``target`` is text that :func:`parse_target` refuses.
    """
    from otrisk.triagesteps import next_steps, port_context  # the wording lives there

    t = target if isinstance(target, Target) else parse_target(target)
    search = Search(plant, t, {k.lower(): v for k, v in (configs or {}).items()}, list(shows))
    zones, source, source_text, holders = locate(search)
    if not zones:
        unknown_spot_problems(search)
    own = sorted(zones)
    by_zone = {z.id: z for z in plant.zones}
    graph = zone_graph(plant)  # reachable(Z) of DESIGN.md, only for the device's own zones
    reach = sorted(set().union(*(nx.descendants(graph, z) for z in own if z in graph)) - set(own)) if own else []
    area = set(own) | set(reach)
    assets = sorted(a.id for a in plant.assets
                    if a.zone in area or any(i.zone in area for i in a.interfaces))
    by_asset = {i.asset: i for i in impacts}
    worst = worst_of(by_asset, assets) if assets else dict(NO_IMPACT)
    severity, why = _severity(plant, own, reach, worst, bool(own))
    crit = {a: _criticality(by_asset.get(a)) for a in assets}
    ranked = sorted(assets, key=lambda a: (-crit[a][0], -crit[a][1], a))
    owners_of = {a.id: a.owner for a in plant.assets}
    owners = [by_zone[z].owner for z in own if by_zone[z].owner] + [owners_of[a] for a in ranked if owners_of[a]]
    conduits = sorted((c for c in plant.conduits if set(c.zones) & set(own)), key=lambda c: c.id)
    kept = tuple(f for f in findings if set(f.zones) & set(own))
    facts, ident, base = port_context(plant, t, search.spots, holders, on_port=search.on_port,
                                      configs=search.configs,
                                      baselines={k.lower(): v for k, v in (baselines or {}).items()},
                                      shows=search.shows, impacts=by_asset)
    answer = TriageAnswer(
        target=t, source=source, source_text=source_text, spots=tuple(search.spots), zones=tuple(own),
        zone_details=tuple({"id": z, "kind": by_zone[z].kind, "sl_target": by_zone[z].sl_target,
                            "owner": by_zone[z].owner} for z in own),
        conduits=tuple(c.id for c in conduits), conduit_texts=tuple(_conduit_text(c, set(own)) for c in conduits),
        reachable_zones=tuple(reach), reachable_assets=tuple(assets), worst_effective=worst,
        safety_zones=tuple(z for z in sorted(area) if by_zone[z].kind == "safety"),
        severity=severity, severity_reason=why, owners=tuple(dict.fromkeys(owners)),
        known_assets=tuple(dict.fromkeys(search.known)), findings=kept,
        port_facts=tuple(dict.fromkeys(search.facts + facts)), identification=tuple(ident), baseline=tuple(base),
        problems=tuple(dict.fromkeys(search.problems)), located=tuple(dict.fromkeys(search.ports_known)),
        critical_assets=tuple((a, by_asset[a].effective) for a in ranked[:5] if a in by_asset
                              and crit[a][0] > 0),
    )
    return replace(answer, next_steps=tuple(next_steps(plant, answer)))
