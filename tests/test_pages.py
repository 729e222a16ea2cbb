"""Streamlit AppTest of every page, each against its own fresh SQLite database.

Each test opens its page directly (``AppTest.from_file``) on cleared caches: the same as a
page opened by its URL on a freshly started server, so the shared setup call must do
everything (engine, schema, demo seed, sidebar).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.errors import PlantFileError
from otrisk.impact import analyze_plant, dependents, managed
from otrisk.models import AXES, Asset
from otrisk.plantfile import dumps_plant, loads_plant
from otrisk.reference import load_demo_plant
from otrisk.ui.graph import outside_references

from apptest_support import db_url, editor_state, engine, errors, frame_with, run  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SYSTEMS = ROOT / "pages" / "1_Systems_and_dependencies.py"
IMPACT = ROOT / "pages" / "2_Impact.py"
NETWORK = ROOT / "pages" / "3_Network_map.py"


# --- Overview ---------------------------------------------------------------------------

def test_overview_shows_the_top_asset_kpis_and_gaps(db_url):
    demo = load_demo_plant()
    top = analyze_plant(demo)[0].asset
    at = run(APP)

    assert at.title[0].value == "Overview"
    ranking = frame_with(at, "why")
    assert ranking["asset"].iloc[0] == top
    assert len(ranking) == min(10, len(demo.assets))
    # every score carries its explanation: the EWS ranks first because it can change the SIS
    first = analyze_plant(demo)[0]
    assert ranking["why"].iloc[0] == "; ".join(first.reasons[1:])
    assert "compromise safety 5: manages" in ranking["why"].iloc[0]
    assert ranking["if taken over"].iloc[0] == "/".join(str(first.compromise[ax]) for ax in AXES)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Assets"] == str(len(demo.assets))
    assert metrics["Zones"] == str(len(demo.zones))
    assert metrics["Conduits"] == str(len(demo.conduits))
    assert metrics["Dependencies"] == str(sum(len(a.depends_on) for a in demo.assets))
    no_zone = sorted(a.id for a in demo.assets if not a.zone)
    assert metrics["Assets without zone"] == str(len(no_zone))
    headings = [s.value for s in at.subheader]
    assert f"Assets without zone ({len(no_zone)})" in headings
    from otrisk.evidence import today_utc
    from otrisk.readiness import readiness

    first = readiness(demo, as_of=today_utc()).strengthen_first[0]
    assert any(m.value.startswith(f"**{first.id} {first.name}** · score {first.score:g}") for m in at.markdown)
    side = "\n".join(str(getattr(e, "value", "")) for e in at.sidebar)
    assert demo.site.name in side
    assert "Revision 1" in side
    assert f"SQLite file {db_url.removeprefix('sqlite:///')}" in side


def test_configured_user_header_missing_stops_the_page(db_url, monkeypatch):
    monkeypatch.setenv("OTRISK_USER_HEADER", "X-Forwarded-User")
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert "Sign-in required" in errors(at)
    assert "X-Forwarded-User" in errors(at)
    assert not at.title  # nothing else rendered


# --- Systems and dependencies -----------------------------------------------------------

def _editor_key(at: AppTest) -> str:
    [editor] = at.data_editor
    assert editor.key and editor.key.startswith("sys_")
    return editor.key


def test_edit_a_rating_and_save(engine):
    plant, revision = db.load_plant_db(engine)
    assert revision == 1
    row = next(i for i, a in enumerate(plant.assets) if a.impact.production != 5)
    target = plant.assets[row].id

    at = run(SYSTEMS)
    at.session_state[_editor_key(at)] = editor_state(edited={str(row): {"production": 5}})
    at.run()
    assert not at.exception and not at.error
    assert not at.button(key="sys_save").disabled
    at.button(key="sys_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, errors(at)

    stored, new_revision = db.load_plant_db(engine)
    assert new_revision == 2
    assert stored.asset_map()[target].impact.production == 5
    assert [a.id for a in stored.assets] == [a.id for a in plant.assets]
    assert "Saved as revision 2." in [s.value for s in at.success]
    log = frame_with(at, "who")
    assert log["revision"].iloc[0] == 2 and target in log["what"].iloc[0]
    assert at.button(key="sys_save").disabled  # a fresh table: nothing to save


def test_add_and_delete_rows(engine):
    plant, _ = db.load_plant_db(engine)
    victim = next(a for a in plant.assets if not any(a.id in b.depends_on or a.id in b.manages for b in plant.assets)
                  and not any(a.id in c.boundary_devices for c in plant.conduits)
                  and not any(a.id in e.covers for e in plant.evidence))
    row = [a.id for a in plant.assets].index(victim.id)
    at = run(SYSTEMS)
    at.session_state[_editor_key(at)] = editor_state(
        added=[{"id": "hmi-new-1", "name": "New HMI", "type": "hmi", "zone": plant.zones[0].id,
                "safety": 3, "depends_on": f"{plant.assets[0].id}"}],
        deleted=[row],
    )
    at.run()
    assert not at.error, errors(at)
    at.button(key="sys_save").click().run()
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    ids = [a.id for a in stored.assets]
    assert "hmi-new-1" in ids and victim.id not in ids
    new = stored.asset_map()["hmi-new-1"]
    assert new.impact.safety == 3 and new.impact.production is None
    assert new.depends_on == [plant.assets[0].id]


def test_invalid_edit_shows_the_problem_and_saves_nothing(engine):
    plant, _ = db.load_plant_db(engine)
    at = run(SYSTEMS)
    at.session_state[_editor_key(at)] = editor_state(edited={
        "2": {"depends_on": "no-such-asset"},
        "4": {"safety": 9},
    })
    at.run()
    text = errors(at)
    assert f"row 3 ({plant.assets[2].id}), column depends_on: no asset with this id (value 'no-such-asset')" in text
    assert f"row 5 ({plant.assets[4].id}), column safety:" in text
    assert at.button(key="sys_save").disabled
    at.run()
    assert db.load_plant_db(engine)[1] == 1
    assert db.change_log(engine)[0].revision == 1


def test_stale_save_is_refused_and_the_edits_stay(engine):
    plant, _ = db.load_plant_db(engine)
    at = run(SYSTEMS)
    key = _editor_key(at)
    at.session_state[key] = editor_state(edited={"0": {"owner": "Mine"}})
    at.run()
    # Someone else saves meanwhile.
    theirs = plant.model_copy(update={"assets": [a.model_copy(update={"owner": "Theirs"}) if i == 1 else a
                                                 for i, a in enumerate(plant.assets)]})
    db.save_plant_db(engine, theirs, expected_revision=1, who="alice")

    at.button(key="sys_save").click().run()
    assert "Not saved: the plant was changed by alice" in errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2 and stored.assets[0].owner == plant.assets[0].owner
    assert at.session_state[key]["edited_rows"] == {"0": {"owner": "Mine"}}  # nothing lost
    assert any("changed since you started editing" in w.value for w in at.warning)


BAD_FILE = """\
format: otrisk/v1
site: {name: Bad plant}
zones:
  - {id: z1, name: Zone one, kind: control}
assets:
  - id: plc-1
    name: PLC 1
    type: plc
    zone: z9
    firmware: 2.10
  - {id: hmi-1, name: HMI 1, type: hmi, depends_on: [plc-2], colour: red}
"""


def test_upload_of_a_bad_file_shows_every_problem_and_changes_nothing(engine):
    with pytest.raises(PlantFileError) as caught:
        loads_plant(BAD_FILE, source="bad.yaml")
    expected = [str(p) for p in caught.value.problems]
    assert len({p.line for p in caught.value.problems}) >= 2

    at = run(SYSTEMS)
    at.file_uploader[0].upload("bad.yaml", BAD_FILE.encode(), "application/yaml")
    at.run()
    text = errors(at)
    for line in expected:
        assert line in text
    assert re.search(r"bad\.yaml:\d+: ", text)
    assert not [b for b in at.button if b.key == "sys_import_confirm"]
    assert db.load_plant_db(engine)[1] == 1


def test_upload_of_a_good_file_previews_then_replaces_on_confirm(engine):
    plant, _ = db.load_plant_db(engine)
    removed = next(a.id for a in plant.assets if not any(a.id in b.depends_on or a.id in b.manages
                                                         for b in plant.assets)
                   and not any(a.id in c.boundary_devices for c in plant.conduits)
                   and not any(a.id in e.covers for e in plant.evidence))
    new_assets = [a for a in plant.assets if a.id != removed] + [
        Asset(id="rtu-remote-9", name="Remote RTU 9", type="rtu", zone=plant.zones[-1].id)]
    incoming = plant.model_copy(update={"assets": new_assets})
    text = dumps_plant(incoming)

    at = run(SYSTEMS)
    at.file_uploader[0].upload("next.yaml", text.encode(), "application/yaml")
    at.run()
    assert not at.error, errors(at)
    diff = frame_with(at, "added")
    assets_row = diff[diff["section"] == "assets"].iloc[0]
    assert "rtu-remote-9" in assets_row["added"] and removed in assets_row["removed"]
    assert db.load_plant_db(engine)[1] == 1  # a preview stores nothing

    at.button(key="sys_import_confirm").click().run()
    assert not at.exception and not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assert dumps_plant(stored) == text
    entry = db.change_log(engine)[0]
    assert entry.action == "import" and "next.yaml" in entry.summary


def test_import_over_someone_elses_save_is_refused(engine):
    plant, _ = db.load_plant_db(engine)
    text = dumps_plant(plant.model_copy(update={"site": plant.site.model_copy(update={"name": "Renamed"})}))
    at = run(SYSTEMS)
    at.file_uploader[0].upload("renamed.yaml", text.encode(), "application/yaml")
    at.run()
    db.save_plant_db(engine, plant.model_copy(update={"actions": []}), expected_revision=1, who="bob")

    at.button(key="sys_import_confirm").click().run()  # the preview the user saw was revision 1
    assert "Not saved: the plant was changed by bob" in errors(at)
    assert db.load_plant_db(engine)[1] == 2
    at.button(key="sys_import_confirm").click().run()  # now confirmed against revision 2
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and stored.site.name == "Renamed"


def test_an_import_that_removes_most_assets_needs_an_extra_yes(engine):
    plant, _ = db.load_plant_db(engine)
    emptied = plant.model_copy(update={"assets": [], "conduits": [
        c.model_copy(update={"boundary_devices": []}) for c in plant.conduits],
        "evidence": [e.model_copy(update={"covers": []}) for e in plant.evidence]})
    at = run(SYSTEMS)
    at.file_uploader[0].upload("empty.yaml", dumps_plant(emptied).encode(), "application/yaml")
    at.run()
    assert f"This file removes {len(plant.assets)} of the {len(plant.assets)} stored assets." in \
        [w.value for w in at.warning]
    assert at.button(key="sys_import_confirm").disabled
    at.checkbox(key="sys_import_sure").check().run()
    assert not at.button(key="sys_import_confirm").disabled
    at.button(key="sys_import_confirm").click().run()
    stored, revision = db.load_plant_db(engine)
    assert revision == 2 and stored.assets == []


def test_download_offers_the_stored_plant_file(db_url):
    at = run(SYSTEMS)
    [button] = [b for b in at.get("download_button") if b.key == "sys_download"]
    assert "revision 1" in button.label


def test_editor_rows_keep_hidden_fields_by_origin_not_position():
    from otrisk.ui.editor import ORIGIN, assets_frame, plant_from_frame

    plant = loads_plant("""\
format: otrisk/v1
site: {name: T}
assets:
  - {id: sw-1, name: Switch, type: switch, mac: "00:11:22:33:44:55", description: core}
  - {id: plc-1, name: PLC, type: plc, depends_on: [sw-1], description: line PLC}
""")
    frame = assets_frame(plant)
    assert ORIGIN in frame.columns
    # The editor deletes before it adds: a new row can get the deleted row's position.
    frame = frame.drop(index=1)
    frame.loc[1] = {"id": "hmi-1", "name": "HMI", "type": "hmi", "depends_on": "sw-1"}
    frame.loc[0, "id"] = "sw-core"  # a renamed asset keeps its hidden fields...
    frame.loc[5] = {}  # ...and a blank added row is ignored
    result = plant_from_frame(plant, frame)
    assert [p.message for p in result.problems] == ["no asset with this id"]  # hmi-1 -> sw-1
    frame.loc[1, "depends_on"] = "sw-core"
    result = plant_from_frame(plant, frame)
    assert not result.problems and result.changed
    sw, hmi = result.plant.assets
    assert (sw.id, sw.mac, sw.description) == ("sw-core", "00:11:22:33:44:55", "core")
    assert hmi.description is None and hmi.depends_on == ["sw-core"]


# --- Impact -----------------------------------------------------------------------------

def test_impact_ranking_filters_and_dependents(db_url):
    demo = load_demo_plant()
    results = analyze_plant(demo)
    at = run(IMPACT)
    ranking = frame_with(at, "priority")
    assert list(ranking["asset"]) == [r.asset for r in results]

    zone = "cellar"
    at.multiselect(key="imp_zones").set_value([zone]).run()
    ranking = frame_with(at, "priority")
    in_zone = [r.asset for r in results if demo.asset_map()[r.asset].zone == zone]
    assert list(ranking["asset"]) == in_zone and in_zone

    kind = demo.asset_map()[in_zone[0]].type
    at.multiselect(key="imp_types").set_value([kind]).run()
    ranking = frame_with(at, "priority")
    assert set(ranking["zone"]) == {zone} and set(ranking["type"]) == {kind}

    at.multiselect(key="imp_zones").set_value([]).run()
    at.multiselect(key="imp_types").set_value([]).run()
    ews = next(a.id for a in demo.assets if a.manages)
    at.selectbox(key="imp_asset").set_value(ews).run()
    tables = [df.value for df in at.dataframe if list(df.value.columns) == ["asset", "name", "type", "zone", "owner"]]
    dep_table, managed_table = tables[-2], tables[-1]
    assert list(dep_table["asset"]) == sorted(dependents(demo, ews))
    assert list(managed_table["asset"]) == sorted(managed(demo, ews))
    assert list(managed_table["name"]) == [demo.asset_map()[i].name for i in sorted(managed(demo, ews))]

    heat, takeover = [df.value for df in at.dataframe if "zone name" in df.value.columns]
    worst_safety = max(r.effective["safety"] or 0 for r in results if demo.asset_map()[r.asset].zone == "safety")
    assert heat.loc["safety", "safety"] == worst_safety
    # the SCADA zone holds the engineering workstations: mild to lose, severe to take over
    in_scada = [r for r in results if demo.asset_map()[r.asset].zone == "scada"]
    assert takeover.loc["scada", "safety"] == max(r.compromise["safety"] or 0 for r in in_scada) == 5
    assert heat.loc["scada", "safety"] == max(r.effective["safety"] or 0 for r in in_scada) < 5


# --- Network map ------------------------------------------------------------------------

def _srcdoc(at: AppTest) -> str:
    frames = [el for el in at.main if type(el).__name__ == "UnknownElement" and el.proto.srcdoc]
    assert len(frames) == 1
    assert frames[0].proto.alt == "Network map"
    return frames[0].proto.srcdoc


def _node_ids(html: str) -> set[str]:
    line = next(line for line in html.splitlines() if "nodes = new vis.DataSet(" in line)
    return set(re.findall(r'"id": "([^"]+)"', line))


def test_network_map_is_offline_and_shows_every_asset(db_url):
    demo = load_demo_plant()
    html = _srcdoc(run(NETWORK))
    assert _node_ids(html) == {a.id for a in demo.assets}
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert "bootstrap" not in html.lower()
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html
    assert outside_references(html) == []


def test_network_map_filters_by_zone_and_neighbourhood(db_url):
    demo = load_demo_plant()
    at = run(NETWORK)
    at.radio(key="net_mode").set_value("One zone").run()
    at.selectbox(key="net_zone").set_value("cellar").run()
    assert _node_ids(_srcdoc(at)) == {a.id for a in demo.assets if a.zone == "cellar"}

    center = next(a for a in demo.assets if a.depends_on)
    at.radio(key="net_mode").set_value("Around an asset").run()
    at.selectbox(key="net_center").set_value(center.id).run()
    ids = _node_ids(_srcdoc(at))
    users = {a.id for a in demo.assets if center.id in a.depends_on or center.id in a.manages}
    assert ids == {center.id, *center.depends_on, *center.manages, *users}
    at.radio(key="net_radius").set_value(2).run()
    assert _node_ids(_srcdoc(at)) == _within(demo, center.id, 2)

    at.toggle(key="net_layered").set_value(True).run()
    html = _srcdoc(at)
    within = _within(demo, center.id, 2)
    captions = {f"zone-caption:{a.zone or '(no zone)'}" for a in demo.assets if a.id in within}
    assert _node_ids(html) == within | captions  # assets plus one caption per zone shown
    assert '"physics": false' in html and '"x": ' in html  # positions from Python
    assert '"randomSeed": 7' in html


def _within(plant, center: str, steps: int) -> set[str]:
    """Assets up to ``steps`` depends_on/manages links from ``center``, either direction."""
    links = {(a.id, b) for a in plant.assets for b in (*a.depends_on, *a.manages)}
    seen = {center}
    for _ in range(steps):
        seen |= {b for a, b in links if a in seen} | {a for a, b in links if b in seen}
    return seen


def test_network_map_keeps_user_text_inert(engine):
    plant, _ = db.load_plant_db(engine)
    nasty = '<img src=x onerror=alert(1)> HREF </script><script>alert(2)</script>'
    plant.assets.append(Asset(id="evil-1", name=nasty, type="other", zone=plant.zones[0].id,
                              owner="javascript:alert(3) href"))
    db.save_plant_db(engine, plant, expected_revision=1)
    html = _srcdoc(run(NETWORK))
    line = next(line for line in html.splitlines() if "nodes = new vis.DataSet(" in line)
    assert "<img" not in line and "</script>" not in line  # JSON-escaped
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in line
    assert not re.search("href", line, re.IGNORECASE)  # broken with a zero-width space
    assert "H\\u200bREF" in line
    assert outside_references(html) == []
