"""Cisco IOS/IOS-XE and NX-OS configurations read into :mod:`otrisk.configs` models.

hier-config builds the tree (any indentation width, banners); we walk every line under
each ``interface`` ourselves, since its typed view ignores ``allowed vlan add/remove``,
voice VLANs and access lists. Lines of an inherited profile (IOS ``source template X``,
NX-OS ``inherit port-profile X``) apply first and the interface's own lines override them.

Read as: ``switchport`` (or any ``switchport …`` line) makes a switchport; without
``switchport mode`` it is an access port (``dynamic …`` and ``dot1q-tunnel`` count as
access, ``fex-fabric`` as trunk); ``no switchport`` or an ``ip address`` makes it routed; on
IOS an Ethernet port with none of these lines is a Catalyst default port (access, VLAN 1)
unless some interface of the file has a bare ``switchport`` line (then ports are routed by
default, as on a Catalyst 6500);
a VLAN id that is not a number 1..4094 is an error naming the line;
``shutdown`` only when written (NX-OS platform defaults are not modelled).
"""

from __future__ import annotations

import re
from ipaddress import IPv4Interface
from pathlib import Path

from hier_config import Platform, get_hconfig
from hier_config.exceptions import DuplicateChildError

from otrisk.configs import (
    ALL_VLANS,
    ConfigError,
    DeviceConfig,
    PortConfig,
    SviConfig,
    changed_at,
    natural_key,
    parse_vlan_list,
    port_name,
)

__all__ = ["parse_cisco"]


def _ip(words: list[str]) -> str | None:
    """``ip address A M`` or ``ip address A/L`` → ``A/L``."""
    try:
        if len(words) >= 2 and not words[1].startswith(("secondary", "tag")) and "/" not in words[0]:
            return str(IPv4Interface(f"{words[0]}/{words[1]}"))
        return str(IPv4Interface(words[0]))
    except ValueError:
        return None


def _descendants(node) -> list[str]:
    return [c.text for c in node.all_children()]


def _cisco_interface(name: str, lines: list[str], platform: str, default_l2: bool = False) -> PortConfig | SviConfig:
    switchport = no_switchport = shutdown = False
    mode = None
    access = voice = native = None
    allowed: frozenset[int] | None = None
    description = profile = None
    addresses: list[str] = []
    groups: list[str] = []
    for line in lines:
        w = line.split()
        low = [x.lower() for x in w]
        if low == ["switchport"]:
            switchport = True
        elif low == ["no", "switchport"]:
            no_switchport = True
        elif low == ["shutdown"]:
            shutdown = True
        elif low == ["no", "shutdown"]:
            shutdown = False
        elif low[0] == "description":
            description = line.split(None, 1)[1] if len(w) > 1 else None
        elif low[:2] in (["source", "template"], ["inherit", "port-profile"]) and len(w) > 2:
            profile = w[2]
        elif low[:2] == ["ip", "address"] and len(w) > 2:
            if (ip := _ip(w[2:])) is not None:
                addresses.append(ip)
        elif low[:2] in (["ip", "access-group"], ["ip", "port"], ["mac", "access-group"]):
            rest = w[3:] if low[:3] == ["ip", "port", "access-group"] else w[2:]
            if rest:
                groups.append(" ".join(rest))
        elif low[0] == "switchport" and len(w) > 1:
            switchport = True
            if low[1] == "mode" and len(w) > 2:
                mode = {"trunk": "trunk", "fex-fabric": "trunk"}.get(low[2], "access")
            elif low[1:3] == ["access", "vlan"] and len(w) > 3:
                access = _vlan_id(w[3], line)
            elif low[1:3] == ["voice", "vlan"] and len(w) > 3:
                voice = _voice_vlan(w[3], line)
            elif low[1:4] == ["trunk", "native", "vlan"] and len(w) > 4:
                native = None if low[4] == "tag" else _vlan_id(w[4], line)
            elif low[1:4] == ["trunk", "allowed", "vlan"] and len(w) > 4:
                allowed = _allowed(allowed, low[4:], line)
    match = re.fullmatch(r"vlan(\d+)", name.lower())
    if match:
        return SviConfig(int(match.group(1)), tuple(sorted(addresses)), tuple(sorted(groups)),
                         shutdown, description)
    name = port_name(name)
    if switchport and not no_switchport:
        mode = mode or "access"  # a switchport without a mode line is read as access
        is_trunk = mode == "trunk"
        return PortConfig(
            name, mode, True,
            access_vlan=None if is_trunk else (access or 1),
            voice_vlan=voice,
            native_vlan=(native or 1) if is_trunk else None,
            trunk_vlans=(ALL_VLANS if allowed is None else allowed) if is_trunk else frozenset(),
            shutdown=shutdown, description=description, profile=profile,
        )
    if default_l2 and not no_switchport and not addresses and name.startswith(_ETHERNET):
        # A Catalyst Ethernet port with no switchport line is a layer-2 port in its default
        # state (dynamic auto: an access port in VLAN 1 towards a host), not a dead one.
        return PortConfig(name, "access", True, access_vlan=1, shutdown=shutdown, description=description,
                          profile=profile)
    return PortConfig(
        name, "routed" if addresses or no_switchport else None, False, shutdown=shutdown,
        description=description, profile=profile, ip_addresses=tuple(sorted(addresses)),
        access_groups=tuple(sorted(groups)),
    )


_ETHERNET = ("Ethernet", "FastEthernet", "GigabitEthernet", "TwoGigabitEthernet", "FiveGigabitEthernet",
             "TenGigabitEthernet", "TwentyFiveGigE", "FortyGigabitEthernet", "HundredGigE")


def _vlan_id(word: str, line: str) -> int:
    if not word.isdigit() or not 1 <= int(word) <= 4094:
        raise ValueError(f"{line.strip()!r}: {word!r} is not a VLAN id 1..4094")
    return int(word)


def _voice_vlan(word: str, line: str) -> int | None:
    # "switchport voice vlan dot1p|none|untagged" carry no voice VLAN of their own
    return None if word.lower() in ("dot1p", "none", "untagged") else _vlan_id(word, line)


def _allowed(current: frozenset[int] | None, words: list[str], line: str) -> frozenset[int]:
    base = ALL_VLANS if current is None else current
    try:
        if words[0] == "add" and len(words) > 1:
            return base | parse_vlan_list(words[1])
        if words[0] == "remove" and len(words) > 1:
            return base - parse_vlan_list(words[1])
        if words[0] == "except" and len(words) > 1:
            return ALL_VLANS - parse_vlan_list(words[1])
        return parse_vlan_list(words[0])
    except ValueError as exc:
        raise ValueError(f"{line!r}: {exc}") from None


def parse_cisco(text: str, platform: str, file: str) -> DeviceConfig:
    try:
        tree = get_hconfig(Platform.CISCO_NXOS if platform == "nxos" else Platform.CISCO_IOS, text)
    except DuplicateChildError as exc:
        raise ConfigError(file, f"not a configuration hier-config can read ({exc})") from None
    hostname = None
    vlans: dict[int, str | None] = {}
    profiles: dict[str, list[str]] = {}
    interfaces: list[tuple[str, list[str]]] = []
    ip_routing = False
    for node in tree.children:
        w = node.text.split()
        if not w:
            continue
        if w[0] == "hostname" and len(w) > 1:
            # hier-config may lower-case the hostname; take it as written.
            hostname = re.search(r"^\s*hostname\s+(\S+)", text, re.MULTILINE | re.IGNORECASE).group(1)
        elif w[0] == "vlan" and len(w) > 1:
            names = [c.text.split(None, 1)[1].strip() for c in node.children
                     if c.text.startswith("name ") and len(c.text.split()) > 1]
            try:
                ids = parse_vlan_list(w[1])
            except ValueError:
                continue  # "vlan configuration …", "vlan access-map …"
            for vid in ids:
                vlans[vid] = names[0] if names and len(ids) == 1 else None
        elif w[0] == "interface" and len(w) > 1:
            interfaces.append(("".join(w[1:]), _descendants(node)))
        elif (w[0] == "port-profile" or w[0] == "template") and len(w) > 1:
            profiles[w[-1]] = _descendants(node)
        elif w[:2] == ["ip", "routing"] and platform == "ios" or w[:2] == ["feature", "interface-vlan"] and platform == "nxos":
            ip_routing = True
    if hostname is None and not interfaces:
        raise ConfigError(file, f"no hostname and no interface found in this {platform} configuration")
    ports: dict[str, PortConfig] = {}
    svis: dict[int, SviConfig] = {}
    # A bare "switchport" line is only written where ports are routed by default (Catalyst
    # 6500-style); without one anywhere, the switch is a Catalyst access switch whose
    # unconfigured Ethernet ports are layer-2 ports in VLAN 1.
    default_l2 = platform == "ios" and not any(
        ln.strip().lower() == "switchport" for _, lines in interfaces for ln in lines)
    for name, lines in interfaces:
        profile = next((ln.split()[2] for ln in lines
                        if ln.lower().startswith(("source template ", "inherit port-profile "))), None)
        # The profile's lines apply first; the interface's own lines override them.
        merged = profiles.get(profile, []) + lines if profile else lines
        try:
            item = _cisco_interface(name, merged, platform, default_l2)
        except ValueError as exc:
            raise ConfigError(file, f"interface {name}: {exc}") from None
        if isinstance(item, SviConfig):
            svis[item.vlan] = item
        else:
            ports[item.name] = item
    return DeviceConfig(hostname or Path(file).stem, platform, file, dict(sorted(vlans.items())),
                        ip_routing, dict(sorted(ports.items(), key=lambda kv: natural_key(kv[0]))), dict(sorted(svis.items())),
                        changed_at(text))
