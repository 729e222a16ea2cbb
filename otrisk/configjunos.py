"""Junos switch configurations (brace or ``set`` syntax) read into :mod:`otrisk.configs` models.

Brace syntax is turned into ``set`` lines by following the braces (hier-config's Junos
driver goes by indentation and loses the parent path of files indented by one or two
spaces; a truncated file must fail, not lose its tail); the facts come from the ``set``
lines:

* ``set system host-name X``; ``set vlans NAME vlan-id N`` (``interface IF.0`` lists put a
  port in that VLAN as well; ``l3-interface vlan.N``/``irb.N`` makes an SVI);
* ``set interfaces IF unit 0 family ethernet-switching port-mode|interface-mode
  access|trunk``, ``vlan members …`` (names, ids, ranges, ``all``), ``native-vlan-id N``
  (under the family, or on the interface for ELS), ``disable``, ``description``,
  ``apply-groups`` (the profile); ``family inet address`` (routed) and ``filter input|output``.

Junos defaults differ from IOS and are kept: a trunk without members carries no VLAN, an
access port without members (or only named in a VLAN's interface list) is in that VLAN,
else VLAN 1 (``default``).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from otrisk.configs import (
    ConfigError,
    DeviceConfig,
    PortConfig,
    SviConfig,
    natural_key,
    parse_vlan_list,
)

__all__ = ["parse_junos"]


def _set_lines(text: str, file: str) -> list[str]:
    lines = [ln.split(" ## ")[0].strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln and not ln.startswith(("#", "/*", "*"))]
    if lines and all(ln.startswith(("set ", "delete ", "deactivate ")) for ln in lines):
        return [ln for ln in lines if ln.startswith("set ")]
    # Braces to set lines by the braces themselves: hier-config's Junos driver goes by
    # indentation and drops the parent path of a file indented by one or two spaces.
    out: list[str] = []
    stack: list[str] = []
    for number, line in enumerate(lines, 1):
        if line.endswith("{"):
            stack.append(line[:-1].strip())
        elif line == "}":
            if not stack:
                raise ConfigError(file, f"Junos braces do not balance: a '}}' without its '{{' (statement {number})")
            stack.pop()
        elif line.endswith(";"):
            out.append(" ".join(["set", *stack, line[:-1].strip()]))
        else:
            raise ConfigError(file, f"not Junos syntax: {line[:60]!r} ends in neither '{{', '}}' nor ';'")
    if stack:
        raise ConfigError(file, f"Junos braces do not balance: {' '.join(stack)!r} is never closed "
                                "(the file is truncated)")
    return out


def _words(line: str) -> list[str]:
    """Words of a ``set`` line; ``[ a b ]`` lists become plain words."""
    try:
        words = shlex.split(line.split(" ## ")[0].rstrip(";"))
    except ValueError:
        words = line.split()
    return [w for w in words if w not in ("[", "]")]


def parse_junos(text: str, file: str) -> DeviceConfig:
    """Read a Junos configuration; see the module docstring for what is taken."""
    hostname = None
    vlan_ids: dict[str, int] = {}
    vlan_ports: dict[str, list[str]] = {}
    l3: dict[str, str] = {}  # VLAN name -> "vlan.1"
    ifaces: dict[str, dict] = {}
    units: dict[str, dict] = {}  # "vlan.0" -> {"addresses": [], "filters": []}

    def iface(name: str) -> dict:
        return ifaces.setdefault(name, {"mode": None, "members": None, "native": None,
                                        "disable": False, "description": None,
                                        "profile": None, "addresses": [], "filters": [],
                                        "switching": False})

    for line in _set_lines(text, file):
        w = _words(line)[1:]
        if w[:2] == ["system", "host-name"] and len(w) > 2:
            hostname = w[2]
        elif w[0] == "vlans" and len(w) > 3:
            name, key, value = w[1], w[2], w[3]
            if key == "vlan-id" and value.isdigit():
                vlan_ids[name] = int(value)
            elif key == "interface":
                vlan_ports.setdefault(name, []).append(value.split(".")[0])
            elif key == "l3-interface":
                l3[name] = value
        elif w[0] == "interfaces" and len(w) > 2:
            name, rest = w[1], w[2:]
            if rest[0] == "unit" and len(rest) > 2:
                unit, rest = rest[1], rest[2:]
                if name in ("vlan", "irb") or unit != "0":
                    target = units.setdefault(f"{name}.{unit}", {"addresses": [], "filters": []})
                else:
                    target = iface(name)
                if rest[:2] == ["family", "inet"] and len(rest) > 3 and rest[2] == "address":
                    target["addresses"].append(rest[3])
                elif rest[:3] == ["family", "inet", "filter"] and len(rest) > 4:
                    target["filters"].append(f"{rest[4]} {'in' if rest[3] == 'input' else 'out'}")
                elif rest[:2] == ["family", "ethernet-switching"] and "mode" in target:
                    target["switching"] = True
                    sub = rest[2:]
                    if sub[:1] in (["port-mode"], ["interface-mode"]) and len(sub) > 1:
                        target["mode"] = sub[1]
                    elif sub[:2] == ["vlan", "members"] and len(sub) > 2:
                        target["members"] = (target["members"] or []) + sub[2:]
                    elif sub[:1] == ["native-vlan-id"] and len(sub) > 1:
                        target["native"] = sub[1]
            elif rest[0] == "disable":
                iface(name)["disable"] = True
            elif rest[0] == "description" and len(rest) > 1:
                iface(name)["description"] = rest[1]
            elif rest[0] == "native-vlan-id" and len(rest) > 1:
                iface(name)["native"] = rest[1]
            elif rest[0] == "apply-groups" and len(rest) > 1:
                iface(name)["profile"] = rest[1]
    if hostname is None and not ifaces:
        raise ConfigError(file, "no host-name and no interface found in this Junos configuration")

    def ids(members: list[str]) -> frozenset[int]:
        out: set[int] = set()
        for m in members:
            if m in vlan_ids:
                out.add(vlan_ids[m])
            else:
                try:
                    out |= parse_vlan_list(m)
                except ValueError:
                    raise ConfigError(file, f"VLAN member {m!r} is neither a VLAN name nor an id") from None
        return frozenset(out)

    listed: dict[str, set[int]] = {}
    for vname, plist in vlan_ports.items():
        for p in plist:
            if vname in vlan_ids:
                listed.setdefault(p, set()).add(vlan_ids[vname])
            iface(p)["switching"] = True
    ports: dict[str, PortConfig] = {}
    for name, f in ifaces.items():
        if name in ("vlan", "irb"):
            continue
        if f["switching"]:
            members = ids(f["members"] or [])
            if f["mode"] == "trunk":
                native = int(f["native"]) if f["native"] and f["native"].isdigit() else None
                ports[name] = PortConfig(name, "trunk", True, native_vlan=native,
                                         trunk_vlans=frozenset(members | listed.get(name, set())),
                                         shutdown=f["disable"], description=f["description"],
                                         profile=f["profile"])
            else:
                own = sorted(members) or sorted(listed.get(name, ())) or [1]
                ports[name] = PortConfig(name, "access", True, access_vlan=own[0],
                                         shutdown=f["disable"], description=f["description"],
                                         profile=f["profile"])
        else:
            ports[name] = PortConfig(name, "routed" if f["addresses"] else None, False,
                                     shutdown=f["disable"], description=f["description"],
                                     profile=f["profile"], ip_addresses=tuple(sorted(f["addresses"])),
                                     access_groups=tuple(sorted(f["filters"])))
    svis: dict[int, SviConfig] = {}
    for vname, unit in l3.items():
        if vname in vlan_ids:
            u = units.get(unit, {"addresses": [], "filters": []})
            svis[vlan_ids[vname]] = SviConfig(vlan_ids[vname], tuple(sorted(u["addresses"])),
                                              tuple(sorted(u["filters"])))
    # Two names for one id (Management and vlan1 are both 1 in real files): keep the first by name.
    vlans = {}
    for vname, vid in sorted(vlan_ids.items()):
        vlans.setdefault(vid, vname)
    return DeviceConfig(hostname or Path(file).stem, "junos", file, dict(sorted(vlans.items())),
                        bool(svis), dict(sorted(ports.items(), key=lambda kv: natural_key(kv[0]))), dict(sorted(svis.items())), None)
