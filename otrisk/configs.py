"""Switch configurations (Cisco IOS/IOS-XE, NX-OS, Junos) read into per-port facts.

Contract: :func:`parse_config` turns one saved configuration into a :class:`DeviceConfig`
whose ports are keyed by their full interface name (``Gi1/0/4`` and
``GigabitEthernet1/0/4`` are the same port) and whose facts are the *effective* values in
the port's mode, with the IOS defaults of DESIGN.md applied: an access port without a
VLAN line is in VLAN 1, a trunk without an allowed list carries VLANs 1-4094 and has
native VLAN 1. Two configs that mean the same but are spelled or ordered differently give
equal models, which is what :mod:`otrisk.configdiff` compares.

Readers per platform: :mod:`otrisk.configcisco` (IOS/IOS-XE, NX-OS; hier-config builds the
tree, we walk it because its typed interface view ignores ``allowed vlan add/remove``,
voice VLANs and access lists) and :mod:`otrisk.configjunos` (brace or ``set`` syntax). This
module holds the models, the platform detection, CRLF and one-space-indented stanza
header normalization, and :func:`load_configs`.

A file that cannot be read as a configuration (binary, empty, unbalanced Junos braces, no
hostname and no interface) raises :class:`otrisk.errors.OtriskError` naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from netutils.constants import BASE_INTERFACES
from netutils.interface import canonical_interface_name

from otrisk.errors import OtriskError

__all__ = [
    "ALL_VLANS",
    "ConfigError",
    "DeviceConfig",
    "PortConfig",
    "SviConfig",
    "carried_vlans",
    "changed_at",
    "load_configs",
    "natural_key",
    "parse_config",
    "parse_vlan_list",
    "port_name",
    "vlan_text",
]

ALL_VLANS = frozenset(range(1, 4095))
CONFIG_MAX_BYTES = 20_000_000
_TOP_LEVEL = ("interface ", "hostname ", "vlan ", "router ", "line ", "ip access-list ",
              "port-profile ", "template ", "feature ", "banner ")


class ConfigError(OtriskError):
    """A switch configuration could not be read; ``file`` names it."""

    def __init__(self, file: str, message: str):
        self.file = file
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True, repr=False)
class PortConfig:
    """One switch port (or routed interface) as configured.

    ``mode`` is "access", "trunk", "routed" or None (neither switchport nor address).
    VLAN fields hold the effective values in that mode: ``access_vlan`` only on access
    ports (default 1), ``native_vlan`` and ``trunk_vlans`` only on trunks (defaults 1 and
    1-4094); elsewhere None / empty.
    """

    name: str
    mode: str | None = None
    switchport: bool = False
    access_vlan: int | None = None
    voice_vlan: int | None = None
    native_vlan: int | None = None
    trunk_vlans: frozenset[int] = frozenset()
    shutdown: bool = False
    description: str | None = None
    profile: str | None = None
    ip_addresses: tuple[str, ...] = ()
    access_groups: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # 4,094 trunk VLANs as "1-4094", so a failing assertion stays readable.
        fields = {k: v for k, v in vars(self).items() if v not in (None, (), frozenset(), False)}
        if "trunk_vlans" in fields:
            fields["trunk_vlans"] = vlan_text(self.trunk_vlans)
        return "PortConfig(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


@dataclass(frozen=True)
class SviConfig:
    """A VLAN interface (``interface Vlan10``, Junos ``l3-interface vlan.10``/``irb.10``)."""

    vlan: int
    ip_addresses: tuple[str, ...] = ()
    access_groups: tuple[str, ...] = ()
    shutdown: bool = False
    description: str | None = None


@dataclass(frozen=True)
class DeviceConfig:
    """One switch: its id (hostname, else file stem), VLANs, ports and SVIs.

    ``ip_routing``: IOS only when ``ip routing`` is written (the Catalyst default is off;
    a 6500 that routes by default without the line is read as not routing). NX-OS when
    ``feature interface-vlan`` is on (NX-OS then routes between SVIs by default). Junos
    when a VLAN has an ``l3-interface``.
    """

    device: str
    platform: str
    file: str
    vlans: dict[int, str | None] = field(default_factory=dict)
    ip_routing: bool = False
    ports: dict[str, PortConfig] = field(default_factory=dict)
    svis: dict[int, SviConfig] = field(default_factory=dict)
    changed_at: datetime | None = None

    @property
    def key(self) -> str:
        """The device id compared case-insensitively."""
        return self.device.lower()


def parse_vlan_list(text: str) -> frozenset[int]:
    """VLAN ids of a list such as ``10-12,20``; ``all`` is 1-4094, ``none`` is empty.

    Examples
    --------
    >>> sorted(parse_vlan_list("10-12,20"))
    [10, 11, 12, 20]
    >>> len(parse_vlan_list("all")), parse_vlan_list("none")
    (4094, frozenset())
    >>> parse_vlan_list("10-")
    Traceback (most recent call last):
    ...
    ValueError: not a VLAN list: '10-'
    """
    text = text.strip().lower()
    if text == "all":
        return ALL_VLANS
    if text in ("none", ""):
        return frozenset()
    out: set[int] = set()
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"not a VLAN list: {text!r}")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 4094:
            raise ValueError(f"not a VLAN list: {text!r} (VLAN ids are 1..4094, a range goes upwards)")
        out.update(range(first, last + 1))
    return frozenset(out)


def vlan_text(vlans: frozenset[int] | set[int]) -> str:
    """Compact text of a VLAN set, the inverse of :func:`parse_vlan_list`.

    Examples
    --------
    >>> vlan_text({20, 10, 11, 12}), vlan_text(set()), vlan_text(ALL_VLANS)
    ('10-12,20', 'none', '1-4094')
    """
    if not vlans:
        return "none"
    ids = sorted(vlans)
    runs: list[str] = []
    start = prev = ids[0]
    for v in ids[1:] + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ",".join(runs)


def _full_names() -> dict[str, str]:
    """netutils' interface names and abbreviations, lower-cased, where that is unambiguous."""
    seen: dict[str, set[str]] = {}
    for short, full in BASE_INTERFACES.items():
        seen.setdefault(short.lower(), set()).add(full)
        seen.setdefault(full.lower(), set()).add(full)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


_FULL_NAMES = _full_names()
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z-]*?)(\d.*)$")


@lru_cache(maxsize=65536)
def port_name(name: str) -> str:
    """Full interface name: ``Gi1/0/4`` → ``GigabitEthernet1/0/4`` (netutils), in any letter case.

    netutils knows the usual spellings (``Gi``, ``gi``, ``Gig``, ``GigabitEthernet``); an
    all-lower or all-upper spelling it leaves alone (``gigabitethernet1/0/4``, ``GI1/0/4``) is
    looked up case-insensitively in its table of names.

    Examples
    --------
    >>> port_name("Gi1/0/4"), port_name("po50"), port_name("ge-0/0/1")
    ('GigabitEthernet1/0/4', 'Port-channel50', 'ge-0/0/1')
    >>> port_name("gigabitethernet1/0/4"), port_name("GI1/0/4"), port_name("fastethernet0/1")
    ('GigabitEthernet1/0/4', 'GigabitEthernet1/0/4', 'FastEthernet0/1')
    """
    text = name.strip()
    full = canonical_interface_name(text)
    if full != text:
        return full
    m = _PREFIX.match(text)
    if m and m.group(1).lower() in _FULL_NAMES:
        return _FULL_NAMES[m.group(1).lower()] + m.group(2)
    return full


def natural_key(name: str) -> tuple:
    """Sort key putting ``Gi1/0/2`` before ``Gi1/0/10``.

    Examples
    --------
    >>> sorted(["Ethernet2/10", "Ethernet2/2"], key=natural_key)
    ['Ethernet2/2', 'Ethernet2/10']
    """
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name) if p)


def carried_vlans(port: PortConfig) -> frozenset[int]:
    """VLANs a port carries: none when shut down or not a switchport.

    Examples
    --------
    >>> sorted(carried_vlans(PortConfig("Gi1/0/1", mode="access", switchport=True, access_vlan=10, voice_vlan=20)))
    [10, 20]
    >>> carried_vlans(PortConfig("Gi1/0/1", mode="access", switchport=True, access_vlan=10, shutdown=True))
    frozenset()
    """
    if port.shutdown or not port.switchport:
        return frozenset()
    if port.mode == "trunk":
        return port.trunk_vlans
    if port.mode == "access":
        return frozenset(v for v in (port.access_vlan, port.voice_vlan) if v is not None)
    return frozenset()


# ---------------------------------------------------------------- reading text


def _decode(data: bytes, file: str) -> str:
    if b"\x00" in data:
        raise ConfigError(file, "is a binary file, not a switch configuration")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Banners and descriptions in Latin-1 are common in saved configs.
        return data.decode("latin-1")


def _normalize(text: str) -> str:
    """CRLF to LF; stanza headers indented by one space moved to column 0."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        if line.startswith(" ") and not line.startswith("  ") and line[1:].startswith(_TOP_LEVEL):
            line = line[1:]
        lines.append(line.rstrip())
    return "\n".join(lines)


def _detect_platform(text: str) -> str:
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith(("#", "!"))]
    if lines and sum(ln.startswith("set ") for ln in lines) * 2 > len(lines):
        return "junos"
    if any(ln.rstrip().endswith("{") for ln in lines[:50]) and not any(
        ln.startswith(("interface ", "hostname ")) for ln in lines
    ):
        return "junos"
    if re.search(r"^(feature |interface Ethernet\d+/\d+|version \d+\.\d+\(\d|port-profile )", text, re.MULTILINE):
        return "nxos"
    return "ios"


_CHANGE_RE = re.compile(
    r"^! Last configuration change at (\d\d:\d\d:\d\d)(?:\.\d+)? (\S+) \w{3} (\w{3}) +(\d+) (\d{4})", re.MULTILINE
)


def changed_at(text: str) -> datetime | None:
    """The IOS ``! Last configuration change at …`` time in UTC.

    Only UTC/GMT stamps and stamps in the zone of ``clock timezone NAME OFFSET`` are
    converted; any other zone name is ambiguous (CST, IST …) and gives None.
    """
    m = _CHANGE_RE.search(text)
    if not m:
        return None
    clock, zone, month, day, year = m.groups()
    offset = None
    if zone.upper() in ("UTC", "GMT"):
        offset = timedelta(0)
    else:
        tz = re.search(rf"^clock timezone {re.escape(zone)} (-?\d+)(?: (\d+))?", text, re.MULTILINE)
        if tz:
            hours = int(tz.group(1))
            minutes = int(tz.group(2) or 0) * (-1 if hours < 0 else 1)
            offset = timedelta(hours=hours, minutes=minutes)
    if offset is None:
        return None
    local = datetime.strptime(f"{year} {month} {day} {clock}", "%Y %b %d %H:%M:%S")
    return (local - offset).replace(tzinfo=UTC)


def parse_config(text: str, *, name: str) -> DeviceConfig:
    """Read one saved switch configuration.

    Parameters
    ----------
    text : str
        The configuration as saved (CRLF and one-space-indented stanza headers are fine).
    name : str
        The file name; names errors, and its stem is the device id when there is no
        hostname.

    Returns
    -------
    DeviceConfig

    Raises
    ------
    ConfigError
        The text is empty, binary, truncated or not a configuration we can read.

    Examples
    --------
    >>> dev = parse_config("hostname SW1\\ninterface Gi1/0/4\\n switchport mode access\\n", name="sw1.cfg")
    >>> dev.device, dev.platform, dev.ports["GigabitEthernet1/0/4"].access_vlan
    ('SW1', 'ios', 1)
    """
    if "\x00" in text:
        raise ConfigError(name, "is a binary file, not a switch configuration")
    text = _normalize(text)
    if not text.strip():
        raise ConfigError(name, "is empty")
    platform = _detect_platform(text)
    # The platform readers import this module's models, hence the late imports.
    if platform == "junos":
        from otrisk.configjunos import parse_junos

        return parse_junos(text, name)
    from otrisk.configcisco import parse_cisco

    return parse_cisco(text, platform, name)


def load_configs(path: str | Path) -> dict[str, DeviceConfig]:
    """Every configuration in a file or a folder (one file per device), keyed by ``key``.

    Hidden files are skipped. Two files with the same device id (case-insensitively) are
    an error naming both.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise ConfigError(str(path), "folder holds no configuration files")
    elif path.is_file():
        files = [path]
    else:
        raise ConfigError(str(path), "no such file or folder")
    out: dict[str, DeviceConfig] = {}
    for file in files:
        if file.stat().st_size > CONFIG_MAX_BYTES:
            raise ConfigError(str(file), f"is larger than {CONFIG_MAX_BYTES} bytes")
        dev = parse_config(_decode(file.read_bytes(), str(file)), name=str(file))
        if dev.key in out:
            raise ConfigError(str(file), f"device {dev.device!r} is also configured in {out[dev.key].file}")
        out[dev.key] = dev
    return dict(sorted(out.items()))
