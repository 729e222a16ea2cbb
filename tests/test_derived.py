"""Model-derived evidence: hand-counted shares and the missing items named."""

from __future__ import annotations

from otrisk.derived import derived_evidence
from otrisk.plantfile import loads_plant
from otrisk.reference import load_demo_plant

PLANT = """\
format: otrisk/v1
site: {name: T}
zones:
  - {id: cell, name: Cell, kind: control, owner: Ops, sl_target: 2}
  - {id: office, name: Office, kind: enterprise}
conduits:
  - {id: c1, zones: [office, cell]}
  - {id: c2, zones: [office, cell], approved: false}
assets:
  - {id: plc, name: PLC, type: plc, zone: cell, owner: Ops, vendor: V, model: M, firmware: "1.0"}
  - {id: hmi, name: HMI, type: hmi, zone: cell, owner: Ops, vendor: V, model: M, depends_on: [plc]}
  - {id: sw, name: Switch, type: switch, zone: cell, firmware: "15.2"}
  - {id: pc, name: PC, type: other}
"""


def test_hand_counted_shares():
    d = {x.id: x for x in derived_evidence(loads_plant(PLANT))}
    inv = d["derived:inventory-completeness"]
    assert (inv.done, inv.total, inv.missing, inv.elements) == (1, 4, ("hmi", "pc", "sw"), ("CM 1",))
    assert inv.share == 0.25 and inv.derived
    assert (d["derived:zones-documented"].done, d["derived:zones-documented"].missing) == (1, ("office",))
    assert (d["derived:conduits-approved"].done, d["derived:conduits-approved"].missing) == (1, ("c2",))
    fw = d["derived:firmware-visibility"]
    assert (fw.done, fw.total, fw.missing) == (2, 4, ("hmi", "pc"))
    dep = d["derived:dependency-mapping"]  # the switch is infrastructure: not counted
    assert (dep.done, dep.total, dep.missing) == (2, 3, ("pc",))
    assert all(x.how for x in d.values())


def test_empty_plant_has_no_share():
    d = derived_evidence(loads_plant("format: otrisk/v1\nsite: {name: T}\n"))
    assert [x.share for x in d] == [None] * 5


def test_demo_plant_figures():
    demo = load_demo_plant()
    d = {x.id: x for x in derived_evidence(demo)}
    complete = [a.id for a in demo.assets if a.zone and a.owner and a.vendor and a.model and a.firmware]
    assert d["derived:inventory-completeness"].done == len(complete)
    assert d["derived:inventory-completeness"].total == len(demo.assets) == 88
    assert "laptop-filler-oem" in d["derived:inventory-completeness"].missing  # no zone
    assert d["derived:conduits-approved"].missing == ("vendor-ra-filling",)
