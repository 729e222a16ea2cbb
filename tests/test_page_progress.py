"""AppTest of the Progress page against a fresh database seeded with the demo plant.

Demo assessments: 2025-11-20 (baseline) and 2026-06-15 (follow-up); targets are set for
the eight elements only, NET 2 is not applicable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from otrisk import db

from apptest_support import db_url, engine, errors, frame_with, run  # noqa: F401 (fixtures)

PAGE = Path(__file__).resolve().parents[1] / "pages" / "8_progress.py"
BASELINE, FOLLOW_UP, NEW = dt.date(2025, 11, 20), dt.date(2026, 6, 15), dt.date(2026, 9, 1)
# Rows of the assessment table (0-based, as the editor state counts them): program_ids() order.
ROW = {"ORG": 0, "CM": 4, "CM 1": 5, "NET 2": 8, "DATA": 14}


def _editor_key(at: AppTest) -> str:
    [editor] = at.data_editor
    assert editor.key and editor.key.startswith("prog_table_")
    return editor.key


def _fill_form(at: AppTest, edited: dict, *, name: str = "Autumn workshop") -> str:
    key = _editor_key(at)
    at.date_input(key="prog_date").set_value(NEW)
    at.text_input(key="prog_name").input(name)
    at.session_state[key] = {"edited_rows": {str(ROW[i]): v for i, v in edited.items()},
                             "added_rows": [], "deleted_rows": []}
    return key


def _submit(at: AppTest) -> AppTest:
    at.button(key="prog_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_renders_progress_now_and_trend(db_url):
    at = run(PAGE)
    assert at.title[0].value == "Progress"
    assert not at.error, errors(at)
    metrics = {m.label: m.value for m in at.metric}
    # 8 element targets, taken by their 15 applicable sub-elements; only COMP 2 (ML2, target 2)
    # reached it; nothing unassessed; NET 2 not applicable
    assert metrics["Targets reached"] == "1 of 23"
    assert metrics["Share reached"] == "4 %"
    assert metrics["Not assessed"] == "0"
    assert metrics["Not applicable"] == "1"
    captions = [c.value for c in at.caption]
    assert any("1 of 23 ids with a target reached it (4 %); 1 not applicable, left out: NET 2" in c for c in captions)
    trend = frame_with(at, "2026-06-15").set_index("id")
    assert list(trend.index) == ["ORG", "CM", "NET", "COMP", "DATA", "USER", "EVENT", "AVAIL"]
    assert (trend.loc["ORG", "2025-11-20"], trend.loc["ORG", "2026-06-15"], trend.loc["ORG", "target"]) == (1, 2, 3)
    assert trend.loc["DATA", "2025-11-20"] == 0 and str(trend.loc["DATA", "2026-06-15"]) == "<NA>"
    at.toggle(key="prog_trend_subs").set_value(True).run()
    assert len(frame_with(at, "2026-06-15")) == 24


def test_comparison_of_the_two_demo_assessments(db_url):
    at = run(PAGE)
    assert at.selectbox(key="prog_before").value == BASELINE
    assert at.selectbox(key="prog_after").value == FOLLOW_UP
    moves = frame_with(at, "move").set_index("id")
    assert len(moves) == 24
    for element, before, after, kind in (("ORG 1", 1, 2, "up"), ("EVENT 1", 0, 1, "up"), ("COMP 3", 0, 1, "up"),
                                         ("DATA", 0, 0, "same"), ("NET 2", None, None, "not applicable")):
        row = moves.loc[element]
        assert (None if str(row["before"]) == "<NA>" else row["before"]) == before, element
        assert (None if str(row["after"]) == "<NA>" else row["after"]) == after, element
        assert row["move"] == kind, element
    assert moves.loc["DATA", "assessed after"] == "2025-11-20"
    assert moves.loc["EVENT 1", "what"] == "EVENT 1 Event and incident management: 0 (2025-11-20) → 1 (2026-06-15), up 1"
    added = frame_with(at, "filed under")
    assert list(added["evidence"]) == ["ev-backup-procedure", "ev-raci", "ev-restore-brewhouse",
                                       "ev-firmware-list", "ev-physical-access"]
    stale = frame_with(at, "went stale for")
    assert list(stale["evidence"]) == ["ev-supplier-requirements"]
    assert stale["went stale for"].iloc[0] == "ORG 1, ORG 1.6" and stale["last fresh day"].iloc[0] == "2026-04-07"
    moved = frame_with(at, "score change").set_index("sub-element")
    assert len(moved) == 15 and moved.loc["CM 1", "score after"] == 3.0
    assert list(frame_with(at, "action")["action"]) == ["act-fw-review"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Targets reached on 2025-11-20"] == "0 of 23"


def test_comparison_refuses_a_reversed_pair(db_url):
    at = run(PAGE)
    at.selectbox(key="prog_before").set_value(FOLLOW_UP)
    at.selectbox(key="prog_after").set_value(BASELINE).run()
    assert "2026-06-15 is not before 2025-11-20" in errors(at)
    assert not any("move" in df.value.columns for df in at.dataframe)


def test_record_an_assessment(engine):
    at = run(PAGE)
    _fill_form(at, {"ORG": {"maturity": 3}, "CM 1": {"maturity": 3, "target": 4}, "DATA": {"maturity": None}})
    _submit(at)
    assert not at.error, errors(at)

    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assert [a.date for a in stored.assessments] == [BASELINE, FOLLOW_UP, NEW]
    new = stored.assessments[-1]
    assert new.name == "Autumn workshop"
    assert (new.maturity["ORG"], new.maturity["CM 1"], new.maturity["CM"]) == (3, 3, 2)  # CM prefilled from 2026-06-15
    assert "DATA" not in new.maturity and new.maturity["DATA 1"] == 0  # emptied = not assessed this time
    assert (new.target["CM 1"], new.target["ORG"]) == (4, 3)
    assert new.not_applicable["NET 2"].startswith("No wireless networks")
    assert "NET 2" not in new.maturity
    assert "Assessment 2026-09-01 (Autumn workshop) saved as revision 2." in [s.value for s in at.success]
    assert db.change_log(engine, limit=1)[0].summary == "assessment recorded: 2026-09-01 (Autumn workshop)"
    # the page shows the new assessment: a third trend column, compared by default with the follow-up
    assert frame_with(at, "2026-09-01").set_index("id").loc["ORG", "2026-09-01"] == 3
    assert at.selectbox(key="prog_after").value == NEW
    assert frame_with(at, "move").set_index("id").loc["ORG", "move"] == "up"
    assert _editor_key(at) == "prog_table_1"  # a fresh form


def test_problems_name_the_row_and_nothing_is_stored(engine):
    at = run(PAGE)
    _fill_form(at, {"ORG": {"maturity": 5}, "NET 2": {"maturity": 1}})
    _submit(at)
    text = errors(at)
    assert "Not saved: 2 problems." in text
    assert "row 1 (ORG), column maturity: must be a whole number 0..4" in text
    assert "(value '5')" in text
    assert "row 9 (NET 2), column not applicable: rated maturity 1 and marked not applicable" in text
    assert db.load_plant_db(engine)[1] == 1
    assert not at.success


def test_duplicate_date_is_refused(engine):
    at = run(PAGE)
    _fill_form(at, {"ORG": {"maturity": 3}})
    at.date_input(key="prog_date").set_value(FOLLOW_UP)
    _submit(at)
    assert ("date: an assessment dated 2026-06-15 exists already (Follow-up assessment after the segmentation "
            "project)") in errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 1 and len(stored.assessments) == 2


def test_stale_save_is_refused_and_nothing_is_lost(engine):
    at = run(PAGE)
    key = _fill_form(at, {"ORG": {"maturity": 3}})
    # someone else saves meanwhile
    other, revision = db.load_plant_db(engine)
    other.site.name = "Renamed brewery"
    assert db.save_plant_db(engine, other, expected_revision=revision, who="colleague") == 2
    _submit(at)

    assert "Not saved: the plant was changed by colleague since you loaded it" in errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2 and stored.site.name == "Renamed brewery"  # their change stays
    assert len(stored.assessments) == 2                                # ours was not written over it
    # our entries are still in the form
    assert at.session_state[key]["edited_rows"] == {"0": {"maturity": 3}}
    assert at.date_input(key="prog_date").value == NEW
    assert at.text_input(key="prog_name").value == "Autumn workshop"
    assert any("saving them will be refused" in w.value for w in at.warning)
    # pressing Save again is still refused: the form still names revision 1
    _submit(at)
    assert "Not saved: the plant was changed" in errors(at)
    assert db.load_plant_db(engine)[1] == 2

    # reload starts from the stored plant; then the assessment saves on top of the colleague's change
    at.button(key="prog_reload").click().run()
    key = _fill_form(at, {"ORG": {"maturity": 3}})
    assert key == "prog_table_1"
    _submit(at)
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and stored.site.name == "Renamed brewery"
    assert stored.assessments[-1].maturity["ORG"] == 3


def test_first_assessment_of_a_plant_without_any(engine):
    plant, revision = db.load_plant_db(engine)
    plant.assessments = []
    db.save_plant_db(engine, plant, expected_revision=revision, who="test")
    at = run(PAGE)
    assert not at.error, errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Targets reached"], metrics["Share reached"], metrics["Not applicable"]) == (
        "0 of 0", "no targets", "0")
    infos = [i.value for i in at.info]
    assert "No assessment recorded yet. Record the first one below." in infos
    assert "Two assessments are needed for a comparison." in infos
    assert not at.selectbox  # nothing to compare

    _fill_form(at, {"ORG": {"maturity": 1, "target": 3}, "NET 2": {"not applicable": "no wireless"}})
    _submit(at)
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3
    [first] = stored.assessments
    assert (first.date, first.maturity, first.target, first.not_applicable) == (
        NEW, {"ORG": 1}, {"ORG": 3}, {"NET 2": "no wireless"})
    metrics = {m.label: m.value for m in at.metric}
    # ORG's target 3 is also its three sub-elements' (which take its ML1)
    assert (metrics["Targets reached"], metrics["Not applicable"]) == ("0 of 4", "1")


def test_emptying_a_not_applicable_justification_without_a_rating_is_refused(engine):
    at = run(PAGE)
    _fill_form(at, {"NET 2": {"not applicable": None}})
    _submit(at)
    assert "NET 2 stays not applicable" in errors(at) and "Rate it" in errors(at)
    assert db.load_plant_db(engine)[1] == 1
    _fill_form(at, {"NET 2": {"not applicable": None, "maturity": 0}})
    _submit(at)
    assert not at.error, errors(at)
    plant, revision = db.load_plant_db(engine)
    assert revision == 2 and plant.assessments[-1].maturity["NET 2"] == 0
    assert "NET 2" not in plant.assessments[-1].not_applicable
