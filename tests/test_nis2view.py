"""The NIS2 view: statuses per mapped id and per article item, Art. 23 readiness, summary.

Small hand-made plants whose statuses are worked out by hand (as-of 2026-11-30; EVENT 1
accepts evidence at most 92 days old), then the demo plant against values read from
``data/demo_plant.yaml``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from otrisk.nis2view import (
    NOT_APPLICABLE,
    STATUSES,
    entity_profile,
    id_status,
    mapped_ids,
    nis2_view,
    summary,
    worst,
)
from otrisk.plantfile import loads_plant
from otrisk.readiness import readiness
from otrisk.reference import element_ids, load_demo_plant, nis2, sub_element_of

AS_OF = dt.date(2026, 11, 30)
ELEMENTS = "[ORG, CM, NET, COMP, DATA, USER, EVENT, AVAIL]"
#: Every sub-element the letters (a)..(j) map to, read off data/nis2.yaml by hand.
LETTER_SUBS = ("AVAIL 1", "AVAIL 2", "CM 1", "COMP 1", "COMP 2", "COMP 3", "DATA 1", "EVENT 1",
               "NET 1", "NET 3", "ORG 1", "ORG 2", "ORG 3", "USER 1", "USER 2")


def plant(*, evidence: str = "", assessments: str = "", actions: str = "",
          site: str = "{name: Test waterworks, sector: drinking_water, entity: essential}"):
    """Two high-impact assets (plc-1 in zone ctl, sis-1 in zone sis) and the given sections."""
    text = f"""\
format: otrisk/v1
site: {site}
zones:
  - {{id: ctl, name: Control, kind: control}}
  - {{id: sis, name: Safety, kind: safety}}
assets:
  - {{id: plc-1, name: PLC 1, type: plc, zone: ctl, impact: {{production: 5}}}}
  - {{id: sis-1, name: SIS 1, type: sis, zone: sis, impact: {{safety: 5}}}}
"""
    for key, body in (("evidence", evidence), ("assessments", assessments), ("actions", actions)):
        if body:
            text += f"{key}:\n{body}"
    return loads_plant(text)


def event_evidence(plan_collected: dt.date = dt.date(2026, 11, 1), covers: str = "[]") -> str:
    return f"""\
  - {{id: ev-siem, elements: [EVENT 1], kind: operational, title: SIEM alert review, collected: 2026-11-20, covers: {covers}}}
  - {{id: ev-plan, elements: [EVENT 1], kind: organizational, title: Incident response plan, collected: {plan_collected}}}
"""


EVENT_AT_TARGET = "  - {date: 2026-06-01, maturity: {EVENT 1: 3}, target: {EVENT: 3}}\n"


def letter(view, key):
    return next(x for x in view.article_21_2 if x.key == key)


def deadlines(view):
    return {d.id: d.verdict for d in view.article_23.deadlines}


# --- statuses of mapped ids and letters --------------------------------------------------

def test_event_at_target_with_fresh_operational_and_organizational_evidence():
    # EVENT 1 rated 3, target 3 (EVENT's); ev-siem 10 days old, ev-plan 29 days old: both fresh.
    view = nis2_view(plant(evidence=event_evidence(), assessments=EVENT_AT_TARGET), as_of=AS_OF)
    b = letter(view, "b")
    assert b.status == "at_target"
    [link] = b.links
    assert (link.id, link.maturity, link.maturity_date, link.target) == ("EVENT 1", 3, dt.date(2026, 6, 1), 3)
    assert link.counts == {"operational": {"fresh": 1, "stale": 0}, "organizational": {"fresh": 1, "stale": 0}}
    assert link.reason == ("EVENT 1: maturity 3 (assessed 2026-06-01) meets target 3 with fresh operational "
                           "and organizational evidence")
    # the link carries the cross-walk's rationale
    assert link.rationale == nis2()["article_21_2"][1]["elements"][0]["rationale"]
    assert link.rationale == "Detection, reporting, analysis and response to incidents."
    assert b.reason == "at target: EVENT 1"


def test_stale_plan_gives_at_target_without_fresh_evidence():
    # The plan collected 200 days before the as-of day: older than EVENT 1's 92 days. EVENT 1
    # expects both kinds, so fresh operational evidence alone is not enough.
    collected = AS_OF - dt.timedelta(days=200)
    assert collected == dt.date(2026, 5, 14)
    view = nis2_view(plant(evidence=event_evidence(collected), assessments=EVENT_AT_TARGET), as_of=AS_OF)
    b = letter(view, "b")
    assert b.status == "at_target_without_fresh_evidence"
    assert b.links[0].counts["organizational"] == {"fresh": 0, "stale": 1}
    assert b.links[0].reason == (
        "EVENT 1: maturity 3 (assessed 2026-06-01) meets target 3, but no fresh organizational evidence: "
        "ev-plan is stale (collected 2026-05-14, 200 days old on 2026-11-30; EVENT 1 accepts at most 92 days)")


def test_letter_takes_the_worst_status_of_its_ids():
    # (c) maps AVAIL 1, AVAIL 2 (never rated) and EVENT 1 (at target): not assessed wins.
    view = nis2_view(plant(evidence=event_evidence(), assessments=EVENT_AT_TARGET), as_of=AS_OF)
    c = letter(view, "c")
    assert [(link.id, link.status) for link in c.links] == [
        ("AVAIL 1", "not_assessed"), ("AVAIL 2", "not_assessed"), ("EVENT 1", "at_target")]
    assert c.status == "not_assessed"
    assert c.reason == "not assessed: AVAIL 1, AVAIL 2"
    assert c.links[0].reason == "AVAIL 1: not assessed"


def test_no_target_ranks_worse_than_below_target():
    # (a): ORG 1 rated 1 against its own target 3; ORG 2 rated 2 without any target.
    view = nis2_view(plant(assessments="  - {date: 2026-06-01, maturity: {ORG 1: 1, ORG 2: 2}, target: {ORG 1: 3}}\n"),
                     as_of=AS_OF)
    a = letter(view, "a")
    assert [(link.id, link.status) for link in a.links] == [("ORG 1", "below_target"), ("ORG 2", "no_target")]
    assert a.status == "no_target"
    assert a.links[0].reason == "ORG 1: maturity 1 (assessed 2026-06-01) below target 3"
    assert a.links[1].reason == "ORG 2: maturity 2 (assessed 2026-06-01), no target set"


def test_letter_whose_ids_are_all_not_applicable():
    # DATA marked not applicable: DATA 1 (not rated itself) inherits it. (h) maps only DATA 1;
    # (j) maps USER 1, NET 3, DATA 1, AVAIL 1: DATA 1 is skipped, the rest are unassessed.
    view = nis2_view(plant(assessments="  - {date: 2026-06-01, not_applicable: {DATA: no data worth protecting}}\n"),
                     as_of=AS_OF)
    h = letter(view, "h")
    assert h.status == NOT_APPLICABLE
    assert h.reason == "all mapped ids not applicable"
    assert h.links[0].not_applicable == "no data worth protecting"
    assert h.links[0].reason == "DATA 1: not applicable: no data worth protecting"
    j = letter(view, "j")
    assert j.status == "not_assessed"
    assert j.reason == "not assessed: AVAIL 1, NET 3, USER 1"
    assert view.summary.applicable == 9
    assert view.summary.counts[NOT_APPLICABLE] == 1


def test_requirement_ids_are_judged_by_their_sub_element():
    # Art. 20 "training" maps ORG 1.4 and ORG 1.5, both judged by ORG 1 (rated 2, target 2,
    # fresh organizational evidence filed against ORG 1.4 counts for ORG 1).
    view = nis2_view(plant(
        evidence="  - {id: ev-train, elements: [ORG 1.4], kind: organizational, title: Training records, collected: 2026-10-01}\n",
        assessments="  - {date: 2026-06-01, maturity: {ORG 1: 2}, target: {ORG: 2}}\n"), as_of=AS_OF)
    training = next(i for i in view.article_20 if i.key == "training")
    assert training.article == "Art. 20(2)"
    assert [(link.id, link.sub_element, link.status) for link in training.links] == [
        ("ORG 1.4", "ORG 1", "at_target"), ("ORG 1.5", "ORG 1", "at_target")]
    assert training.links[0].reason.startswith("ORG 1.4 (judged by ORG 1): maturity 2 (assessed 2026-06-01) meets target 2")
    assert training.status == "at_target"


def test_open_and_overdue_actions_touching_a_letter():
    # (d) maps ORG 1, ORG 2, NET 3. act-1 (ORG 1.6 -> ORG 1) is due before the as-of day;
    # act-2 is filed against the whole NET element; act-3 is done and act-4 cancelled.
    actions = """\
  - {id: act-1, title: Supplier annex, elements: [ORG 1.6], owner: Purchasing, due: 2026-10-01}
  - {id: act-2, title: Broker vendor access, elements: [NET], due: 2027-01-01, status: in_progress}
  - {id: act-3, title: Old task, elements: [NET 3], due: 2026-01-01, status: done}
  - {id: act-4, title: Dropped, elements: [EVENT 1], due: 2026-01-01, status: cancelled}
"""
    view = nis2_view(plant(actions=actions, assessments="  - {date: 2026-06-01, maturity: {ORG 1: 1}, target: {ORG: 3}}\n"),
                     as_of=AS_OF)
    d = letter(view, "d")
    assert [(a.id, a.overdue, a.status) for a in d.actions] == [("act-1", True, "open"), ("act-2", False, "in_progress")]
    assert d.actions[0].owner == "Purchasing"
    assert d.reason == "not assessed: NET 3, ORG 2; 1 overdue action(s)"
    assert letter(view, "b").actions == ()


def test_worst_order_and_unknown_status_ids():
    assert STATUSES[0] == "not_assessed" and STATUSES[-1] == "at_target"
    assert worst(["at_target", "at_target_without_fresh_evidence"]) == "at_target_without_fresh_evidence"
    assert worst(["below_target", "no_target", NOT_APPLICABLE]) == "no_target"
    with pytest.raises(KeyError):
        id_status(readiness(plant(), as_of=AS_OF), "XYZ 9")


# --- summary -----------------------------------------------------------------------------

def full_program(skip: tuple[str, ...] = ()) -> str:
    """Both kinds of evidence filed against all eight elements (fresh: 10 days old, under the
    shortest max age of 92 days), every letter sub-element rated 3 against element targets 3."""
    rated = ", ".join(f"{s}: 3" for s in LETTER_SUBS if s not in skip)
    return (f"  - {{date: 2026-06-01, maturity: {{{rated}}}, target: {{ORG: 3, CM: 3, NET: 3, COMP: 3, DATA: 3, "
            f"USER: 3, EVENT: 3, AVAIL: 3}}}}\n")


FULL_EVIDENCE = f"""\
  - {{id: ev-ops, elements: {ELEMENTS}, kind: operational, title: Operations records, collected: 2026-11-20}}
  - {{id: ev-org, elements: {ELEMENTS}, kind: organizational, title: Procedures, collected: 2026-11-20}}
"""


def test_all_letters_at_target():
    view = nis2_view(plant(evidence=FULL_EVIDENCE, assessments=full_program()), as_of=AS_OF)
    assert [x.status for x in view.article_21_2] == ["at_target"] * 10
    assert [i.status for i in view.article_20] == ["at_target"] * 3
    s = view.summary
    assert (s.at_target, s.applicable, s.share, s.unassessed_ids) == (10, 10, 1.0, ())
    assert s.text == "10 of 10 letters at target."


def test_no_figure_reaches_100_percent_while_items_are_unassessed():
    # Without a DATA 1 rating, (h) (DATA 1 only) and (j) (… DATA 1 …) are not assessed.
    view = nis2_view(plant(evidence=FULL_EVIDENCE, assessments=full_program(skip=("DATA 1",))), as_of=AS_OF)
    s = view.summary
    assert s.unassessed_letters == ("h", "j")
    assert (s.at_target, s.applicable, s.share) == (8, 10, 0.8)
    assert s.counts == {"not_assessed": 2, "no_target": 0, "below_target": 0,
                        "at_target_without_fresh_evidence": 0, "at_target": 8, "not_applicable": 0}
    assert s.unassessed_ids == ("DATA 1",)
    assert s.text == ("8 of 10 letters at target; 2 not assessed. No figure reaches 100 % while mapped "
                      "sub-elements are unassessed: 1 is (DATA 1).")


def test_unassessed_plant():
    view = nis2_view(plant(), as_of=AS_OF)
    assert [x.status for x in view.article_21_2] == ["not_assessed"] * 10
    s = view.summary
    assert (s.at_target, s.applicable, s.share) == (0, 10, 0.0)
    assert s.unassessed_ids == LETTER_SUBS
    assert s.text.endswith(f"unassessed: 15 are ({', '.join(LETTER_SUBS)}).")
    assert summary(()).share is None


# --- Art. 23 -----------------------------------------------------------------------------

def test_art23_ready_when_plan_monitoring_maturity_and_coverage_hold():
    view = nis2_view(plant(evidence=event_evidence(), assessments=EVENT_AT_TARGET), as_of=AS_OF)
    a23 = view.article_23
    assert [(d.id, d.within, d.to) for d in a23.deadlines] == [
        ("early_warning", "24 hours", "CSIRT or competent authority"),
        ("incident_notification", "72 hours", "CSIRT or competent authority"),
        ("final_report", "one month after the incident notification", None)]
    assert deadlines(view) == {"early_warning": "ready", "incident_notification": "ready", "final_report": "ready"}
    assert sorted(a23.high_impact) == ["plc-1", "sis-1"]  # production 5 and safety 5
    assert a23.uncovered == ()
    assert a23.coverage.reason == "fresh operational EVENT 1 evidence covers all 2 high-impact assets"
    assert a23.plan.reason == ("fresh incident response plan: ev-plan (collected 2026-11-01, 29 days old on "
                               "2026-11-30; EVENT 1 accepts at most 92 days)")
    assert [s["id"] for s in a23.other_steps] == ["intermediate_report", "progress_report"]


def test_art23_monitoring_that_misses_a_high_impact_asset_leaves_gaps():
    # ev-siem covers zone ctl only: sis-1 (zone sis, safety 5) is not covered.
    view = nis2_view(plant(evidence=event_evidence(covers="['zone:ctl']"), assessments=EVENT_AT_TARGET), as_of=AS_OF)
    a23 = view.article_23
    assert a23.uncovered == ("sis-1",)
    assert a23.coverage.ok is False
    assert a23.coverage.reason == "fresh operational EVENT 1 evidence does not cover 1 of 2 high-impact assets: sis-1"
    assert deadlines(view) == {"early_warning": "partly", "incident_notification": "partly", "final_report": "partly"}


def test_art23_stale_plan_is_not_ready():
    view = nis2_view(plant(evidence=event_evidence(dt.date(2026, 5, 14)), assessments=EVENT_AT_TARGET), as_of=AS_OF)
    a23 = view.article_23
    assert a23.plan.ok is False
    assert a23.plan.reason == ("no fresh incident response plan: ev-plan is stale (collected 2026-05-14, 200 days "
                               "old on 2026-11-30; EVENT 1 accepts at most 92 days)")
    assert a23.monitoring.ok is True
    assert set(deadlines(view).values()) == {"not_ready"}


def test_art23_unassessed_event_cannot_tell_about_the_later_reports():
    # Plan and monitoring fresh, coverage whole site, but EVENT 1 never rated: the early
    # warning only lacks an extra (maturity), the 72 h and final reports need it.
    view = nis2_view(plant(evidence=event_evidence()), as_of=AS_OF)
    assert view.article_23.maturity.ok is None
    assert view.article_23.maturity.reason == "EVENT 1: not assessed"
    assert deadlines(view) == {"early_warning": "partly", "incident_notification": "unknown", "final_report": "unknown"}


def test_art23_below_target_with_good_evidence():
    view = nis2_view(plant(evidence=event_evidence(),
                           assessments="  - {date: 2026-06-01, maturity: {EVENT 1: 1}, target: {EVENT: 3}}\n"),
                     as_of=AS_OF)
    assert deadlines(view) == {"early_warning": "partly", "incident_notification": "not_ready",
                               "final_report": "not_ready"}


def test_art23_without_any_evidence():
    view = nis2_view(plant(assessments=EVENT_AT_TARGET), as_of=AS_OF)
    a23 = view.article_23
    assert a23.plan.reason == "no fresh incident response plan: none filed"
    assert a23.monitoring.reason == "no fresh operational monitoring evidence for EVENT 1: none filed"
    assert a23.uncovered == tuple(a23.high_impact) and len(a23.uncovered) == 2
    assert set(deadlines(view).values()) == {"not_ready"}


def test_art23_coverage_cannot_be_judged_when_assets_are_unrated():
    text = """\
format: otrisk/v1
site: {name: T}
assets:
  - {id: hmi-1, name: HMI 1, type: hmi}
evidence:
  - {id: ev-siem, elements: [EVENT 1], kind: operational, title: SIEM, collected: 2026-11-20}
  - {id: ev-plan, elements: [EVENT 1], kind: organizational, title: Plan, collected: 2026-11-20}
assessments:
  - {date: 2026-06-01, maturity: {EVENT 1: 3}, target: {EVENT: 3}}
"""
    view = nis2_view(loads_plant(text), as_of=AS_OF)
    assert view.article_23.coverage.ok is None
    assert view.article_23.coverage.reason == ("no asset is rated high-impact and 1 is unrated: coverage "
                                               "cannot be judged")
    assert deadlines(view)["early_warning"] == "partly"


# --- entity profile ----------------------------------------------------------------------

@pytest.mark.parametrize(("site", "annex", "notes"), [
    ("{name: T, sector: food, entity: important}", "II", []),
    ("{name: T, sector: drinking_water, entity: essential}", "I", []),
    ("{name: T, sector: drinking_water, entity: important}", "I", []),
    ("{name: T, sector: chemicals, entity: essential}", "II", [(
        "chemicals is an Annex II sector: its entities are important unless a Member State designates them "
        "essential (Art. 3(1)); marked essential here, so a designation is assumed (not an error).")]),
    ("{name: T}", None, ["No NIS2 sector set (site.sector): the Annex cannot be shown.", (
        "No entity class set (site.entity: essential or important). Art. 21 and Art. 23 apply to both classes "
        "alike; supervision and fines differ.")]),
])
def test_entity_profile(site, annex, notes):
    p = entity_profile(plant(site=site))
    assert p.annex == annex
    assert list(p.notes) == notes
    if p.entity:
        assert p.entity_text == next(c["text"] for c in nis2()["entity_classes"] if c["id"] == p.entity)


def test_nis2_text_is_not_split_at_commas():
    ref = nis2()
    assert entity_profile(load_demo_plant()).sector_name == "Production, processing and distribution of food"
    assert all(set(s) <= {"id", "annex", "name", "sub_sectors"} for s in ref["sectors"])
    assert all(set(e) == {"id", "rationale"} for x in ref["article_21_2"] for e in x["elements"])


# --- reference integrity -----------------------------------------------------------------

def test_every_letter_and_art20_item_maps_to_existing_ids():
    ref = nis2()
    assert [x["letter"] for x in ref["article_21_2"]] == list("abcdefghij")
    for x in ref["article_21_2"]:
        assert len(x["elements"]) >= 1, x["letter"]
        for e in x["elements"]:
            assert e["id"] in element_ids(), (x["letter"], e["id"])
            assert e["rationale"].strip(), (x["letter"], e["id"])
    for item in ref["article_20"]:
        assert item["elements"] and set(item["elements"]) <= element_ids(), item["id"]
    assert mapped_ids() <= element_ids()
    assert {sub_element_of(i) for i in mapped_ids()} >= set(LETTER_SUBS)
    # every mapped id resolves to a sub-element of the readiness report
    report = readiness(plant(), as_of=AS_OF)
    assert {id_status(report, i).sub_element for i in mapped_ids()} == {"ORG 1", "ORG 2", *LETTER_SUBS}
    hours = {d["id"]: d.get("within_hours") for d in ref["article_23"]["deadlines"]}
    assert (hours["early_warning"], hours["incident_notification"]) == (24, 72)


# --- demo plant --------------------------------------------------------------------------

def test_demo_plant_letters_on_2026_11_30():
    demo = load_demo_plant()
    view = nis2_view(demo, as_of=AS_OF)
    assert (view.profile.entity, view.profile.sector, view.profile.annex, view.profile.notes) == (
        "important", "food", "II", ())
    # (g) ORG 1, COMP 1, COMP 2, USER 1. Latest assessment 2026-06-15 rates ORG 1 2 (target ORG 3),
    # COMP 1 1 (target COMP 2), USER 1 1 (target USER 3): below target. COMP 2 is rated 2 against
    # COMP 2 and ev-malware-status (operational, COMP 2 expects operational) was collected
    # 2026-08-31: 91 days old, within COMP 2's 92 days, so COMP 2 is at target.
    g = letter(view, "g")
    assert [(link.id, link.status, link.maturity, link.target) for link in g.links] == [
        ("ORG 1", "below_target", 2, 3), ("COMP 1", "below_target", 1, 2),
        ("COMP 2", "at_target", 2, 2), ("USER 1", "below_target", 1, 3)]
    assert g.status == "below_target"
    assert g.reason == "below target: COMP 1, ORG 1, USER 1"
    # (h) DATA 1: not rated on 2026-06-15, rated 0 on 2025-11-20; target DATA 2.
    [data] = letter(view, "h").links
    assert (data.status, data.maturity, data.maturity_date, data.target) == (
        "below_target", 0, dt.date(2025, 11, 20), 2)
    # (b) EVENT 1: rated 1, target 3; act-incident-plan (EVENT 1, open, due 2026-12-15) not yet late.
    b = letter(view, "b")
    assert (b.status, b.links[0].maturity, b.links[0].target) == ("below_target", 1, 3)
    assert [(a.id, a.due, a.overdue) for a in b.actions] == [("act-incident-plan", dt.date(2026, 12, 15), False)]
    assert [(a.id, a.overdue) for a in letter(nis2_view(demo, as_of=dt.date(2026, 12, 16)), "b").actions] == [
        ("act-incident-plan", True)]
    # every letter maps some id below target on that day (none reaches it)
    assert [x.status for x in view.article_21_2] == ["below_target"] * 10
    assert view.summary.text == "0 of 10 letters at target; 10 below target."


def test_demo_plant_comp2_goes_stale_after_92_days():
    # ev-malware-status is the only COMP 2 item: on 2026-12-02 it is 93 days old.
    report = readiness(load_demo_plant(), as_of=dt.date(2026, 12, 2))
    link = id_status(report, "COMP 2")
    assert link.status == "at_target_without_fresh_evidence"
    assert "ev-malware-status is stale (collected 2026-08-31, 93 days old on 2026-12-02" in link.reason


def test_demo_plant_art23():
    # ev-incident-plan (organizational, EVENT 1) was collected 2024-06-20 without valid_until:
    # 893 days old > 92, stale. ev-siem-export (operational) 2026-11-15: 15 days, fresh, covers
    # the zones ot-dmz, ot-ops and scada: batch-server (ot-ops, production 4) is covered,
    # plc-cellar (cellar, production 5) is not.
    a23 = nis2_view(load_demo_plant(), as_of=AS_OF).article_23
    assert a23.plan.reason == ("no fresh incident response plan: ev-incident-plan is stale (collected 2024-06-20, "
                               "893 days old on 2026-11-30; EVENT 1 accepts at most 92 days)")
    assert a23.monitoring.ok is True and "ev-siem-export" in a23.monitoring.reason
    assert "plc-cellar" in a23.uncovered and "batch-server" not in a23.uncovered
    assert "batch-server" in a23.high_impact
    assert a23.maturity.reason == "EVENT 1: maturity 1 (assessed 2026-06-15) below target 3"
    assert [d.verdict for d in a23.deadlines] == ["not_ready"] * 3


def test_demo_plant_before_the_first_assessment():
    view = nis2_view(load_demo_plant(), as_of=dt.date(2025, 6, 1))
    assert [x.status for x in view.article_21_2] == ["not_assessed"] * 10
    assert view.summary.unassessed_ids == LETTER_SUBS
