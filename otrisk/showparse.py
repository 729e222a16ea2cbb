"""Cisco IOS show outputs pasted during an incident, read into MAC, port and neighbour facts.

Contract: :func:`parse_show_outputs` takes what an engineer pastes from one switch (``show
mac address-table`` or the old ``show mac-address-table``, ``show interfaces switchport``,
``show lldp neighbors detail``, ``show cdp neighbors detail``), alone or several in a session
log where each follows a prompt such as ``SW-FILL-01#sh mac add`` (commands matched word by
word by prefix, as IOS does). Without a prompt the output is recognised by its headers.
Tables are parsed by the ntc-templates TextFSM templates, never by regexes of our own; each
template is found once through the ntc-templates index and run by ``textfsm.TextFSM`` itself
(its ``clitable`` layer deep-copies every row: about 13 s instead of 4 s for a MAC table of
100,000 rows).

- Ports are full names (:func:`otrisk.configs.port_name`). A MAC row is kept on a real
  interface only: netutils ``split_interface`` finds a number and the type is one netutils
  knows (``Gi``, ``Vlan``, ``Wlan-GigabitEthernet`` …) or the number is a ``/`` path; so
  ``CPU``, ``Switch``, ``Router``, ``Drop``, ``sup-eth1`` are dropped. A row with several
  ports gives an entry per real port; repeated entries (one table per engine) count once.
- Unicast rows only: the templates end at a ``Multicast Entries`` heading.
- An LLDP neighbour without system name is named by its chassis id; ``remote_port`` is the
  Port id (as napalm), else the Port Description; no ``Local Intf:`` gives ``local_port ""``.
  CDP ``description`` is the platform, else the version line.
- Sections of other commands, or answered by an IOS ``%`` message, are skipped.

Bytes with a byte order mark are UTF-16 (Windows PowerShell ``>``, Notepad "Unicode") or
UTF-8; without one UTF-8, else Latin-1. A NUL character after decoding means binary data.

Errors: :class:`ShowOutputError` names the source and, where there is one, the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from netutils.constants import BASE_INTERFACES
from netutils.interface import split_interface

from otrisk.configs import natural_key, parse_vlan_list, port_name, vlan_text
from otrisk.showtext import (
    SHOW_OUTPUT_MAX_BYTES,
    ShowOutputError,
    decode_text,
    parse_rows,
)

__all__ = [
    "SHOW_OUTPUT_MAX_BYTES", "MacEntry", "Neighbor", "ShowOutputError", "ShowOutputs",
    "SwitchportFacts", "load_show_outputs", "normalize_mac", "parse_show_outputs",
]

_UNDERSTOOD = ("understood are: show mac address-table (or show mac-address-table), "
               "show interfaces switchport, show lldp neighbors detail, show cdp neighbors detail")
# "?" is one optional word (an interface), "*" any trailing words (filters such as "vlan 10").
_COMMANDS = (
    ("mac address-table", ("mac", "address-table", "*")),
    ("mac address-table", ("mac-address-table", "*")),
    ("interfaces switchport", ("interfaces", "?", "switchport")),
    ("lldp neighbors detail", ("lldp", "neighbors", "?", "detail")),
    ("cdp neighbors detail", ("cdp", "neighbors", "?", "detail")),
)
# Headers that tell an output without prompt apart, in the order they are tried.
_SIGNATURES = (
    ("mac address-table", re.compile(
        r"(?im)mac address table|^\s*vlan\s+mac\s+address|^destination\s+address\s+address\s+type")),
    ("interfaces switchport", re.compile(r"(?m)^Name:\s*\S+\s*\n\s*Switchport:")),
    ("lldp neighbors detail", re.compile(r"(?m)^(Chassis id|Local Intf):")),
    ("cdp neighbors detail", re.compile(r"(?m)^Device ID:")),
)
_PROMPT = re.compile(r"([A-Za-z0-9][\w.\-]{0,62})(?:\([\w\-]+\))?[#>][ \t]*(.*)")
_MAC = re.compile(r"[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}"
                  r"|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12}", re.IGNORECASE)
_TYPES = {name.lower() for pair in BASE_INTERFACES.items() for name in pair}


@dataclass(frozen=True)
class MacEntry:
    """One MAC table row on one real port.

    Attributes
    ----------
    mac : str
        ``"aa:bb:cc:dd:ee:ff"``.
    vlan : int | None
        None when the VLAN column holds no number (a 4500 prints ``Te5/1`` there).
    port : str
        Full interface name, e.g. ``"GigabitEthernet1/0/4"``.
    static : bool
        Any type but ``dynamic`` (``STATIC``, ``Self`` …).
    """

    mac: str
    vlan: int | None
    port: str
    static: bool


@dataclass(frozen=True, repr=False)
class SwitchportFacts:
    """One port of ``show interfaces switchport``, VLANs as printed whatever the mode.

    Attributes
    ----------
    port : str
        Full interface name.
    mode : str | None
        "access" or "trunk" (operational mode, else administrative when that is "down");
        None for anything else (``dynamic auto`` on a down port, private VLAN …).
    access_vlan, native_vlan, voice_vlan : int | None
        None when printed as ``none``/``unassigned`` or absent.
    trunk_vlans : frozenset[int]
        ``Trunking VLANs Enabled`` expanded; ``ALL`` is 1-4094, ``NONE`` empty.
    """

    port: str
    mode: str | None
    access_vlan: int | None
    native_vlan: int | None
    voice_vlan: int | None
    trunk_vlans: frozenset[int]

    def __repr__(self) -> str:
        # 4,094 trunk VLANs as "1-4094", so a failing assertion stays readable.
        return (f"SwitchportFacts({self.port!r}, mode={self.mode!r}, access={self.access_vlan}, "
                f"native={self.native_vlan}, voice={self.voice_vlan}, "
                f"trunk={vlan_text(self.trunk_vlans)!r})")


@dataclass(frozen=True)
class Neighbor:
    """An LLDP or CDP neighbour.

    Attributes
    ----------
    local_port : str
        Full name of our port; "" when the output prints no ``Local Intf:``.
    name : str
        System name (LLDP, else its chassis id) or CDP device id.
    remote_port : str | None
        LLDP Port id (else Port Description), CDP ``Port ID (outgoing port)``; as printed.
    description, capabilities, management_ip : str | None
        LLDP system description / CDP platform; enabled capabilities; first IPv4 address.
    protocol : str
        "lldp" or "cdp".
    """

    local_port: str
    name: str
    remote_port: str | None
    description: str | None
    capabilities: str | None
    management_ip: str | None
    protocol: str


@dataclass(frozen=True)
class ShowOutputs:
    """Everything read from one paste of one switch.

    Attributes
    ----------
    switch : str | None
        Hostname of the prompt lines, else the caller's ``switch``, else None.
    mac_entries : tuple[MacEntry, ...]
        Sorted by (port in natural order, VLAN, MAC); duplicates once.
    switchports : dict[str, SwitchportFacts]
        By full port name, in natural port order.
    neighbors : tuple[Neighbor, ...]
        Sorted by (local port, protocol, name, remote port).
    commands : tuple[str, ...]
        Recognised outputs in order of first appearance, e.g. ``("mac address-table",)``.
    """

    switch: str | None
    mac_entries: tuple[MacEntry, ...]
    switchports: dict[str, SwitchportFacts]
    neighbors: tuple[Neighbor, ...]
    commands: tuple[str, ...]


def normalize_mac(text: str) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` from the colon, dash, Cisco dot or bare hex form; else None.

    Examples
    --------
    >>> normalize_mac("0018.B974.528F"), normalize_mac("00-18-b9-74-52-8f")
    ('00:18:b9:74:52:8f', '00:18:b9:74:52:8f')
    >>> normalize_mac("00:18-b9:74:52:8f") is None, normalize_mac("Fa0/16") is None
    (True, True)
    """
    text = text.strip()
    if not _MAC.fullmatch(text):
        return None
    digits = re.sub(r"[^0-9a-f]", "", text.lower())
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def _command(text: str) -> str | None:
    """The output a typed command produces (``sh int gi1/0/1 sw`` → "interfaces switchport")."""
    words = text.split("|")[0].lower().split()
    if not words or len(words[0]) < 2 or not "show".startswith(words[0]):
        return None
    for key, pattern in _COMMANDS:
        if _words_match(words[1:], pattern):
            return key
    return None


def _words_match(words: list[str], pattern: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return True
    if head == "?":
        return _words_match(words, rest) or (bool(words) and _words_match(words[1:], rest))
    return bool(words) and head.startswith(words[0]) and _words_match(words[1:], rest)


def _is_port(name: str) -> bool:
    kind, number = split_interface(name)
    return bool(number) and ("/" in number or kind.lower() in _TYPES)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _sections(lines: list[str], source: str) -> tuple[str | None, list[tuple[str, int, list[str]]]]:
    """Hostname of the prompts and (command, first line number, lines) per recognised output."""
    host, cuts = None, []
    for number, line in enumerate(lines, 1):
        m = _PROMPT.fullmatch(line)
        if not m:
            continue
        if host is not None and m[1].lower() != host.lower():
            raise ShowOutputError(source, f"a second switch {m[1]!r} after {host!r}: "
                                  "paste the outputs of one switch at a time", number)
        host = host or m[1]
        cuts.append((number, _command(m[2])))
    parts = _detected(lines[:cuts[0][0] - 1] if cuts else lines)
    parts += [(key, start + 1, lines[start:end - 1])
              for (start, key), (end, _) in zip(cuts, cuts[1:] + [(len(lines) + 1, None)])]
    out = []
    for key, start, body in parts:
        first = next((s.strip() for s in body if s.strip()), "")
        if key and not first.startswith("%"):
            out.append((key, start, body))
    return host, out


def _detected(lines: list[str]) -> list[tuple[str, int, list[str]]]:
    """The output before any prompt, recognised by its headers (none when blank or unknown)."""
    text = "\n".join(lines)
    found = next((key for key, sig in _SIGNATURES if sig.search(text)), None)
    return [(found, 1, lines)] if found else []


def _mac_entries(rows: list[dict]) -> set[MacEntry]:
    out = set()
    # A table of 100,000 rows names a few hundred ports: each is looked at once.
    ports: dict[str, str | None] = {}
    for row in rows:
        mac = normalize_mac(row["destination_address"])
        static = row["type"].lower() != "dynamic"
        for port in row["destination_port"]:
            if port not in ports:
                ports[port] = port_name(port) if _is_port(port) else None
            if mac and ports[port]:
                out.add(MacEntry(mac, _int(row["vlan_id"]), ports[port], static))
    return out


def _switchport(row: dict, source: str, line: int) -> SwitchportFacts:
    mode = row["mode"] if row["mode"] and row["mode"] != "down" else row["admin_mode"]
    mode = "access" if "access" in mode else "trunk" if "trunk" in mode else None
    try:
        trunk = parse_vlan_list(",".join(row["trunking_vlans"]))
    except ValueError as err:
        raise ShowOutputError(source, f"port {row['interface']}: {err}", line) from err
    return SwitchportFacts(port_name(row["interface"]), mode, _int(row["access_vlan"]),
                           _int(row["native_vlan"]), _int(row["voice_vlan"]), trunk)


def _neighbor(row: dict, protocol: str) -> Neighbor:
    local = row["local_interface"].strip()
    if protocol == "lldp":
        name, remote = row["neighbor_name"] or row["chassis_id"], row["neighbor_port_id"]
        description = row["neighbor_description"]
    else:
        name, remote = row["neighbor_name"], ""
        description = row["platform"].strip() or row["neighbor_description"]
    return Neighbor(port_name(local) if local else "", name.strip(),
                    (remote or row["neighbor_interface"]).strip() or None,
                    description.strip() or None, row["capabilities"].strip() or None,
                    row["mgmt_address"] or None, protocol)


def parse_show_outputs(text: str | bytes, *, source: str = "<pasted>",
                       switch: str | None = None) -> ShowOutputs:
    """Read pasted IOS show outputs of one switch.

    Parameters
    ----------
    text : str | bytes
        One output, or a session log with prompt lines. Bytes with a byte order mark are read
        as UTF-16 LE/BE or UTF-8, without one as UTF-8, else Latin-1. CRLF, tabs and trailing
        spaces are fine. At most ``SHOW_OUTPUT_MAX_BYTES`` long (bytes, or characters of a str).
    source : str
        Name used in error messages (a file name, ``"<pasted>"``).
    switch : str | None
        The switch's name when no prompt line gives it.

    Returns
    -------
    ShowOutputs
        ``switch`` from the prompts, else the argument; entries sorted as documented there.

    Raises
    ------
    ShowOutputError
        Empty, binary (a NUL character once decoded) or too large; a UTF-16 byte order mark
        on bytes that are not UTF-16; nothing recognised; two hostnames in the prompts; a
        recognised output with a line its template does not accept.

    Examples
    --------
    >>> out = parse_show_outputs("SW1#sh mac add\\nVlan    Mac Address       Type        Ports\\n"
    ...                          "----    -----------       --------    -----\\n"
    ...                          "  10    0018.b974.528f    DYNAMIC     Gi1/0/4\\n"
    ...                          "All    ffff.ffff.ffff    STATIC      CPU\\n")
    >>> out.switch, out.commands, out.mac_entries
    ('SW1', ('mac address-table',), (MacEntry(mac='00:18:b9:74:52:8f', vlan=10, port='GigabitEthernet1/0/4', static=False),))
    """
    text = decode_text(text, source)
    lines = [s.expandtabs().rstrip() for s in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if not any(lines):
        raise ShowOutputError(source, f"empty: paste the output of a show command; {_UNDERSTOOD}")
    host, sections = _sections(lines, source)
    if not sections:
        raise ShowOutputError(source, f"no show output recognised; {_UNDERSTOOD}")
    macs: set[MacEntry] = set()
    ports: dict[str, SwitchportFacts] = {}
    neighbors: list[Neighbor] = []
    for key, start, body in sections:
        rows = parse_rows(key, start, body, source)
        if key == "mac address-table":
            macs |= _mac_entries(rows)
        elif key == "interfaces switchport":
            for row in rows:
                facts = _switchport(row, source, start)
                ports[facts.port] = facts
        else:
            neighbors += [_neighbor(row, key.split()[0]) for row in rows]
    port_keys = {port: natural_key(port) for port in {e.port for e in macs}}
    return ShowOutputs(
        switch=host or switch,
        mac_entries=tuple(sorted(macs, key=lambda e: (port_keys[e.port], e.vlan or 0, e.mac))),
        switchports=dict(sorted(ports.items(), key=lambda kv: natural_key(kv[0]))),
        neighbors=tuple(sorted(neighbors, key=lambda n: (natural_key(n.local_port), n.protocol,
                                                         n.name, n.remote_port or ""))),
        commands=tuple(dict.fromkeys(key for key, _, _ in sections)),
    )


def load_show_outputs(path: str | Path, *, switch: str | None = None) -> ShowOutputs:
    """Read a saved session log or show output file (see :func:`parse_show_outputs`).

    Parameters
    ----------
    path : str | Path
        The file; its name is the ``source`` in error messages.
    switch : str | None
        The switch's name when no prompt line gives it.

    Returns
    -------
    ShowOutputs

    Raises
    ------
    ShowOutputError
        The file is missing or unreadable, over ``SHOW_OUTPUT_MAX_BYTES`` bytes, binary, or
        not show output (as :func:`parse_show_outputs`).
    """
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(SHOW_OUTPUT_MAX_BYTES + 1)
    except OSError as err:
        raise ShowOutputError(source, f"cannot be read ({err.strerror or err})") from err
    return parse_show_outputs(data, source=source, switch=switch)
