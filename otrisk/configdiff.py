"""Semantic diff of two configurations of one switch.

Contract: the diff compares the *extracted* models of :mod:`otrisk.configs`, never lines,
so re-ordering and re-spelling (``Gi1/0/7`` vs ``GigabitEthernet1/0/7``, ``allowed vlan
add 50`` vs the full list) is no change. A **changed port** (DESIGN.md) is a switchport
(in either version) whose mode, access, voice or native VLAN, trunk VLANs, profile or
shutdown state changed; a port only in one version is changed with ``before`` or
``after`` None. Everything else that matters for zone pairs is an *other change*: VLANs
added, removed or renamed, SVIs added, removed or changed (addresses, access groups,
shutdown), ``ip routing`` switched, and routed interfaces changed (addresses, access
groups, shutdown). Descriptions, MTU and the like are not reported. Results are sorted.
"""

from __future__ import annotations

from otrisk.configs import DeviceConfig, PortConfig, SviConfig, natural_key, vlan_text

__all__ = ["diff_devices", "port_facts"]


def port_facts(port: PortConfig | None) -> dict | None:
    """The facts of a switchport a changed-port entry shows (JSON-ready), None for none.

    Examples
    --------
    >>> from otrisk.configs import PortConfig, ALL_VLANS
    >>> port_facts(PortConfig("Gi1/0/1", mode="trunk", switchport=True, native_vlan=1, trunk_vlans=ALL_VLANS))["trunk_vlans"]
    '1-4094'
    """
    if port is None:
        return None
    return {
        "mode": port.mode,
        "access_vlan": port.access_vlan,
        "voice_vlan": port.voice_vlan,
        "native_vlan": port.native_vlan,
        "trunk_vlans": vlan_text(port.trunk_vlans) if port.mode == "trunk" else None,
        "profile": port.profile,
        "shutdown": port.shutdown,
    }


def _change(device: str, kind: str, subject: str, text: str) -> dict:
    return {"device": device, "kind": kind, "subject": subject, "text": text}


def _l3_changes(device: str, label: str, kind: str, before, after) -> list[dict]:
    """Address, access-group and shutdown changes of an SVI or a routed interface."""
    out = []
    if before.ip_addresses != after.ip_addresses:
        out.append(_change(device, f"{kind}_addresses", label,
                           f"{label}: addresses {', '.join(before.ip_addresses) or 'none'} → "
                           f"{', '.join(after.ip_addresses) or 'none'}"))
    if before.access_groups != after.access_groups:
        out.append(_change(device, f"{kind}_access_groups", label,
                           f"{label}: access groups {', '.join(before.access_groups) or 'none'} → "
                           f"{', '.join(after.access_groups) or 'none'}"))
    if before.shutdown != after.shutdown:
        state = "shut down" if after.shutdown else "enabled (no shutdown)"
        out.append(_change(device, f"{kind}_shutdown", label, f"{label}: {state}"))
    return out


def diff_devices(before: DeviceConfig, after: DeviceConfig) -> tuple[list[dict], list[dict]]:
    """Changed ports and other changes between two configurations of one switch.

    Parameters
    ----------
    before, after : DeviceConfig
        The baseline and the current configuration; the device id of ``after`` names
        the entries.

    Returns
    -------
    (changed_ports, other_changes)
        ``changed_ports``: ``{"device", "port", "before", "after"}`` sorted by port
        (natural order); ``before``/``after`` are :func:`port_facts`.
        ``other_changes``: ``{"device", "kind", "subject", "text"}`` sorted by kind then
        subject. Kinds: ``vlan_added``, ``vlan_removed``, ``vlan_renamed``, ``svi_added``,
        ``svi_removed``, ``svi_addresses``, ``svi_access_groups``, ``svi_shutdown``,
        ``ip_routing``, ``routed_added``, ``routed_removed``, ``routed_addresses``,
        ``routed_access_groups``, ``routed_shutdown``.

    Examples
    --------
    >>> from otrisk.configs import parse_config
    >>> a = parse_config("hostname S\\ninterface Gi1/0/7\\n switchport access vlan 10\\n", name="a")
    >>> b = parse_config("hostname S\\ninterface GigabitEthernet1/0/7\\n switchport access vlan 20\\n", name="b")
    >>> ports, other = diff_devices(a, b)
    >>> ports[0]["port"], ports[0]["before"]["access_vlan"], ports[0]["after"]["access_vlan"], other
    ('GigabitEthernet1/0/7', 10, 20, [])
    """
    device = after.device
    changed: list[dict] = []
    other: list[dict] = []
    for name in sorted(set(before.ports) | set(after.ports), key=natural_key):
        old, new = before.ports.get(name), after.ports.get(name)
        if (old is not None and old.switchport) or (new is not None and new.switchport):
            old_facts = port_facts(old if old is None or old.switchport else None)
            new_facts = port_facts(new if new is None or new.switchport else None)
            if old_facts != new_facts:
                changed.append({"device": device, "port": name, "before": old_facts, "after": new_facts})
            continue
        old_routed = old if old is not None and old.mode == "routed" else None
        new_routed = new if new is not None and new.mode == "routed" else None
        if old_routed and new_routed:
            other += _l3_changes(device, name, "routed", old_routed, new_routed)
        elif new_routed:
            other.append(_change(device, "routed_added", name,
                                 f"{name}: routed interface added ({', '.join(new_routed.ip_addresses) or 'no address'})"))
        elif old_routed:
            other.append(_change(device, "routed_removed", name, f"{name}: routed interface removed"))
    for vid in sorted(set(before.vlans) | set(after.vlans)):
        label = f"VLAN {vid}"
        if vid not in before.vlans:
            other.append(_change(device, "vlan_added", label, f"{label} added ({after.vlans[vid] or 'no name'})"))
        elif vid not in after.vlans:
            other.append(_change(device, "vlan_removed", label, f"{label} removed ({before.vlans[vid] or 'no name'})"))
        elif before.vlans[vid] != after.vlans[vid]:
            other.append(_change(device, "vlan_renamed", label,
                                 f"{label} renamed {before.vlans[vid] or 'no name'} → {after.vlans[vid] or 'no name'}"))
    for vid in sorted(set(before.svis) | set(after.svis)):
        label = f"Vlan{vid}"
        old_svi: SviConfig | None = before.svis.get(vid)
        new_svi: SviConfig | None = after.svis.get(vid)
        if old_svi is None:
            other.append(_change(device, "svi_added", label,
                                 f"{label}: SVI added ({', '.join(new_svi.ip_addresses) or 'no address'})"))
        elif new_svi is None:
            other.append(_change(device, "svi_removed", label, f"{label}: SVI removed"))
        else:
            other += _l3_changes(device, label, "svi", old_svi, new_svi)
    if before.ip_routing != after.ip_routing:
        other.append(_change(device, "ip_routing", "ip routing",
                             "ip routing " + ("enabled" if after.ip_routing else "disabled")))
    other.sort(key=lambda c: (c["kind"], natural_key(c["subject"]), c["text"]))
    return changed, other
