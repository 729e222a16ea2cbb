"""Architecture rules: one test per guard clause on a tiny inline plant, the demo plant
checked by hand, and Hypothesis invariants of reachability, exposure and rule results."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otrisk.findings import Finding
from otrisk.impact import analyze
from otrisk.models import Asset, Conduit, Plant, Site, Zone, ZoneKind
from otrisk.plantfile import loads_plant
from otrisk.reference import load_demo_plant
from otrisk.rules import RULES, rules_report, run_rules
from otrisk.zones import reach_sets, zone_exposure, zone_graph

NONE = {"production": None, "safety": None, "delivery": None}


def plant(body: str) -> Plant:
    return loads_plant("format: otrisk/v1\nsite: {name: T}\n" + body)


def found(p: Plant, rule: str) -> dict[str, Finding]:
    return {f.id: f for f in run_rules(p) if f.rule.id == rule}


# office -> dmz -> cell, the DMZ forwarding into OT; reused by several rules
FORWARDING_DMZ = """zones:
  - {id: office, name: Office, kind: enterprise}
  - {id: dmz, name: DMZ, kind: dmz}
  - {id: cell, name: Cell, kind: control}
conduits:
  - {id: office-dmz, zones: [office, dmz], direction: forward}
  - {id: dmz-cell, zones: [dmz, cell], direction: forward}
assets:
  - {id: plc, name: PLC, type: plc, zone: cell, impact: {production: 4}}
"""


# --- the rule table ------------------------------------------------------------------------

def test_rules_have_stable_ids_in_a_fixed_order_and_62443_references():
    assert [r.id for r in RULES] == [
        "safety-reachable-from-outside", "outside-reaches-control", "ot-reaches-external",
        "remote-access-bypasses-dmz", "unapproved-conduit", "zone-sl-below-target", "conduit-sl-below-zones",
        "undocumented-flow", "one-way-gateway-inward", "multi-homed-asset", "asset-without-zone",
        "zone-without-owner"]
    for r in RULES:
        assert re.fullmatch(r"[a-z0-9-]+", r.id)
        assert r.title and r.rationale and r.remediation
        assert r.references and all(ref.startswith("IEC 62443-") for ref in r.references)


# --- 1. safety zone reachable from outside -------------------------------------------------

SAFETY = """zones:
  - {id: office, name: Office, kind: enterprise}
  - {id: vendor, name: Vendor, kind: external}
  - {id: dmz, name: DMZ, kind: dmz}
  - {id: sis, name: SIS, kind: safety}
conduits:
  - {id: office-dmz, zones: [office, dmz], direction: forward}
  - {id: dmz-sis, zones: [dmz, sis], direction: forward}
  - {id: vendor-sis, zones: [vendor, sis], direction: %s}
assets:
  - {id: bms, name: BMS, type: sis, zone: sis, impact: {safety: 5}}
"""


def test_safety_zone_reachable_from_outer_zones():
    f = found(plant(SAFETY % "forward"), "safety-reachable-from-outside")["safety-reachable-from-outside@sis"]
    assert f.zones == ("office", "sis", "vendor") and f.assets == ("bms",)
    assert f.extra["reached_from"] == ["office", "vendor"]
    assert f.worst_effective == {**NONE, "safety": 5}


def test_safety_zone_not_reached_from_outer_zones_is_no_finding():
    # only the DMZ and the vendor's side reach sis if the vendor conduit points outward
    p = plant(SAFETY.replace("[office, dmz], direction: forward", "[office, dmz], direction: reverse") % "reverse")
    assert found(p, "safety-reachable-from-outside") == {}


def test_only_safety_zones_raise_the_safety_finding():
    assert found(plant(FORWARDING_DMZ), "safety-reachable-from-outside") == {}


# --- 2. outer zone reaches control, field or safety ----------------------------------------

def test_outer_zone_reaching_control_through_a_forwarding_dmz():
    f = found(plant(FORWARDING_DMZ), "outside-reaches-control")["outside-reaches-control@office->cell"]
    assert f.zones == ("cell", "dmz", "office") and f.assets == ("plc",)
    assert f.extra == {"path": ["office", "dmz", "cell"], "conduits": ["office-dmz", "dmz-cell"]}
    assert f.message == ("office (enterprise) reaches cell (control) through office -> dmz -> cell "
                         "(conduits office-dmz and dmz-cell).")


@pytest.mark.parametrize("kind", ["external", "remote_access"])
def test_external_and_remote_access_zones_count_as_outer(kind):
    p = plant(FORWARDING_DMZ.replace("kind: enterprise", f"kind: {kind}"))
    assert list(found(p, "outside-reaches-control")) == ["outside-reaches-control@office->cell"]


def test_a_dmz_that_terminates_flows_raises_no_finding():
    p = plant(FORWARDING_DMZ.replace("[dmz, cell], direction: forward", "[dmz, cell], direction: reverse"))
    assert found(p, "outside-reaches-control") == {}


def test_reaching_a_supervisory_zone_only_is_no_finding():
    assert found(plant(FORWARDING_DMZ.replace("kind: control", "kind: supervisory")), "outside-reaches-control") == {}


# --- 3. OT zone reaches an external zone ---------------------------------------------------

OUTBOUND = """zones:
  - {id: cell, name: Cell, kind: control}
  - {id: dmz, name: DMZ, kind: dmz}
  - {id: cloud, name: Cloud, kind: external}
conduits:
  - {id: cell-dmz, zones: [cell, dmz], direction: forward}
  - {id: dmz-cloud, zones: [dmz, cloud], direction: forward}
"""


def test_ot_zone_reaching_an_external_zone():
    f = found(plant(OUTBOUND), "ot-reaches-external")["ot-reaches-external@cell->cloud"]
    assert f.extra == {"path": ["cell", "dmz", "cloud"], "conduits": ["cell-dmz", "dmz-cloud"]}


def test_inbound_only_from_an_external_zone_is_no_ot_reaches_external_finding():
    p = plant(OUTBOUND.replace("direction: forward", "direction: reverse"))
    assert found(p, "ot-reaches-external") == {}


def test_ot_zone_reaching_only_an_enterprise_zone_is_no_finding():
    assert found(plant(OUTBOUND.replace("kind: external", "kind: enterprise")), "ot-reaches-external") == {}


def test_a_dmz_reaching_an_external_zone_is_not_an_ot_zone():
    p = plant(OUTBOUND.replace("[cell, dmz], direction: forward", "[cell, dmz], direction: reverse"))
    assert found(p, "ot-reaches-external") == {}


# --- 4. remote access that does not end in a DMZ -------------------------------------------

REMOTE = """zones:
  - {id: ra, name: Remote access, kind: remote_access}
  - {id: other, name: Other, kind: %s}
conduits:
  - {id: ra-other, zones: [other, ra]}
assets:
  - {id: hmi, name: HMI, type: hmi, zone: other, impact: {delivery: 2}}
"""


def test_remote_access_conduit_into_a_control_zone():
    f = found(plant(REMOTE % "control"), "remote-access-bypasses-dmz")["remote-access-bypasses-dmz@ra-other"]
    assert f.zones == ("other", "ra") and f.assets == ("hmi",) and f.extra == {"conduits": ["ra-other"]}


@pytest.mark.parametrize("kind", ["dmz", "external"])
def test_remote_access_that_ends_in_a_dmz_or_goes_outward_raises_no_remote_access_finding(kind):
    assert found(plant(REMOTE % kind), "remote-access-bypasses-dmz") == {}


def test_conduit_without_a_remote_access_zone_is_no_remote_access_finding():
    assert found(plant((REMOTE % "control").replace("kind: remote_access", "kind: dmz")),
                 "remote-access-bypasses-dmz") == {}


# --- 5. unapproved conduit -----------------------------------------------------------------

def test_unapproved_conduit():
    p = plant(FORWARDING_DMZ.replace("direction: forward}\nassets", "direction: forward, approved: false}\nassets"))
    f = found(p, "unapproved-conduit")["unapproved-conduit@dmz-cell"]
    assert f.zones == ("cell", "dmz") and f.assets == ("plc",) and f.worst_effective["production"] == 4


def test_approved_conduit_is_no_finding():
    assert found(plant(FORWARDING_DMZ), "unapproved-conduit") == {}


# --- 6. zone SL-A below SL-T ---------------------------------------------------------------

def zone_sl(levels: str) -> Plant:
    return plant(f"zones:\n  - {{id: cell, name: Cell, kind: control{levels}}}\n")


def test_zone_below_its_target_security_level():
    f = found(zone_sl(", sl_target: 3, sl_achieved: 1"), "zone-sl-below-target")["zone-sl-below-target@cell"]
    assert f.extra == {"sl_target": 3, "sl_achieved": 1}


@pytest.mark.parametrize("levels", [", sl_target: 2, sl_achieved: 2", ", sl_target: 2", ", sl_achieved: 0"])
def test_zone_at_target_or_with_an_unknown_level_is_no_finding(levels):
    assert found(zone_sl(levels), "zone-sl-below-target") == {}


# --- 7. conduit SL-T below its zones' ------------------------------------------------------

def conduit_sl(conduit: str, cell: str = ", sl_target: 3") -> Plant:
    return plant(f"""zones:
  - {{id: cell, name: Cell, kind: control{cell}}}
  - {{id: io, name: IO, kind: field, sl_target: 1}}
conduits:
  - {{id: cell-io, zones: [cell, io]{conduit}}}
assets:
  - {{id: plc, name: PLC, type: plc, zone: cell}}
  - {{id: sensor, name: Sensor, type: iiot, zone: io}}
""")


def test_conduit_weaker_than_the_stronger_zone():
    f = found(conduit_sl(", sl_target: 1"), "conduit-sl-below-zones")["conduit-sl-below-zones@cell-io"]
    assert f.assets == ("plc",)  # the assets of the zone the conduit under-protects
    assert f.extra == {"conduits": ["cell-io"], "sl_target": 1, "zone_sl_target": 3}


@pytest.mark.parametrize("conduit, cell", [(", sl_target: 3", ", sl_target: 3"), ("", ", sl_target: 3"),
                                           (", sl_target: 1", "")])
def test_conduit_at_the_zones_level_or_with_an_unknown_level_is_no_finding(conduit, cell):
    assert found(conduit_sl(conduit, cell), "conduit-sl-below-zones") == {}


# --- 8. dependency between zones that cannot reach each other ------------------------------

def flow(conduit: str = "", b_zone: str = ", zone: b", interfaces: str = "") -> Plant:
    return plant(f"""zones:
  - {{id: a, name: A, kind: control}}
  - {{id: b, name: B, kind: control}}
conduits: [{conduit}]
assets:
  - {{id: hmi, name: HMI, type: hmi, zone: a, depends_on: [plc]{interfaces}}}
  - {{id: plc, name: PLC, type: plc{b_zone}, impact: {{safety: 3}}}}
""")


def test_dependency_across_zones_without_a_conduit_path():
    f = found(flow(), "undocumented-flow")["undocumented-flow@hmi->plc"]
    assert f.zones == ("a", "b") and f.assets == ("hmi", "plc") and f.worst_effective["safety"] == 3
    assert f.extra == {"dependent": "hmi", "depends_on": "plc"}


def test_a_conduit_in_either_direction_documents_the_flow():
    assert found(flow("{id: b-a, zones: [b, a], direction: forward}"), "undocumented-flow") == {}


def test_dependency_inside_one_zone_is_no_finding():
    assert found(flow(b_zone=", zone: a"), "undocumented-flow") == {}


def test_dependency_on_an_asset_without_zone_is_left_to_asset_without_zone():
    assert found(flow(b_zone=""), "undocumented-flow") == {}


def test_an_interface_in_the_other_zone_is_a_shared_zone():
    assert found(flow(interfaces=", interfaces: [{zone: b}]"), "undocumented-flow") == {}


# --- 9. one-way gateway pointing toward control --------------------------------------------

def gateway(direction: str, one_way: str = "true", dmz_level: str = "3.5") -> Plant:
    return plant(f"""zones:
  - {{id: dmz, name: DMZ, kind: dmz, purdue_level: {dmz_level}}}
  - {{id: cell, name: Cell, kind: control, purdue_level: 2}}
conduits:
  - {{id: diode, zones: [dmz, cell], direction: {direction}, one_way: {one_way}}}
assets:
  - {{id: plc, name: PLC, type: plc, zone: cell}}
""")


def test_one_way_gateway_into_the_lower_level():
    f = found(gateway("forward"), "one-way-gateway-inward")["one-way-gateway-inward@diode"]
    assert f.assets == ("plc",) and f.extra == {"conduits": ["diode"], "path": ["dmz", "cell"]}


def test_a_correct_one_way_gateway_out_of_ot_raises_no_finding_on_that_conduit():
    assert [f.id for f in run_rules(gateway("reverse")) if "diode" in f.id] == []


def test_a_two_way_conduit_is_not_a_gateway():
    assert found(gateway("forward", one_way="false"), "one-way-gateway-inward") == {}


@pytest.mark.parametrize("level", ["2", "null"])
def test_equal_or_unknown_purdue_levels_are_no_finding(level):
    assert found(gateway("forward", dmz_level=level), "one-way-gateway-inward") == {}


# --- 10. multi-homed asset -----------------------------------------------------------------

def homed(asset: str, boundary: str = "") -> Plant:
    return plant(f"""zones:
  - {{id: ops, name: Ops, kind: supervisory}}
  - {{id: cell, name: Cell, kind: control}}
conduits:
  - {{id: ops-cell, zones: [ops, cell]{boundary}}}
assets:
  - {{id: srv, name: Server, zone: ops, {asset}}}
""")


def test_asset_with_interfaces_in_two_zones():
    f = found(homed("type: server, interfaces: [{zone: cell}]"), "multi-homed-asset")["multi-homed-asset@srv"]
    assert f.zones == ("cell", "ops") and f.assets == ("srv",)


def test_a_firewall_is_not_a_bridge():
    assert found(homed("type: firewall, interfaces: [{zone: cell}]"), "multi-homed-asset") == {}


def test_a_boundary_device_of_a_conduit_is_not_a_bridge():
    assert found(homed("type: server, interfaces: [{zone: cell}]", ", boundary_devices: [srv]"),
                 "multi-homed-asset") == {}


def test_a_second_interface_in_the_same_zone_is_no_bridge():
    assert found(homed("type: server, interfaces: [{zone: ops}, {ip: 10.0.0.1}]"), "multi-homed-asset") == {}


# --- 11 and 12. asset without zone, zone without owner -------------------------------------

def test_asset_without_zone():
    p = plant("assets:\n  - {id: laptop, name: Laptop, type: ews}\n  - {id: plc, name: PLC, type: plc, zone: z}\n"
              "zones:\n  - {id: z, name: Z, kind: control, owner: OT}\n")
    assert list(found(p, "asset-without-zone")) == ["asset-without-zone@laptop"]
    assert found(p, "asset-without-zone")["asset-without-zone@laptop"].zones == ()


@pytest.mark.parametrize("zone, expected", [
    ("{id: z, name: Z, kind: control}", ["zone-without-owner@z"]),
    ("{id: z, name: Z, kind: control, owner: OT operations}", []),
    ("{id: z, name: Z, kind: external}", []),
])
def test_zone_without_owner_except_external_zones(zone, expected):
    assert list(found(plant(f"zones:\n  - {zone}\n"), "zone-without-owner")) == expected


# --- all rules together --------------------------------------------------------------------

def test_findings_are_worst_first_with_unique_ids_and_design_json():
    findings = run_rules(plant(FORWARDING_DMZ + "  - {id: laptop, name: Laptop, type: ews}\n"))
    assert findings == sorted(findings, key=Finding.severity)
    assert len({f.id for f in findings}) == len(findings)
    for f in findings:
        out = f.to_json()
        assert out["id"] == f"{out['rule']['id']}@{f.subject}"
        assert set(out["rule"]) == {"id", "title", "rationale", "references", "remediation"}
        assert {"zones", "assets", "worst_effective", "message"} <= set(out)
        assert set(out["worst_effective"]) == {"production", "safety", "delivery"}


def test_impacts_may_be_given_as_analyze_returns_them_or_as_a_mapping():
    p = plant(FORWARDING_DMZ)
    by_asset = {i.asset: i for i in analyze(p)}
    assert run_rules(p) == run_rules(p, impacts=analyze(p)) == run_rules(p, impacts=by_asset)


def test_acceptance_on_a_tiny_plant():
    p = plant(FORWARDING_DMZ.replace("direction: forward}\nassets", "direction: forward, approved: false}\nassets")
              + """accepted_findings:
  - {id: unapproved-conduit@dmz-cell, justification: Commissioning, accepted_by: OT lead, review_by: 2027-01-31}
  - {id: unapproved-conduit@gone, justification: Old, accepted_by: OT lead, review_by: 2027-01-31}
  - {id: change-window@sw-line1, justification: Other command, accepted_by: OT lead, review_by: 2027-01-31}
""")
    report = rules_report(p, as_of=dt.date(2027, 1, 31))
    assert [f.id for f, _ in report.accepted] == ["unapproved-conduit@dmz-cell"]
    assert "unapproved-conduit@dmz-cell" not in [f.id for f in report.open]
    assert [a.id for a in report.stale_acceptances] == ["unapproved-conduit@gone"]
    later = rules_report(p, as_of=dt.date(2027, 2, 1))
    assert [f.id for f, _ in later.expired] == ["unapproved-conduit@dmz-cell"]
    assert "unapproved-conduit@dmz-cell" in [f["id"] for f in later.to_json()["findings"]]


# --- the demo plant, derived by hand from data/demo_plant.yaml -----------------------------

@pytest.fixture(scope="module")
def demo():
    return load_demo_plant()


@pytest.fixture(scope="module")
def demo_ids(demo):
    return {f.id for f in run_rules(demo)}


def test_demo_unapproved_cellular_router_is_accepted_until_2027_03_31(demo):
    # conduits: vendor-ra-filling has approved: false; accepted_findings accept it until 2027-03-31
    key = "unapproved-conduit@vendor-ra-filling"
    on_the_day = rules_report(demo, as_of=dt.date(2027, 3, 31))
    assert [(f.id, a.accepted_by) for f, a in on_the_day.accepted] == [(key, "Plant manager")]
    assert key not in {f.id for f in on_the_day.open} and on_the_day.stale_acceptances == ()
    day_after = rules_report(demo, as_of=dt.date(2027, 4, 1))
    assert key in {f.id for f in day_after.open} and [f.id for f, _ in day_after.expired] == [key]


def test_demo_data_gaps(demo_ids):
    # laptop-filler-oem has no zone; cellar is the only zone without owner (vendor-cloud is external)
    assert {i for i in demo_ids if i.startswith(("asset-without-zone@", "zone-without-owner@"))} == {
        "asset-without-zone@laptop-filler-oem", "zone-without-owner@cellar"}


def test_demo_multi_homed_assets(demo_ids):
    # interfaces: batch-server (ot-ops + brewhouse, cellar) and scada-1/2 (scada + ot-ops) bridge zones;
    # fw-it-ot, fw-ot-core and fw-safety also have several zones but are firewalls
    assert {i for i in demo_ids if i.startswith("multi-homed-asset@")} == {
        "multi-homed-asset@batch-server", "multi-homed-asset@scada-1", "multi-homed-asset@scada-2"}


def test_demo_security_levels(demo_ids):
    # SL-A < SL-T: remote-access 2<3, ot-dmz 2<3, scada/brewhouse/cellar/filling 1<2, safety 2<3;
    # conduits at SL-T 1 into SL-T 2 zones: brewhouse-field, cellar-field, scada-field (others match,
    # or a zone's SL-T is unknown: vendor-cloud, so office-internet, ra-cloud, field-cloud are skipped)
    assert {i.split("@")[1] for i in demo_ids if i.startswith("zone-sl-below-target@")} == {
        "remote-access", "ot-dmz", "scada", "brewhouse", "cellar", "filling", "safety"}
    assert {i.split("@")[1] for i in demo_ids if i.startswith("conduit-sl-below-zones@")} == {
        "brewhouse-field", "cellar-field", "scada-field"}


def test_demo_reachability_findings(demo):
    # office -> ot-dmz (office-dmz) -> scada (dmz-scada) -> safety (scada-safety): the safety zone is
    # reached from the office; remote-access via ra-dmz the same way; vendor-cloud via the cellular router
    # into filling, then scada-filling and scada-safety
    by_id = {f.id: f for f in run_rules(demo)}
    assert by_id["safety-reachable-from-outside@safety"].extra["reached_from"] == [
        "office", "remote-access", "vendor-cloud"]
    assert by_id["outside-reaches-control@office->safety"].extra["path"] == ["office", "ot-dmz", "scada", "safety"]
    # field-cloud lets field-io start connections to vendor-cloud (the IIoT cloud)
    assert by_id["ot-reaches-external@field-io->vendor-cloud"].extra["conduits"] == ["field-cloud"]
    # remote access ends in the DMZ (ra-dmz) and goes outward (ra-cloud): no remote-access finding;
    # the historian diode points from ot-ops (3) to ot-dmz (3.5): a correct one-way gateway
    assert not [i for i in by_id if i.startswith(("remote-access-bypasses-dmz@", "one-way-gateway-inward@"))]


def test_demo_findings_are_worst_first(demo):
    findings = run_rules(demo)
    assert findings == sorted(findings, key=Finding.severity)
    assert findings[0].worst_effective["safety"] == 5


# --- invariants (Hypothesis) ---------------------------------------------------------------

KINDS = [k.value for k in ZoneKind]
DIRECTIONS = ["both", "forward", "reverse"]


def pairs(n: int):
    return st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(DIRECTIONS)).filter(
        lambda t: t[0] != t[1])


@st.composite
def zone_plants(draw):
    n = draw(st.integers(2, 7))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n, max_size=n))
    links = draw(st.lists(pairs(n), max_size=12))
    zones = [Zone(id=f"z{i}", name=f"Z{i}", kind=k, purdue_level=draw(st.sampled_from([None, 0, 1, 2, 3, 3.5, 4])),
                  sl_target=draw(st.sampled_from([None, 1, 3])), sl_achieved=draw(st.sampled_from([None, 2])),
                  owner=draw(st.sampled_from([None, "o"]))) for i, k in enumerate(kinds)]
    conduits = [Conduit(id=f"c{j}", zones=[f"z{a}", f"z{b}"], direction=d, one_way=draw(st.booleans()),
                        approved=draw(st.booleans()), sl_target=draw(st.sampled_from([None, 2])))
                for j, (a, b, d) in enumerate(links)]
    m = draw(st.integers(0, 6))
    zone_ids = [z.id for z in zones]
    assets = []
    for i in range(m):
        others = [f"a{j}" for j in range(m) if j != i]
        assets.append(Asset(
            id=f"a{i}", name=f"A{i}", type=draw(st.sampled_from(["plc", "server", "firewall"])),
            zone=draw(st.sampled_from([None, *zone_ids])),
            interfaces=[{"zone": z} for z in draw(st.lists(st.sampled_from(zone_ids), max_size=2))],
            depends_on=draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else [],
            impact={"safety": draw(st.sampled_from([None, 2, 5]))}))
    return Plant(format="otrisk/v1", site=Site(name="t"), zones=zones, conduits=conduits, assets=assets)


@settings(max_examples=150, deadline=None)
@given(zone_plants(), st.data())
def test_adding_a_conduit_never_shrinks_reachability_or_lowers_exposure(p, data):
    a, b, d = data.draw(pairs(len(p.zones)))
    more = p.model_copy(update={"conduits": [*p.conduits, Conduit(id="new", zones=[f"z{a}", f"z{b}"], direction=d)]})
    before, after = reach_sets(zone_graph(p)), reach_sets(zone_graph(more))
    assert all(before[z] <= after[z] for z in before)
    exp_before, exp_after = zone_exposure(p), zone_exposure(more)
    assert all(exp_before[z] <= exp_after[z] for z in exp_before)


@settings(max_examples=100, deadline=None)
@given(zone_plants(), st.randoms(use_true_random=False))
def test_order_of_zones_conduits_and_assets_never_changes_findings(p, rnd: random.Random):
    shuffled = p.model_copy(update={k: rnd.sample(getattr(p, k), len(getattr(p, k)))
                                    for k in ("zones", "conduits", "assets")})
    findings = run_rules(p)
    assert [f.to_json() for f in findings] == [f.to_json() for f in run_rules(shuffled)]
    assert len({f.id for f in findings}) == len(findings)
