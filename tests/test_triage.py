"""Unknown-device triage (otrisk.triage) on a hand-made plant, every resolution path.

Hand-computed reachability of PLANT (conduits: ent→dmz, scada→dmz, scada↔cell, cell→sis):
reach(ent) = {dmz}, reach(dmz) = {}, reach(scada) = {dmz, cell, sis},
reach(cell) = {scada, dmz, sis}, reach(sis) = {}, reach(lab) = {}.
"""

from __future__ import annotations

import pytest

from otrisk.configs import parse_config
from otrisk.impact import analyze_plant
from otrisk.plantfile import loads_plant
from otrisk.triage import TriageError, parse_target, triage
from otrisk.triagesteps import incident_note, mac_vendor

PLANT = """format: otrisk/v1
site: {name: Triage test}
zones:
  - {id: ent, name: Office, kind: enterprise, owner: IT Ops, vlans: [10], subnets: ["10.10.0.0/16"]}
  - {id: dmz, name: DMZ, kind: dmz, owner: OT Sec, vlans: [350]}
  - {id: scada, name: SCADA, kind: supervisory, owner: Anna Scada, sl_target: 2, vlans: [300], subnets: ["172.20.30.0/24"]}
  - {id: cell, name: Cell, kind: control, owner: Bob Cell, sl_target: 3, vlans: [110], subnets: ["172.20.110.0/24"]}
  - {id: sis, name: Safety, kind: safety, owner: Sara Safety, sl_target: 3, vlans: [150]}
  - {id: lab, name: Lab, kind: supervisory, vlans: [400], subnets: ["172.20.40.0/24", "fd00:10::/64"]}
conduits:
  - {id: ent-dmz, zones: [ent, dmz], direction: forward}
  - {id: scada-dmz, zones: [scada, dmz], direction: forward}
  - {id: scada-cell, zones: [scada, cell]}
  - {id: cell-sis, zones: [cell, sis], direction: forward, approved: false}
assets:
  - {id: hist, name: Historian, type: historian, zone: dmz, owner: Dana DMZ, impact: {production: 2}}
  - {id: scada-srv, name: SCADA server, type: scada, zone: scada, owner: Anna Scada, ip: "172.20.30.10",
     switch_port: "sw1:Gi1/0/2", impact: {production: 4}}
  - {id: plc1, name: Filler PLC, type: plc, zone: cell, owner: Bob Cell, ip: "172.20.110.11",
     mac: "00:0e:8c:aa:bb:01", switch_port: "sw1:GigabitEthernet1/0/5", impact: {production: 5, safety: 2, delivery: 3}}
  - {id: hmi1, name: Filler HMI, type: hmi, zone: cell, owner: Carl HMI, switch_port: "SW1:gi1/0/6",
     depends_on: [plc1], impact: {production: 3}}
  - {id: sis1, name: Safety PLC, type: sis, zone: sis, owner: Sara Safety, switch_port: "sw1:Gi1/0/9", impact: {safety: 5}}
  - {id: pc1, name: Office PC, type: server, zone: ent, owner: IT Ops, ip: "10.10.1.5"}
  - {id: labpc, name: Lab PC, type: other, zone: lab, owner: Leo Lab, switch_port: "sw2:Fa0/1", impact: {production: 1}}
  - {id: multi, name: Gateway, type: server, zone: scada,
     interfaces: [{zone: cell, ip: "172.20.110.50", mac: "aa-bb-cc-00-00-50", switch_port: "sw1:Gi1/0/7"}]}
"""

SW1 = """hostname SW1
vlan 110
 name CELL
vlan 150
vlan 300
interface GigabitEthernet1/0/1
 description uplink to core
 switchport mode trunk
 switchport trunk allowed vlan 110,300
interface GigabitEthernet1/0/2
 switchport mode access
 switchport access vlan 300
interface GigabitEthernet1/0/4
 switchport mode access
 switchport access vlan 110
interface GigabitEthernet1/0/5
 switchport mode access
 switchport access vlan 110
interface GigabitEthernet1/0/6
 switchport access vlan 110
interface GigabitEthernet1/0/8
 switchport mode access
 switchport access vlan 999
interface GigabitEthernet1/0/9
 switchport access vlan 150
interface GigabitEthernet1/0/10
 switchport access vlan 110
 shutdown
"""

CELL_REACHABLE = ["hist", "hmi1", "multi", "plc1", "scada-srv", "sis1"]


@pytest.fixture(scope="module")
def plant():
    return loads_plant(PLANT)


@pytest.fixture(scope="module")
def impacts(plant):
    return analyze_plant(plant)


@pytest.fixture(scope="module")
def configs():
    dev = parse_config(SW1, name="sw1.cfg")
    return {dev.key: dev}


def run(plant, impacts, target, **kw):
    return triage(plant, target, impacts=impacts, **kw)


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("172.20.110.11", "ip", "172.20.110.11"),
    ("fd00:10:0:0::5", "ip", "fd00:10::5"),
    ("10.10.1.5/24", "ip", "10.10.1.5"),
    ("00:0E:8C:AA:BB:01", "mac", "00:0e:8c:aa:bb:01"),
    ("000e.8caa.bb01", "mac", "00:0e:8c:aa:bb:01"),
    ("00-0e-8c-aa-bb-01", "mac", "00:0e:8c:aa:bb:01"),
    ("sw1:Gi1/0/4", "port", "GigabitEthernet1/0/4"),
    ("SW1:gigabitethernet1/0/4", "port", "GigabitEthernet1/0/4"),
    ("sw1:Gig1/0/4", "port", "GigabitEthernet1/0/4"),
    ("nx1:Eth1/1", "port", "Ethernet1/1"),
])
def test_targets(text, kind, value):
    t = parse_target(text)
    assert t.kind == kind
    assert {"ip": t.ip, "mac": t.mac, "port": t.port}[kind] == value


@pytest.mark.parametrize("text", ["", "   ", "plc1", "sw1:", ":Gi1/0/1", "00:0e:8c:aa:bb", "300.1.1.1"])
def test_bad_targets_are_refused_with_the_forms(text):
    with pytest.raises(TriageError, match="IP address|no target"):
        parse_target(text)


# ---------------------------------------------------------------- source 1: configuration


def test_access_port_from_config(plant, impacts, configs):
    a = run(plant, impacts, "sw1:Gi1/0/4", configs=configs)
    assert a.source == "config"
    j = a.to_json()
    assert j["zones"] == ["cell"] and j["zone"] == "cell"
    assert j["zone_details"] == [{"id": "cell", "kind": "control", "sl_target": 3, "owner": "Bob Cell"}]
    assert j["conduits"] == ["cell-sis", "scada-cell"]
    assert j["reachable_zones"] == ["dmz", "scada", "sis"]
    assert j["reachable_assets"] == CELL_REACHABLE
    assert j["worst_effective"] == {"production": 5, "safety": 5, "delivery": 3}
    # zone owner first, then by criticality: sis1/plc1 (5; Bob already named), scada-srv 4, hmi1 3, hist 2
    assert j["owners"] == ["Bob Cell", "Sara Safety", "Anna Scada", "Carl HMI", "Dana DMZ"]
    assert a.severity == "safety" and a.safety_zones == ("sis",)
    assert "cell-sis: cell → sis (NOT APPROVED)" in a.conduit_texts
    assert set(j) == {"zones", "zone", "zone_details", "conduits", "reachable_zones", "reachable_assets",
                      "worst_effective", "owners", "next_steps"}
    steps = j["next_steps"]
    assert steps[0].startswith("Identify the device")
    assert steps[1].startswith("Call the zone owner first: Bob Cell (zone cell)")
    assert any(s.startswith("Safety zone sis is in reach") for s in steps)
    assert steps[-1].startswith("Isolate only after checking what the port carries")


def test_trunk_port_puts_the_device_in_both_zones_and_unions_their_reach(plant, impacts, configs):
    a = run(plant, impacts, "SW1:GigabitEthernet1/0/1", configs=configs)
    j = a.to_json()
    assert j["zones"] == ["cell", "scada"] and j["zone"] is None
    # reach(cell) ∪ reach(scada) = {scada, dmz, sis, cell} minus its own zones
    assert j["reachable_zones"] == ["dmz", "sis"]
    assert j["owners"][:2] == ["Bob Cell", "Anna Scada"]
    assert j["conduits"] == ["cell-sis", "scada-cell", "scada-dmz"]
    assert any("is a trunk: the device may sit in any of the zones cell, scada" in f for f in a.port_facts)
    assert any("described as 'uplink to core'" in f for f in a.port_facts)


def test_config_wins_over_assets_known_on_the_port(plant, impacts, configs):
    moved = plant.model_copy(update={"assets": [a.model_copy(update={"zone": "lab"}) if a.id == "plc1" else a
                                                for a in plant.assets]})
    a = run(moved, analyze_plant(moved), "sw1:Gi1/0/5", configs=configs)
    assert a.source == "config" and a.zones == ("cell",)


def test_shut_down_port_carries_nothing_and_is_unresolved(plant, impacts, configs):
    a = run(plant, impacts, "sw1:Gi1/0/10", configs=configs)
    assert not a.resolved and a.zones == () and a.severity == "unknown"
    assert a.to_json()["worst_effective"] == {"production": None, "safety": None, "delivery": None}
    assert a.problems == ("sw1:GigabitEthernet1/0/10 is shut down in the configuration: it carries no VLAN, so a "
                          "device there cannot talk unless someone changed the switch",)
    assert a.located == ("sw1:GigabitEthernet1/0/10",)
    assert a.next_steps[0].startswith("The port is known (sw1:GigabitEthernet1/0/10) but places the device in no zone")


def test_vlan_of_no_zone_is_unresolved_and_said(plant, impacts, configs):
    a = run(plant, impacts, "sw1:Gi1/0/8", configs=configs)
    assert not a.resolved
    assert a.problems == ("VLAN 999 of sw1:GigabitEthernet1/0/8 belongs to no zone of the plant (a zone lists its "
                          "VLANs under 'vlans')",)
    assert "Can reach zones: unknown (no zone found)" in incident_note(a, site="T")


def test_unknown_port_of_a_configured_switch(plant, impacts, configs):
    a = run(plant, impacts, "sw1:Gi1/0/48", configs=configs)
    assert not a.resolved
    assert a.problems == ("SW1 has no port GigabitEthernet1/0/48 in its configuration (sw1.cfg)",)
    assert a.next_steps[0].startswith("Check the switch name and port (sw1:GigabitEthernet1/0/48)")


def test_unknown_switch(plant, impacts, configs):
    a = run(plant, impacts, "swX:Gi1/0/1", configs=configs)
    assert not a.resolved
    assert a.problems == ("unknown switch 'swX': no configuration or MAC table of it was given and no asset of "
                          "the plant is attached to it (switches known: sw1, sw2)",)


# ---------------------------------------------------------------- source 3: assets known there


def test_port_from_assets_without_config(plant, impacts):
    a = run(plant, impacts, "sw1:Gi1/0/5")
    assert a.source == "assets" and a.zones == ("cell",)
    assert a.source_text == "asset plc1 is known on sw1:GigabitEthernet1/0/5 in zone cell"
    assert any("stopping the port stops it and 1 dependent" in f for f in a.port_facts)


def test_isolated_lab_port_is_limited(plant, impacts):
    a = run(plant, impacts, "sw2:FastEthernet0/1")
    j = a.to_json()
    assert j["zones"] == ["lab"] and j["reachable_zones"] == [] and j["reachable_assets"] == ["labpc"]
    assert j["conduits"] == [] and j["owners"] == ["Leo Lab"]
    assert j["worst_effective"] == {"production": 1, "safety": None, "delivery": None}
    assert a.severity == "limited"
    assert j["next_steps"][1].startswith("Zone lab has no owner in the plant")


def test_switch_known_only_from_assets_but_empty_port(plant, impacts):
    a = run(plant, impacts, "sw2:Fa0/2")
    assert not a.resolved
    assert a.problems == ("no asset of the plant is attached to sw2:FastEthernet0/2, and no configuration or "
                          "MAC table of sw2 was given",)


# ---------------------------------------------------------------- IP and MAC targets


def test_ip_of_known_asset_goes_through_its_port_and_the_config(plant, impacts, configs):
    a = run(plant, impacts, "172.20.110.11", configs=configs)
    assert a.source == "config" and a.zones == ("cell",) and a.known_assets == ("plc1",)
    assert [s.label() for s in a.spots] == ["sw1:GigabitEthernet1/0/5"]
    assert any(i.startswith("172.20.110.11 belongs to known asset plc1 (Filler PLC, plc, owner Bob Cell)")
               for i in a.identification)


def test_ip_of_an_interface_without_config(plant, impacts):
    a = run(plant, impacts, "172.20.110.50")
    assert a.source == "assets" and a.zones == ("cell",) and a.known_assets == ("multi",)


def test_ip_in_a_zone_subnet_only(plant, impacts):
    a = run(plant, impacts, "172.20.30.99")
    j = a.to_json()
    assert a.source == "subnets" and j["zones"] == ["scada"]
    assert a.source_text == "172.20.30.99 is in the subnet 172.20.30.0/24"
    assert j["reachable_zones"] == ["cell", "dmz", "sis"]


def test_ipv6_in_a_zone_subnet(plant, impacts):
    assert run(plant, impacts, "fd00:10::5").zones == ("lab",)


def test_ip_outside_every_subnet(plant, impacts):
    a = run(plant, impacts, "192.168.99.9")
    assert not a.resolved and a.to_json()["zone"] is None
    assert a.problems == ("192.168.99.9 belongs to no asset of the plant and is in no zone's subnets",)
    assert "show ip arp 192.168.99.9" in a.next_steps[0]


@pytest.mark.parametrize("mac", ["00:0E:8C:AA:BB:01", "000e.8caa.bb01", "00-0e-8c-aa-bb-01"])
def test_mac_in_three_notations_finds_the_same_asset(plant, impacts, configs, mac):
    a = run(plant, impacts, mac, configs=configs)
    assert a.known_assets == ("plc1",) and a.zones == ("cell",) and a.source == "config"
    assert a.identification[0] == "MAC vendor prefix 00:0e:8c: Siemens AG"


def test_unknown_mac_without_table(plant, impacts):
    a = run(plant, impacts, "02:00:00:00:00:01")
    assert not a.resolved
    assert a.problems == ("02:00:00:00:00:01 is in no MAC table given and belongs to no asset of the plant",)
    assert "locally administered" in a.identification[0]


# ---------------------------------------------------------------- notes and words


def test_incident_note_has_the_severity_up_front_and_numbered_steps(plant, impacts, configs):
    a = run(plant, impacts, "sw1:Gi1/0/4", configs=configs)
    note = incident_note(a, site="Triage test")
    lines = note.splitlines()
    assert lines[0] == "Incident note: unknown device — Triage test"
    assert lines[2] == "Severity: SAFETY — safety zone sis is in reach"
    assert "Zones: cell (control, SL-T 3, owner Bob Cell)" in note
    assert "Systems in reach: 6; worst effective impact: production 5, safety 5, delivery 3" in note
    assert f"{len(a.next_steps)}. Isolate only after" in note


def test_mac_vendor_unknown_prefix():
    assert mac_vendor("02:00:00:00:00:01") is None
    assert mac_vendor("00:80:f4:00:00:01") == "TELEMECANIQUE ELECTRIQUE"


def test_mac_learned_on_a_trunk_takes_the_vlan_it_was_learned_in(plant, impacts, configs):
    from otrisk.showparse import parse_show_outputs

    table = ("SW1#show mac address-table\nVlan    Mac Address       Type        Ports\n"
             "----    -----------       --------    -----\n 300    0200.aaaa.0001    DYNAMIC     Gi1/0/1\n")
    a = run(plant, impacts, "02:00:aa:aa:00:01", configs=configs, shows=[parse_show_outputs(table)])
    # Gi1/0/1 is a trunk carrying 110 and 300; the MAC was seen in 300 only: zone scada, not both
    assert a.source == "config" and a.zones == ("scada",)
    assert a.source_text == ("sw1:GigabitEthernet1/0/1 is a trunk carrying VLANs 110,300, where the MAC table saw "
                             "it in VLAN 300 in SW1's configuration")


def test_note_keeps_one_item_on_one_line(plant, impacts):
    odd = plant.model_copy(update={"zones": [z.model_copy(update={"owner": "Leo\n# heading"}) if z.id == "lab" else z
                                             for z in plant.zones]})
    note = incident_note(run(odd, analyze_plant(odd), "sw2:Fa0/1"), site="T")
    assert "\n# heading" not in note and "owner Leo # heading" in note
