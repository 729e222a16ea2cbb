"""AppTest of the program map and strengthen-first pages on the demo plant: they show the
numbers of ``otrisk readiness --json`` for the same day, drill down, and turn an item into an
action that is stored."""

from __future__ import annotations

import datetime as dt
import json

import apptest_support
from apptest_support import PAGES, ROOT, errors, frame_with, run
from conftest import realdata

from otrisk import db
from otrisk.cli import main
from otrisk.libraries import import_library, library_names, read_library
from otrisk.readiness import readiness
from otrisk.reference import load_demo_plant

# The shared fixtures, found by pytest under these names (a plain assignment, not an unused import).
db_url, engine = apptest_support.db_url, apptest_support.engine

PROGRAM_MAP = PAGES / "4_program_map.py"
STRENGTHEN = PAGES / "5_strengthen.py"
AS_OF = dt.date(2026, 11, 30)


def at_day(path, day=AS_OF, key="pm_as_of"):
    at = run(path)
    at.date_input(key=key).set_value(day).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cli_report(capsys) -> dict:
    assert main(["readiness", str(ROOT / "data" / "demo_plant.yaml"), "--json", "--as-of", AS_OF.isoformat()]) == 0
    return json.loads(capsys.readouterr().out)


def test_program_map_shows_the_numbers_of_the_cli(db_url, capsys):
    doc = cli_report(capsys)
    at = at_day(PROGRAM_MAP)
    frame = frame_with(at, "paper compliance")
    assert list(frame["id"]) == ["ORG", "CM", "NET", "COMP", "DATA", "USER", "EVENT", "AVAIL"]
    for row, element in zip(frame.to_dict("records"), doc["elements"]):
        assert row["rank"] == element["rank"]
        assert (row["maturity"], row["target"]) == (element["maturity"], element["target"])
        ev = element["evidence"]
        assert row["operational"] == f"{ev['operational']['fresh']} fresh / {ev['operational']['stale']} stale"
        assert row["organizational"] == f"{ev['organizational']['fresh']} fresh / {ev['organizational']['stale']} stale"
        assert bool(row["paper compliance"]) == element["paper_compliance"]
    # by hand from data/demo_plant.yaml: only ORG 3 (physical access concept, organizational,
    # where both kinds are expected) is paper compliance; EVENT ranks first
    assert list(frame.loc[frame["paper compliance"] != "", "id"]) == ["ORG"]
    assert frame.set_index("id").loc["EVENT", "rank"] == 1
    # DATA was last rated (0) in the baseline assessment
    assert frame.set_index("id").loc["DATA", "assessed"] == "2025-11-20"
    metrics = {m.label: m.value for m in at.metric}
    # 8 elements + 15 applicable sub-elements with (inherited) targets; only COMP 2 (ML2, target 2)
    assert metrics["At target"] == "1 of 23" and metrics["Paper compliance"] == "1"


def test_program_map_drills_down_to_evidence_and_assets(db_url):
    at = at_day(PROGRAM_MAP)
    at.selectbox(key="pm_element").set_value("AVAIL").run()
    subs = frame_with(at, "high-impact covered")
    assert list(subs["id"]) == ["AVAIL 1", "AVAIL 2"]
    at.selectbox(key="pm_sub").set_value("AVAIL 2").run()
    evidence = frame_with(at, "filed as").set_index("evidence")
    # the brewhouse restore test (2026-03-14) is fresh for AVAIL 2 (400 days); the 2023 SCADA one is retired
    assert evidence.loc["ev-restore-brewhouse", "status"] == "fresh"
    assert evidence.loc["ev-restore-scada-2023", "status"] == "retired"
    assert set(evidence.index) == {"ev-plc-backups", "ev-restore-brewhouse", "ev-restore-scada-2023",
                                   "ev-backup-procedure"}
    sub = readiness(load_demo_plant(), as_of=AS_OF).sub_element("AVAIL 2")
    coverage = frame_with(at, "covered by")
    assert list(coverage["asset"]) == list(sub.coverage.high_impact)
    assert (coverage["covered by"] == "operational").sum() == len(sub.coverage.operational)
    assert "- " + sub.reasons[0] in [m.value for m in at.markdown]


def test_strengthen_page_ranks_filters_and_explains(db_url):
    report = readiness(load_demo_plant(), as_of=AS_OF)
    at = at_day(STRENGTHEN, key="st_as_of")
    ranking = frame_with(at, "uncovered high-impact assets")
    assert list(ranking["id"]) == [i.id for i in report.strengthen_first]
    assert list(ranking["score"]) == [i.score for i in report.strengthen_first]
    at.multiselect(key="st_zones").set_value(["ot-ops"]).run()
    filtered = frame_with(at, "uncovered high-impact assets")
    assert list(filtered["id"]) == [i.id for i in report.strengthen_first if "ot-ops" in i.zones]
    assert "EVENT 1" not in set(filtered["id"])  # the SIEM export covers ot-ops
    at.selectbox(key="st_item").set_value("AVAIL 2").run()
    shown = [m.value for m in at.markdown]
    for reason in report.sub_element("AVAIL 2").reasons:
        assert f"- {reason}" in shown


def test_make_it_an_action_and_set_a_status(engine):
    at = at_day(STRENGTHEN, key="st_as_of")
    at.selectbox(key="st_item").set_value("AVAIL 2").run()
    at.text_input(key="st_action_owner").input("OT operations")
    # the defaults follow the item picked and the as-of day
    assert at.text_input(key="st_action_title_AVAIL_2_2026-11-30").value == "Strengthen AVAIL 2 Backup, restore and archive"
    assert at.date_input(key="st_action_due_AVAIL_2_2026-11-30").value == dt.date(2027, 2, 28)
    at.date_input(key="st_action_due_AVAIL_2_2026-11-30").set_value(dt.date(2027, 3, 1))
    at.button(key="st_action_create").click().run()
    assert not at.exception and not at.error, errors(at)
    plant, revision = db.load_plant_db(engine)
    assert revision == 2
    action = next(a for a in plant.actions if a.id == "act-avail-2")
    assert (action.elements, action.owner, action.due, action.status) == (
        ["AVAIL 2"], "OT operations", dt.date(2027, 3, 1), "open")
    assert "Saved action act-avail-2" in at.success[0].value

    at.selectbox(key="st_status_action").set_value("act-incident-plan")
    at.selectbox(key="st_status_value").set_value("done")
    at.button(key="st_status_set").click().run()
    plant, revision = db.load_plant_db(engine)
    assert revision == 3 and next(a for a in plant.actions if a.id == "act-incident-plan").status == "done"
    # the same status again saves nothing
    at.selectbox(key="st_status_action").set_value("act-incident-plan")
    at.selectbox(key="st_status_value").set_value("done")
    at.button(key="st_status_set").click().run()
    assert db.load_plant_db(engine)[1] == 3 and "already done" in at.info[0].value


def test_action_defaults_follow_the_item_and_the_day(db_url):
    at = at_day(STRENGTHEN, key="st_as_of")
    at.selectbox(key="st_item").set_value("COMP 2").run()
    assert at.text_input(key="st_action_title_COMP_2_2026-11-30").value == "Strengthen COMP 2 Malware protection"
    at.date_input(key="st_as_of").set_value(dt.date(2027, 6, 1)).run()
    at.selectbox(key="st_item").set_value("COMP 2").run()
    assert at.date_input(key="st_action_due_COMP_2_2027-06-01").value == dt.date(2027, 8, 30)


def test_overdue_actions_stand_out(db_url):
    at = at_day(STRENGTHEN, day=dt.date(2027, 1, 1), key="st_as_of")
    # by hand: act-incident-plan (due 2026-12-15) and act-cellar-owner (2026-12-31) are open
    assert "2 overdue on 2027-01-01: act-cellar-owner, act-incident-plan" in errors(at)
    actions = frame_with(at, "overdue")
    assert list(actions["id"][:2]) == ["act-incident-plan", "act-cellar-owner"]
    assert list(actions["overdue"][:3]) == ["⚠ overdue", "⚠ overdue", ""]


def test_an_action_is_added_to_the_latest_save_and_keeps_it(engine):
    """A form applies one change to the plant as stored when it is submitted: someone else's
    save in between is kept, not overwritten (the revision check guards the save itself)."""
    at = at_day(STRENGTHEN, key="st_as_of")
    plant, revision = db.load_plant_db(engine)
    db.save_plant_db(engine, plant.model_copy(update={"actions": plant.actions[:1]}), expected_revision=revision,
                     who="bob")
    at.selectbox(key="st_item").set_value("EVENT 1").run()
    at.text_input(key="st_action_owner").input("Me")
    at.button(key="st_action_create").click().run()
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and [a.id for a in stored.actions] == ["act-vendor-ra", "act-event-1"]
    assert [e.who for e in db.change_log(engine, limit=2)] == [db.current_user(), "bob"]


def test_program_map_counts_switch_config_history_as_operational_evidence(engine):
    """Machine-sourced history counts (DESIGN.md): an imported switch configuration becomes a
    fresh operational CM 1 / AVAIL 2 item covering the assets on that switch."""
    from test_page_configs import BASELINE

    from otrisk.configstore import import_configs

    import_configs(engine, [("sw-brewhouse.cfg", BASELINE)], who="tester")
    at = run(PROGRAM_MAP)  # as of today: the import is today, so fresh
    at.selectbox(key="pm_element").set_value("CM").run()
    at.selectbox(key="pm_sub").set_value("CM 1").run()
    evidence = frame_with(at, "filed as").set_index("evidence")
    assert evidence.loc["cfg-sw-brewhouse", "kind"] == "operational"
    assert evidence.loc["cfg-sw-brewhouse", "status"] == "fresh"
    assert evidence.loc["cfg-sw-brewhouse", "title"].startswith("Configuration backups of sw-brewhouse")


# --- the user's framework library names beside our ids ---------------------------------------------

#: A tiny IEC 62443-2-1 library in our own words (a stand-in for the user's copy).
MINI = b"""urn: urn:example:library:iec-62443-2-1-mini
name: Mini 2-1
objects:
  framework:
    urn: urn:example:framework:iec-62443-2-1-mini
    requirement_nodes:
      - {urn: "u:cm", ref_id: "2", name: "Config things"}
      - {urn: "u:cm1", ref_id: "CM 1", name: "Know what you have", parent_urn: "u:cm"}
      - {urn: "u:cm1.2", ref_id: "CM 1.2", name: "List the software", parent_urn: "u:cm1"}
      - {urn: "u:cm1.1", ref_id: "cm1.1", name: "List the hardware", parent_urn: "u:cm1"}
"""


def _library_frames(at):
    return [d.value for d in at.dataframe if "name in your library" in d.value.columns]


def _requirement_frames(at):
    return [d.value for d in at.dataframe if list(d.value.columns) == ["id", "ref_id", "name", "library"]]


def test_program_map_without_libraries_has_no_library_column(db_url):
    at = run(PROGRAM_MAP)
    assert not _library_frames(at)
    assert not _requirement_frames(at)
    assert not any("your library" in m.value for m in at.markdown)


def test_program_map_shows_the_names_of_the_users_library(engine):
    import_library(engine, read_library(MINI, source="mini.yaml"), who="tester")
    at = run(PROGRAM_MAP)
    at.selectbox(key="pm_element").set_value("CM").run()
    at.selectbox(key="pm_sub").set_value("CM 1").run()
    elements, subs = _library_frames(at)
    # by hand: the clause node "2" holds only CM 1, so it maps onto CM; other elements have no name
    assert elements.set_index("id")["name in your library"].to_dict() == {
        "ORG": "", "CM": "Config things", "NET": "", "COMP": "", "DATA": "", "USER": "", "EVENT": "", "AVAIL": ""}
    assert list(elements.columns[:4]) == ["rank", "id", "name", "name in your library"]
    assert subs.set_index("id").loc["CM 1", "name in your library"] == "Know what you have"
    [requirements] = _requirement_frames(at)
    assert requirements.values.tolist() == [["CM 1.1", "cm1.1", "List the hardware", "Mini 2-1"],
                                            ["CM 1.2", "CM 1.2", "List the software", "Mini 2-1"]]


def test_program_map_with_the_real_library_and_a_second_one(engine):
    real = read_library(realdata("ciso-assistant/iec-62443-2-1-2024.yaml").read_bytes(),
                        source="iec-62443-2-1-2024.yaml")
    import_library(engine, real, who="tester")
    import_library(engine, read_library(MINI, source="mini.yaml"), who="tester")
    names = library_names(engine)
    at = run(PROGRAM_MAP)
    at.selectbox(key="pm_element").set_value("CM").run()
    _, subs = _library_frames(at)
    # two libraries name CM 1: each name is followed by its library, in library-name order
    expected = "; ".join(f"{name} ({lib})" for lib, _, name in names["CM 1"])
    assert len(names["CM 1"]) == 2 and subs.set_index("id").loc["CM 1", "name in your library"] == expected
    at.selectbox(key="pm_sub").set_value("CM 1").run()
    [requirements] = _requirement_frames(at)
    ours = sorted(i for i in names if i.startswith("CM 1."))
    assert set(requirements["id"]) == set(ours)
    real_rows = requirements[requirements["library"] == real.name]
    assert real_rows[["ref_id", "name"]].values.tolist() == [
        [ref, name] for i in ours for lib, ref, name in names[i] if lib == real.name]
