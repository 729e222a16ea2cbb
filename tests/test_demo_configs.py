"""The demo switch configurations (data/demo_configs) agree with the demo plant.

Each asset's ``switch_port`` exists on its switch as an access port in its zone's VLAN, no port
lets two zones talk (no crossing), and the filling cell's spare ports are live in VLAN 130 — where
the Unknown device page's demo finds an unknown device.
"""

from __future__ import annotations

from conftest import ROOT

from otrisk.configs import carried_vlans, load_configs, port_name
from otrisk.crossings import zone_pairs
from otrisk.impact import analyze_plant
from otrisk.plantfile import load_plant
from otrisk.triage import triage

DEMO = ROOT / "data" / "demo_plant.yaml"
CONFIGS = ROOT / "data" / "demo_configs"


def test_every_attached_asset_is_on_an_access_port_of_its_zone_vlan():
    plant, configs = load_plant(DEMO), load_configs(CONFIGS)
    assert sorted(configs) == ["sw-brewhouse", "sw-cellar", "sw-dmz", "sw-field", "sw-filling", "sw-ot-core",
                               "sw-safety", "sw-scada", "sw-utilities"]
    zones = plant.zone_map()
    checked = 0
    for a in plant.assets:
        for text, zone in [(a.switch_port, a.zone)] + [(i.switch_port, i.zone or a.zone) for i in a.interfaces]:
            if not text:
                continue
            dev, _, port = text.partition(":")
            p = configs[dev.lower()].ports[port_name(port)]
            assert (p.mode, carried_vlans(p)) == ("access", {zones[zone].vlans[0]}), (a.id, text)
            checked += 1
    assert checked == 60  # 56 assets with a switch_port, plus 4 interfaces (batch-server 2, scada-1, scada-2)


def test_the_demo_configurations_let_no_two_zones_talk():
    assert zone_pairs(load_plant(DEMO), load_configs(CONFIGS)) == {}


def test_a_spare_filling_port_places_an_unknown_device_and_a_parked_one_does_not():
    plant, configs = load_plant(DEMO), load_configs(CONFIGS)
    impacts = analyze_plant(plant)
    spare = triage(plant, "sw-filling:Gi1/0/17", impacts=impacts, configs=configs)
    assert (spare.source, spare.zones) == ("config", ("filling",))
    parked = triage(plant, "sw-scada:Gi1/0/12", impacts=impacts, configs=configs)
    assert parked.zones == () and "is shut down in the configuration" in parked.problems[0]
