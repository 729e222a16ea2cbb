"""Triage on real show outputs (napalm's 3560 MAC table, ntc-templates' switchport and CDP listings).

The plant is hand-made around the VLANs and ports the real files contain; the expected zones,
spots and neighbours were read from the raw files by hand.
"""

from __future__ import annotations

import pytest
from conftest import realdata

from otrisk.impact import analyze_plant
from otrisk.plantfile import loads_plant
from otrisk.showparse import load_show_outputs
from otrisk.triage import triage

PLANT = """format: otrisk/v1
site: {name: Real outputs}
zones:
  - {id: line45, name: Line 45, kind: control, owner: Line lead, vlans: [45]}
  - {id: line56, name: Line 56, kind: supervisory, owner: Ops, vlans: [56]}
  - {id: plc-net, name: PLC net, kind: control, owner: Controls, vlans: [100, 110]}
  - {id: hmi-net, name: HMI net, kind: supervisory, owner: Operators, vlans: [101, 111]}
conduits:
  - {id: hmi-plc, zones: [hmi-net, plc-net], direction: forward}
assets:
  - {id: plc-a, name: PLC A, type: plc, zone: plc-net, impact: {production: 4}}
  - {id: hmi-a, name: HMI A, type: hmi, zone: hmi-net, owner: Operators, switch_port: "acc1:Gi1/0/16",
     impact: {production: 2}}
"""


@pytest.fixture(scope="module")
def plant():
    return loads_plant(PLANT)


def answer(plant, target, shows):
    return triage(plant, target, impacts=analyze_plant(plant), shows=shows)


def test_napalm_3560_mac_learned_on_an_access_port():
    shows = [load_show_outputs(realdata("napalm/ios/test_get_mac_address_table/3560_format/show_mac_address_table.txt"),
                               switch="sw3560")]
    plant = loads_plant(PLANT)
    a = answer(plant, "0018.b945.f780", shows)  # row "45  0018.b945.f780  DYNAMIC  Fa0/5"
    assert a.source == "mac_table" and a.zones == ("line45",)
    assert [(s.label(), s.vlans) for s in a.spots] == [("sw3560:FastEthernet0/5", (45,))]


def test_napalm_3560_mac_seen_in_five_vlans_on_an_uplink():
    shows = [load_show_outputs(realdata("napalm/ios/test_get_mac_address_table/3560_format/show_mac_address_table.txt"),
                               switch="sw3560")]
    plant = loads_plant(PLANT)
    # 0018.b974.528f is learned on Fa0/16 in VLANs 1, 4, 45, 56 and 6; only 45 and 56 are zones
    a = answer(plant, "00:18:b9:74:52:8f", shows)
    assert [(s.label(), s.vlans) for s in a.spots] == [("sw3560:FastEthernet0/16", (1, 4, 6, 45, 56))]
    assert a.zones == ("line45", "line56")
    # Fa0/16's dynamic rows name 6 distinct MACs (000a.b82d.10e0, 0012.80b6.4cd9, 0014.6915.4100,
    # 0018.b921.9200, 0018.b974.528f in five VLANs, 0018.b945.f781): something bridges behind it
    assert "6 MAC addresses are learned on sw3560:FastEthernet0/16: a hub, an unmanaged switch or a " \
           "virtualisation host may sit behind it" in a.port_facts


def test_ntc_switchport_listing_gives_the_port_vlan(plant):
    shows = [load_show_outputs(realdata("ntc-templates/cisco_ios/show_interfaces_switchport/"
                                        "cisco_ios_show_interfaces_switchport.raw"), switch="acc1")]
    a = answer(plant, "acc1:Gi0/2", shows)  # "Name: Gi0/2 … static access … Access Mode VLAN: 100 (PLC1)"
    assert a.source == "mac_table" and a.zones == ("plc-net",)
    assert a.source_text == "the switchport listing shows acc1:GigabitEthernet0/2 as access in VLAN 100"
    b = answer(plant, "ACC1:GigabitEthernet1/1", shows)  # VLAN 111 (HMI2)
    assert b.zones == ("hmi-net",) and b.reachable_zones == ("plc-net",)
    trunk = answer(plant, "acc1:Gi0/1", shows)  # trunk, VLANs ALL: every zone with a VLAN
    assert trunk.zones == ("hmi-net", "line45", "line56", "plc-net")


def test_ntc_cdp_neighbour_marks_an_uplink(plant):
    shows = [load_show_outputs(realdata("ntc-templates/cisco_ios/show_cdp_neighbors_detail/"
                                        "cisco_ios_show_cdp_neighbors_detail.raw"), switch="acc1")]
    a = answer(plant, "acc1:Gi1/0/16", shows)  # hmi-a is known there; CDP: desktop-switch (Switch IGMP)
    assert a.source == "assets" and a.zones == ("hmi-net",)
    assert any(i.startswith("CDP neighbour on acc1:GigabitEthernet1/0/16: desktop-switch (port GigabitEthernet0/1")
               for i in a.identification)
    assert any("bridging/routing neighbour (desktop-switch" in f for f in a.port_facts)
