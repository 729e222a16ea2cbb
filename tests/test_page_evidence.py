"""The Evidence page (AppTest on the demo plant) and the register logic in otrisk/register.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.derived import derived_evidence
from otrisk.evidence import evidence_freshness
from otrisk.models import FORMAT, Asset, Evidence, Plant, Site, Zone
from otrisk.reference import element_ids, load_demo_plant
from otrisk.register import (EntryProblem, EvidenceEntryError, add_evidence, element_labels, element_matches,
                             filter_rows, future_warnings, register_rows, set_retired, sha256_hex,
                             status_counts)

from apptest_support import db_url, engine, errors, frame_with, run  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "pages" / "7_evidence.py"
AS_OF = dt.date(2026, 12, 1)  # every demo item collected before it; ev-malware-status expires on it


def _at(as_of: dt.date = AS_OF) -> AppTest:
    at = run(EVIDENCE)
    at.date_input(key="ev_as_of").set_value(as_of).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _register(at: AppTest):
    return frame_with(at, "freshness")


def _ids(at: AppTest) -> list[str]:
    return list(_register(at)["id"])


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def _expected_status(plant: Plant, as_of: dt.date) -> dict[str, str]:
    """Item status straight from evidence_freshness: retired/future, else stale if any pair is."""
    statuses: dict[str, set[str]] = {}
    for f in evidence_freshness(plant, as_of=as_of):
        statuses.setdefault(f.evidence, set()).add(f.status)
    out = {}
    for item, found in statuses.items():
        out[item] = next(s for s in ("retired", "future", "stale", "fresh") if s in found)
    return out


def _fill(at: AppTest, **fields) -> AppTest:
    values = {"ev_new_id": "ev-restore-filler", "ev_new_title": "Restore test of the filler PLC",
              "ev_new_kind": "operational", "ev_new_elements": ["AVAIL 2"],
              "ev_new_collected": dt.date(2026, 11, 20)}
    values.update(fields)
    for key, value in values.items():
        if key in ("ev_new_id", "ev_new_title", "ev_new_location"):
            at.text_input(key=key).input(value)
        elif key == "ev_new_kind":
            at.radio(key=key).set_value(value)
        elif key in ("ev_new_elements", "ev_new_covers"):
            at.multiselect(key=key).set_value(value)
        else:
            at.date_input(key=key).set_value(value)
    return at


def _submit(at: AppTest) -> AppTest:
    at.button(key="ev_new_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- The register -----------------------------------------------------------------------

def test_register_shows_every_demo_item_with_its_freshness_and_counts(db_url):
    demo = load_demo_plant()
    expected = _expected_status(demo, AS_OF)
    at = _at()

    frame = _register(at).set_index("id")
    assert list(frame.index) == sorted(e.id for e in demo.evidence)
    assert frame["status"].to_dict() == expected
    assert expected["ev-firmware-list"] == "stale" and expected["ev-restore-scada-2023"] == "retired"
    # valid_until / max age, inclusive: the malware status expires on the as-of day itself
    assert frame.loc["ev-malware-status", "freshness"] == "COMP 2: fresh until 2026-12-01"
    assert frame.loc["ev-plc-backups", "freshness"] == "CM 1: fresh until 2027-05-22; AVAIL 2: fresh until 2027-12-28"
    assert frame.loc["ev-fw-rule-review", "freshness"] == "NET 1: stale since 2026-09-19; NET 1.3: stale since 2026-09-19"
    assert frame.loc["ev-restore-scada-2023", "freshness"] == "AVAIL 2: retired"
    assert frame.loc["ev-plc-backups", "elements"] == "CM 1, AVAIL 2"
    assert frame.loc["ev-asset-inventory", "covers"] == "whole site"
    assert frame.loc["ev-fw-rule-review", "covers"] == "fw-it-ot, fw-ot-core"
    assert frame.loc["ev-fw-rule-review", "valid_until"] == "2026-09-18"
    assert frame.loc["ev-switch-configs", "location"] == "backup-ot: /configs/switches"
    assert frame.loc["ev-ot-policy", "kind"] == "organizational"
    assert [i for i, r in frame["retired"].items() if r] == ["ev-restore-scada-2023"]

    kinds = {e.id: e.kind for e in demo.evidence}
    count = {(k, s): sum(1 for i, st_ in expected.items() if kinds[i] == k and st_ == s)
             for k in ("operational", "organizational") for s in ("fresh", "stale")}
    assert _metrics(at) == {
        "Operational fresh": count["operational", "fresh"], "Operational stale": count["operational", "stale"],
        "Organizational fresh": count["organizational", "fresh"],
        "Organizational stale": count["organizational", "stale"],
    }
    assert _metrics(at) == {"Operational fresh": 8, "Operational stale": 2,
                            "Organizational fresh": 6, "Organizational stale": 3}
    assert any(f"Showing {len(demo.evidence)} of {len(demo.evidence)} items" in c.value for c in at.caption)
    assert any("0 future, 1 retired" in c.value for c in at.caption)
    assert not at.warning


@pytest.mark.parametrize(("element", "kinds", "statuses", "ids"), [
    ("AVAIL", [], [], ["ev-backup-procedure", "ev-plc-backups", "ev-restore-brewhouse", "ev-restore-scada-2023"]),
    ("AVAIL", ["operational"], [], ["ev-plc-backups", "ev-restore-brewhouse", "ev-restore-scada-2023"]),
    ("AVAIL", [], ["retired"], ["ev-restore-scada-2023"]),
    ("AVAIL 2.3", [], [], ["ev-restore-brewhouse"]),
    ("CM", [], [], ["ev-asset-inventory", "ev-firmware-list", "ev-plc-backups", "ev-switch-configs"]),
    ("CM 1.1", [], [], ["ev-asset-inventory"]),
    ("COMP", [], ["stale"], ["ev-firmware-list", "ev-patch-procedure"]),
    (None, ["organizational"], ["stale"], ["ev-incident-plan", "ev-patch-procedure", "ev-supplier-requirements"]),
    (None, [], ["stale"], ["ev-firmware-list", "ev-fw-rule-review", "ev-incident-plan", "ev-patch-procedure",
                           "ev-supplier-requirements"]),
    ("DATA", [], [], []),
])
def test_filters_by_element_kind_and_freshness(db_url, element, kinds, statuses, ids):
    at = _at()
    if element is not None:
        at.selectbox(key="ev_filter_element").set_value(element)
    at.multiselect(key="ev_filter_kind").set_value(kinds)
    at.multiselect(key="ev_filter_status").set_value(statuses)
    at.run()
    assert not at.exception
    assert _ids(at) == ids
    total = len(load_demo_plant().evidence)
    assert any(f"Showing {len(ids)} of {total} items" in c.value for c in at.caption)


def test_status_and_counts_are_judged_for_the_chosen_element(db_url):
    # On 2027-06-01 the PLC backups are stale for CM 1 (180 days) but fresh for AVAIL 2.
    day = dt.date(2027, 6, 1)
    at = _at(day)
    frame = _register(at).set_index("id")
    assert frame.loc["ev-plc-backups", "status"] == "stale"
    assert frame.loc["ev-plc-backups", "freshness"] == "CM 1: stale since 2027-05-23; AVAIL 2: fresh until 2027-12-28"

    at.selectbox(key="ev_filter_element").set_value("AVAIL").run()
    frame = _register(at).set_index("id")
    assert frame["status"].to_dict() == {"ev-backup-procedure": "stale", "ev-plc-backups": "fresh",
                                         "ev-restore-brewhouse": "stale", "ev-restore-scada-2023": "retired"}
    assert _metrics(at) == {"Operational fresh": 1, "Operational stale": 1,
                            "Organizational fresh": 0, "Organizational stale": 1}
    at.multiselect(key="ev_filter_status").set_value(["fresh"]).run()
    assert _ids(at) == ["ev-plc-backups"]


def test_items_collected_after_the_as_of_day_are_warnings_and_not_yet_fresh(db_url):
    at = _at(dt.date(2026, 11, 20))
    assert [w.value for w in at.warning] == [
        "evidence ev-plc-backups: collected 2026-11-23 is after 2026-11-20: not yet fresh (check the date)",
        "evidence ev-switch-configs: collected 2026-11-27 is after 2026-11-20: not yet fresh (check the date)",
    ]
    at.multiselect(key="ev_filter_status").set_value(["future"]).run()
    assert _ids(at) == ["ev-plc-backups", "ev-switch-configs"]
    assert any("2 future, 1 retired" in c.value for c in at.caption)
    assert _register(at).set_index("id").loc["ev-switch-configs", "freshness"] == (
        "CM 1: not yet (collected after 2026-11-20); NET 1: not yet (collected after 2026-11-20)")


def test_derived_evidence_is_marked_and_explained(db_url):
    figures = derived_evidence(load_demo_plant())
    at = _at()
    frame = frame_with(at, "measured")
    assert list(frame["id"]) == [d.id for d in figures]
    for d, (_, row) in zip(figures, frame.iterrows()):
        assert row["measured"].startswith(f"{d.done} of {d.total} (")
        assert row["how"] == d.how
        assert row["missing"] == (", ".join(d.missing) if d.missing else "nothing")
        assert row["elements"] == ", ".join(d.elements)
    assert any("never counted as fresh operational evidence" in c.value for c in at.caption)
    # and none of it appears in the register or its counts
    assert not any(i.startswith("derived:") for i in _ids(at))


# --- Adding -----------------------------------------------------------------------------

def test_add_an_item_with_a_file_records_its_sha256_and_bumps_the_revision(engine):
    content = b"%PDF-1.7 restore test protocol, filler PLC, 2026-11-20\n" * 50
    at = _at()
    _fill(at, ev_new_elements=["AVAIL 2", "AVAIL 2.3"], ev_new_covers=["plc-filler", "zone:filling"],
          ev_new_location="SharePoint OT security / restore tests", ev_new_valid_until=dt.date(2027, 11, 20))
    at.file_uploader(key="ev_new_file").upload("restore-filler.pdf", content, "application/pdf")
    _submit(at)
    assert not at.error, errors(at)

    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    item = {e.id: e for e in stored.evidence}["ev-restore-filler"]
    assert item.file is not None
    assert item.file.name == "restore-filler.pdf"
    assert item.file.sha256 == hashlib.sha256(content).hexdigest()
    assert (item.elements, item.kind, item.title) == (["AVAIL 2", "AVAIL 2.3"], "operational",
                                                      "Restore test of the filler PLC")
    assert (item.collected, item.valid_until) == (dt.date(2026, 11, 20), dt.date(2027, 11, 20))
    assert item.covers == ["plc-filler", "zone:filling"] and not item.retired
    assert item.location == "SharePoint OT security / restore tests"
    assert len(stored.evidence) == len(load_demo_plant().evidence) + 1

    entry = db.change_log(engine, limit=1)[0]
    assert (entry.revision, entry.who) == (2, db.current_user())
    assert entry.summary == ("evidence added: ev-restore-filler (Restore test of the filler PLC), "
                             "file restore-filler.pdf")
    assert entry.details["evidence"]["added"] == ["ev-restore-filler"]

    assert "Added ev-restore-filler as revision 2." in [s.value for s in at.success]
    row = _register(at).set_index("id").loc["ev-restore-filler"]
    assert row["sha256"] == hashlib.sha256(content).hexdigest()[:12] + "…"
    assert row["file"] == "restore-filler.pdf"
    assert row["status"] == "fresh"
    assert at.text_input(key="ev_new_id").value == ""  # the form starts empty again


def test_a_duplicate_id_is_refused_and_nothing_is_written(engine):
    at = _fill(_at(), ev_new_id="ev-plc-backups")
    _submit(at)
    assert ("id: an evidence item with this id already exists (Nightly PLC and SIS project backups with "
            "version history); choose another id (value 'ev-plc-backups')") in errors(at)
    assert "Not added: 1 problem; nothing was changed." in errors(at)
    assert db.load_plant_db(engine)[1] == 1
    assert db.change_log(engine, limit=1)[0].revision == 1
    assert at.text_input(key="ev_new_id").value == "ev-plc-backups"  # the entries stay


@pytest.mark.parametrize(("fields", "expected"), [
    ({"ev_new_elements": ["AVAIL 2", "CM 9"]},
     ["elements: no IEC 62443-2-1 program element, sub-element or requirement with this id (value 'CM 9')"]),
    ({"ev_new_elements": ["avail 2"]}, ["elements: an element id looks like CM, CM 1 or CM 1.4 (value 'avail 2')"]),
    ({"ev_new_id": "Restore Test"},
     [("id: an id is lower-case letters, digits, '.', '_' and '-', starting with a letter or digit "
       "(value 'Restore Test')")]),
    ({"ev_new_valid_until": dt.date(2026, 1, 1)}, ["valid_until: valid_until is before collected (value '2026-01-01')"]),
    ({"ev_new_id": "", "ev_new_title": "", "ev_new_elements": []},
     ["id: required: fill it in", "elements: pick at least one program element, sub-element or requirement",
      "title: required: fill it in"]),
])
def test_bad_entries_are_refused_naming_the_field(engine, fields, expected):
    at = _submit(_fill(_at(), **fields))
    text = errors(at)
    for line in expected:
        assert line in text
    assert f"Not added: {len(expected)} problem" in text
    stored, revision = db.load_plant_db(engine)
    assert revision == 1
    assert "ev-restore-filler" not in {e.id for e in stored.evidence}


def test_kind_and_collected_are_required(engine):
    at = _at()
    at.text_input(key="ev_new_id").input("ev-x")
    at.text_input(key="ev_new_title").input("Something")
    at.multiselect(key="ev_new_elements").set_value(["ORG 1"])
    _submit(at)
    text = errors(at)
    assert "kind: required: fill it in" in text and "collected: required: fill it in" in text
    assert db.load_plant_db(engine)[1] == 1


def test_an_add_based_on_an_old_revision_is_refused_and_the_entries_stay(engine):
    plant, _ = db.load_plant_db(engine)
    at = _at()
    # Someone else saves meanwhile.
    theirs = plant.model_copy(update={"site": plant.site.model_copy(update={"name": "Renamed brewery"})})
    db.save_plant_db(engine, theirs, expected_revision=1, who="alice")

    _submit(_fill(at))
    assert "Not saved: the plant was changed by alice" in errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2 and "ev-restore-filler" not in {e.id for e in stored.evidence}
    assert at.text_input(key="ev_new_id").value == "ev-restore-filler"
    assert any("now shows revision 2" in i.value for i in at.info)

    _submit(at)  # the page has shown revision 2 now: the same entries save
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and "ev-restore-filler" in {e.id for e in stored.evidence}
    assert stored.site.name == "Renamed brewery"  # their change is kept


# --- Retiring ---------------------------------------------------------------------------

def test_retire_keeps_the_item_and_un_retire_puts_it_back(engine):
    at = _at()
    at.selectbox(key="ev_item").set_value("ev-plc-backups").run()
    details = "\n".join(m.value for m in at.markdown)
    assert "CM 1: **fresh**: collected 2026-11-23, 8 days old on 2026-12-01; CM 1 accepts at most 180 days" in details
    at.text_input(key="ev_retire_reason").input("replaced by the new backup system")
    at.button(key="ev_retire_toggle").click().run()
    assert not at.exception and not at.error, errors(at)

    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    item = {e.id: e for e in stored.evidence}["ev-plc-backups"]
    assert item.retired is True
    assert len(stored.evidence) == len(load_demo_plant().evidence)  # kept for history
    entry = db.change_log(engine, limit=1)[0]
    assert entry.summary == "evidence retired: ev-plc-backups: replaced by the new backup system"
    assert entry.who == db.current_user()
    assert entry.details["evidence"]["fields"] == {"ev-plc-backups": {"retired": [False, True]}}
    frame = _register(at).set_index("id")
    assert frame.loc["ev-plc-backups", "status"] == "retired" and frame.loc["ev-plc-backups", "retired"]
    assert _metrics(at)["Operational fresh"] == 7

    assert at.button(key="ev_retire_toggle").label == "Un-retire ev-plc-backups"
    at.button(key="ev_retire_toggle").click().run()
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and not {e.id: e for e in stored.evidence}["ev-plc-backups"].retired
    assert db.change_log(engine, limit=1)[0].summary == "evidence un-retired: ev-plc-backups"


def test_a_retire_based_on_an_old_revision_is_refused(engine):
    plant, _ = db.load_plant_db(engine)
    at = _at()
    at.selectbox(key="ev_item").set_value("ev-ot-policy").run()
    db.save_plant_db(engine, set_retired(plant, "ev-ot-policy"), expected_revision=1, who="bob")
    at.button(key="ev_retire_toggle").click().run()
    assert "Not saved: the plant was changed by bob" in errors(at)
    assert db.load_plant_db(engine)[1] == 2
    # The page now shows bob's change: the button offers to un-retire.
    assert at.button(key="ev_retire_toggle").label == "Un-retire ev-ot-policy"


# --- otrisk/register.py -----------------------------------------------------------------

def _plant(*evidence: Evidence) -> Plant:
    return Plant(format=FORMAT, site=Site(name="T"), zones=[Zone(id="cell", name="Cell", kind="control")],
                 assets=[Asset(id="plc-1", name="PLC 1", type="plc", zone="cell")], evidence=list(evidence))


def _item(id_: str = "ev-1", **kw) -> dict:
    data = {"id": id_, "elements": ["AVAIL 2"], "kind": "operational", "title": "Restore test",
            "collected": dt.date(2026, 3, 1)}
    data.update(kw)
    return data


@pytest.mark.parametrize(("wanted", "element", "hit"), [
    ("CM", "CM", True), ("CM", "CM 1", True), ("CM", "CM 1.4", True), ("CM", "COMP 1", False),
    ("CM 1", "CM 1.4", True), ("CM 1", "CM 10", False), ("CM 1", "CM", False), ("CM 1.4", "CM 1.40", False),
    ("NET 1", "NET 1.3", True), ("NET", "NET 3", True),
])
def test_element_matches(wanted, element, hit):
    assert element_matches(wanted, element) is hit


@pytest.mark.parametrize("as_of", [dt.date(2024, 1, 1), dt.date(2026, 11, 24), AS_OF, dt.date(2027, 6, 1),
                                   dt.date(2030, 1, 1)])
def test_register_rows_agree_with_evidence_freshness_on_the_demo(as_of):
    demo = load_demo_plant()
    rows = register_rows(demo, as_of=as_of)
    assert [r.id for r in rows] == sorted(e.id for e in demo.evidence)
    pair = lambda f: (f.evidence, f.element)
    assert sorted((f for r in rows for f in r.freshness), key=pair) == evidence_freshness(demo, as_of=as_of)
    assert {r.id: r.status() for r in rows} == _expected_status(demo, as_of)
    counts = status_counts(rows)
    assert sum(sum(c.values()) for c in counts.values()) == len(demo.evidence)
    assert counts["operational"]["retired"] == 1


def test_filter_rows_and_counts_on_the_demo():
    rows = register_rows(load_demo_plant(), as_of=AS_OF)
    assert [r.id for r in filter_rows(rows, element="ORG 1")] == [
        "ev-ot-policy", "ev-raci", "ev-supplier-requirements", "ev-training"]
    assert [r.id for r in filter_rows(rows, element="ORG 1.6")] == ["ev-supplier-requirements"]
    assert [r.id for r in filter_rows(rows, kinds=["organizational"], statuses=["fresh"])] == [
        "ev-backup-procedure", "ev-ot-policy", "ev-physical-access", "ev-raci", "ev-risk-assessment", "ev-training"]
    assert status_counts(rows, element="EVENT") == {
        "operational": {"fresh": 1, "stale": 0, "future": 0, "retired": 0},
        "organizational": {"fresh": 0, "stale": 1, "future": 0, "retired": 0}}


def test_rows_with_an_element_unknown_to_the_reference_data():
    # db.save_plant_db checks the models, not the reference data: such a plant can be stored.
    ev = Evidence(id="ev-x", elements=["XYZ 1", "CM 1"], kind="operational", title="X",
                  collected=dt.date(2026, 1, 1))
    [row] = register_rows(_plant(ev), as_of=dt.date(2026, 2, 1))
    assert row.unknown_elements == ("XYZ 1",)
    assert row.freshness_text == "CM 1: fresh until 2026-06-30; XYZ 1: unknown element (not in the reference data)"
    assert row.status() == "fresh" and row.status("XYZ") is None
    assert filter_rows([row], element="XYZ", statuses=["fresh"]) == []


def test_future_warnings_name_each_item_once():
    a = Evidence(id="b-late", elements=["CM 1", "NET 1"], kind="operational", title="B",
                 collected=dt.date(2026, 5, 2))
    b = Evidence(id="a-late", elements=["CM 1"], kind="operational", title="A", collected=dt.date(2026, 5, 3))
    warnings = future_warnings(register_rows(_plant(a, b), as_of=dt.date(2026, 5, 1)))
    assert warnings == ["evidence a-late: collected 2026-05-03 is after 2026-05-01: not yet fresh (check the date)",
                        "evidence b-late: collected 2026-05-02 is after 2026-05-01: not yet fresh (check the date)"]


def test_sha256_hex_of_bytes_and_of_a_file_in_chunks():
    data = bytes(range(256)) * 20_000  # 5 MB: several chunks
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert sha256_hex(io.BytesIO(data)) == hashlib.sha256(data).hexdigest()
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_add_evidence_returns_a_new_plant_and_leaves_the_old_one():
    base = _plant()
    new = add_evidence(base, _item(covers=["plc-1", "zone:cell"], valid_until=dt.date(2027, 3, 1),
                                   file={"name": "r.pdf", "sha256": "a" * 64}))
    assert base.evidence == []
    [item] = new.evidence
    assert item == Evidence(id="ev-1", elements=["AVAIL 2"], kind="operational", title="Restore test",
                            collected=dt.date(2026, 3, 1), valid_until=dt.date(2027, 3, 1),
                            covers=["plc-1", "zone:cell"], file={"name": "r.pdf", "sha256": "a" * 64})
    assert new.assets == base.assets and new.zones == base.zones
    assert [e.id for e in add_evidence(new, _item("ev-2")).evidence] == ["ev-1", "ev-2"]


@pytest.mark.parametrize(("data", "problems"), [
    (_item(elements=["CM 9", "AVAIL 2"]), [EntryProblem(
        "elements", "CM 9", "no IEC 62443-2-1 program element, sub-element or requirement with this id")]),
    (_item(covers=["zone:nowhere", "plc-9"]), [EntryProblem("covers", "zone:nowhere", "no zone with this id"),
                                               EntryProblem("covers", "plc-9", "no asset with this id")]),
    (_item(valid_until=dt.date(2026, 2, 28)), [EntryProblem("valid_until", "2026-02-28",
                                                            "valid_until is before collected")]),
    (_item(kind="paper"), [EntryProblem("kind", "paper", "input should be 'operational' or 'organizational'")]),
    (_item(collected="2026-03-01"), [EntryProblem("collected", "2026-03-01", "input should be a valid date")]),
    (_item(retired=True), [EntryProblem("retired", "True", "a new item is in use; retire it afterwards")]),
    (_item(colour="red"), [EntryProblem("colour", "red", "unknown field")]),
])
def test_add_evidence_refuses_with_the_field_named(data, problems):
    with pytest.raises(EvidenceEntryError) as caught:
        add_evidence(_plant(), data)
    assert caught.value.problems == problems


def test_add_evidence_refuses_a_bad_file_hash_and_a_duplicate_id():
    base = add_evidence(_plant(), _item())
    with pytest.raises(EvidenceEntryError) as caught:
        add_evidence(base, _item(title="Again", file={"name": "x.pdf", "sha256": "ABC"}))
    assert [(p.field, p.value) for p in caught.value.problems] == [("id", "ev-1"), ("file.sha256", "ABC")]
    assert caught.value.problems[0].message == ("an evidence item with this id already exists (Restore test); "
                                                "choose another id")
    assert "file.sha256: string should match pattern" in str(caught.value)


def test_set_retired_and_back():
    base = add_evidence(_plant(), _item())
    retired = set_retired(base, "ev-1")
    assert retired.evidence[0].retired and not base.evidence[0].retired
    assert [r.status() for r in register_rows(retired, as_of=dt.date(2026, 3, 2))] == ["retired"]
    assert set_retired(retired, "ev-1", False) == base
    with pytest.raises(EvidenceEntryError, match=r"id: is already in use \(not retired\) \(value 'ev-1'\)"):
        set_retired(base, "ev-1", False)
    with pytest.raises(EvidenceEntryError, match="no evidence item with this id"):
        set_retired(base, "ev-9")


def test_element_labels_cover_the_reference_data():
    labels = element_labels()
    assert set(labels) == element_ids()
    assert list(labels)[:2] == ["ORG", "ORG 1"]
    assert labels["AVAIL 2"].startswith("AVAIL 2 · ")
