"""The words of a triage answer: what the port carries, how to identify the device, the
safe next steps, and the incident note (floor incident 2; see :mod:`otrisk.triage`).

The next steps follow the usual OT incident order (NIST SP 800-82r3 §6.2 on response in OT,
CISA "Recommended cybersecurity practices for industrial control systems"): identify before
acting, involve the owner of the process, compare with the known-good configuration, and
contain only after checking what containment does to the process — pulling a cable can stop
a line or break a ring.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from netutils.mac import get_oui

from otrisk.configdiff import port_facts
from otrisk.configs import DeviceConfig, carried_vlans, vlan_text
from otrisk.impact import AssetImpact
from otrisk.models import AXES, Plant
from otrisk.showparse import ShowOutputs

if TYPE_CHECKING:  # pragma: no cover - typing only
    from otrisk.triage import Spot, Target, TriageAnswer

__all__ = ["incident_note", "mac_vendor", "next_steps", "port_context"]

_UPLINK_WORDS = re.compile(r"uplink|ring|trunk|core|distribution|dist|stack|backbone|to[-_ ]|po\d|port-?channel",
                           re.IGNORECASE)
_BRIDGE = re.compile(r"\b(B|R|S|Bridge|Router|Switch)\b", re.IGNORECASE)
_SHOWN = 5


def mac_vendor(mac: str) -> str | None:
    """Vendor of a MAC's OUI from netutils' offline IEEE table, None when unknown.

    >>> mac_vendor("00:1b:1b:00:00:01")
    'Siemens AG'
    """
    try:
        vendor = get_oui(mac)
    except (ValueError, KeyError, TypeError):
        return None
    return vendor.rstrip(", ").strip() or None


def _impact_text(effective: Mapping[str, int | None]) -> str:
    known = [f"{ax} {effective[ax]}" for ax in AXES if effective.get(ax) is not None]
    return ", ".join(known) if known else "impact not rated"


def _facts_text(facts: Mapping | None) -> str:
    if facts is None:
        return "absent"
    if facts.get("shutdown"):
        return "shut down"
    if facts.get("mode") == "trunk":
        return f"trunk {facts.get('trunk_vlans')} (native {facts.get('native_vlan')})"
    text = f"{facts.get('mode') or 'no mode'} VLAN {facts.get('access_vlan')}"
    return text + (f", voice {facts['voice_vlan']}" if facts.get("voice_vlan") else "")


def port_context(plant: Plant, target: Target, spots: Sequence[Spot], holders: Sequence, *,
                 on_port: Mapping[tuple[str, str], list[tuple[str, str | None]]],
                 configs: Mapping[str, DeviceConfig], baselines: Mapping[str, DeviceConfig],
                 shows: Sequence[ShowOutputs], impacts: Mapping[str, AssetImpact]
                 ) -> tuple[list[str], list[str], list[str]]:
    """What each spot's port carries, what identifies the device, and the baseline comparison.

    Returns
    -------
    (port facts, identification, baseline) : three lists of plain sentences
        Port facts say when a port is a trunk, described as an uplink/ring, has a switch,
        firewall or bridging LLDP/CDP neighbour behind it (isolating it cuts everything behind
        it), or has several MAC addresses learned (a hub or unmanaged switch behind it), and
        what stopping it stops (the known assets on it with their effective impact and
        dependents).
    """
    assets = {a.id: a for a in plant.assets}
    facts: list[str] = []
    ident: list[str] = []
    base: list[str] = []
    if target.mac:
        vendor = mac_vendor(target.mac)
        ident.append(f"MAC vendor prefix {target.mac[:8]}: {vendor}" if vendor
                     else f"MAC vendor prefix {target.mac[:8]} is not in the IEEE table (locally administered "
                          "or unregistered: often a virtual machine, a randomised MAC or a spoofed one)")
    for asset, zone, _ in holders:
        a = asset
        ident.append(f"{target.label()} belongs to known asset {a.id} ({a.name}, {a.type}"
                     + (f", {a.vendor}" if a.vendor else "") + (f" {a.model}" if a.model else "")
                     + (f", owner {a.owner}" if a.owner else "") + f") in zone {zone or 'none'}: confirm with "
                     "the owner that it is this device and that it was moved or replaced on purpose")
    for s in spots[:_SHOWN]:
        dev = configs.get(s.switch)
        port = dev.ports.get(s.port) if dev else None
        if port is not None:
            if port.description and _UPLINK_WORDS.search(port.description):
                facts.append(f"{s.label()} is described as {port.description!r}: probably an uplink or a ring port")
            if port.mode == "trunk" and carried_vlans(port):
                facts.append(f"{s.label()} is a trunk (VLANs {vlan_text(carried_vlans(port))}): isolating it can cut "
                             "every device and switch behind it")
        for asset_id, _ in on_port.get((s.switch, s.port), []):
            a = assets[asset_id]
            imp = impacts.get(asset_id)
            if a.type in ("switch", "firewall"):
                facts.append(f"{s.label()} connects {a.type} {a.id}: an uplink — isolating it cuts what is behind it")
            else:
                if target.kind == "port":
                    ident.append(f"the plant records {a.id} ({a.name}) on {s.label()}: check whether the new device "
                                 "replaced it, was plugged in in its place for service, or sits behind a small switch "
                                 "with it")
                dep = f" and {imp.blast_radius} dependent{'s' if imp.blast_radius != 1 else ''}" \
                    if imp and imp.blast_radius else ""
                facts.append(f"{s.label()} is the port of {a.id} ({a.name}; {_impact_text(imp.effective) if imp else 'not analysed'}): "
                             f"stopping the port stops it{dep}")
        for show in shows:
            if (show.switch or "").lower() != s.switch:
                continue
            for n in show.neighbors:
                if n.local_port != s.port:
                    continue
                what = ", ".join(x for x in (n.remote_port and f"port {n.remote_port}", n.description,
                                             n.management_ip and f"management {n.management_ip}") if x)
                ident.append(f"{n.protocol.upper()} neighbour on {s.label()}: {n.name}" + (f" ({what})" if what else ""))
                if n.capabilities and _BRIDGE.search(n.capabilities):
                    facts.append(f"{s.label()} has a bridging/routing neighbour ({n.name}, {n.capabilities}): an uplink")
            macs = sorted({e.mac for e in show.mac_entries if e.port == s.port and not e.static})
            if macs:
                named = [f"{m} ({mac_vendor(m) or 'unknown vendor'})" for m in macs[:_SHOWN]]
                more = f" and {len(macs) - _SHOWN} more" if len(macs) > _SHOWN else ""
                ident.append(f"MAC addresses learned on {s.label()}: {', '.join(named)}{more}")
                if len(macs) > 1:
                    facts.append(f"{len(macs)} MAC addresses are learned on {s.label()}: a hub, an unmanaged switch or "
                                 "a virtualisation host may sit behind it")
        if dev is None:
            base.append(f"no configuration of {s.switch} was given: fetch its running configuration and compare "
                        "it with the last backup")
        elif s.switch not in baselines:
            base.append(f"{dev.device} has no released baseline: compare {s.port} with the last known-good backup "
                        "and release a baseline once it is reviewed")
        else:
            before = port_facts(baselines[s.switch].ports.get(s.port))
            after = port_facts(port)
            if before == after:
                base.append(f"{s.label()} is unchanged since the released baseline ({_facts_text(after)})")
            else:
                base.append(f"{s.label()} CHANGED since the released baseline: {_facts_text(before)} → "
                            f"{_facts_text(after)}; find the change in the change log and who made it")
    return facts, ident, base


def next_steps(plant: Plant, answer: TriageAnswer) -> list[str]:
    """The safe next steps, in order: locate (when unresolved), identify, call, compare,
    isolate only after checking what the port carries and what stopping it does."""
    t = answer.target
    steps: list[str] = []
    if not answer.resolved and answer.located:
        steps.append(f"The port is known ({', '.join(answer.located[:3])}) but places the device in no zone: "
                     f"{'; '.join(answer.problems[:2])}. Check the port on the switch (show interfaces "
                     "switchport) and the zones' VLAN lists in the plant before acting on this answer")
    elif not answer.resolved:
        if t.kind == "ip":
            steps.append(f"Find where {t.ip} is plugged in: its MAC from the ARP table of the routing switch or "
                         f"firewall (show ip arp {t.ip}), then the port from the MAC table (show mac address-table "
                         "address <mac>); run the triage again with that port or with the MAC table")
        elif t.kind == "mac":
            steps.append(f"Find the port: run 'show mac address-table address {t.mac}' on the access switches "
                         "and give that output (MAC table) to the triage")
        else:
            steps.append(f"Check the switch name and port ({t.label()}); give the switch's configuration (stored "
                         "versions or a folder) or its 'show interfaces switchport' / MAC table output")
    ident = "; ".join(answer.identification[:3])
    steps.append("Identify the device before anyone touches the port: MAC vendor prefix, LLDP/CDP neighbour, "
                 "DHCP lease or ARP entry, and open work orders or contractor visits"
                 + (f" in zone {', '.join(answer.zones)}" if answer.zones else "")
                 + (f" — so far: {ident}" if ident else ""))
    zone_owners = [f"{d['owner']} (zone {d['id']})" for d in answer.zone_details if d["owner"]]
    if zone_owners:
        call = "Call the zone owner first: " + ", ".join(zone_owners)
    elif answer.zones:
        call = f"Zone {', '.join(answer.zones)} has no owner in the plant: call the OT security lead and the shift lead"
    else:
        call = "Call the OT security lead and the shift lead"
    rest = [o for o in answer.owners if o not in {d["owner"] for d in answer.zone_details}]
    if rest:
        call += f"; then the owners of the most critical systems in reach: {', '.join(rest[:_SHOWN])}"
    steps.append(call)
    if answer.safety_zones:
        steps.append(f"Safety zone {', '.join(answer.safety_zones)} is in reach: inform its owner and the shift lead "
                     "now; do not change anything in the safety system yourself")
    compare = "; ".join(answer.baseline[:3]) or "no switch configuration known for this device"
    steps.append(f"Compare the port with the configuration baseline and the change log: {compare}")
    carries = "; ".join(answer.port_facts[:4])
    steps.append("Isolate only after checking what the port carries (a ring or an uplink) and what stopping it "
                 "would do to the process" + (f" — {carries}" if carries else "")
                 + ". Prefer a reversible step agreed with the zone owner (shut the access port or move it to a "
                   "quarantine VLAN) over pulling a cable")
    return steps


def _zone_text(d: Mapping) -> str:
    sl = d["sl_target"] if d["sl_target"] is not None else "?"
    return f"{d['id']} ({d['kind']}, SL-T {sl}, owner {d['owner'] or 'none'})"


def incident_note(answer: TriageAnswer, *, site: str, when: dt.datetime | None = None) -> str:
    """Plain-text incident note of a triage answer, for a ticket, e-mail or shift log."""
    w = answer.worst_effective
    lines = [f"Incident note: unknown device — {site}" + (f" — {when:%Y-%m-%d %H:%M}" if when else ""),
             f"Target: {answer.target.label()}",
             f"Severity: {answer.severity.upper()} — {answer.severity_reason}",
             "Where: " + ("; ".join(f"{s.label()} ({s.how})" for s in answer.spots) or "no switch port known"),
             f"Zones: {', '.join(_zone_text(d) for d in answer.zone_details) or 'none found'}",
             f"How we know: {answer.source_text or 'not resolved'}",
             f"Conduits: {'; '.join(answer.conduit_texts) or 'none'}",
             "Can reach zones: " + (", ".join(answer.reachable_zones) or "none beyond its own" if answer.resolved
                                    else "unknown (no zone found)"),
             f"Systems in reach: {len(answer.reachable_assets)}; worst effective impact: "
             + ", ".join(f"{ax} {w[ax] if w[ax] is not None else '?'}" for ax in AXES),
             f"Safety zone in reach: {', '.join(answer.safety_zones) or 'no'}",
             f"Call: {', '.join(answer.owners) or 'no owner recorded'}"]
    if answer.findings:
        lines.append("Open findings on these zones: " + ", ".join(f.id for f in answer.findings[:10])
                     + (f" and {len(answer.findings) - 10} more" if len(answer.findings) > 10 else ""))
    for title, items in (("Port", answer.port_facts), ("Identification", answer.identification),
                         ("Baseline", answer.baseline), ("Problems", answer.problems)):
        lines += [f"{title}: {x}" for x in items]
    lines.append("Next steps:")
    lines += [f"{i}. {s}" for i, s in enumerate(answer.next_steps, 1)]
    # Names come from the plant file and may hold line breaks: one item stays one line.
    return "\n".join(" ".join(line.split()) if any(c in line for c in "\r\n\t\v\f") else line
                     for line in lines) + "\n"
