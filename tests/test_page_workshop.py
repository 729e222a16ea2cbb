"""AppTest of the Workshop page against a fresh database seeded with the demo plant.

The quick-rating editor is driven through its session state (AppTest cannot type into a
data editor); rows count from 0 in the plant's order (all zones shown).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import apptest_support
from apptest_support import editor_state, errors, frame_with, run
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.impact import analyze_plant
from otrisk.reference import load_demo_plant
from otrisk.ui import md_escape
from otrisk.workshop import EXPOSURE_COLUMNS, IMPACT_ROWS, apply_ratings, risk_matrix

db_url, engine = apptest_support.db_url, apptest_support.engine  # fixtures of this module

PAGE = Path(__file__).resolve().parents[1] / "pages" / "13_workshop.py"
EWS = "ews-packaging"  # scada, rated 2/1/1; safety 5 takes it to rank 8


def _row(asset: str) -> str:
    return str([a.id for a in load_demo_plant().assets].index(asset))


def _editor_key(at: AppTest) -> str:
    [editor] = at.data_editor
    assert editor.key and editor.key.startswith("ws_rate_")
    return editor.key


def _rate(at: AppTest, edited: dict) -> AppTest:
    """Edit cells of the rating table (``{asset: {axis: value}}``) and run the page."""
    at.session_state[_editor_key(at)] = editor_state(edited={_row(a): v for a, v in edited.items()})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ranking(at: AppTest) -> list[str]:
    return list(frame_with(at, "move")["asset"])


def _top10(plant) -> list[str]:
    return [r.asset for r in analyze_plant(plant)[:10]]


def test_page_renders_the_projector_screen(db_url):
    demo = load_demo_plant()
    at = run(PAGE)
    assert at.title[0].value == "Workshop"
    assert not at.error, errors(at)
    metrics = {m.label: m.value for m in at.metric}
    full = sum(1 for a in demo.assets if all(v is not None for v in a.impact.as_dict().values()))
    assert metrics["Assets rated"] == f"{full} of {len(demo.assets)}"
    assert metrics["Elements at target"] == "0 of 8"
    assert metrics["Open actions"] == str(sum(a.status in ("open", "in_progress") for a in demo.actions))
    elements = frame_with(at, "readiness")
    assert list(elements["element"]) == ["ORG", "CM", "NET", "COMP", "DATA", "USER", "EVENT", "AVAIL"]
    assert len(frame_with(at, "why first")) == 5
    assert set(frame_with(at, "title")["status"]) <= {"open", "in_progress"}
    # since the last workshop: the two demo assessments by default
    assert (at.selectbox(key="ws_before").value, at.selectbox(key="ws_after").value) == (
        dt.date(2025, 11, 20), dt.date(2026, 6, 15))
    assert any("2026" in m.value and "15: maturity up for 14 ids" in m.value for m in at.markdown)
    assert _ranking(at) == _top10(demo)


def test_matrix_counts_equal_the_risk_matrix_of_the_demo_plant(db_url):
    demo = load_demo_plant()
    expected = risk_matrix(demo, analyze_plant(demo))
    at = run(PAGE)
    shown = frame_with(at, "no zone")
    assert shown.shape == (len(IMPACT_ROWS), len(EXPOSURE_COLUMNS))
    counts = [[int(v) for v in row] for row in shown.to_numpy()]
    assert counts == [[expected.count(i, e) for e in EXPOSURE_COLUMNS] for i in IMPACT_ROWS]
    assert sum(map(sum, counts)) == len(demo.assets)
    # the drill-down names the assets of the worst filled cell
    cell = at.selectbox(key="ws_cell")
    assert cell.value.startswith("5 severe × exposure 3")
    names = demo.asset_map()
    listed = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert listed.count("\n") + 1 == expected.count(5, 3)
    first = expected.cell(5, 3)[0]
    assert f"- {md_escape(names[first].name)} ({md_escape(first)})" in listed


def test_a_rating_shows_in_the_preview_ranking_and_undo_reverts_it(engine):
    demo = load_demo_plant()
    at = run(PAGE)
    stored_top = _ranking(at)
    assert EWS not in stored_top
    _rate(at, {EWS: {"safety": 5}})
    expected = _top10(apply_ratings(demo, {EWS: {"safety": 5}}))
    assert _ranking(at) == expected and EWS in expected
    moved = frame_with(at, "move").set_index("asset")
    assert str(moved.loc[EWS, "was"]) != "<NA>" and moved.loc[EWS, "move"].startswith("▲")
    assert at.button(key="ws_save").label == "Save ratings (1)"
    assert any(f"{EWS} safety 1→5" in c.value for c in at.caption)
    assert db.load_plant_db(engine)[1] == 1  # nothing stored yet

    key = _editor_key(at)
    _click(at, "ws_undo")
    assert _ranking(at) == stored_top
    assert _editor_key(at) != key          # a fresh table, showing the stored values again
    assert len(at.session_state["ws_rating"].session) == 0
    assert at.button(key="ws_save").disabled and at.button(key="ws_undo").disabled
    assert db.load_plant_db(engine)[1] == 1


def test_undo_takes_back_only_the_last_step(db_url):
    at = run(PAGE)
    _rate(at, {EWS: {"safety": 5}})
    _rate(at, {EWS: {"safety": 5, "production": 4}})   # the same editor: one more cell changed
    steps = at.session_state["ws_rating"].session.steps
    assert [(s.asset, s.axis, s.value) for s in steps] == [(EWS, "safety", 5), (EWS, "production", 4)]
    _click(at, "ws_undo")
    assert at.session_state["ws_rating"].session.pending() == {EWS: {"safety": 5}}
    [editor] = at.data_editor
    row = editor.value.set_index("asset").loc[EWS]
    assert (row["safety"], row["production"]) == (5, 2)  # the table shows the preview


def test_save_writes_one_revision_with_the_new_ratings(engine):
    at = run(PAGE)
    _rate(at, {EWS: {"safety": 5, "delivery": None}, "pc-qa-lab": {"production": 2}})
    _click(at, "ws_save")
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assets = stored.asset_map()
    assert assets[EWS].impact.as_dict() == {"production": 2, "safety": 5, "delivery": None}
    assert assets["pc-qa-lab"].impact.as_dict() == {"production": 2, "safety": None, "delivery": None}
    demo = load_demo_plant()
    untouched = [a.id for a in demo.assets if a.id not in (EWS, "pc-qa-lab")]
    assert all(assets[a].impact == demo.asset_map()[a].impact for a in untouched)
    [entry] = db.change_log(engine, limit=1)
    assert entry.revision == 2 and entry.summary.startswith("quick rating: 3 ratings of 2 assets")
    assert "Saved 3 ratings as revision 2." in [s.value for s in at.success]
    assert len(at.session_state["ws_rating"].session) == 0
    assert _ranking(at) == _top10(stored)


def test_a_stale_save_is_refused_and_nothing_is_lost(engine):
    at = run(PAGE)
    _rate(at, {EWS: {"safety": 5}})
    other, revision = db.load_plant_db(engine)
    other.site.name = "Renamed brewery"
    assert db.save_plant_db(engine, other, expected_revision=revision, who="colleague") == 2
    _click(at, "ws_save")
    assert "Not saved: colleague saved the plant since the room started rating" in errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2 and stored.site.name == "Renamed brewery"
    assert stored.asset_map()[EWS].impact.safety == 1
    assert at.session_state["ws_rating"].session.pending() == {EWS: {"safety": 5}}
    assert any("saving them is refused" in w.value for w in at.warning)

    _click(at, "ws_rebase")                      # apply the room's ratings to revision 2
    assert not at.warning
    assert EWS in _ranking(at)
    _click(at, "ws_save")
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and stored.site.name == "Renamed brewery" and stored.asset_map()[EWS].impact.safety == 5


def test_an_invalid_rating_is_shown_and_not_recorded(db_url):
    at = run(PAGE)
    _rate(at, {EWS: {"safety": 7}})
    assert f"asset {EWS}, safety: a rating is a whole number 1..5 or empty for unknown (value 7)" in errors(at)
    assert len(at.session_state["ws_rating"].session) == 0


def test_a_decision_is_saved_as_an_action_and_the_ratings_carry_on(engine):
    at = run(PAGE)
    _rate(at, {EWS: {"safety": 5}})
    at.text_input(key="ws_dec_title").input("Monitor the packaging EWS")
    at.multiselect(key="ws_dec_elements").set_value(["EVENT 1", "NET"])
    at.text_input(key="ws_dec_owner").input("OT operations")
    at.date_input(key="ws_dec_due").set_value(dt.date(2027, 3, 1))
    at.button(key="ws_dec_save").click().run()
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    action = stored.actions[-1]
    assert (action.id, action.title, action.elements, action.owner, action.due, action.status) == (
        "act-event-1", "Monitor the packaging EWS", ["EVENT 1", "NET"], "OT operations",
        dt.date(2027, 3, 1), "open")
    assert any("Recorded action act-event-1" in s.value for s in at.success)
    # a fresh, empty form: pressing the button again cannot record the same decision twice
    assert at.text_input(key="ws_dec_title_1").value == ""
    at.button(key="ws_dec_save_1").click().run()
    assert "Give the decision a title" in errors(at) and db.load_plant_db(engine)[1] == 2
    at.run()
    # our own save does not make the room's pending ratings stale
    assert not at.warning
    _click(at, "ws_save")
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and stored.asset_map()[EWS].impact.safety == 5 and stored.actions[-1].id == "act-event-1"


def test_a_decision_without_a_title_is_refused(engine):
    at = run(PAGE)
    at.button(key="ws_dec_save").click().run()
    assert "Give the decision a title" in errors(at)
    assert db.load_plant_db(engine)[1] == 1
