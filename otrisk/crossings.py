"""Zone pairs that can talk through the switches, and the findings of a configuration diff.

Contract (DESIGN.md, "Zone pairs that can talk through a switch"):

* **Attachment.** An asset's ``switch_port`` (zone: the asset's zone) and each interface's
  ``switch_port`` (zone: the interface's zone, else the asset's) is ``"SW:PORT"``, split at the
  first colon; ``SW`` matches a device id case-insensitively, ``PORT`` is normalized with
  :func:`otrisk.configs.port_name` (``Gi1/0/4`` = ``GigabitEthernet1/0/4``). Text without a
  colon, an unknown device or an unknown port attaches nothing.
* **VLAN → zones** from ``zone.vlans``. A port carries :func:`otrisk.configs.carried_vlans`
  (nothing when shut down or not a switchport).
* **Rules.** (i) an asset of zone A attached to a port carrying a VLAN of zone B ≠ A (switches
  and firewalls excepted, as in (ii): an uplink trunk to the next switch, or a firewall leg,
  carries other zones' VLANs by design);
  (ii) a port carrying VLANs of two zones with at least one attached asset whose type is not
  switch or firewall (ports with no attached asset are ignored: uplinks and trunks between
  switches); (iii) a device with ``ip_routing`` and two different layer-3 interfaces with IP
  addresses, not shut down and without an access group, one in zone A and one in zone B. An
  SVI ``VlanN`` is in the zones of VLAN N; a routed port is in the zones of its attached
  assets and of the zones whose ``subnets`` hold one of its addresses.
* **Findings.** Every pair that can talk in the current configuration but not in the
  baseline is one ``switch-zone-crossing@a->b`` finding (zones sorted, ``a < b``) with
  ``"conduit": {"id", "status"}`` (an approved conduit between the two zones: the new path
  ``bypasses_approved`` it; else an unapproved one: it ``matches_unapproved``; else
  ``none``; the lowest id when several) and ``"via"``: the evidence items of the pair.
* **Change windows.** ``change-window@<device>`` (no zones; assets: those attached to the
  device) when a current device's stated change time (``changed_at``, UTC), converted to the
  site time zone with :mod:`zoneinfo` (daylight saving from the tz database), lies outside
  every ``site.change_windows`` entry. Checked only when the site has change windows, the
  time is known, and it differs from the baseline's time for the same device (an unchanged
  stamp is no change in this diff). A window ``Day[-Day] HH:MM-HH:MM`` includes its start
  minute and excludes its end; ``Fri-Mon`` wraps the week; an end at or before the start
  (``Sat 22:00-06:00``) runs into the next day.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from otrisk.configdiff import diff_devices
from otrisk.configs import (
    DeviceConfig,
    carried_vlans,
    load_configs,
    natural_key,
    port_name,
)
from otrisk.findings import NO_IMPACT, Finding, Rule, worst_of
from otrisk.models import Plant

__all__ = ["CHANGE_WINDOW", "ZONE_CROSSING", "config_diff", "crossing_findings", "in_change_window",
           "zone_pairs"]

ZONE_CROSSING = Rule(
    "switch-zone-crossing", "New path between zones through a switch",
    "A switch port, trunk or routed VLAN interface now lets two zones talk directly. Such a path goes "
    "around the conduit's boundary devices (or realises a conduit nobody approved), so the firewall "
    "rules and monitoring the zone model relies on no longer see that traffic.",
    ("IEC 62443-3-2 ZCR 3.3", "IEC 62443-3-3 SR 5.1", "IEC 62443-3-3 SR 5.2"),
    "Put the port back into a VLAN of its own zone, remove the other zone's VLAN from the trunk, or add "
    "an access list to the routed interfaces; if the path is wanted, route it through the conduit's "
    "boundary device and approve the conduit.")

CHANGE_WINDOW = Rule(
    "change-window", "Switch configuration changed outside the change windows",
    "A configuration change made outside the agreed maintenance windows was not planned with operations; "
    "it may be an emergency fix, a mistake or someone who should not be on the device.",
    ("IEC 62443-2-1 CM 1", "IEC 62443-3-3 SR 7.6"),
    "Find the change ticket for this change; if there is none, review the change with the device owner "
    "and check who logged in at that time.")

_NOT_ENDPOINTS = frozenset({"switch", "firewall"})
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WINDOW = re.compile(r"^(\w{3})(?:-(\w{3}))? (\d\d):(\d\d)-(\d\d):(\d\d)$")

Pair = tuple[str, str]


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def _attachments(plant: Plant, devices: Mapping[str, DeviceConfig]) -> dict[tuple[str, str], list[tuple[str, str | None, str]]]:
    """``{(device key, full port name): [(asset id, zone, asset type)]}`` of ports that exist."""
    out: dict[tuple[str, str], list[tuple[str, str | None, str]]] = defaultdict(list)
    for asset in plant.assets:
        spots = [(asset.switch_port, asset.zone)] + [(i.switch_port, i.zone or asset.zone) for i in asset.interfaces]
        for text, zone in spots:
            if not text or ":" not in text:
                continue
            dev, _, port = text.partition(":")
            key = dev.strip().lower()
            if key not in devices or not port.strip():
                continue
            name = port_name(port)
            if name not in devices[key].ports:
                continue
            entry = (asset.id, zone, asset.type)
            if entry not in out[(key, name)]:
                out[(key, name)].append(entry)
    return out


def _vlan_zones(plant: Plant) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for zone in plant.zones:
        for v in zone.vlans:
            out[v].add(zone.id)
    return out


def _subnet_zones(plant: Plant, addresses: tuple[str, ...]) -> set[str]:
    out = set()
    for text in addresses:
        try:
            ip = ipaddress.ip_interface(text).ip
        except ValueError:
            continue
        for zone in plant.zones:
            for net in zone.subnets:
                try:
                    if ip in ipaddress.ip_network(net, strict=False):
                        out.add(zone.id)
                except ValueError:
                    continue
    return out


def zone_pairs(plant: Plant, devices: Mapping[str, DeviceConfig]) -> dict[Pair, list[dict]]:
    """The zone pairs that can talk through the switches, each with its evidence.

    Parameters
    ----------
    plant : Plant
    devices : mapping
        ``{device key: DeviceConfig}`` as :func:`otrisk.configs.load_configs` returns.

    Returns
    -------
    dict
        ``{(a, b): [{"rule": "i" | "ii" | "iii", "device", "ports": [...], "assets": [...]}]}``,
        ``a < b``, pairs sorted, evidence sorted by rule, device, ports; ``assets`` are the
        attached assets that make the evidence (empty for rule iii on SVIs).

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> from otrisk.configs import parse_config
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: Demo}
    ... zones:
    ...   - {id: cell, name: Cell, kind: control, vlans: [10]}
    ...   - {id: office, name: Office, kind: enterprise, vlans: [20]}
    ... assets:
    ...   - {id: plc, name: PLC, type: plc, zone: cell, switch_port: "sw1:Gi1/0/4"}
    ... ''')
    >>> sw = parse_config("hostname SW1\\ninterface GigabitEthernet1/0/4\\n switchport access vlan 20\\n", name="sw1")
    >>> zone_pairs(p, {sw.key: sw})
    {('cell', 'office'): [{'rule': 'i', 'device': 'SW1', 'ports': ['GigabitEthernet1/0/4'], 'assets': ['plc']}]}
    """
    vlan_zones = _vlan_zones(plant)
    attached = _attachments(plant, devices)
    found: dict[Pair, dict[tuple, dict]] = defaultdict(dict)

    def add(pair: Pair, rule: str, device: str, ports: list[str], assets: list[str]) -> None:
        key = (rule, device, tuple(ports))
        item = found[pair].setdefault(key, {"rule": rule, "device": device, "ports": ports, "assets": []})
        item["assets"] = sorted(set(item["assets"]) | set(assets))

    for key, dev in devices.items():
        for name, port in dev.ports.items():
            zones_here = set().union(*(vlan_zones.get(v, set()) for v in carried_vlans(port)))
            if not zones_here:
                continue
            here = attached.get((key, name), [])
            # (i) an asset of zone A on a port carrying a VLAN of zone B
            for asset_id, zone, type_ in here:
                if zone is None or type_ in _NOT_ENDPOINTS:
                    continue
                for other in zones_here - {zone}:
                    add(_pair(zone, other), "i", dev.device, [name], [asset_id])
            # (ii) a port carrying VLANs of two zones, with an end device on it
            endpoints = [a for a, _z, t in here if t not in _NOT_ENDPOINTS]
            if endpoints and len(zones_here) > 1:
                ordered = sorted(zones_here)
                for i, a in enumerate(ordered):
                    for b in ordered[i + 1:]:
                        add((a, b), "ii", dev.device, [name], [x for x, _z, _t in here])
        # (iii) routing between layer-3 interfaces of two zones, neither with an access list
        if not dev.ip_routing:
            continue
        l3: list[tuple[str, set[str]]] = []
        for vid, svi in dev.svis.items():
            if svi.ip_addresses and not svi.shutdown and not svi.access_groups and vlan_zones.get(vid):
                l3.append((f"Vlan{vid}", set(vlan_zones[vid])))
        for name, port in dev.ports.items():
            if port.mode == "routed" and port.ip_addresses and not port.shutdown and not port.access_groups:
                zones = {z for _a, z, _t in attached.get((key, name), []) if z} | _subnet_zones(plant, port.ip_addresses)
                if zones:
                    l3.append((name, zones))
        for i, (name_a, zones_a) in enumerate(l3):
            for name_b, zones_b in l3[i + 1:]:
                for za in zones_a:
                    for zb in zones_b:
                        if za != zb:
                            ports = sorted([name_a, name_b], key=natural_key)
                            assets = [x for n in ports for x, z, _t in attached.get((key, n), [])]
                            add(_pair(za, zb), "iii", dev.device, ports, assets)
    return {pair: sorted(items.values(), key=lambda e: (e["rule"], e["device"].lower(),
                                                        [natural_key(p) for p in e["ports"]]))
            for pair, items in sorted(found.items())}


def _window_minutes(window: str) -> tuple[set[int], int, int]:
    m = _WINDOW.match(window)
    if not m:
        raise ValueError(f"not a change window: {window!r}")
    first, last, h1, m1, h2, m2 = m.groups()
    start_day = _DAYS.index(first)
    end_day = _DAYS.index(last) if last else start_day
    days = {(start_day + k) % 7 for k in range((end_day - start_day) % 7 + 1)}
    return days, int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)


def in_change_window(local: datetime, windows: list[str]) -> bool:
    """Whether a local time lies in one of the change windows (start included, end excluded).

    Examples
    --------
    >>> in_change_window(datetime(2026, 7, 4, 7, 30), ["Sat 06:00-14:00"])  # a Saturday
    True
    >>> in_change_window(datetime(2026, 7, 4, 14, 0), ["Sat 06:00-14:00"])
    False
    >>> in_change_window(datetime(2026, 7, 7, 23, 0), ["Mon-Fri 22:00-24:00"])  # a Tuesday
    True
    >>> in_change_window(datetime(2026, 7, 5, 3, 0), ["Sat 22:00-06:00"])  # Sunday morning
    True
    """
    day, minute = local.weekday(), local.hour * 60 + local.minute
    for window in windows:
        days, start, end = _window_minutes(window)
        if start < end:
            if day in days and start <= minute < end:
                return True
        elif (day in days and minute >= start) or ((day - 1) % 7 in days and minute < end):
            return True
    return False


def _subject(device: DeviceConfig) -> str:
    text = re.sub(r"[^a-z0-9._-]+", "-", device.key).strip("-._")
    return text or "device"


def _conduit(plant: Plant, a: str, b: str) -> dict[str, Any]:
    between = sorted((c for c in plant.conduits if set(c.zones) == {a, b}), key=lambda c: c.id)
    approved = [c for c in between if c.approved]
    if approved:
        return {"id": approved[0].id, "status": "bypasses_approved"}
    if between:
        return {"id": between[0].id, "status": "matches_unapproved"}
    return {"id": None, "status": "none"}


def _evidence_text(item: dict) -> str:
    assets = f" ({', '.join(item['assets'])})" if item["assets"] else ""
    return f"{item['device']} {' + '.join(item['ports'])}{assets} [rule {item['rule']}]"


def crossing_findings(plant: Plant, baseline_devices: Mapping[str, DeviceConfig],
                      current_devices: Mapping[str, DeviceConfig], *,
                      impacts: Mapping[str, Any] | None = None) -> list[Finding]:
    """Findings of a configuration change: new zone pairs and changes outside the windows.

    Parameters
    ----------
    plant : Plant
    baseline_devices, current_devices : mapping
        ``{device key: DeviceConfig}`` before and after.
    impacts : mapping, optional
        ``{asset id: AssetImpact}``; default :func:`otrisk.impact.analyze_plant`.

    Returns
    -------
    list[Finding]
        Worst first (:meth:`Finding.severity`), ids unique.
    """
    if impacts is None:
        from otrisk.impact import analyze_plant

        impacts = {i.asset: i for i in analyze_plant(plant)}
    before = zone_pairs(plant, baseline_devices)
    now = zone_pairs(plant, current_devices)
    findings: list[Finding] = []
    for (a, b), via in now.items():
        if (a, b) in before:
            continue
        assets = sorted({x.id for x in plant.assets
                         if x.zone in (a, b) or any(i.zone in (a, b) for i in x.interfaces)})
        conduit = _conduit(plant, a, b)
        situation = {
            "bypasses_approved": f"bypasses the approved conduit {conduit['id']} and its boundary devices",
            "matches_unapproved": f"realises the unapproved conduit {conduit['id']}",
            "none": "no conduit between these zones exists",
        }[conduit["status"]]
        message = (f"Zones {a} and {b} can now talk through {'; '.join(_evidence_text(e) for e in via)}; "
                   f"{situation}.")
        findings.append(Finding(f"{ZONE_CROSSING.id}@{a}->{b}", ZONE_CROSSING, f"{a}->{b}", (a, b), assets,
                                worst_of(impacts, assets), message, {"conduit": conduit, "via": via}))
    windows = list(plant.site.change_windows)
    if windows:
        tz = ZoneInfo(plant.site.timezone)
        attached = _attachments(plant, current_devices)
        for key, dev in current_devices.items():
            if dev.changed_at is None:
                continue
            old = baseline_devices.get(key)
            if old is not None and old.changed_at == dev.changed_at:
                continue
            local = dev.changed_at.astimezone(tz)
            if in_change_window(local.replace(tzinfo=None), windows):
                continue
            assets = sorted({a for (k, _p), items in attached.items() if k == key for a, _z, _t in items})
            message = (f"{dev.device} was last changed at {local:%a %Y-%m-%d %H:%M} {plant.site.timezone} "
                       f"({dev.changed_at:%H:%M} UTC), outside the change windows {', '.join(windows)}.")
            subject = _subject(dev)
            findings.append(Finding(f"{CHANGE_WINDOW.id}@{subject}", CHANGE_WINDOW, subject, (), assets,
                                    worst_of(impacts, assets) if assets else dict(NO_IMPACT), message,
                                    {"device": dev.device, "changed_at": dev.changed_at.isoformat(),
                                     "changed_at_local": local.isoformat(), "timezone": plant.site.timezone,
                                     "change_windows": windows}))
    unique = {f.id: f for f in findings}
    return sorted(unique.values(), key=Finding.severity)


def _empty_like(dev: DeviceConfig) -> DeviceConfig:
    return DeviceConfig(device=dev.device, platform=dev.platform, file=dev.file)


def config_diff(plant: Plant, baseline_path: str | Path, current_path: str | Path) -> dict[str, Any]:
    """``otrisk config-diff --json``: changed ports, other changes, new zone pairs, findings.

    A device only in the baseline (or only in the current configuration) is diffed against an
    empty configuration of the same device: all its switchports are changed ports with
    ``after`` (``before``) None, and its VLANs, SVIs and routing are other changes.

    Raises
    ------
    otrisk.configs.ConfigError
        A file that cannot be read, naming it.
    """
    baseline = load_configs(baseline_path)
    current = load_configs(current_path)
    changed: list[dict] = []
    other: list[dict] = []
    for key in sorted(set(baseline) | set(current)):
        old, new = baseline.get(key), current.get(key)
        ports, rest = diff_devices(old if old is not None else _empty_like(new),
                                   new if new is not None else _empty_like(old))
        changed += ports
        other += rest
    before_pairs = zone_pairs(plant, baseline)
    new_pairs = [list(p) for p in zone_pairs(plant, current) if p not in before_pairs]
    findings = crossing_findings(plant, baseline, current)
    return {"changed_ports": changed, "other_changes": other, "new_zone_pairs": sorted(new_pairs),
            "findings": [f.to_json() for f in findings]}
