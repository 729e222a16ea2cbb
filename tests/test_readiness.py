"""Readiness and strengthen-first ranking on a hand-computed plant, and the monotonicity
properties of the score (issue 3: adding fresh evidence never raises an item, raising
maturity never raises it, raising an asset's rating never lowers it)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otrisk.models import Assessment, Asset, Evidence, Impact, Plant, Site, Zone
from otrisk.plantfile import loads_plant
from otrisk.readiness import overdue_actions, readiness
from otrisk.reference import load_demo_plant, program_elements
from otrisk.strengthen import sub_element_score

AS_OF = dt.date(2026, 11, 30)

# Impact (DESIGN.md): plc eff production 5; sis safety 5; ews takes over sis → compromise
# safety 5; hist delivery 4; hmi production 3 (not high-impact); sw unrated.
# Priority order: ews 5.7, plc 5.5, sis 5.5, hist 4.4, ...  High-impact: ews, plc, sis, hist.
HAND = """\
format: otrisk/v1
site: {name: Hand plant}
zones:
  - {id: cell, name: Cell, kind: control}
  - {id: sup, name: Supervisory, kind: supervisory}
assets:
  - {id: plc, name: Kettle PLC, type: plc, zone: cell, impact: {production: 5}}
  - {id: sis, name: Boiler SIS, type: sis, zone: cell, impact: {safety: 5}}
  - {id: hmi, name: HMI, type: hmi, zone: sup, impact: {production: 3}, depends_on: [plc]}
  - {id: ews, name: EWS, type: ews, zone: sup, impact: {production: 2}, manages: [sis]}
  - {id: hist, name: Historian, type: historian, zone: sup, impact: {delivery: 4}}
  - {id: sw, name: Switch, type: switch, zone: cell}
evidence:
  - {id: ev-backup, elements: [AVAIL 2], kind: operational, title: Backups, collected: 2026-10-01, covers: [plc, "zone:sup"]}
  - {id: ev-restore-old, elements: [AVAIL 2.3], kind: operational, title: Old restore test, collected: 2025-01-01, covers: [sis]}
  - {id: ev-bkp-proc, elements: [AVAIL 2], kind: organizational, title: Backup procedure, collected: 2026-01-01}
  - {id: ev-continuity, elements: [AVAIL 1], kind: organizational, title: Continuity plan, collected: 2026-02-01}
  - {id: ev-log, elements: [EVENT 1], kind: operational, title: Log review, collected: 2026-11-01, covers: ["zone:cell"]}
  - {id: ev-irp, elements: [EVENT 1], kind: organizational, title: Incident plan, collected: 2026-05-01}
  - {id: ev-policy, elements: [ORG 1], kind: organizational, title: Policy, collected: 2026-01-10, valid_until: 2027-01-10}
  - {id: ev-future, elements: [CM 1], kind: operational, title: Inventory, collected: 2026-12-05}
assessments:
  - date: 2026-06-01
    maturity: {AVAIL 2: 2, EVENT 1: 1, ORG 1: 3}
    target: {AVAIL: 3, EVENT: 3, ORG: 3, CM: 2}
    not_applicable: {NET 2: no wireless on site}
actions:
  - {id: act-restore, title: Restore test of the SIS, elements: [AVAIL 2.3], owner: OT, due: 2026-11-01}
  - {id: act-done, title: Done already, elements: [EVENT 1], due: 2026-01-01, status: done}
"""

LOG2_3, LOG2_4, LOG2_8 = math.log2(3), 2.0, 3.0

# Scores by hand, score = H × (M + E + C), C = log2(1 + Σ w), w = 2 for impact 5, 1 for 4:
EXPECTED = {
    # maturity 2 vs 3; fresh operational; sis uncovered (w 2); heavyweight
    "AVAIL 2": round(1.5 * (1 + 0 + LOG2_3), 3),
    # not assessed vs 3; only organizational fresh (both: +2); all 4 uncovered (Σw 7)
    "AVAIL 1": 3 + 2 + LOG2_8,
    # 1 vs 3; both kinds expected, organizational stale (+1); ews, hist uncovered (Σw 3); heavyweight
    "EVENT 1": 1.5 * (2 + 1 + LOG2_4),
    "ORG 2": 3 + 2 + 3, "ORG 3": 3 + 3 + 3,
    # target 2 for CM, not assessed; future item is not fresh: +2 +1; heavyweight
    "CM 1": 1.5 * (2 + 3 + 3),
    "NET 1": 0 + 2 + 3, "NET 3": 0 + 3 + 3, "COMP 1": 5, "COMP 2": 5, "COMP 3": 6,
    "DATA 1": 6, "USER 1": 5, "USER 2": 6,
}


@pytest.fixture(scope="module")
def hand():
    return readiness(loads_plant(HAND), as_of=AS_OF)


def test_strengthen_first_scores_and_order_by_hand(hand):
    got = {s.id: s.score for s in hand.strengthen_first}
    assert got == pytest.approx(EXPECTED)
    assert [s.id for s in hand.strengthen_first] == [
        "CM 1", "ORG 3", "AVAIL 1", "ORG 2", "EVENT 1", "COMP 3", "DATA 1", "NET 3", "USER 2",
        "COMP 1", "COMP 2", "NET 1", "USER 1", "AVAIL 2"]
    # ORG 1 (at target, fresh site-wide policy) scores 0; NET 2 is not applicable
    assert hand.sub_element("ORG 1").score.score == 0
    assert hand.sub_element("NET 2").score is None


def test_element_ranks_by_score_then_id(hand):
    ranks = {e.id: (e.rank, e.score) for e in hand.elements}
    assert ranks == {"CM": (1, 12.0), "ORG": (2, 9.0), "AVAIL": (3, 8.0), "EVENT": (4, 7.5),
                     "COMP": (5, 6.0), "DATA": (6, 6.0), "NET": (7, 6.0), "USER": (8, 6.0)}
    assert [s.rank for s in hand.element("AVAIL").sub_elements] == [1, 2]  # AVAIL 1 8 > AVAIL 2 3.877


def test_sub_element_readiness_by_hand(hand):
    avail2 = hand.sub_element("AVAIL 2")
    assert (avail2.maturity, avail2.maturity_date, avail2.target, avail2.target_from) == (
        2, dt.date(2026, 6, 1), 3, "AVAIL")
    assert avail2.counts() == {"operational": {"fresh": 1, "stale": 1}, "organizational": {"fresh": 1, "stale": 0}}
    # ev-restore-old is filed against requirement AVAIL 2.3 and counts for AVAIL 2
    assert {e.evidence: e.status for e in avail2.evidence} == {
        "ev-backup": "fresh", "ev-bkp-proc": "fresh", "ev-restore-old": "stale"}
    cov = avail2.coverage
    assert cov.high_impact == ("ews", "plc", "sis", "hist")  # most critical first
    assert cov.operational == ("ews", "plc", "hist")  # ews and hist through zone:sup
    assert cov.organizational_only == ("sis",)  # the site-wide procedure
    assert cov.uncovered == () and avail2.uncovered == ("sis",)
    assert not avail2.paper_compliance

    avail1 = hand.sub_element("AVAIL 1")
    assert avail1.paper_compliance and avail1.maturity is None and avail1.target == 3
    assert hand.element("AVAIL").paper_compliance
    assert hand.element("AVAIL").counts() == {"operational": {"fresh": 1, "stale": 1},
                                              "organizational": {"fresh": 2, "stale": 0}}
    net2 = hand.sub_element("NET 2")
    assert net2.not_applicable == "no wireless on site"
    assert net2.reasons == ("not applicable: no wireless on site",)
    # the future-dated item counts as neither fresh nor stale, and is a warning
    assert hand.sub_element("CM 1").counts()["operational"] == {"fresh": 0, "stale": 0}
    assert hand.warnings == ("evidence ev-future: collected 2026-12-05 is after 2026-11-30: not yet fresh "
                             "(check the date)",)


def test_reasons_name_assets_zones_evidence_and_actions(hand):
    r = hand.sub_element("AVAIL 2").reasons
    assert r[0] == "score 3.877 = 1.5 × (maturity gap 1 + evidence gap 0 + coverage 1.585)"
    assert r[1] == "maturity 2 (assessed 2026-06-01) against target 3 (set for AVAIL), gap 1"
    assert "operational heavyweight (backup and recovery) on a site with high-impact assets" in r
    assert ("1 high-impact asset (1 with safety 5) is not covered by fresh operational evidence for AVAIL 2, "
            "among them Boiler SIS (sis); zones: cell 1") in r
    assert "1 of them covered only by organizational evidence (on paper): Boiler SIS (sis)" in r
    assert any(x.startswith("stale: ev-restore-old (operational), collected 2025-01-01, 698 days old") for x in r)
    assert ("OVERDUE action act-restore (open, due 2026-11-01, OT): Restore test of the SIS") in r
    event = hand.sub_element("EVENT 1").reasons
    assert ("2 high-impact assets (1 with safety 5, 1 with delivery 4) are not covered by fresh operational "
            "evidence for EVENT 1, among them EWS (ews), Historian (hist); zones: sup 2") in event
    assert not any("act-done" in x for x in event)  # done actions are not reasons
    org = hand.element("AVAIL").reasons
    assert "paper compliance in AVAIL 1: only organizational evidence is fresh where operational evidence is expected" in org
    assert "most urgent part: AVAIL 1 System availability and intended functionality (score 8)" in org


def test_json_has_exactly_the_design_shape(hand):
    doc = hand.to_json()
    assert list(doc) == ["as_of", "elements", "strengthen_first"]
    assert doc["as_of"] == "2026-11-30"
    fields = ["id", "name", "maturity", "maturity_date", "target", "evidence", "paper_compliance", "rank", "reasons"]
    assert [e["id"] for e in doc["elements"]] == ["ORG", "CM", "NET", "COMP", "DATA", "USER", "EVENT", "AVAIL"]
    for e in doc["elements"]:
        assert list(e) == [*fields, "sub_elements"]
        for s in e["sub_elements"]:
            assert list(s) == fields
    assert sorted(e["rank"] for e in doc["elements"]) == list(range(1, 9))
    avail = next(e for e in doc["elements"] if e["id"] == "AVAIL")
    assert avail["sub_elements"][1]["maturity_date"] == "2026-06-01"
    assert doc["strengthen_first"][0] == {"id": "CM 1", "score": 12.0,
                                          "reasons": list(hand.sub_element("CM 1").reasons)}


def test_covers_reach_assets_through_their_further_interfaces():
    plant = loads_plant(HAND.replace(
        "  - {id: sis, name: Boiler SIS, type: sis, zone: cell, impact: {safety: 5}}",
        '  - {id: sis, name: Boiler SIS, type: sis, zone: cell, impact: {safety: 5}, '
        'interfaces: [{zone: sup, ip: "10.0.0.9"}]}'))
    assert readiness(plant, as_of=AS_OF).sub_element("AVAIL 2").uncovered == ()


def test_an_element_not_applicable_makes_its_sub_elements_not_applicable():
    plant = loads_plant(HAND.replace("not_applicable: {NET 2: no wireless on site}",
                                     "not_applicable: {DATA: no sensitive data on site}"))
    report = readiness(plant, as_of=AS_OF)
    assert report.sub_element("DATA 1").not_applicable == "no sensitive data on site"
    assert report.element("DATA").score == 0.0 and report.element("DATA").rank == 2 + 6  # last by score
    assert "DATA 1" not in {s.id for s in report.strengthen_first}


def test_overdue_actions_on_the_demo_plant():
    demo = load_demo_plant()
    # act-fw-review is done; act-incident-plan is due 2026-12-15, act-cellar-owner 2026-12-31
    assert overdue_actions(demo, as_of=dt.date(2026, 12, 16)) == [a for a in demo.actions if a.id == "act-incident-plan"]
    assert overdue_actions(demo, as_of=dt.date(2026, 11, 30)) == []


def test_demo_plant_ranking_names_real_assets_and_evidence():
    demo = load_demo_plant()
    report = readiness(demo, as_of=AS_OF)
    first = report.strengthen_first[0]
    # EVENT 1: ML1 (2026-06-15) vs EVENT target 3 → gap 2; SIEM export (2026-11-15) fresh but only
    # for zones ot-dmz, ot-ops, scada; the incident plan (2024-06-20) is stale → +1; heavyweight.
    assert first.id == "EVENT 1"
    event = report.sub_element("EVENT 1")
    assert (event.score.maturity_gap, event.score.evidence_gap, event.score.heavyweight) == (2, 1, 1.5)
    names = {a.id: a.name for a in demo.assets}
    assert any(f"{names['sis-boiler-bms']} (sis-boiler-bms)" in r for r in first.reasons)
    assert any(r.startswith("stale: ev-incident-plan (organizational)") for r in first.reasons)
    assert any("act-incident-plan" in r for r in first.reasons)
    # ORG 3 only has the physical access concept (organizational) where both kinds are expected
    assert report.sub_element("ORG 3").paper_compliance and report.element("ORG").paper_compliance
    assert report.sub_element("NET 2").not_applicable.startswith("No wireless networks")
    # the retired SCADA restore test never counts
    assert "ev-restore-scada-2023" not in {e.evidence for e in report.sub_element("AVAIL 2").evidence
                                           if e.status in ("fresh", "stale")}


# --- properties ---------------------------------------------------------------------------

SUBS = [s.id for e in program_elements() for s in e.sub_elements]
FILINGS = SUBS + [e.id for e in program_elements()] + ["CM 1.1", "AVAIL 2.3", "EVENT 1.9", "ORG 1.4"]
ZONES = ["za", "zb", "zc"]
IDS = [f"a{i}" for i in range(7)]
rating = st.one_of(st.none(), st.integers(1, 5))


@st.composite
def plants(draw):
    n = draw(st.integers(1, len(IDS)))
    ids = IDS[:n]
    assets = []
    for i, aid in enumerate(ids):
        others = [x for x in ids if x != aid]
        assets.append(Asset(
            id=aid, name=aid.upper(), type=draw(st.sampled_from(["plc", "sis", "ews", "hmi", "server"])),
            zone=draw(st.one_of(st.none(), st.sampled_from(ZONES))),
            impact=Impact(production=draw(rating), safety=draw(rating), delivery=draw(rating)),
            depends_on=draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else [],
            manages=draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []))
    evidence = [evidence_item(draw, f"ev{i}", ids, fresh=False) for i in range(draw(st.integers(0, 4)))]
    levels = st.dictionaries(st.sampled_from(SUBS + [e.id for e in program_elements()]), st.integers(0, 4), max_size=8)
    assessments = [Assessment(date=dt.date(2026, 3, 1), maturity=draw(levels), target=draw(levels))]
    return Plant(format="otrisk/v1", site=Site(name="P"),
                 zones=[Zone(id=z, name=z, kind="control") for z in ZONES],
                 assets=assets, evidence=evidence, assessments=assessments)


def evidence_item(draw, eid: str, ids: list[str], *, fresh: bool) -> Evidence:
    collected = AS_OF if fresh else draw(st.dates(dt.date(2024, 1, 1), dt.date(2027, 1, 1)))
    covers = draw(st.lists(st.sampled_from(ids + [f"zone:{z}" for z in ZONES]), unique=True, max_size=3))
    return Evidence(id=eid, elements=draw(st.lists(st.sampled_from(FILINGS), min_size=1, max_size=2, unique=True)),
                    kind=draw(st.sampled_from(["operational", "organizational"])), title="t",
                    collected=collected, covers=covers)


def scores(plant: Plant) -> dict[str, float]:
    report = readiness(plant, as_of=AS_OF)
    out = {s.id: (s.score.score if s.score else 0.0) for e in report.elements for s in e.sub_elements}
    out.update({e.id: e.score for e in report.elements})
    return out


def no_higher(after: dict[str, float], before: dict[str, float]) -> None:
    for key, value in after.items():
        assert value <= before[key] + 1e-9, (key, before[key], value)


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(data=st.data())
def test_adding_fresh_evidence_never_raises_a_score(data):
    plant = data.draw(plants())
    item = evidence_item(data.draw, "ev-new", [a.id for a in plant.assets], fresh=True)
    more = plant.model_copy(update={"evidence": [*plant.evidence, item]})
    no_higher(scores(more), scores(plant))


@PROPS
@given(data=st.data())
def test_raising_maturity_never_raises_a_score(data):
    plant = data.draw(plants())
    target = data.draw(st.sampled_from(SUBS + [e.id for e in program_elements()]))
    old = plant.assessments[0]
    # the level in effect: its own rating, else (a sub-element) its element's, else 0
    element = target.split(" ")[0]
    effective = old.maturity.get(target, old.maturity.get(element, 0))
    level = data.draw(st.integers(effective, 4))
    raised = old.model_copy(update={"maturity": {**old.maturity, target: level}})
    no_higher(scores(plant.model_copy(update={"assessments": [raised]})), scores(plant))


@PROPS
@given(data=st.data())
def test_raising_a_rating_never_lowers_a_score(data):
    plant = data.draw(plants())
    i = data.draw(st.integers(0, len(plant.assets) - 1))
    axis = data.draw(st.sampled_from(["production", "safety", "delivery"]))
    asset = plant.assets[i]
    current = getattr(asset.impact, axis)
    new = data.draw(st.integers(current or 1, 5))
    raised = asset.model_copy(update={"impact": asset.impact.model_copy(update={axis: new})})
    assets = [*plant.assets[:i], raised, *plant.assets[i + 1:]]
    no_higher(scores(plant), scores(plant.model_copy(update={"assets": assets})))


@pytest.mark.parametrize("kwargs, expected", [
    (dict(maturity=None, target=3, expected_kind="organizational", fresh_operational=5, fresh_organizational=0,
          uncovered_weights=[], heavyweight=False, high_impact_site=True), 5.0),
    (dict(maturity=4, target=2, expected_kind="both", fresh_operational=1, fresh_organizational=1,
          uncovered_weights=[], heavyweight=True, high_impact_site=True), 0.0),
    (dict(maturity=0, target=None, expected_kind="both", fresh_operational=0, fresh_organizational=0,
          uncovered_weights=[1.0], heavyweight=True, high_impact_site=False), 4.0),
])
def test_score_terms(kwargs, expected):
    assert sub_element_score(**kwargs).score == expected


def test_score_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="operational, organizational or both"):
        sub_element_score(maturity=1, target=2, expected_kind="paper", fresh_operational=0,
                          fresh_organizational=0, uncovered_weights=[], heavyweight=False, high_impact_site=False)
