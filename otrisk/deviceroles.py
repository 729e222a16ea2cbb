"""Device roles (Malcolm / NetBox, inventories, graph files) → otrisk asset types.

Contract
--------
:func:`role_to_asset_type` takes a role as people write it: a NetBox role's name
(``"Safety automation system"``) or slug (``"safety-automation-system"``), in any letter
case, with spaces, hyphens or underscores. It returns one value of
:class:`otrisk.models.AssetType` and the reason, in our words, so an import can show the
user why a row got its type. It never raises: a role it does not know is ``other``.

The table :data:`ROLE_TYPES` covers every one of the 72 roles that Malcolm preloads into
NetBox (``netbox/preload/device_roles.yml``, cisagov/Malcolm, Apache-2.0: only the role
names are used), plus the long forms of the abbreviations and our own type names. The
decisions, where otrisk has no matching type:

* network devices that forward traffic (access point, bridge, hub, repeater, router,
  switches) are ``switch``: infrastructure, not an endpoint of the process. A router
  is *not* a firewall unless it filters: change it to ``firewall`` when it enforces a
  conduit. An IPS sits inline and blocks, so it is a ``firewall``; an IDS, a network
  sensor and a SIEM only watch, so they are ``server``.
* an IED (protection relay, bay controller) and a CNC run control logic on the process:
  ``plc``. A DCS, BAS and BMS are supervisory systems: ``scada`` (model their controllers
  as ``plc``). A SCADA client is an operator station: ``hmi``.
* field devices without a network type (actuator, physical sensor) and building
  services (HVAC, lighting, access control), office devices and a generic workstation are
  ``other``: the user decides (a workstation that programs controllers is an ``ews``).
* a cloud server runs on a provider's infrastructure, outside the site: ``service``.

Examples
--------
>>> role_to_asset_type("PLC")[0], role_to_asset_type("switch-l3")[0], role_to_asset_type("Safety automation system")[0]
('plc', 'switch', 'sis')
>>> role_to_asset_type("coffee machine")
('other', "unknown role 'coffee machine': no matching asset type; set it by hand")
"""

from __future__ import annotations

import re

from otrisk.models import AssetType

__all__ = ["ROLE_ALIASES", "ROLE_TYPES", "normalize_role", "role_to_asset_type"]

_SERVER = "a server application or host"
_FORWARDS = "network infrastructure that forwards traffic (not an endpoint)"
_OFFICE = "office or building equipment; no matching asset type"

#: ``{normalized role: (asset type, reason)}``: every Malcolm/NetBox role by its slug.
ROLE_TYPES: dict[str, tuple[str, str]] = {
    "access point": ("switch", f"wireless access point: {_FORWARDS}"),
    "active directory": ("server", f"directory service: {_SERVER}"),
    "actuator": ("other", ("field device acting on the process; otrisk has no field-device type "
                          "(drive is for motor drives)")),
    "application server": ("server", _SERVER),
    "authentication server": ("server", _SERVER),
    "bas": ("scada", "building automation system: supervisory control of building services"),
    "bms": ("scada", "building management system: supervisory control of building services"),
    "bridge": ("switch", f"network bridge: {_FORWARDS}"),
    "camera": ("iiot", "networked camera: an IoT device"),
    "cloud server": ("service", "runs on a provider's infrastructure outside the site"),
    "cnc": ("plc", "computer numerical control: runs the control logic of a machine tool"),
    "collaboration server": ("server", _SERVER),
    "database server": ("server", _SERVER),
    "dcs": ("scada", "distributed control system: supervisory layer; model its controllers as plc"),
    "dhcp server": ("server", _SERVER),
    "dns server": ("server", _SERVER),
    "domain controller": ("server", _SERVER),
    "eacs": ("other", "electronic access control (physical security); no matching asset type"),
    "ews": ("ews", "engineering workstation"),
    "fax": ("other", _OFFICE),
    "file server": ("server", _SERVER),
    "firewall": ("firewall", "filters traffic between networks"),
    "gateway": ("other", ("gateway (protocol or network); no matching asset type: "
                         "use firewall when it enforces a conduit")),
    "gateway coupler": ("other", "protocol converter between fieldbuses; no matching asset type"),
    "historian": ("historian", "stores process values"),
    "hmi": ("hmi", "human-machine interface"),
    "hub": ("switch", f"network hub: {_FORWARDS}"),
    "hvac": ("other", ("building services (heating, ventilation, air conditioning); "
                      "use plc for its controller when it runs logic that matters to production")),
    "hypervisor": ("server", "hosts virtual machines"),
    "ids": ("server", "intrusion detection: watches traffic, does not block it (not a firewall)"),
    "ied": ("plc", ("intelligent electronic device (protection relay, bay controller): "
                   "runs control or protection logic like a PLC; otrisk has no IED type")),
    "iiot": ("iiot", "industrial IoT device"),
    "iot": ("iiot", "IoT device"),
    "ips": ("firewall", "intrusion prevention: sits inline and blocks traffic, like a firewall"),
    "kiosk": ("other", _OFFICE),
    "kvm": ("other", "keyboard/video/mouse switch: not a network switch"),
    "lighting": ("other", "lighting controls (building services); no matching asset type"),
    "load balancer": ("server", f"load balancer: {_SERVER}"),
    "mail server": ("server", _SERVER),
    "media server": ("server", _SERVER),
    "mes": ("server", "manufacturing execution system: a server application (Purdue level 3)"),
    "modem": ("other", "WAN or dial-in link; no matching asset type: put it in a remote_access zone"),
    "nas": ("server", "network storage: a server"),
    "network sensor": ("server", "passive network monitoring: watches traffic, does not block it"),
    "ntp server": ("server", _SERVER),
    "photocopier": ("other", _OFFICE),
    "physical sensor": ("other", "field device measuring the process; otrisk has no field-device type"),
    "plc": ("plc", "programmable logic controller"),
    "plm": ("server", "product lifecycle management: a server application"),
    "print server": ("server", _SERVER),
    "printer": ("other", _OFFICE),
    "proxy server": ("server", _SERVER),
    "real time communication server": ("server", _SERVER),
    "repeater": ("switch", f"network repeater: {_FORWARDS}"),
    "router": ("switch", f"router: {_FORWARDS}; use firewall when it filters and enforces a conduit"),
    "rtu": ("rtu", "remote terminal unit"),
    "safety automation system": ("sis", "safety automation: a safety instrumented system"),
    "scada": ("scada", "supervisory control and data acquisition"),
    "scada client": ("hmi", "operator client of the SCADA system: an HMI"),
    "scanner": ("other", _OFFICE),
    "server": ("server", _SERVER),
    "siem": ("server", "security event collection: a server application"),
    "switch l2": ("switch", "layer 2 switch"),
    "switch l3": ("switch", "layer 3 switch"),
    "switch": ("switch", "network switch"),
    "telephony": ("other", _OFFICE),
    "vcs": ("server", "version control system: a server application"),
    "vfd": ("drive", "variable frequency drive"),
    "vm server": ("server", "hosts virtual machines"),
    "vpn server": ("server", "remote-access endpoint: a server; put it in a remote_access zone"),
    "web server": ("server", _SERVER),
    "workstation": ("other", "office or operator PC; use ews when it programs controllers"),
}

#: Other spellings of a role: ``{normalized spelling: key of ROLE_TYPES}``.
ROLE_ALIASES: dict[str, str] = {
    "virtual machine server": "vm server",
    "programmable logic controller": "plc",
    "remote terminal unit": "rtu",
    "intelligent electronic device": "ied",
    "human machine interface": "hmi",
    "engineering workstation": "ews",
    "engineering station": "ews",
    "distributed control system": "dcs",
    "supervisory control and data acquisition": "scada",
    "variable frequency drive": "vfd",
    "safety instrumented system": "safety automation system",
    "industrial internet of things": "iiot",
    "internet of things": "iot",
    "intrusion detection system": "ids",
    "intrusion prevention system": "ips",
    "manufacturing execution system": "mes",
    "data historian": "historian",
    "building automation": "bas",
    "building management": "bms",
    "electronic access control": "eacs",
}
_TYPES = {t.value for t in AssetType}
_SEPARATORS = re.compile(r"[\s_\-/]+")


def normalize_role(text: str) -> str:
    """A role as a lookup key: lower case, runs of spaces, ``-``, ``_`` and ``/`` as one space.

    >>> normalize_role("  Switch_L2 "), normalize_role("real-time-communication-server")
    ('switch l2', 'real time communication server')
    """
    return _SEPARATORS.sub(" ", text.strip().lower()).strip()


def role_to_asset_type(role_name_or_slug: str) -> tuple[str, str]:
    """The asset type for a device role, and why.

    Parameters
    ----------
    role_name_or_slug : str
        A role name or slug (NetBox/Malcolm), a long form (``"Programmable logic
        controller"``) or one of our own type names (``"drive"``); letter case, spaces,
        ``-`` and ``_`` do not matter.

    Returns
    -------
    (str, str)
        A value of :class:`~otrisk.models.AssetType` and a short reason in our words.
        An unknown or empty role gives ``("other", "unknown role …")``.

    Examples
    --------
    >>> role_to_asset_type("Switch L2")
    ('switch', 'layer 2 switch')
    >>> role_to_asset_type("vm-server") == role_to_asset_type("Virtual Machine Server")
    True
    >>> role_to_asset_type("Drive")
    ('drive', 'otrisk asset type drive')
    """
    key = normalize_role(role_name_or_slug) if isinstance(role_name_or_slug, str) else ""
    key = ROLE_ALIASES.get(key, key)
    if key in ROLE_TYPES:
        return ROLE_TYPES[key]
    if key in _TYPES:
        return key, f"otrisk asset type {key}"
    if not key:
        return "other", "no role given"
    return "other", f"unknown role {role_name_or_slug.strip()!r}: no matching asset type; set it by hand"

