"""Editing zones and conduits as table rows (otrisk/zone_edit.py), on small inline plants."""

from __future__ import annotations

import datetime as dt

import pytest

from otrisk.errors import OtriskError
from otrisk.findings import AcceptanceError, accept_finding, unaccept_finding
from otrisk.plantfile import dumps_plant, loads_plant
from otrisk.zone_edit import (
    ORIGIN,
    ZoneInUseError,
    apply_edits,
    conduit_rows,
    delete_zone,
    rename_conduit,
    rename_zone,
    zone_references,
    zone_rows,
)

PLANT = """\
format: otrisk/v1
site: {name: T}
zones:
  - {id: cell, name: Cell 1, kind: control, purdue_level: 1, sl_target: 2, sl_achieved: 1, vlans: [110, 111]}
  - {id: ops, name: Operations, kind: supervisory, purdue_level: 3, subnets: ["10.0.3.0/24"]}
  - {id: dmz, name: DMZ, kind: dmz, purdue_level: 3.5}
conduits:
  - {id: ops-cell, zones: [ops, cell], direction: forward, protocols: [s7comm, historian replication],
     boundary_devices: [fw-1]}
  - {id: dmz-ops, zones: [dmz, ops], approved: false}
assets:
  - {id: plc-1, name: PLC 1, type: plc, zone: cell}
  - {id: fw-1, name: Firewall, type: firewall, zone: ops, interfaces: [{zone: dmz}, {zone: cell, ip: "10.0.1.1"}]}
  - {id: hmi-1, name: HMI, type: hmi, zone: ops, depends_on: [plc-1]}
evidence:
  - {id: ev-1, elements: [CM 1], kind: operational, title: Backups, collected: 2026-01-01, covers: [plc-1, "zone:cell"]}
  - {id: ev-2, elements: [NET 1], kind: organizational, title: Zone plan, collected: 2026-01-01, covers: ["zone:ops"]}
accepted_findings:
  - {id: "unapproved-conduit@dmz-ops", justification: Until migration, accepted_by: Plant manager,
     review_by: 2027-01-01}
  - {id: "sl-gap@cell", justification: Known, accepted_by: Plant manager, review_by: 2027-01-01}
  - {id: "new-zone-pair@cell->ops", justification: Known, accepted_by: Plant manager, review_by: 2027-01-01}
"""


@pytest.fixture
def plant():
    return loads_plant(PLANT)


def _row(rows, origin):
    return next(r for r in rows if r[ORIGIN] == origin)


def test_rows_show_lists_comma_separated_and_read_back_unchanged(plant):
    zones, conduits = zone_rows(plant), conduit_rows(plant)
    assert _row(zones, "cell")["vlans"] == "110, 111"
    assert _row(zones, "ops")["subnets"] == "10.0.3.0/24"
    assert _row(zones, "dmz")["purdue_level"] == 3.5
    first = _row(conduits, "ops-cell")
    assert (first["zone_a"], first["zone_b"], first["direction"]) == ("ops", "cell", "forward")
    assert first["protocols"] == "s7comm, historian replication"
    assert _row(conduits, "dmz-ops")["approved"] is False
    result = apply_edits(plant, zones, conduits)
    assert result.problems == [] and result.changed is False
    assert dumps_plant(result.plant) == dumps_plant(plant)


def test_renaming_a_zone_renames_every_reference(plant):
    zones = zone_rows(plant)
    _row(zones, "cell")["id"] = "cell-1"
    result = apply_edits(plant, zones, conduit_rows(plant))
    assert result.problems == []
    assert result.changed and result.zone_renames == {"cell": "cell-1"}
    p = result.plant
    assert [z.id for z in p.zones] == ["cell-1", "ops", "dmz"]
    assert p.zones[0].name == "Cell 1" and p.zones[0].vlans == [110, 111]  # the rest of the zone stays
    assets = p.asset_map()
    assert assets["plc-1"].zone == "cell-1"
    assert [nic.zone for nic in assets["fw-1"].interfaces] == ["dmz", "cell-1"]
    assert assets["fw-1"].interfaces[1].ip == "10.0.1.1"
    assert assets["hmi-1"].zone == "ops"
    assert [c.zones for c in p.conduits] == [["ops", "cell-1"], ["dmz", "ops"]]
    assert [e.covers for e in p.evidence] == [["plc-1", "zone:cell-1"], ["zone:ops"]]
    assert [f.id for f in p.accepted_findings] == [
        "unapproved-conduit@dmz-ops", "sl-gap@cell-1", "new-zone-pair@cell-1->ops"]
    # nothing else moved: the dumps differ exactly in the renamed places
    before, after = dumps_plant(plant), dumps_plant(p)
    assert after.count("cell-1") == 7 and before.count("cell-1") == 0
    assert after.replace("cell-1", "cell") == before


def test_rename_zone_function_agrees_with_the_table(plant):
    zones = zone_rows(plant)
    _row(zones, "ops")["id"] = "site-ops"
    from_table = apply_edits(plant, zones, conduit_rows(plant)).plant
    assert dumps_plant(rename_zone(plant, "ops", "site-ops")) == dumps_plant(from_table)
    assert from_table.conduits[1].zones == ["dmz", "site-ops"]
    assert from_table.evidence[1].covers == ["zone:site-ops"]
    assert from_table.accepted_findings[2].id == "new-zone-pair@cell->site-ops"
    with pytest.raises(OtriskError, match="zone id 'dmz' is taken"):
        rename_zone(plant, "ops", "dmz")


def test_swapping_two_zone_ids_moves_the_references_with_the_rows(plant):
    zones = zone_rows(plant)
    _row(zones, "cell")["id"] = "dmz"
    _row(zones, "dmz")["id"] = "cell"
    p = apply_edits(plant, zones, conduit_rows(plant)).plant
    assert p.asset_map()["plc-1"].zone == "dmz"
    assert [nic.zone for nic in p.asset_map()["fw-1"].interfaces] == ["cell", "dmz"]
    assert [c.zones for c in p.conduits] == [["ops", "dmz"], ["cell", "ops"]]


def test_a_new_conduit_may_name_a_zone_by_its_old_id_in_the_same_edit(plant):
    zones = zone_rows(plant)
    _row(zones, "dmz")["id"] = "ot-dmz"
    conduits = conduit_rows(plant) + [{"id": "dmz-cell", "zone_a": "dmz", "zone_b": "cell", ORIGIN: None}]
    result = apply_edits(plant, zones, conduits)
    assert result.problems == []
    new = result.plant.conduits[-1]
    assert (new.id, new.zones, new.direction, new.approved, new.one_way) == (
        "dmz-cell", ["ot-dmz", "cell"], "both", True, False)


def test_deleting_a_zone_still_named_is_refused_naming_everything(plant):
    zones = [r for r in zone_rows(plant) if r[ORIGIN] != "cell"]
    result = apply_edits(plant, zones, conduit_rows(plant))
    assert result.plant is None
    assert [str(p) for p in result.problems] == [(
        "zones, deleted row (cell), column id: cannot delete zone cell: still named by asset plc-1; "
        "interfaces of fw-1 (interface 2); conduit ops-cell; evidence ev-1; move or delete those first "
        "(or keep the zone)")]
    with pytest.raises(ZoneInUseError) as caught:
        delete_zone(plant, "cell")
    assert caught.value.references == zone_references(plant, "cell")
    assert caught.value.references.assets == ("plc-1",)
    assert caught.value.references.interfaces == (("fw-1", 2),)


def test_deleting_a_zone_after_its_references_are_gone_works(plant):
    plant = plant.model_copy(update={"assets": [a for a in plant.assets if a.id == "hmi-1"
                                                or a.id == "plc-1"]})
    plant = plant.model_copy(update={"assets": [a.model_copy(update={"zone": "ops"}) for a in plant.assets],
                                     "evidence": [plant.evidence[1]]})
    # the conduit to the zone is deleted in the same edit
    zones = [r for r in zone_rows(plant) if r[ORIGIN] != "cell"]
    conduits = [r for r in conduit_rows(plant) if r[ORIGIN] != "ops-cell"]
    result = apply_edits(plant, zones, conduits)
    assert result.problems == []
    assert result.deleted_zones == ("cell",) and result.deleted_conduits == ("ops-cell",)
    assert [z.id for z in result.plant.zones] == ["ops", "dmz"]
    assert [c.id for c in result.plant.conduits] == ["dmz-ops"]
    assert delete_zone(plant.model_copy(update={"conduits": result.plant.conduits}), "cell").zone_map().keys() == {
        "ops", "dmz"}


def test_deleting_a_conduit_drops_nothing_else(plant):
    conduits = [r for r in conduit_rows(plant) if r[ORIGIN] != "dmz-ops"]
    result = apply_edits(plant, zone_rows(plant), conduits)
    assert result.problems == []
    assert [c.id for c in result.plant.conduits] == ["ops-cell"]
    assert [f.id for f in result.plant.accepted_findings] == [f.id for f in plant.accepted_findings]
    assert result.plant.zones == plant.zones and result.plant.assets == plant.assets


def test_renaming_a_conduit_carries_its_accepted_findings(plant):
    conduits = conduit_rows(plant)
    _row(conduits, "dmz-ops")["id"] = "dmz-ops-legacy"
    result = apply_edits(plant, zone_rows(plant), conduits)
    assert result.problems == [] and result.conduit_renames == {"dmz-ops": "dmz-ops-legacy"}
    assert [f.id for f in result.plant.accepted_findings] == [
        "unapproved-conduit@dmz-ops-legacy", "sl-gap@cell", "new-zone-pair@cell->ops"]
    assert result.plant.accepted_findings[0].justification == "Until migration"
    assert dumps_plant(rename_conduit(plant, "dmz-ops", "dmz-ops-legacy")) == dumps_plant(result.plant)


def test_an_ambiguous_subject_is_not_carried_and_says_why(plant):
    # asset "ops-cell" has the conduit's id: "rule@ops-cell" could be about either
    plant = plant.model_copy(update={
        "assets": [*plant.assets, plant.assets[0].model_copy(update={"id": "ops-cell"})],
        "accepted_findings": [*plant.accepted_findings, plant.accepted_findings[0].model_copy(
            update={"id": "unapproved-conduit@ops-cell"})]})
    conduits = conduit_rows(plant)
    _row(conduits, "ops-cell")["id"] = "ops-to-cell"
    result = apply_edits(plant, zone_rows(plant), conduits)
    assert result.problems == []
    assert "unapproved-conduit@ops-cell" in [f.id for f in result.plant.accepted_findings]
    assert result.notes == [("accepted finding unapproved-conduit@ops-cell kept as it is: ops-cell also names "
                             "another asset, zone or conduit, so the subject is ambiguous")]


@pytest.mark.parametrize(("table", "origin", "cells", "expected"), [
    ("zones", "cell", {"sl_target": 7},
     "zones, row 1 (cell), column sl_target: input should be less than or equal to 4 (value '7')"),
    ("zones", "ops", {"purdue_level": 2.7},
     "zones, row 2 (ops), column purdue_level: a Purdue level is a whole number or 3.5 (value '2.7')"),
    ("zones", "dmz", {"vlans": "350, ten"},
     "zones, row 3 (dmz), column vlans: input should be a valid integer (value '350, ten')"),
    ("zones", "ops", {"subnets": "10.0.3.1/24"},
     ("zones, row 2 (ops), column subnets: not an IP network in CIDR form: 10.0.3.1/24 has host bits set "
      "(value '10.0.3.1/24')")),
    ("zones", "ops", {"id": "Site Ops"},
     ("zones, row 2 (Site Ops), column id: string should match pattern '^[a-z0-9][a-z0-9._-]*$' "
      "(value 'Site Ops')")),
    ("zones", "ops", {"id": "cell"},
     "zones, row 2 (cell), column id: duplicate id: already used by zones[0] (value 'cell')"),
    ("zones", "ops", {"name": None}, "zones, row 2 (ops), column name: required: fill it in"),
    ("zones", "cell", {"kind": "lab"},
     ("zones, row 1 (cell), column kind: input should be 'external', 'remote_access', 'enterprise', 'dmz', "
      "'supervisory', 'control', 'safety' or 'field' (value 'lab')")),
    ("conduits", "dmz-ops", {"zone_b": "nowhere"},
     "conduits, row 2 (dmz-ops), column zone_b: no zone with this id (value 'nowhere')"),
    ("conduits", "dmz-ops", {"zone_b": "dmz"},
     "conduits, row 2 (dmz-ops), column zone_b: a conduit joins two different zones (value 'dmz')"),
    ("conduits", "ops-cell", {"boundary_devices": "fw-1, fw-9"},
     "conduits, row 1 (ops-cell), column boundary_devices: no asset with this id (value 'fw-9')"),
    ("conduits", "ops-cell", {"direction": "up"},
     "conduits, row 1 (ops-cell), column direction: input should be 'both', 'forward' or 'reverse' (value 'up')"),
    ("conduits", "ops-cell", {"zone_a": None},
     "conduits, row 1 (ops-cell), column zone_a: required: fill it in"),
    ("conduits", "ops-cell", {"sl_target": -1},
     "conduits, row 1 (ops-cell), column sl_target: input should be greater than or equal to 0 (value '-1')"),
])
def test_invalid_values_are_named_by_table_row_and_column(plant, table, origin, cells, expected):
    zones, conduits = zone_rows(plant), conduit_rows(plant)
    _row(zones if table == "zones" else conduits, origin).update(cells)
    result = apply_edits(plant, zones, conduits)
    assert result.plant is None
    assert [str(p) for p in result.problems] == [expected]


def test_new_rows_are_validated_and_blank_ones_ignored(plant):
    zones = zone_rows(plant) + [{"id": "safety", "name": "SIS", "kind": "safety", "sl_target": 3.0,
                                 "vlans": "150", ORIGIN: None},
                                {ORIGIN: None}]
    conduits = conduit_rows(plant) + [{"id": "cell-safety", "zone_a": "cell", "zone_b": "safety",
                                       "direction": "forward", "one_way": True, "approved": None,
                                       "protocols": "profinet, s7comm", ORIGIN: None},
                                      {"one_way": False, "approved": True, ORIGIN: None}]
    result = apply_edits(plant, zones, conduits)
    assert result.problems == []
    zone = result.plant.zone_map()["safety"]
    assert (zone.sl_target, zone.vlans, zone.purdue_level) == (3, [150], None)
    c = result.plant.conduits[-1]
    assert (c.zones, c.direction, c.one_way, c.approved, c.protocols) == (
        ["cell", "safety"], "forward", True, True, ["profinet", "s7comm"])
    # a new row without a kind
    zones[-2]["kind"] = None
    result = apply_edits(plant, zones, conduits)
    assert [str(p) for p in result.problems] == ["zones, row 4 (safety), column kind: required: fill it in"]


def test_long_values_are_cut_in_problems(plant):
    zones = zone_rows(plant)
    _row(zones, "cell")["owner"] = "x" * 3000
    [problem] = apply_edits(plant, zones, conduit_rows(plant)).problems
    assert str(problem).startswith("zones, row 1 (cell), column owner: string should have at most 2000 characters")
    assert str(problem).endswith("… (3000 characters))")


def test_accept_and_unaccept_a_finding(plant):
    as_of = dt.date(2026, 12, 1)
    accepted = accept_finding(plant, "missing-owner@dmz", justification=" Interim ", accepted_by="Ops lead",
                              review_by=dt.date(2027, 6, 30), as_of=as_of)
    assert [f.id for f in accepted.accepted_findings][-1] == "missing-owner@dmz"
    last = accepted.accepted_findings[-1]
    assert (last.justification, last.accepted_by, last.review_by) == ("Interim", "Ops lead", dt.date(2027, 6, 30))
    assert len(plant.accepted_findings) == 3  # the old plant is unchanged
    # accepting again (e.g. after it expired) replaces the acceptance in its place
    again = accept_finding(accepted, "sl-gap@cell", justification="Renewed", accepted_by="QA",
                           review_by=dt.date(2028, 1, 1), as_of=as_of)
    assert [f.id for f in again.accepted_findings] == [f.id for f in accepted.accepted_findings]
    assert again.accepted_findings[1].justification == "Renewed"
    back = unaccept_finding(again, "missing-owner@dmz")
    assert [f.id for f in back.accepted_findings] == [f.id for f in plant.accepted_findings]
    with pytest.raises(OtriskError, match="not accepted"):
        unaccept_finding(back, "missing-owner@dmz")


def test_accept_names_every_problem(plant):
    with pytest.raises(AcceptanceError) as caught:
        accept_finding(plant, "sl-gap@ops", justification="  ", accepted_by="", review_by=dt.date(2026, 12, 1),
                       as_of=dt.date(2026, 12, 1))
    assert caught.value.problems == [
        "justification: required: fill it in",
        "accepted_by: required: fill it in",
        "review_by: must be after the as-of day 2026-12-01 (value '2026-12-01')",
    ]
    with pytest.raises(AcceptanceError) as caught:
        accept_finding(plant, "sl-gap@ops", justification="ok", accepted_by="me", review_by=None,
                       as_of=dt.date(2026, 12, 1))
    assert caught.value.problems == ["review_by: required: pick the date the acceptance is reviewed by"]
    with pytest.raises(AcceptanceError) as caught:
        accept_finding(plant, "no subject", justification="ok", accepted_by="me", review_by=dt.date(2027, 1, 1),
                       as_of=dt.date(2026, 12, 1))
    assert caught.value.problems == [
        "id: string should match pattern '^[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9._>-]*$' (value 'no subject')"]
