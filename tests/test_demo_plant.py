"""The demo plant (data/demo_plant.yaml): loads, is big enough to be believable, carries
the realistic gaps the product is meant to show, and is stored in canonical form."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import Counter

import networkx as nx
import pytest

from otrisk.models import AXES, Plant
from otrisk.plantfile import dumps_plant, load_plant, loads_plant
from otrisk.reference import _SOURCE_DATA_DIR, demo_plant_text, load_demo_plant

#: NIS2 sector ids the demo may use: Annex I (high criticality) and Annex II (other
#: critical) sectors of Directive (EU) 2022/2555 that run industrial plants.
NIS2_PLANT_SECTORS = {
    "energy", "drinking_water", "waste_water", "chemicals", "food", "manufacturing", "waste_management",
}
ZONE_KINDS = {"enterprise", "dmz", "supervisory", "control", "safety", "remote_access", "external", "field"}


@pytest.fixture(scope="module")
def plant() -> Plant:
    return load_demo_plant()


def _depends_graph(plant: Plant) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(a.id for a in plant.assets)
    graph.add_edges_from((a.id, dep) for a in plant.assets for dep in a.depends_on)
    return graph


def _header_and_body(text: str) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return "".join(lines[:n]), "".join(lines[n:])


def test_demo_file_loads_from_disk_with_its_comment_header():
    plant = load_plant(_SOURCE_DATA_DIR / "demo_plant.yaml")
    assert plant.format == "otrisk/v1"
    header, _ = _header_and_body(demo_plant_text())
    assert "fictional" in header.lower()
    assert "Purdue" in header


def test_site(plant):
    assert plant.site.sector in NIS2_PLANT_SECTORS
    assert plant.site.entity in ("essential", "important")
    assert plant.site.timezone == "Europe/Berlin"
    assert len(plant.site.change_windows) >= 1


def test_size_and_zone_kinds(plant):
    assert len(plant.assets) >= 60
    assert len(plant.zones) >= 8
    kinds = Counter(z.kind for z in plant.zones)
    assert set(kinds) == ZONE_KINDS
    assert kinds["control"] >= 2


def test_zones_have_security_levels_with_some_gaps(plant):
    ot = [z for z in plant.zones if z.kind not in ("external",)]
    assert all(z.sl_target is not None for z in ot)
    gaps = [z.id for z in ot if z.sl_achieved is not None and z.sl_achieved < z.sl_target]
    assert len(gaps) >= 3
    assert any(z.owner is None for z in plant.zones), "one zone without owner is a deliberate data gap"


def test_conduits(plant):
    assert sum(c.one_way for c in plant.conduits) == 1
    unapproved = [c.id for c in plant.conduits if not c.approved]
    assert unapproved == ["vendor-ra-filling"]
    firewalls = {a.id for a in plant.assets if a.type == "firewall"}
    assert all(set(c.boundary_devices) & firewalls for c in plant.conduits if c.approved)


def test_asset_types_present(plant):
    types = Counter(a.type for a in plant.assets)
    for kind in ("plc", "sis", "hmi", "scada", "historian", "ews", "server", "switch", "firewall",
                 "rtu", "drive", "iiot", "service"):
        assert types[kind] >= 1, kind
    assert types["sis"] >= 2


def test_engineering_workstation_manages_plcs_and_a_sis(plant):
    assets = plant.asset_map()
    ews = [a for a in plant.assets if a.type == "ews"]
    assert any(
        any(assets[m].type == "plc" for m in a.manages) and any(assets[m].type == "sis" for m in a.manages)
        for a in ews
    )
    gateway = assets["ra-ewon-filler"]
    assert "plc-filler" in gateway.manages


def test_dependency_graph_has_a_cycle(plant):
    graph = _depends_graph(plant)
    cycles = sorted(sorted(c) for c in nx.simple_cycles(graph))
    assert ["plc-brewhouse", "plc-cellar"] in cycles
    assert any(len(scc) > 1 for scc in nx.strongly_connected_components(graph))


def test_some_assets_unrated_or_partly_rated(plant):
    ratings = [a.impact.as_dict() for a in plant.assets]
    unrated = [r for r in ratings if all(v is None for v in r.values())]
    partly = [r for r in ratings if 0 < sum(v is None for v in r.values()) < len(AXES)]
    assert len(unrated) >= 3
    assert len(partly) >= 3
    assert len(ratings) - len(unrated) > 0.8 * len(ratings), "most assets are rated"
    assets = plant.asset_map()
    assert assets["sis-boiler-bms"].impact.safety == 5
    assert assets["sis-nh3"].impact.safety == 5
    assert (assets["plc-filler"].impact.production, assets["plc-filler"].impact.delivery) == (5, 4)


def test_ips_inside_their_zone_subnets(plant):
    zones = plant.zone_map()
    checked = 0
    for asset in plant.assets:
        nics = [(asset.zone, asset.ip)] + [(nic.zone, nic.ip) for nic in asset.interfaces]
        for zone, ip in nics:
            if zone is None or ip is None:
                continue
            nets = [ipaddress.ip_network(s) for s in zones[zone].subnets]
            assert any(ipaddress.ip_address(ip) in net for net in nets), f"{asset.id}: {ip} not in zone {zone}"
            checked += 1
    assert checked >= 60


def test_switch_ports_name_known_switches(plant):
    switches = {a.id for a in plant.assets if a.type == "switch"}
    ports = [a.switch_port for a in plant.assets if a.switch_port]
    ports += [nic.switch_port for a in plant.assets for nic in a.interfaces if nic.switch_port]
    assert len(ports) >= 40
    assert all(p.split(":", 1)[0] in switches for p in ports)


def test_multi_homed_assets(plant):
    multi = {a.id for a in plant.assets if any(nic.zone and nic.zone != a.zone for nic in a.interfaces)}
    assert {"scada-1", "batch-server"} <= multi


def test_evidence(plant):
    kinds = Counter(e.kind for e in plant.evidence)
    assert kinds["operational"] >= 5 and kinds["organizational"] >= 5
    assert any(e.retired for e in plant.evidence)
    assert any(e.valid_until is not None for e in plant.evidence)
    as_of = dt.date(2026, 11, 29)
    ages = [(as_of - e.collected).days for e in plant.evidence if not e.retired]
    assert min(ages) < 30 and max(ages) > 365, "a mix of fresh and stale evidence"
    assert any(c.startswith("zone:") for e in plant.evidence for c in e.covers)


def test_two_assessments_oldest_first(plant):
    dates = [a.date for a in plant.assessments]
    assert len(dates) == 2
    assert dates[0] < dates[1]
    assert all("NET 2" in a.not_applicable for a in plant.assessments)
    assert all(0 <= v <= 4 for a in plant.assessments for v in a.maturity.values())


def test_actions_and_accepted_findings(plant):
    assert {a.status for a in plant.actions} >= {"open", "in_progress", "done"}
    assert [f.id for f in plant.accepted_findings] == ["unapproved-conduit@vendor-ra-filling"]


def test_file_is_canonical_and_round_trip_byte_stable():
    text = demo_plant_text()
    _, body = _header_and_body(text)
    once = dumps_plant(loads_plant(text, source="demo_plant.yaml"))
    assert once == body, "the body below the header must be the canonical dump (re-export the file)"
    assert dumps_plant(loads_plant(once)) == once
