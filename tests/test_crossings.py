"""Zone pairs through switches and the findings of a configuration diff (otrisk.crossings)."""

from __future__ import annotations

import pytest

from otrisk.configs import load_configs
from otrisk.crossings import (
    config_diff,
    crossing_findings,
    in_change_window,
    zone_pairs,
)
from otrisk.plantfile import loads_plant

PLANT = """format: otrisk/v1
site: {{name: T, timezone: Europe/Berlin{windows}}}
zones:
  - {{id: cell, name: Cell, kind: control, vlans: [10], subnets: ["10.10.0.0/24"]}}
  - {{id: office, name: Office, kind: enterprise, vlans: [20], subnets: ["10.20.0.0/24"]}}
conduits:
{conduits}
assets:
  - {{id: plc, name: PLC, type: plc, zone: cell, switch_port: "sw1:Gi1/0/1", impact: {{production: 4, safety: 2}}}}
  - {{id: pc, name: PC, type: other, zone: office, switch_port: "SW1:GigabitEthernet1/0/2", impact: {{production: 1}}}}
  - {{id: hmi, name: Roaming HMI, type: hmi, switch_port: "sw1:Gi1/0/4"}}
  - {{id: sw2, name: Next switch, type: switch, zone: cell, switch_port: "sw1:Gi1/0/5"}}
  - {{id: ews, name: EWS, type: ews, zone: office, interfaces: [{{zone: cell, switch_port: "sw1:Gi1/0/6"}}]}}
"""

CONDUITS = {
    "approved": "  - {id: c-ok, zones: [office, cell], approved: true}\n"
                "  - {id: c-zz, zones: [cell, office], approved: false}",
    "unapproved": "  - {id: c-bad, zones: [cell, office], approved: false}",
    "none": "  []",
}

BASE = """hostname SW1
vlan 10
 name CELL
vlan 20
 name OFFICE
interface GigabitEthernet1/0/1
 switchport mode access
 switchport access vlan 10
interface GigabitEthernet1/0/2
 switchport mode access
 switchport access vlan 20
interface GigabitEthernet1/0/3
 switchport mode trunk
 switchport trunk allowed vlan 10,20
interface GigabitEthernet1/0/4
 switchport mode access
 switchport access vlan 10
interface GigabitEthernet1/0/5
 switchport mode trunk
 switchport trunk allowed vlan 10,20
interface GigabitEthernet1/0/6
 switchport mode access
 switchport access vlan 10
"""


def plant(conduits: str = "none", windows: str = ""):
    extra = f", change_windows: [{windows}]" if windows else ""
    return loads_plant(PLANT.format(windows=extra, conduits=CONDUITS[conduits]))


def configs(tmp_path, name: str, text: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "sw1.cfg").write_text(text, encoding="utf-8")
    return folder


def with_port(port: str, lines: str, text: str = BASE) -> str:
    """BASE with the body of interface ``port`` replaced by ``lines``."""
    out, skip = [], False
    for line in text.splitlines():
        if line.startswith("interface "):
            skip = line == f"interface {port}"
            if skip:
                out.append(line)
                out += [f" {x}" for x in lines.splitlines()]
                continue
        elif skip and line.startswith(" "):
            continue
        else:
            skip = False
        out.append(line)
    return "\n".join(out) + "\n"


def test_baseline_has_no_pair_trunks_without_end_devices_are_ignored(tmp_path):
    # Gi1/0/3 (nothing attached) and Gi1/0/5 (a switch attached) carry both zones' VLANs
    assert zone_pairs(plant(), load_configs(configs(tmp_path, "b", BASE))) == {}


@pytest.mark.parametrize(("variant", "conduit"), [
    ("approved", {"id": "c-ok", "status": "bypasses_approved"}),
    ("unapproved", {"id": "c-bad", "status": "matches_unapproved"}),
    ("none", {"id": None, "status": "none"}),
])
def test_rule_i_asset_on_a_port_in_the_other_zones_vlan(tmp_path, variant, conduit):
    p = plant(variant)
    base = configs(tmp_path, "b", BASE)
    cur = configs(tmp_path, "c", with_port("GigabitEthernet1/0/1", "switchport mode access\nswitchport access vlan 20"))
    result = config_diff(p, base, cur)
    assert result["new_zone_pairs"] == [["cell", "office"]]
    assert result["changed_ports"] == [{
        "device": "SW1", "port": "GigabitEthernet1/0/1",
        "before": {"mode": "access", "access_vlan": 10, "voice_vlan": None, "native_vlan": None,
                   "trunk_vlans": None, "profile": None, "shutdown": False},
        "after": {"mode": "access", "access_vlan": 20, "voice_vlan": None, "native_vlan": None,
                  "trunk_vlans": None, "profile": None, "shutdown": False}}]
    assert result["other_changes"] == []
    [f] = result["findings"]
    assert f["id"] == "switch-zone-crossing@cell->office"
    assert f["zones"] == ["cell", "office"]
    assert f["assets"] == ["ews", "pc", "plc", "sw2"]
    assert f["worst_effective"] == {"production": 4, "safety": 2, "delivery": None}
    assert f["conduit"] == conduit
    assert f["via"] == [{"rule": "i", "device": "SW1", "ports": ["GigabitEthernet1/0/1"], "assets": ["plc"]}]
    assert "SW1 GigabitEthernet1/0/1 (plc)" in f["message"]
    if conduit["id"]:
        assert conduit["id"] in f["message"]


def test_rule_i_through_an_interface_uses_the_interface_zone(tmp_path):
    # ews sits in office, but its second interface is a cell interface: on VLAN 10 that is no crossing
    base = load_configs(configs(tmp_path, "b", BASE))
    assert zone_pairs(plant(), base) == {}
    cur = load_configs(configs(tmp_path, "c", with_port("GigabitEthernet1/0/6", "switchport access vlan 20")))
    assert zone_pairs(plant(), cur) == {("cell", "office"): [
        {"rule": "i", "device": "SW1", "ports": ["GigabitEthernet1/0/6"], "assets": ["ews"]}]}


@pytest.mark.parametrize(("variant", "status"), [
    ("approved", "bypasses_approved"), ("unapproved", "matches_unapproved"), ("none", "none")])
def test_rule_ii_port_with_an_end_device_carrying_both_zones(tmp_path, variant, status):
    p = plant(variant)
    cur_text = with_port("GigabitEthernet1/0/4", "switchport mode trunk\nswitchport trunk allowed vlan 10,20")
    findings = crossing_findings(p, load_configs(configs(tmp_path, "b", BASE)),
                                 load_configs(configs(tmp_path, "c", cur_text)))
    [f] = findings
    assert f.id == "switch-zone-crossing@cell->office" and f.zones == ("cell", "office")
    assert f.extra["conduit"]["status"] == status
    assert f.extra["via"] == [{"rule": "ii", "device": "SW1", "ports": ["GigabitEthernet1/0/4"], "assets": ["hmi"]}]


def test_rule_ii_ignores_ports_without_assets_and_with_only_switches(tmp_path):
    # Gi1/0/3 (nothing attached) and Gi1/0/5 (a switch) become trunks of all VLANs: no pair
    text = with_port("GigabitEthernet1/0/3", "switchport mode trunk")
    text = with_port("GigabitEthernet1/0/5", "switchport mode trunk", text)
    result = config_diff(plant(), configs(tmp_path, "b", BASE), configs(tmp_path, "c", text))
    assert [c["port"] for c in result["changed_ports"]] == ["GigabitEthernet1/0/3", "GigabitEthernet1/0/5"]
    assert result["new_zone_pairs"] == [] and result["findings"] == []


ROUTED = BASE + """ip routing
interface Vlan10
 ip address 10.10.0.1 255.255.255.0
interface Vlan20
 ip address 10.20.0.1 255.255.255.0
"""


@pytest.mark.parametrize(("variant", "conduit"), [
    ("approved", {"id": "c-ok", "status": "bypasses_approved"}),
    ("unapproved", {"id": "c-bad", "status": "matches_unapproved"}),
    ("none", {"id": None, "status": "none"}),
])
def test_rule_iii_routing_between_svis_of_both_zones(tmp_path, variant, conduit):
    result = config_diff(plant(variant), configs(tmp_path, "b", BASE), configs(tmp_path, "c", ROUTED))
    assert result["changed_ports"] == []
    assert [c["kind"] for c in result["other_changes"]] == ["ip_routing", "svi_added", "svi_added"]
    assert result["new_zone_pairs"] == [["cell", "office"]]
    [f] = result["findings"]
    assert f["conduit"] == conduit
    assert f["via"] == [{"rule": "iii", "device": "SW1", "ports": ["Vlan10", "Vlan20"], "assets": []}]


def test_rule_iii_needs_ip_routing_and_no_access_list_and_no_shutdown(tmp_path):
    p = plant()
    no_routing = ROUTED.replace("ip routing\n", "")
    acl = ROUTED.replace(" ip address 10.20.0.1 255.255.255.0\n",
                         " ip address 10.20.0.1 255.255.255.0\n ip access-group OFFICE-IN in\n")
    shut = ROUTED.replace(" ip address 10.20.0.1 255.255.255.0\n", " ip address 10.20.0.1 255.255.255.0\n shutdown\n")
    for i, text in enumerate((no_routing, acl, shut)):
        assert zone_pairs(p, load_configs(configs(tmp_path, f"x{i}", text))) == {}, i
    assert list(zone_pairs(p, load_configs(configs(tmp_path, "ok", ROUTED)))) == [("cell", "office")]


def test_rule_iii_routed_port_is_in_the_zone_of_its_subnet(tmp_path):
    text = BASE + "ip routing\ninterface Vlan10\n ip address 10.10.0.1 255.255.255.0\n" + \
        "interface GigabitEthernet1/0/9\n no switchport\n ip address 10.20.0.254 255.255.255.0\n"
    assert zone_pairs(plant(), load_configs(configs(tmp_path, "c", text))) == {("cell", "office"): [
        {"rule": "iii", "device": "SW1", "ports": ["GigabitEthernet1/0/9", "Vlan10"], "assets": []}]}


def test_shutdown_port_creates_no_pair(tmp_path):
    cur = with_port("GigabitEthernet1/0/1", "switchport mode access\nswitchport access vlan 20\nshutdown")
    result = config_diff(plant(), configs(tmp_path, "b", BASE), configs(tmp_path, "c", cur))
    assert [(c["port"], c["after"]["access_vlan"], c["after"]["shutdown"]) for c in result["changed_ports"]] == [
        ("GigabitEthernet1/0/1", 20, True)]
    assert result["new_zone_pairs"] == [] and result["findings"] == []


def test_respelled_and_reordered_config_is_no_change(tmp_path):
    # a baseline that already has a pair (rule ii on Gi1/0/4), re-spelled: short names, 'add', other order
    base = with_port("GigabitEthernet1/0/4", "switchport mode trunk\nswitchport trunk allowed vlan 10,20")
    respelled = """hostname sw1
interface Gi1/0/6
 switchport access vlan 10
 switchport mode access
interface Gi1/0/5
 switchport trunk allowed vlan 10
 switchport trunk allowed vlan add 20
 switchport mode trunk
interface Gi1/0/4
 switchport mode trunk
 switchport trunk allowed vlan 10
 switchport trunk allowed vlan add 20
interface Gi1/0/3
 switchport mode trunk
 switchport trunk allowed vlan 10,20
interface Gi1/0/2
 switchport access vlan 20
 switchport mode access
interface Gi1/0/1
 switchport mode access
 switchport access vlan 10
vlan 20
 name OFFICE
vlan 10
 name CELL
"""
    result = config_diff(plant(), configs(tmp_path, "b", base), configs(tmp_path, "c", respelled))
    assert result == {"changed_ports": [], "other_changes": [], "new_zone_pairs": [], "findings": []}
    assert list(zone_pairs(plant(), load_configs(tmp_path / "c"))) == [("cell", "office")]


def test_device_only_in_current_has_all_ports_added(tmp_path):
    base = tmp_path / "b"
    base.mkdir()
    (base / "sw9.cfg").write_text("hostname SW9\ninterface Gi1/0/1\n switchport access vlan 10\n", encoding="utf-8")
    result = config_diff(plant(), base, configs(tmp_path, "c", BASE))
    assert [(c["device"], c["port"], c["before"]) for c in result["changed_ports"]][:2] == [
        ("SW1", "GigabitEthernet1/0/1", None), ("SW1", "GigabitEthernet1/0/2", None)]
    assert ("SW9", "GigabitEthernet1/0/1") in [(c["device"], c["port"]) for c in result["changed_ports"]]
    assert [c["after"] for c in result["changed_ports"] if c["device"] == "SW9"] == [None]
    assert result["findings"] == []


STAMP = "! Last configuration change at {time}:00 UTC Sat {date}\n"


@pytest.mark.parametrize(("time", "date", "local", "inside"), [
    ("05:30", "Jul 4 2026", "07:30", True),    # summer (CEST, UTC+2)
    ("05:30", "Jan 3 2026", "06:30", True),    # winter (CET, UTC+1)
    ("04:30", "Jan 3 2026", "05:30", False),
    ("04:30", "Jul 4 2026", "06:30", True),    # the same UTC time: inside only in summer
    ("04:30", "Mar 28 2026", "05:30", False),  # the Saturday before the switch to summer time
    ("04:30", "Apr 4 2026", "06:30", True),    # the Saturday after
    ("12:30", "Jul 4 2026", "14:30", False),
    ("12:30", "Jan 3 2026", "13:30", True),
])
def test_change_window_across_daylight_saving(tmp_path, time, date, local, inside):
    p = plant(windows='"Sat 06:00-14:00"')
    base = load_configs(configs(tmp_path, "b", BASE))
    cur = load_configs(configs(tmp_path, "c", STAMP.format(time=time, date=date) + BASE))
    findings = crossing_findings(p, base, cur)
    if inside:
        assert findings == []
        return
    [f] = findings
    assert f.id == "change-window@sw1" and f.zones == ()
    assert f.assets == ("ews", "hmi", "pc", "plc", "sw2")
    assert f.worst_effective == {"production": 4, "safety": 2, "delivery": None}
    assert f.extra["changed_at_local"][11:16] == local
    assert f.extra["timezone"] == "Europe/Berlin" and f.extra["change_windows"] == ["Sat 06:00-14:00"]
    assert f"{local} Europe/Berlin" in f.message


def test_change_window_only_with_windows_and_a_new_stamp(tmp_path):
    stamped = STAMP.format(time="02:00", date="Jan 3 2026") + BASE
    base = load_configs(configs(tmp_path, "b", stamped))
    cur = load_configs(configs(tmp_path, "c", stamped))
    assert crossing_findings(plant(windows='"Sat 06:00-14:00"'), base, cur) == []  # same stamp as the baseline
    assert crossing_findings(plant(), load_configs(configs(tmp_path, "e", BASE)), cur) == []  # no windows
    assert [f.id for f in crossing_findings(plant(windows='"Sat 06:00-14:00"'),
                                            load_configs(tmp_path / "e"), cur)] == ["change-window@sw1"]


def test_findings_sorted_worst_first_with_unique_ids(tmp_path):
    p = plant(windows='"Sun 06:00-14:00"')
    cur = STAMP.format(time="05:30", date="Jul 4 2026") + \
        with_port("GigabitEthernet1/0/1", "switchport mode access\nswitchport access vlan 20")
    findings = crossing_findings(p, load_configs(configs(tmp_path, "b", BASE)), load_configs(configs(tmp_path, "c", cur)))
    # both reach production 4; the crossing involves fewer assets (4) than the device's (5)
    assert [f.id for f in findings] == ["change-window@sw1", "switch-zone-crossing@cell->office"]


def test_in_change_window_grammar():
    from datetime import datetime

    assert in_change_window(datetime(2026, 7, 10, 23, 59), ["Mon-Fri 22:00-24:00"])  # Friday
    assert not in_change_window(datetime(2026, 7, 11, 23, 0), ["Mon-Fri 22:00-24:00"])  # Saturday
    assert in_change_window(datetime(2026, 7, 13, 1, 0), ["Fri-Mon 00:00-02:00"])  # Monday, wrapped range
    assert not in_change_window(datetime(2026, 7, 4, 6, 0), ["Sat 22:00-06:00"])  # end excluded


# --- the real Catalyst config (ciscoconfparse sample_04.ios), one change per crossing rule ---

REAL_PLANT = """format: otrisk/v1
site: {name: Real switch}
zones:
  - {id: office, name: Office, kind: enterprise, vlans: [100]}
  - {id: cell, name: Cell, kind: control, vlans: [101]}
  - {id: sis, name: SIS, kind: safety, vlans: [102]}
conduits:
  - {id: office-cell, zones: [office, cell], direction: forward}
assets:
  - {id: pc, name: PC, type: other, zone: office, switch_port: "Foo:Gi3/1", impact: {production: 1}}
  - {id: plc, name: PLC, type: plc, zone: cell, switch_port: "Foo:Gi3/5", impact: {production: 5}}
  - {id: sis1, name: SIS, type: sis, zone: sis, switch_port: "Foo:Gi3/9", impact: {safety: 5}}
"""


def _real(edit=None):
    from conftest import realdata
    from otrisk.configs import parse_config

    # sample_04.ios (CRLF): hostname Foo; "interface GigabitEthernet3/5 / switchport access vlan 101",
    # "interface GigabitEthernet3/9 / switchport access vlan 102", Gi3/1..3/4 in VLAN 100; no
    # "ip routing"; one SVI: "interface Vlan1 / ip address 172.24.8.2 255.255.255.0"
    text = realdata("ciscoconfparse/sample_04.ios").read_bytes().decode("utf-8")  # keep its CRLF
    if edit:
        text = edit(text)
    return {"foo": parse_config(text, name="sample_04.ios")}


def _swap(text: str, port: str, old: str, new: str) -> str:
    head = f"interface {port}\r\n"
    start = text.index(head)
    end = text.index("!", start)
    assert old in text[start:end]
    return text[:start] + text[start:end].replace(old, new) + text[end:]


def test_real_catalyst_config_one_change_per_crossing_rule():
    plant = loads_plant(REAL_PLANT)
    baseline = _real()
    assert zone_pairs(plant, baseline) == {}  # each asset sits in a VLAN of its own zone

    # (i) the PLC's port moved from VLAN 101 (cell) to 100 (office), around the approved conduit
    moved = _real(lambda t: _swap(t, "GigabitEthernet3/5", "switchport access vlan 101", "switchport access vlan 100"))
    [f] = crossing_findings(plant, baseline, moved)
    assert (f.id, f.extra["conduit"]) == ("switch-zone-crossing@cell->office",
                                          {"id": "office-cell", "status": "bypasses_approved"})
    assert [(v["rule"], v["ports"]) for v in f.extra["via"]] == [("i", ["GigabitEthernet3/5"])]
    assert f.worst_effective == {"production": 5, "safety": None, "delivery": None}

    # (ii) the SIS port turned into a trunk carrying 101 (cell) and 102 (sis): no conduit at all
    trunk = _real(lambda t: _swap(t, "GigabitEthernet3/9", " switchport access vlan 102",
                                  " switchport mode trunk\r\n switchport trunk allowed vlan 101,102"))
    [f] = crossing_findings(plant, baseline, trunk)
    assert (f.id, f.extra["conduit"]["status"]) == ("switch-zone-crossing@cell->sis", "none")
    assert {v["rule"] for v in f.extra["via"]} == {"i", "ii"}  # sis1 sits on a port carrying cell's VLAN too

    # (iii) ip routing with SVIs in VLAN 100 and 101 and no access list; an access list stops it
    svis = ("interface Vlan100\r\n ip address 10.0.100.1 255.255.255.0\r\n!\r\n"
            "interface Vlan101\r\n ip address 10.0.101.1 255.255.255.0\r\n!\r\n")
    routed = _real(lambda t: t.replace("hostname Foo\r\n", "hostname Foo\r\nip routing\r\n")
                   .replace("interface Vlan1\r\n", svis + "interface Vlan1\r\n"))
    [f] = crossing_findings(plant, baseline, routed)
    assert f.id == "switch-zone-crossing@cell->office"
    assert [(v["rule"], v["ports"]) for v in f.extra["via"]] == [("iii", ["Vlan100", "Vlan101"])]
    guarded = _real(lambda t: t.replace("hostname Foo\r\n", "hostname Foo\r\nip routing\r\n")
                    .replace("interface Vlan1\r\n", svis.replace(" ip address 10.0.101.1 255.255.255.0\r\n",
                             " ip address 10.0.101.1 255.255.255.0\r\n ip access-group OT in\r\n")
                             + "interface Vlan1\r\n"))
    assert crossing_findings(plant, baseline, guarded) == []
