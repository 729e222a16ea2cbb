"""The workshop domain: risk matrix, quick ratings applied and undone, on a tiny hand-made plant.

Tiny plant (exposure by DESIGN.md):

* zones: ``vendor`` external (3), ``office`` enterprise reaching ``cell`` (office: nobody
  reaches it, 0; cell: reachable from an enterprise zone, 2), ``lab`` isolated (0);
* assets: ``plc`` in cell (production 4, safety 5) depends on ``sw`` in cell (production 2),
  so sw's effective impact is 4/5/? (worst 5); ``erp`` in office (delivery 3); ``portal`` in
  vendor (unrated); ``pc`` without zone (production 1); ``scope`` in lab (unrated).
"""

from __future__ import annotations

import datetime as dt

import pytest

from otrisk.errors import OtriskError
from otrisk.impact import analyze, analyze_plant
from otrisk.plantfile import loads_plant
from otrisk.readiness import readiness
from otrisk.workshop import (
    EXPOSURE_COLUMNS,
    IMPACT_ROWS,
    RatingChange,
    RatingError,
    RatingSession,
    RatingStep,
    apply_ratings,
    elements_at_target,
    rank_moves,
    rating_counts,
    risk_matrix,
)

TINY = """format: otrisk/v1
site: {name: Tiny}
zones:
  - {id: vendor, name: Vendor cloud, kind: external}
  - {id: office, name: Office, kind: enterprise}
  - {id: cell, name: Cell, kind: control}
  - {id: lab, name: Lab, kind: control}
conduits:
  - {id: office-cell, zones: [office, cell], direction: forward}
assets:
  - {id: sw, name: Cell switch, type: switch, zone: cell, impact: {production: 2}}
  - {id: plc, name: Cell PLC, type: plc, zone: cell, impact: {production: 4, safety: 5}, depends_on: [sw]}
  - {id: erp, name: ERP, type: server, zone: office, impact: {delivery: 3}}
  - {id: portal, name: Vendor portal, type: service, zone: vendor}
  - {id: pc, name: Loose PC, type: other, impact: {production: 1}}
  - {id: scope, name: Lab scope, type: other, zone: lab}
"""


@pytest.fixture
def tiny():
    return loads_plant(TINY)


def _filled(matrix) -> dict:
    return {key: ids for key, ids in matrix.cells.items() if ids}


# --- Risk matrix ------------------------------------------------------------------------

def test_matrix_cells_by_worst_effective_impact_and_exposure(tiny):
    m = risk_matrix(tiny, analyze_plant(tiny))
    assert _filled(m) == {
        (5, 2): ("plc", "sw"),      # sw carries plc's safety 5 (plc depends on it)
        (3, 0): ("erp",),
        (None, 3): ("portal",),     # unrated, in the external zone
        (1, None): ("pc",),         # no zone: exposure not analysed
        (None, 0): ("scope",),
    }
    assert len(m.cells) == len(IMPACT_ROWS) * len(EXPOSURE_COLUMNS) == 30
    assert (m.count(5, 2), m.count(5, 3), m.total) == (2, 0, 6)


def test_matrix_does_not_depend_on_the_order_of_the_figures(tiny):
    results = analyze_plant(tiny)
    assert risk_matrix(tiny, reversed(results)) == risk_matrix(tiny, results)


def test_matrix_refuses_missing_figures_and_missing_exposure(tiny):
    results = analyze_plant(tiny)
    with pytest.raises(OtriskError, match="no impact figures for asset 'erp'"):
        risk_matrix(tiny, [r for r in results if r.asset != "erp"])
    with pytest.raises(OtriskError, match="asset 'erp' has no exposure"):
        risk_matrix(tiny, analyze(tiny))  # figures without exposure


def test_counts_and_elements_at_target(tiny):
    counts = rating_counts(tiny)
    assert (counts.full, counts.partial, counts.none, counts.total) == (0, 4, 2, 6)
    assert rating_counts(apply_ratings(tiny, {"erp": {"production": 1, "safety": 1}})).full == 1
    plant = loads_plant(TINY + """assessments:
  - {date: 2026-06-01, maturity: {ORG: 3, CM: 1}, target: {ORG: 3, CM: 2, NET: 2}, not_applicable: {DATA: no data}}
""")
    # ORG at target, CM below, NET not assessed; DATA not applicable and without target
    assert elements_at_target(readiness(plant, as_of=dt.date(2026, 7, 1))) == (1, 3)


# --- Applying ratings -------------------------------------------------------------------

def test_apply_sets_the_axes_given_and_keeps_the_others(tiny):
    rated = apply_ratings(tiny, {"erp": {"production": 5}, "sw": {"production": None, "delivery": 2}})
    impacts = {a.id: a.impact.as_dict() for a in rated.assets}
    assert impacts["erp"] == {"production": 5, "safety": None, "delivery": 3}
    assert impacts["sw"] == {"production": None, "safety": None, "delivery": 2}
    assert impacts["plc"] == {"production": 4, "safety": 5, "delivery": None}
    assert tiny.asset_map()["erp"].impact.production is None  # the original is untouched
    assert [a.id for a in rated.assets] == [a.id for a in tiny.assets]
    assert _filled(risk_matrix(rated, analyze_plant(rated)))[(5, 0)] == ("erp",)


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True])
def test_apply_refuses_a_value_outside_one_to_five(tiny, value):
    with pytest.raises(RatingError) as info:
        apply_ratings(tiny, {"erp": {"safety": value}})
    assert (info.value.asset, info.value.axis, info.value.value) == ("erp", "safety", value)
    assert f"asset erp, safety: a rating is a whole number 1..5 or empty for unknown (value {value!r})" == str(info.value)


def test_apply_names_unknown_assets_and_axes(tiny):
    with pytest.raises(RatingError, match=r"the plant has no asset 'ghost', 'nope'") as info:
        apply_ratings(tiny, {"nope": {"safety": 2}, "erp": {"safety": 2}, "ghost": {"safety": 1}})
    assert info.value.asset == "ghost"
    with pytest.raises(RatingError, match=r"asset erp: no impact axis 'cost'"):
        apply_ratings(tiny, {"erp": {"cost": 2}})


# --- Rating session: steps, undo, preview -----------------------------------------------

def test_undo_takes_back_the_last_step_first():
    s = RatingSession()
    s.rate("erp", "production", 3)
    s.rate("erp", "production", 4)
    s.rate("sw", "safety", 2)
    s.rate("erp", "delivery", None)
    assert s.pending() == {"erp": {"production": 4, "delivery": None}, "sw": {"safety": 2}}
    assert s.undo() == RatingStep("erp", "delivery", None)
    assert s.undo() == RatingStep("sw", "safety", 2)
    assert s.pending() == {"erp": {"production": 4}}
    assert s.undo() == RatingStep("erp", "production", 4)
    assert s.pending() == {"erp": {"production": 3}}   # the earlier value of the same cell is back
    assert s.undo() == RatingStep("erp", "production", 3)
    assert (s.undo(), s.pending(), len(s)) == (None, {}, 0)


@pytest.mark.parametrize("axis, value, message", [
    ("production", 0, "a rating is a whole number 1..5"),
    ("safety", 9, "a rating is a whole number 1..5"),
    ("cost", 3, "no impact axis 'cost'"),
])
def test_a_step_with_a_bad_value_is_not_recorded(axis, value, message):
    s = RatingSession()
    s.rate("erp", "production", 2)
    with pytest.raises(RatingError, match=message):
        s.rate("erp", axis, value)
    assert s.steps == (RatingStep("erp", "production", 2),)


def test_preview_and_changes_against_the_stored_plant(tiny):
    s = RatingSession()
    s.rate("erp", "delivery", 3)      # same as stored: no change
    s.rate("erp", "safety", 5)
    s.rate("pc", "production", None)
    preview = s.preview(tiny)
    assert preview.asset_map()["erp"].impact.as_dict() == {"production": None, "safety": 5, "delivery": 3}
    assert s.changes(tiny) == [RatingChange("erp", "safety", None, 5), RatingChange("pc", "production", 1, None)]
    assert _filled(risk_matrix(preview, analyze_plant(preview)))[(None, None)] == ("pc",)
    s.rate("ghost", "safety", 2)
    with pytest.raises(RatingError, match="no asset 'ghost'"):
        s.preview(tiny)
    assert s.drop_missing(tiny) == ["ghost"] and len(s) == 3


def test_the_ranking_follows_the_preview(tiny):
    # priority = (worst + 0.1 × breadth) × (1 + 0.25 × exposure), docs/formulas.md
    before = analyze_plant(tiny)
    assert [(r.asset, r.priority) for r in before] == [
        ("plc", 8.85), ("sw", 8.85), ("erp", 3.3), ("pc", 1.1), ("portal", 0.0), ("scope", 0.0)]
    s = RatingSession()
    s.rate("portal", "safety", 5)      # (5 + 0.5) × 1.75 = 9.625: first
    s.rate("erp", "production", 1)     # (3 + 0.4) × 1 = 3.4: same place
    after = analyze_plant(s.preview(tiny))
    assert [(m.asset, m.rank, m.rank_before, m.priority, m.priority_before) for m in rank_moves(before, after, top=4)] == [
        ("portal", 1, 5, 9.625, 0.0), ("plc", 2, 1, 8.85, 8.85), ("sw", 3, 2, 8.85, 8.85), ("erp", 4, 3, 3.4, 3.3)]
    s.undo(), s.undo()
    assert [r.asset for r in analyze_plant(s.preview(tiny))] == [r.asset for r in before]
