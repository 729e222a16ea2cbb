"""Where an unknown device sits: its spots (switch ports) and its zones, from the sources in
the order of DESIGN.md ("Unknown device"): the switch configuration, a MAC table or switchport
listing, the assets known there, the zones' subnets. See :mod:`otrisk.triage` for the contract.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from otrisk.configs import DeviceConfig, carried_vlans, port_name, vlan_text
from otrisk.models import Asset, Plant
from otrisk.showparse import ShowOutputs, normalize_mac

if TYPE_CHECKING:  # pragma: no cover - typing only
    from otrisk.triage import Target

__all__ = ["Search", "Spot", "attached", "locate", "spot_of", "unknown_spot_problems"]


@dataclass(frozen=True)
class Spot:
    """A switch port the device is (or was seen) plugged into.

    ``switch`` is the device key (lower case), ``port`` the full port name, ``how`` says how
    it was found (``"the target"``, ``"MAC table of sw1"``, ``"asset plc-1"``), ``vlans`` the
    VLANs a MAC table learned the target MAC in on that port (sorted; empty otherwise).
    """

    switch: str
    port: str
    how: str
    vlans: tuple[int, ...] = ()

    def label(self) -> str:
        """``switch:port``."""
        return f"{self.switch}:{self.port}"



def spot_of(text: str | None) -> tuple[str, str] | None:
    if not text or ":" not in text:
        return None
    dev, _, port = text.partition(":")
    return (dev.strip().lower(), port_name(port)) if dev.strip() and port.strip() else None


def attached(plant: Plant) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """``{(switch key, full port): [(asset id, zone of that attachment)]}``."""
    out: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for a in plant.assets:
        for text, zone in [(a.switch_port, a.zone)] + [(i.switch_port, i.zone or a.zone) for i in a.interfaces]:
            spot = spot_of(text)
            if spot and (a.id, zone) not in out.setdefault(spot, []):
                out[spot].append((a.id, zone))
    return out


def _same_ip(text: str, compressed: str) -> bool:
    # Stored IPv4 text is already canonical (the model refuses leading zeros); IPv6 is not.
    return text == compressed or (":" in text and ipaddress.ip_address(text).compressed == compressed)


def _holders(plant: Plant, target: Target) -> list[tuple[Asset, str | None, str | None]]:
    """Assets holding the target's IP or MAC: ``(asset, zone, switch_port)`` per match."""
    out = []
    for a in plant.assets:
        for ip, mac, zone, sp in [(a.ip, a.mac, a.zone, a.switch_port)] + [
                (i.ip, i.mac, i.zone or a.zone, i.switch_port) for i in a.interfaces]:
            if target.kind == "ip" and ip and _same_ip(ip, target.ip) \
                    or target.kind == "mac" and mac and normalize_mac(mac) == target.mac:
                out.append((a, zone, sp))
    return out


def _vlan_zones(plant: Plant, vlans: Iterable[int]) -> set[str]:
    wanted = set(vlans)
    return {z.id for z in plant.zones if wanted.intersection(z.vlans)}


def _unmapped(plant: Plant, vlans: Iterable[int]) -> list[int]:
    mapped = {v for z in plant.zones for v in z.vlans}
    return sorted(set(vlans) - mapped)


@dataclass
class Search:
    """Working state of one triage: spots, zones found, and the sentences gathered."""

    plant: Plant
    target: Target
    configs: Mapping[str, DeviceConfig]
    shows: Sequence[ShowOutputs]
    spots: list[Spot] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    on_port: dict = field(default_factory=dict)
    #: Why a known port places the device in no zone (shut down, VLANs of no zone).
    blockers: list[str] = field(default_factory=list)
    #: The spots whose port a configuration or show output knows.
    ports_known: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.on_port = attached(self.plant)

    def add_spot(self, spot: Spot) -> None:
        """Add a spot; the same port seen again adds its learned VLANs to the first one."""
        for i, s in enumerate(self.spots):
            if (s.switch, s.port) == (spot.switch, spot.port):
                self.spots[i] = replace(s, vlans=tuple(sorted(set(s.vlans) | set(spot.vlans))))
                return
        self.spots.append(spot)

    def from_config(self) -> tuple[set[str], str]:
        zones: set[str] = set()
        said = []
        for s in self.spots:
            dev = self.configs.get(s.switch)
            if dev is None:
                continue
            port = dev.ports.get(s.port)
            if port is None:
                self.problems.append(f"{dev.device} has no port {s.port} in its configuration ({dev.file})")
                continue
            self.ports_known.append(s.label())
            vlans = carried_vlans(port)
            if not vlans:
                why = "is shut down" if port.shutdown else "is not a switchport (routed or unused)"
                self.blockers.append(f"{s.label()} {why} in the configuration: it carries no VLAN, "
                                     "so a device there cannot talk unless someone changed the switch")
                continue
            mode = f"a trunk carrying VLANs {vlan_text(vlans)}" if port.mode == "trunk" else \
                f"an access port in VLAN {vlan_text(vlans)}"
            learned = vlans & frozenset(s.vlans)
            if learned and learned != vlans:
                # The MAC table says in which of the port's VLANs this MAC was seen: narrower, and true.
                vlans = learned
                mode += f", where the MAC table saw it in VLAN {vlan_text(learned)}"
            found = _vlan_zones(self.plant, vlans)
            zones |= found
            if not found:
                self.blockers.append(f"VLAN {vlan_text(vlans) if len(vlans) <= 64 else '…'} of {s.label()} "
                                     "belongs to no zone of the plant (a zone lists its VLANs under 'vlans')")
            said.append(f"{s.label()} is {mode} in {dev.device}'s configuration")
            if port.mode == "trunk" and len(found) > 1:
                self.facts.append(f"{s.label()} is a trunk: the device may sit in any of the zones "
                                  f"{', '.join(sorted(found))}; the answer unions what they reach")
            if found and _unmapped(self.plant, vlans) and len(vlans) <= 64:
                self.facts.append(f"VLANs {vlan_text(frozenset(_unmapped(self.plant, vlans)))} on {s.label()} "
                                  "belong to no zone of the plant")
        return zones, "; ".join(said)

    def from_tables(self) -> tuple[set[str], str]:
        zones: set[str] = set()
        said = []
        for s in self.spots:
            if s.vlans:  # a MAC target learned in these VLANs
                self.ports_known.append(s.label())
                found = _vlan_zones(self.plant, s.vlans)
                zones |= found
                if not found:
                    self.blockers.append(f"VLAN {vlan_text(frozenset(s.vlans))}, where the MAC table saw it on "
                                         f"{s.label()}, belongs to no zone of the plant")
                said.append(f"the MAC table shows it on {s.label()} in VLAN {vlan_text(frozenset(s.vlans))}")
                continue
            for show in self.shows:
                if (show.switch or "").lower() != s.switch:
                    continue
                sp = show.switchports.get(s.port)
                if sp is not None:
                    self.ports_known.append(s.label())
                    vlans = (sp.trunk_vlans if sp.mode == "trunk"
                             else {v for v in (sp.access_vlan, sp.voice_vlan) if v is not None})
                    found = _vlan_zones(self.plant, vlans)
                    zones |= found
                    if not found:
                        self.blockers.append(f"VLAN {vlan_text(frozenset(vlans)) or 'none'} of {s.label()} "
                                             "(switchport listing) belongs to no zone of the plant")
                    said.append(f"the switchport listing shows {s.label()} as "
                                f"{sp.mode or 'unknown mode'} in VLAN {vlan_text(frozenset(vlans)) or 'none'}")
                    continue
                learned = {e.vlan for e in show.mac_entries if e.port == s.port and e.vlan is not None}
                if learned:
                    self.ports_known.append(s.label())
                    zones |= _vlan_zones(self.plant, learned)
                    said.append(f"the MAC table shows VLAN {vlan_text(frozenset(learned))} learned on {s.label()}")
        return zones, "; ".join(said)

    def from_assets(self, holders) -> tuple[set[str], str]:
        on_port = self.on_port
        zones: set[str] = set()
        said = []
        for s in self.spots:
            for asset_id, zone in on_port.get((s.switch, s.port), []):
                if zone:
                    zones.add(zone)
                    said.append(f"asset {asset_id} is known on {s.label()} in zone {zone}")
        for asset, zone, _ in holders:
            if zone:
                zones.add(zone)
                said.append(f"asset {asset.id} holds {self.target.label()} in zone {zone}")
        return zones, "; ".join(dict.fromkeys(said))

    def from_subnets(self) -> tuple[set[str], str]:
        ip = ipaddress.ip_address(self.target.ip)
        zones = {z.id for z in self.plant.zones
                 if any(ip.version == ipaddress.ip_network(n).version and ip in ipaddress.ip_network(n)
                        for n in z.subnets)}
        nets = sorted(n for z in self.plant.zones if z.id in zones for n in z.subnets
                      if ip.version == ipaddress.ip_network(n).version and ip in ipaddress.ip_network(n))
        return zones, f"{self.target.ip} is in the subnet {', '.join(nets)}" if zones else ""


def locate(search: Search) -> tuple[set[str], str | None, str, list]:
    """Fill the spots and return ``(zones, source, source_text, holders)``."""
    t = search.target
    holders: list = []
    if t.kind == "port":
        search.add_spot(Spot(t.switch.lower(), t.port, "the target"))
    else:
        if t.kind == "mac":
            for show in search.shows:
                for e in show.mac_entries:
                    if e.mac == t.mac:
                        sw = (show.switch or "").lower()
                        if sw:
                            search.add_spot(Spot(sw, e.port, f"MAC table of {show.switch}",
                                                 (e.vlan,) if e.vlan is not None else ()))
                        else:
                            search.problems.append(f"{t.mac} is in a MAC table on {e.port}, but the table does "
                                                   "not say which switch it comes from: name the switch (a prompt line such as "
                                                   "'sw1#show mac address-table', or the switch field of the page)")
        holders = _holders(search.plant, t)
        for asset, _, sp in holders:
            search.known.append(asset.id)
            spot = spot_of(sp)
            if spot:
                search.add_spot(Spot(spot[0], spot[1], f"asset {asset.id}"))
    for source, finder in (("config", search.from_config), ("mac_table", search.from_tables),
                           ("assets", lambda: search.from_assets(holders))):
        zones, text = finder()
        if zones:
            return zones, source, text, holders
    if t.kind == "ip":
        zones, text = search.from_subnets()
        if zones:
            return zones, "subnets", text, holders
    return set(), None, "", holders


def unknown_spot_problems(search: Search) -> None:
    """Say why nothing was found: a known port that places it nowhere, an unknown switch, an
    unknown port, an address nobody holds."""
    search.problems.extend(search.blockers)
    if search.blockers:
        return
    t = search.target
    on_port = search.on_port
    switches_known = set(search.configs) | {(s.switch or "").lower() for s in search.shows} | \
        {sw for sw, _ in on_port} | {a.id.lower() for a in search.plant.assets if a.type == "switch"}
    if t.kind == "port":
        sw = t.switch.lower()
        if sw not in switches_known:
            shown = ", ".join(sorted(s for s in switches_known if s)) or "none"
            search.problems.append(f"unknown switch {t.switch!r}: no configuration or MAC table of it was given and "
                                   f"no asset of the plant is attached to it (switches known: {shown})")
        elif sw not in search.configs and not any((s.switch or "").lower() == sw for s in search.shows) \
                and (sw, t.port) not in on_port:
            search.problems.append(f"no asset of the plant is attached to {t.switch}:{t.port}, and no configuration "
                                   f"or MAC table of {t.switch} was given")
    elif t.kind == "mac" and not search.spots and not search.known:
        search.problems.append(f"{t.mac} is in no MAC table given and belongs to no asset of the plant")
    elif t.kind == "ip" and not search.known:
        search.problems.append(f"{t.ip} belongs to no asset of the plant and is in no zone's subnets")
