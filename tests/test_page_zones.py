"""The Zones and conduits page and the zone view of the Network map (AppTest on the demo plant)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from apptest_support import db_url, editor_state, engine, errors, frame_with, run  # noqa: F401 (fixtures)
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.evidence import today_utc
from otrisk.models import Zone
from otrisk.reference import load_demo_plant
from otrisk.rules import rules_report
from otrisk.ui.graph import SL_GAPS, outside_references
from otrisk.zones import reach, zone_exposure

ROOT = Path(__file__).resolve().parents[1]
ZONES = ROOT / "pages" / "9_zones_and_conduits.py"
NETWORK = ROOT / "pages" / "3_Network_map.py"


def _keys(at: AppTest) -> tuple[str, str]:
    zones, conduits = at.data_editor
    assert zones.key.startswith("zc_zones_") and conduits.key.startswith("zc_conduits_")
    return zones.key, conduits.key


def _edit(at: AppTest, *, zones: dict | None = None, conduits: dict | None = None) -> AppTest:
    zkey, ckey = _keys(at)
    if zones is not None:
        at.session_state[zkey] = editor_state(**zones)
    if conduits is not None:
        at.session_state[ckey] = editor_state(**conduits)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _save(at: AppTest) -> AppTest:
    at.button(key="zc_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_shows_both_tables_and_the_exposure_of_every_zone(db_url):
    demo = load_demo_plant()
    at = run(ZONES)
    zones, conduits = (e.value for e in at.data_editor)
    assert list(zones["id"]) == [z.id for z in demo.zones]
    assert [v if isinstance(v, str) else None for v in zones["vlans"]] == \
        [", ".join(map(str, z.vlans)) or None for z in demo.zones]
    assert list(conduits["id"]) == [c.id for c in demo.conduits]
    assert list(zip(conduits["zone_a"], conduits["zone_b"])) == [tuple(c.zones) for c in demo.conduits]
    assert list(conduits["approved"]) == [c.approved for c in demo.conduits]

    table = frame_with(at, "exposure")
    assert dict(zip(table["zone"], table["exposure"])) == zone_exposure(demo)
    for _, row in table.iterrows():
        r = reach(demo, row["zone"])
        assert row["reachable zones"] == ", ".join(r.reachable)
        assert row["unapproved conduits on the paths"] == ", ".join(r.unapproved_conduits)
    office = table.set_index("zone").loc["office"]
    assert (office["exposure"], office["why"]) == (0, "no other zone reaches it")
    assert table.set_index("zone").loc["vendor-cloud", "why"] == "kind external: outside the plant's control"
    assert at.button(key="zc_save").disabled  # nothing edited yet


def test_an_edit_saves_as_the_next_revision(engine):
    plant, revision = db.load_plant_db(engine)
    row = [z.id for z in plant.zones].index("cellar")
    at = _edit(run(ZONES), zones={"edited": {str(row): {"owner": "Cellar master", "sl_achieved": 2}}})
    assert not at.error, errors(at)
    assert any("Unsaved changes" in i.value and "cellar" in i.value for i in at.info)
    _save(at)
    assert not at.error, errors(at)
    stored, new_revision = db.load_plant_db(engine)
    assert (revision, new_revision) == (1, 2)
    cellar = stored.zone_map()["cellar"]
    assert (cellar.owner, cellar.sl_achieved, cellar.sl_target, cellar.vlans) == ("Cellar master", 2, 2, [120])
    assert [z.id for z in stored.zones] == [z.id for z in plant.zones]
    assert stored.conduits == plant.conduits and stored.assets == plant.assets
    assert "Saved as revision 2." in [s.value for s in at.success]
    assert db.change_log(engine)[0].revision == 2


def test_renaming_a_zone_in_the_table_renames_its_references(engine):
    plant, _ = db.load_plant_db(engine)
    row = [z.id for z in plant.zones].index("cellar")
    at = _save(_edit(run(ZONES), zones={"edited": {str(row): {"id": "cellar-1"}}}))
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assert "cellar" not in stored.zone_map() and stored.zone_map()["cellar-1"].name == plant.zone_map()["cellar"].name
    assert sorted(a.id for a in stored.assets if a.zone == "cellar-1") == \
        sorted(a.id for a in plant.assets if a.zone == "cellar")
    batch = stored.asset_map()["batch-server"]
    assert [nic.zone for nic in batch.interfaces] == ["brewhouse", "cellar-1"]
    assert {c.id: c.zones for c in stored.conduits}["scada-cellar"] == ["scada", "cellar-1"]
    assert {c.id: c.zones for c in stored.conduits}["cellar-field"] == ["cellar-1", "field-io"]
    switch_configs = {e.id: e.covers for e in stored.evidence}["ev-switch-configs"]
    assert "zone:cellar-1" in switch_configs and "zone:cellar" not in switch_configs
    assert not any(a.zone == "cellar" or any(n.zone == "cellar" for n in a.interfaces) for a in stored.assets)
    assert "zone cellar renamed to cellar-1" in db.change_log(engine)[0].summary


def test_renaming_a_conduit_carries_its_accepted_finding(engine):
    plant, _ = db.load_plant_db(engine)
    row = [c.id for c in plant.conduits].index("vendor-ra-filling")
    at = _save(_edit(run(ZONES), conduits={"edited": {str(row): {"id": "vendor-ra-filler"}}}))
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assert [f.id for f in stored.accepted_findings] == ["unapproved-conduit@vendor-ra-filler"]
    assert stored.accepted_findings[0].review_by == plant.accepted_findings[0].review_by
    report = rules_report(stored, as_of=plant.accepted_findings[0].review_by)
    assert [f.id for f, _ in report.accepted] == ["unapproved-conduit@vendor-ra-filler"]
    assert report.stale_acceptances == ()


def test_deleting_a_zone_in_use_is_refused_naming_who_uses_it(engine):
    plant, _ = db.load_plant_db(engine)
    row = [z.id for z in plant.zones].index("safety")
    at = _edit(run(ZONES), zones={"deleted": [row]})
    text = errors(at)
    users = sorted(a.id for a in plant.assets if a.zone == "safety")
    assert ("zones, deleted row (safety), column id: cannot delete zone safety: still named by assets "
            f"{', '.join(users)}") in text
    assert "conduits scada-safety, utilities-safety" in text
    assert at.button(key="zc_save").disabled
    assert db.load_plant_db(engine)[1] == 1


def test_deleting_a_conduit_saves_and_keeps_everything_else(engine):
    plant, _ = db.load_plant_db(engine)
    row = [c.id for c in plant.conduits].index("vendor-ra-filling")
    at = _save(_edit(run(ZONES), conduits={"deleted": [row]}))
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assert [c.id for c in stored.conduits] == [c.id for c in plant.conduits if c.id != "vendor-ra-filling"]
    assert stored.accepted_findings == plant.accepted_findings and stored.assets == plant.assets
    # the exposure table follows the stored plant
    assert dict(zip(*(frame_with(at, "exposure")[c] for c in ("zone", "exposure")))) == zone_exposure(stored)


def test_invalid_values_are_named_and_nothing_is_saved(engine):
    plant, _ = db.load_plant_db(engine)
    at = _edit(run(ZONES),
               zones={"edited": {"2": {"sl_target": 9}}},
               conduits={"edited": {"0": {"zone_b": "nowhere"}},
                         "added": [{"id": "new-link", "zone_a": "office", "zone_b": "scada", "direction": "sideways"}]})
    text = errors(at)
    assert f"zones, row 3 ({plant.zones[2].id}), column sl_target: input should be less than or equal to 4 " \
           "(value '9')" in text
    assert f"conduits, row 1 ({plant.conduits[0].id}), column zone_b: no zone with this id (value 'nowhere')" in text
    assert f"conduits, row {len(plant.conduits) + 1} (new-link), column direction: input should be 'both', " \
           "'forward' or 'reverse' (value 'sideways')" in text
    assert "3 problems in the tables" in text
    assert at.button(key="zc_save").disabled
    assert db.load_plant_db(engine)[1] == 1


def test_a_new_zone_and_its_conduit_in_one_save(engine):
    at = _edit(run(ZONES),
               zones={"added": [{"id": "lab", "name": "QA lab", "kind": "supervisory", "purdue_level": 3,
                                 "sl_target": 1, "vlans": "170", "subnets": "172.20.170.0/24"}]},
               conduits={"added": [{"id": "ops-lab", "zone_a": "ot-ops", "zone_b": "lab", "direction": "forward",
                                    "protocols": "https", "approved": False}]})
    assert not at.error, errors(at)
    table = frame_with(at, "exposure").set_index("zone")
    assert table.loc["lab", "exposure"] == 3  # previewed with the unsaved edits: ot-ops is reachable from outside
    _save(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    lab = stored.zone_map()["lab"]
    assert (lab.kind, lab.purdue_level, lab.vlans, lab.subnets) == ("supervisory", 3, [170], ["172.20.170.0/24"])
    link = {c.id: c for c in stored.conduits}["ops-lab"]
    assert (link.zones, link.direction, link.approved, link.one_way) == (["ot-ops", "lab"], "forward", False, False)
    assert "ops-lab" in reach(stored, "ot-ops").unapproved_conduits


def test_a_stale_save_is_refused_and_the_edits_stay(engine):
    plant, _ = db.load_plant_db(engine)
    at = run(ZONES)
    zkey, _ = _keys(at)
    _edit(at, zones={"edited": {"0": {"owner": "Mine"}}})
    theirs = plant.model_copy(update={"zones": [z.model_copy(update={"owner": "Theirs"}) if i == 1 else z
                                                for i, z in enumerate(plant.zones)]})
    db.save_plant_db(engine, theirs, expected_revision=1, who="alice")

    _save(at)
    assert "Not saved: the plant was changed by alice" in errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2 and stored.zones[0].owner == plant.zones[0].owner and stored.zones[1].owner == "Theirs"
    assert at.session_state[zkey]["edited_rows"] == {"0": {"owner": "Mine"}}  # nothing lost
    assert any("changed since you started editing" in w.value for w in at.warning)

    at.button(key="zc_reload").click().run()  # discards the edits: the tables show revision 2
    new_zkey, _ = _keys(at)
    assert new_zkey != zkey
    zones = at.data_editor[0].value
    assert list(zones["owner"])[:2] == [plant.zones[0].owner, "Theirs"]
    assert not any("changed since you started editing" in w.value for w in at.warning)


# --- the zone view of the Network map ------------------------------------------------------------

def _zone_srcdoc(at: AppTest) -> str:
    frames = [el for el in at.main if type(el).__name__ == "UnknownElement" and el.proto.srcdoc]
    assert len(frames) == 1
    assert frames[0].proto.alt == "Zone map"
    return frames[0].proto.srcdoc


def _data(html: str, name: str) -> list[dict]:
    line = next(line for line in html.splitlines() if f"{name} = new vis.DataSet(" in line)
    return json.loads(line[line.index("(") + 1: line.rindex(")")])


def _zone_view(at: AppTest) -> AppTest:
    at.radio(key="nm_view").set_value("Zones").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_zone_view_draws_every_zone_and_conduit_offline(db_url):
    demo = load_demo_plant()
    html = _zone_srcdoc(_zone_view(run(NETWORK)))
    assert outside_references(html) == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert "bootstrap" not in html.lower()
    nodes = {n["id"]: n for n in _data(html, "nodes")}
    assert set(nodes) == {z.id for z in demo.zones}
    assert nodes["cellar"]["label"] == "Fermentation, storage, filtration and C…\ncontrol · SL-T 2 / SL-A 1"
    colour = {z: n["color"]["background"] for z, n in nodes.items()}
    assert colour["safety"] == SL_GAPS["1"][1]          # SL-T 3, SL-A 2
    assert colour["utilities"] == SL_GAPS["0"][1]       # SL-T 2, SL-A 2
    assert colour["field-io"] == SL_GAPS["unknown"][1]  # SL-T 1, SL-A not rated
    assert colour["vendor-cloud"] == SL_GAPS["none"][1]
    edges = {e["id"]: e for e in _data(html, "edges")}
    assert set(edges) == {c.id for c in demo.conduits}
    unapproved = edges["vendor-ra-filling"]
    assert (unapproved["dashes"], unapproved["label"], unapproved["arrows"]) == (True, "unapproved", "to, from")
    assert [c for c, e in edges.items() if e["dashes"]] == ["vendor-ra-filling"]
    diode = edges["historian-export"]
    assert (diode["label"], diode["width"], diode["arrows"], diode["from"], diode["to"]) == (
        "one-way", 4, "to", "ot-ops", "ot-dmz")
    assert edges["office-dmz"]["arrows"] == "to" and "label" not in edges["office-dmz"]
    # Purdue rows: level 5 on top
    assert nodes["vendor-cloud"]["y"] < nodes["office"]["y"] < nodes["ot-dmz"]["y"] < nodes["scada"]["y"] \
        < nodes["cellar"]["y"] < nodes["field-io"]["y"]


def test_zone_view_keeps_user_text_inert(engine):
    plant, _ = db.load_plant_db(engine)
    nasty = '<img src=x onerror=alert(1)> HREF </script><script>alert(2)</script>'
    plant.zones.append(Zone(id="evil", name=nasty, kind="field", owner="javascript:alert(3) href"))
    db.save_plant_db(engine, plant, expected_revision=1)
    html = _zone_srcdoc(_zone_view(run(NETWORK)))
    line = next(line for line in html.splitlines() if "nodes = new vis.DataSet(" in line)
    assert "<img" not in line and "</script>" not in line
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in line
    assert not re.search("href", line, re.IGNORECASE)
    assert "H\\u200bREF" in line and "h\\u200bref" in line
    assert outside_references(html) == []


def test_zone_view_lists_the_findings_of_the_chosen_zone(db_url):
    demo = load_demo_plant()
    at = _zone_view(run(NETWORK))
    at.selectbox(key="nm_zone_pick").set_value("filling").run()
    assert not at.exception
    report = rules_report(demo, as_of=today_utc())
    expected = [f.id for f in report.open if "filling" in f.zones] + \
               [f.id for f, _ in report.accepted if "filling" in f.zones]
    table = frame_with(at, "worst effective")
    assert list(table["id"]) == expected and expected
    assert "unapproved-conduit@vendor-ra-filling" in expected
    assert any("exposure 3" in m.value and "vendor-ra-filling" in m.value for m in at.markdown)
    # back to the assets: the asset view is unchanged
    at.radio(key="nm_view").set_value("Assets").run()
    frames = [el for el in at.main if type(el).__name__ == "UnknownElement" and el.proto.srcdoc]
    assert [f.proto.alt for f in frames] == ["Network map"]
