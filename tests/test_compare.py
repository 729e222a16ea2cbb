"""Progress over time (otrisk.compare): trend, two assessments compared, a new assessment.

The small plant has no assets, so every strengthen-first score is maturity gap + evidence
gap (no coverage term, no heavyweight factor) and can be worked out by hand; the maximum
evidence ages used are CM 1 180 days, EVENT 1 92, AVAIL 2 400, ORG 1/ORG 2 400.
"""

from __future__ import annotations

import datetime as dt

import pytest

from otrisk.assessments import AssessmentError, new_assessment, prefill, program_ids
from otrisk.compare import (APPLICABLE_AGAIN, DOWN, HIGHER, LOWER, NEW, NEWLY_ASSESSED, NO_LONGER_APPLICABLE,
                            NOT_APPLICABLE, NOT_ASSESSED, RESOLVED, SAME, UNCHANGED, UP, compare_assessments,
                            percent_done, progress_text, trend)
from otrisk.errors import OtriskError
from otrisk.maturity import Progress, maturity_now
from otrisk.plantfile import dumps_plant, loads_plant
from otrisk.reference import load_demo_plant

D = dt.date
KICKOFF, FOLLOW_UP = D(2026, 1, 10), D(2026, 6, 15)

SMALL = """\
format: otrisk/v1
site: {name: Test plant}
evidence:
  - id: ev-inventory
    elements: [CM 1]
    kind: operational
    title: Inventory export
    collected: 2026-03-01
  - id: ev-change-procedure
    elements: [CM 1]
    kind: organizational
    title: Change procedure
    collected: 2025-12-15
    valid_until: 2027-01-01
  - id: ev-log-review
    elements: [EVENT 1, AVAIL 2]
    kind: operational
    title: Log review with restore test
    collected: 2025-12-01
  - id: ev-policy
    elements: [ORG 1]
    kind: organizational
    title: OT security policy
    collected: 2026-06-15
  - id: ev-kickoff
    elements: [ORG 2]
    kind: organizational
    title: Kick-off risk notes
    collected: 2026-01-10
assessments:
  - date: 2026-01-10
    name: Kick-off
    maturity: {CM: 1, CM 1: 1, EVENT: 1}
    target: {CM: 2, CM 1: 2, NET: 2}
  - date: 2026-06-15
    name: Follow-up
    maturity: {CM: 2, CM 1: 2, NET: 2}
    target: {CM: 3, AVAIL 2: 3}
    not_applicable: {NET 2: no wireless on site}
actions:
  - {id: act-done, title: Inventory walkdown, elements: [CM 1], due: 2026-02-01, status: done}
  - {id: act-done-undated, title: Policy signed, elements: [ORG 1], status: done}
  - {id: act-late, title: Monthly log review, elements: [EVENT 1], owner: SOC, due: 2026-05-01}
  - {id: act-later, title: Restore test, elements: [AVAIL 2], due: 2026-07-01, status: in_progress}
  - {id: act-dropped, title: Wireless survey, elements: [NET 2], due: 2026-03-01, status: cancelled}
"""


@pytest.fixture
def small():
    return loads_plant(SMALL)


@pytest.fixture
def small_comparison(small):
    return compare_assessments(small, KICKOFF, FOLLOW_UP)


# --- program ids, progress text ---------------------------------------------------------

def test_program_ids_are_the_8_elements_and_16_sub_elements_in_order():
    ids = program_ids()
    assert len(ids) == 24
    assert ids[:4] == ("ORG", "ORG 1", "ORG 2", "ORG 3")
    assert ids[-3:] == ("AVAIL", "AVAIL 1", "AVAIL 2")
    assert sum(1 for i in ids if " " not in i) == 8


@pytest.mark.parametrize("done, total, unassessed, expected", [
    (199, 200, ("CM",), 99),   # never rounds up to 100 % while anything is not done
    (2, 3, (), 66),
    (4, 4, (), 100),
    (0, 0, (), None),
])
def test_percent_done_rounds_down(done, total, unassessed, expected):
    assert percent_done(Progress(done, total, unassessed, ())) == expected


def test_progress_text_names_unassessed_and_not_applicable():
    assert progress_text(Progress(2, 4, ("AVAIL 2",), ("NET 2",))) == (
        "2 of 4 ids with a target reached it (50 %); 1 not assessed, counted as not done: AVAIL 2; "
        "1 not applicable, left out: NET 2")
    assert progress_text(Progress(0, 0, (), ())) == "no id has a target yet"


# --- trend ------------------------------------------------------------------------------

def test_trend_of_the_small_plant(small):
    t = trend(small)
    assert t.dates == (KICKOFF, FOLLOW_UP)
    assert t.names == ("Kick-off", "Follow-up")
    assert len(t.rows) == 24
    cm = t.row("CM")
    assert (cm.rated, cm.now, cm.target, cm.is_element) == ((1, 2), (1, 2), 3, True)
    net = t.row("NET")
    assert (net.rated, net.now, net.target) == ((None, 2), (None, 2), 2)
    event = t.row("EVENT")  # not rated again: "now" carries the kick-off rating forward
    assert (event.rated, event.now, event.target) == ((1, None), (1, 1), None)
    assert t.row("NET 2").now == (None, None)
    assert (t.row("CM 1").target, t.row("AVAIL 2").target, t.row("AVAIL 2").element) == (2, 3, "AVAIL")
    assert t.row("ORG").rated == (None, None)


def test_trend_of_the_demo_plant():
    t = trend(load_demo_plant())
    assert t.dates == (D(2025, 11, 20), D(2026, 6, 15))
    assert t.row("ORG 1").rated == (1, 2)
    assert t.row("DATA").rated == (0, None)       # not rated in the follow-up
    assert t.row("DATA").now == (0, 0)            # still 0 from 2025-11-20
    assert t.row("COMP").target == 2
    assert t.row("CM 1").target is None           # targets are set for the elements only
    assert t.row("NET 2").now == (None, None)     # not applicable on both dates


def test_trend_without_assessments():
    t = trend(loads_plant("format: otrisk/v1\nsite: {name: T}\n"))
    assert t.dates == () and t.row("CM").rated == () and t.row("CM").target is None


# --- compare: the small plant -----------------------------------------------------------

def test_maturity_moves(small_comparison):
    c = small_comparison
    assert (c.before, c.after, c.before_name, c.after_name) == (KICKOFF, FOLLOW_UP, "Kick-off", "Follow-up")
    assert len(c.moves) == 24
    cm1 = c.move("CM 1")
    assert (cm1.before, cm1.before_date, cm1.after, cm1.after_date, cm1.kind, cm1.change) == (
        1, KICKOFF, 2, FOLLOW_UP, UP, 1)
    assert cm1.text == ("CM 1 Inventory management of IACS hardware, software and network communications: "
                        "1 (2026-01-10) → 2 (2026-06-15), up 1")
    net = c.move("NET")
    assert (net.before, net.after, net.kind) == (None, 2, NEWLY_ASSESSED)
    assert net.text == "NET Network and communications security: not assessed on 2026-01-10 → 2 (2026-06-15), newly assessed"
    net2 = c.move("NET 2")
    assert (net2.before, net2.after, net2.kind) == (None, None, NO_LONGER_APPLICABLE)
    assert net2.text.endswith("not assessed on 2026-01-10 → not applicable on 2026-06-15: no wireless on site")
    event = c.move("EVENT")
    assert (event.before, event.after, event.after_date, event.kind, event.change) == (1, 1, KICKOFF, SAME, 0)
    assert event.text == "EVENT Event and incident management: 1 (2026-01-10), not rated again by 2026-06-15"
    assert c.move("ORG").kind == NOT_ASSESSED and c.move("ORG").change is None
    kinds = [m.kind for m in c.moves]
    assert (kinds.count(UP), kinds.count(NOT_ASSESSED)) == (2, 19)


def test_targets_changed(small_comparison):
    changed = {t.id: (t.before, t.after) for t in small_comparison.targets_changed}
    assert changed == {"CM": (2, 3), "AVAIL 2": (None, 3)}
    assert small_comparison.targets_changed[0].text == "CM Configuration management: target 2 → 3 (2026-06-15)"


def test_progress_on_both_dates(small_comparison):
    # kick-off: targets CM 2, CM 1 2, NET 2 and through NET its parts NET 1..3; CM and CM 1 at 1,
    # NET and its parts not assessed
    assert small_comparison.progress_before == Progress(0, 6, ("NET", "NET 1", "NET 2", "NET 3"), ())
    # follow-up: CM 2 < 3; CM 1 2 >= 2; NET 2 >= 2 and NET 1, NET 3 take NET's 2; NET 2 not
    # applicable; AVAIL 2 has a target but no rating (neither has AVAIL)
    assert small_comparison.progress_after == Progress(4, 6, ("AVAIL 2",), ("NET 2",))
    assert "progress on 2026-06-15: 4 of 6 ids with a target reached it (66 %)" in small_comparison.summary()[2]


def test_evidence_added_between_the_dates(small_comparison):
    added = small_comparison.evidence_added
    # (before, after]: the kick-off notes of the kick-off day are not new, the policy of the follow-up day is
    assert [e.id for e in added] == ["ev-inventory", "ev-policy"]
    assert added[0].text == "ev-inventory (operational) Inventory export: collected 2026-03-01, filed under CM 1"
    assert (added[1].kind, added[1].elements, added[1].collected) == ("organizational", ("ORG 1",), FOLLOW_UP)


def test_evidence_gone_stale(small_comparison):
    [stale] = small_comparison.evidence_stale
    # EVENT 1 accepts 92 days: 2025-12-01 + 92 = 2026-03-03; AVAIL 2 (400 days) is still fresh
    assert (stale.id, stale.elements, stale.last_fresh) == ("ev-log-review", ("EVENT 1",), D(2026, 3, 3))
    assert stale.text == ("ev-log-review (operational) Log review with restore test: fresh on 2026-01-10 for "
                          "EVENT 1, stale on 2026-06-15 (collected 2025-12-01, last fresh day 2026-03-03)")


def test_strengthen_first_resolved_new_and_moved(small_comparison):
    c = small_comparison
    # No assets: score = maturity gap + evidence gap. Kick-off ranks (score, then id):
    # NET 3 5; NET 1 4, NET 2 4; AVAIL 1, CM 1, COMP 3, DATA 1, ORG 3, USER 2 3; COMP 1, COMP 2, ORG 1, USER 1 2; EVENT 1 1
    resolved = {s.id: (s.score_before, s.score_after, s.rank_before, s.rank_after) for s in c.strengthen_resolved}
    assert resolved == {
        "NET 2": (4.0, None, 3, None),  # not applicable now
        "CM 1": (3.0, 0.0, 5, None),    # maturity reached its target 2, fresh operational evidence collected
        "ORG 1": (2.0, 0.0, 12, None),  # the policy made organizational evidence fresh
    }
    assert [s.id for s in c.strengthen_resolved] == ["NET 2", "CM 1", "ORG 1"]
    assert all(s.kind == RESOLVED for s in c.strengthen_resolved)
    cm1 = c.strengthen_resolved[1]
    assert "score 0 = maturity gap 0 + evidence gap 0 + coverage 0 on 2026-06-15" in cm1.text
    assert "not applicable on 2026-06-15" in c.strengthen_resolved[0].text
    [new] = c.strengthen_new  # AVAIL 2 got target 3 and is not assessed: gap 3
    assert (new.id, new.kind, new.score_before, new.score_after, new.rank_after) == ("AVAIL 2", NEW, 0.0, 3.0, 2)
    moved = {s.id: s for s in c.strengthen_moved}
    assert len(moved) == 11
    event = moved["EVENT 1"]  # its operational evidence went stale: evidence gap 1 -> 3
    assert (event.kind, event.score_before, event.score_after, event.change) == (HIGHER, 1.0, 3.0, 2.0)
    assert (event.rank_before, event.rank_after) == (14, 5)
    assert event.text == "EVENT 1 Event and incident management: score 1 → 3 (+2), rank 14 → 5"
    # NET rated 2 in the follow-up: NET 3, never rated itself, takes it (target NET 2): gap 2 -> 0
    assert (moved["NET 3"].kind, moved["NET 3"].change, moved["NET 3"].rank_after) == (LOWER, -2.0, 6)
    assert (moved["COMP 1"].kind, moved["COMP 1"].change) == (UNCHANGED, 0.0)
    assert "(no change)" in moved["COMP 1"].text


def test_actions_done_and_overdue(small_comparison):
    c = small_comparison
    assert [a.id for a in c.actions_done] == ["act-done", "act-done-undated"]
    assert c.actions_done[1].text == "act-done-undated Policy signed: done (no due date)"
    [late] = c.actions_overdue  # open and due before the follow-up; in-progress act-later is due after it
    assert late.id == "act-late"
    assert late.text == "act-late Monthly log review: open, 45 days overdue on 2026-06-15 (due 2026-05-01, SOC)"


def test_summary_counts(small_comparison):
    assert small_comparison.summary()[0] == ("2026-01-10 → 2026-06-15: maturity up for 2 ids, down for 0, "
                                             "newly assessed 1, no longer applicable 1")
    assert small_comparison.summary()[3:] == [
        "evidence: 2 items collected in between, 1 went stale",
        "strengthen first: 3 resolved, 1 new, 11 on both lists",
        "actions: 2 done, 1 overdue on 2026-06-15",
    ]


def test_down_and_applicable_again(small):
    later = new_assessment(small, date=D(2026, 9, 1), name=None, maturity={"CM 1": 1, "NET 2": 1},
                           target={}, not_applicable={})
    c = compare_assessments(later, FOLLOW_UP, D(2026, 9, 1))
    cm1, net2 = c.move("CM 1"), c.move("NET 2")
    assert (cm1.before, cm1.after, cm1.kind, cm1.change) == (2, 1, DOWN, -1)
    assert cm1.text.endswith("2 (2026-06-15) → 1 (2026-09-01), down 1")
    assert (net2.before, net2.after, net2.kind) == (None, 1, APPLICABLE_AGAIN)
    assert net2.text == "NET 2 Secure wireless access: not applicable on 2026-06-15 → 1 (2026-09-01)"
    assert c.move("CM").kind == SAME and c.move("CM").after_date == FOLLOW_UP
    assert c.move("NET 1").kind == NOT_ASSESSED


def test_not_applicable_on_both_dates():
    c = compare_assessments(load_demo_plant(), D(2025, 11, 20), D(2026, 6, 15))
    net2 = c.move("NET 2")
    assert (net2.kind, net2.before, net2.after) == (NOT_APPLICABLE, None, None)
    assert net2.text.startswith("NET 2 Secure wireless access: not applicable on both dates: No wireless networks")


@pytest.mark.parametrize("before, after, message", [
    (D(2026, 1, 1), FOLLOW_UP, "no assessment dated 2026-01-01; assessment dates: 2026-01-10, 2026-06-15"),
    (D(2026, 1, 1), D(2026, 2, 2), "no assessment dated 2026-01-01, 2026-02-02; assessment dates: 2026-01-10, 2026-06-15"),
    (FOLLOW_UP, KICKOFF, "2026-06-15 is not before 2026-01-10"),
    (KICKOFF, KICKOFF, "2026-01-10 is not before 2026-01-10"),
])
def test_compare_refuses_dates(small, before, after, message):
    with pytest.raises(OtriskError) as err:
        compare_assessments(small, before, after)
    assert message in str(err.value)


# --- compare: the demo plant ------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_comparison():
    return compare_assessments(load_demo_plant(), D(2025, 11, 20), D(2026, 6, 15))


@pytest.mark.parametrize("element, before, after, kind", [
    ("ORG 1", 1, 2, UP),
    ("EVENT 1", 0, 1, UP),
    ("COMP 3", 0, 1, UP),
    ("AVAIL 2", 1, 2, UP),
    ("ORG 3", 2, 2, SAME),      # re-rated 2 in the follow-up
    ("NET 3", 1, 1, SAME),
    ("DATA", 0, 0, SAME),       # not rated in the follow-up: stays 0 from 2025-11-20
])
def test_demo_maturity_moves(demo_comparison, element, before, after, kind):
    m = demo_comparison.move(element)
    assert (m.before, m.after, m.kind) == (before, after, kind)


def test_demo_data_keeps_its_2025_rating(demo_comparison):
    data = demo_comparison.move("DATA 1")
    assert (data.before_date, data.after_date) == (D(2025, 11, 20), D(2025, 11, 20))
    assert data.text == "DATA 1 Protection of data: 0 (2025-11-20), not rated again by 2026-06-15"
    assert sum(m.kind == UP for m in demo_comparison.moves) == 14
    assert demo_comparison.targets_changed == ()


def test_demo_evidence_and_actions(demo_comparison):
    c = demo_comparison
    # collected after 2025-11-20 and on or before 2026-06-15, oldest first (ev-risk-assessment is of 2025-11-20)
    assert [e.id for e in c.evidence_added] == ["ev-backup-procedure", "ev-raci", "ev-restore-brewhouse",
                                                "ev-firmware-list", "ev-physical-access"]
    # collected 2025-03-03, ORG 1 accepts 400 days: fresh until 2026-04-07
    [stale] = c.evidence_stale
    assert (stale.id, stale.elements, stale.last_fresh) == ("ev-supplier-requirements", ("ORG 1", "ORG 1.6"),
                                                            D(2026, 4, 7))
    assert [a.id for a in c.actions_done] == ["act-fw-review"]
    assert c.actions_overdue == ()  # the earliest open action is due 2026-12-15
    # elements only have targets; none reached on either date, NET 2 left out
    # 8 elements with targets, 15 applicable sub-elements taking them; only COMP 2 reaches its
    # element's target 2 (ML2 on 2026-06-15)
    assert c.progress_before == Progress(0, 23, (), ("NET 2",))
    assert c.progress_after == Progress(1, 23, (), ("NET 2",))


def test_demo_strengthen_first(demo_comparison):
    c = demo_comparison
    assert c.strengthen_resolved == () and c.strengthen_new == ()
    cm1 = next(s for s in c.strengthen_moved if s.id == "CM 1")
    # follow-up: 1.5 × (gap 3 - 2 + no fresh organizational evidence 1 + coverage 0: the firmware list covers the site)
    assert (cm1.kind, cm1.score_after) == ("lower", 3.0)
    assert cm1.score_before > cm1.score_after


# --- prefill ----------------------------------------------------------------------------

def test_prefill_from_the_latest_values():
    rows = {r.id: r for r in prefill(load_demo_plant())}
    assert len(rows) == 24
    assert (rows["CM"].maturity, rows["CM"].target, rows["CM"].name) == (2, 3, "Configuration management")
    assert (rows["DATA"].maturity, rows["DATA"].target) == (0, 2)
    assert (rows["CM 1"].maturity, rows["CM 1"].target) == (2, None)
    assert rows["NET 2"].maturity is None and rows["NET 2"].not_applicable.startswith("No wireless networks")


def test_prefill_as_of_an_earlier_day(small):
    rows = {r.id: r for r in prefill(small, KICKOFF)}
    assert (rows["CM"].maturity, rows["CM"].target, rows["NET 2"].not_applicable) == (1, 2, None)
    assert (rows["EVENT"].maturity, rows["ORG"].maturity) == (1, None)


# --- new assessment ---------------------------------------------------------------------

def test_new_assessment_is_inserted_in_date_order(small):
    before = dumps_plant(small)
    q = new_assessment(small, date=D(2026, 3, 1), name="  Mid-term review ",
                       maturity={"NET": 1, "CM 1.4": 2, "CM": 2}, target={"NET": 3},
                       not_applicable={"DATA 1": " no personal data in OT "})
    assert [a.date for a in q.assessments] == [KICKOFF, D(2026, 3, 1), FOLLOW_UP]
    mid = q.assessments[1]
    assert mid.name == "Mid-term review"
    assert list(mid.maturity.items()) == [("CM", 2), ("CM 1.4", 2), ("NET", 1)]  # the standard's order
    assert (mid.target, mid.not_applicable) == ({"NET": 3}, {"DATA 1": "no personal data in OT"})
    assert maturity_now(q, "NET", as_of=D(2026, 4, 1)).level == 1
    assert dumps_plant(small) == before  # the argument is not changed
    assert loads_plant(dumps_plant(q)) == q  # a valid plant file


def test_new_assessment_blank_name_is_none(small):
    q = new_assessment(small, date=D(2026, 12, 1), name="  ", maturity={"ORG": 0}, target={}, not_applicable={})
    assert (q.assessments[-1].date, q.assessments[-1].name, q.assessments[-1].maturity) == (
        D(2026, 12, 1), None, {"ORG": 0})


@pytest.mark.parametrize("changes, expected", [
    ({"date": FOLLOW_UP}, ("date: an assessment dated 2026-06-15 exists already (Follow-up); one assessment per "
                           "date: pick another date (value '2026-06-15')")),
    ({"maturity": {"CM 9": 1}}, ("CM 9, maturity: no IEC 62443-2-1 program element, sub-element or requirement "
                                 "with this id (value 'CM 9')")),
    ({"target": {"CM": 5}}, "CM, target: must be a whole number 0..4"),
    ({"maturity": {"CM": -1}}, "CM, maturity: must be a whole number 0..4"),
    ({"maturity": {"CM": 2.5}}, "(value '2.5')"),
    ({"maturity": {"CM": True}}, "CM, maturity: must be a whole number 0..4"),
    ({"maturity": {"CM": "2"}}, "CM, maturity: must be a whole number 0..4"),
    ({"not_applicable": {"NET 2": "  "}}, "NET 2, not_applicable: not applicable needs a justification text"),
    ({"not_applicable": {"NET 2": None}}, "NET 2, not_applicable: not applicable needs a justification text"),
    ({"maturity": {"NET 2": 1}, "not_applicable": {"NET 2": "no wireless"}},
     "NET 2, not_applicable: rated maturity 1 and marked not applicable: keep one of the two"),
    ({"maturity": {}}, "the assessment records nothing"),
    ({"date": None}, "date: pick a date"),
    ({"date": dt.datetime(2026, 9, 1, 12, 0)}, "date: pick a date (a day, no time)"),
])
def test_new_assessment_errors(small, changes, expected):
    args = {"date": D(2026, 9, 1), "name": "x", "maturity": {"CM": 2}, "target": {}, "not_applicable": {}}
    args.update(changes)
    with pytest.raises(AssessmentError) as err:
        new_assessment(small, **args)
    assert expected in str(err.value)
    assert err.value.problems


def test_new_assessment_reports_every_problem(small):
    with pytest.raises(AssessmentError) as err:
        new_assessment(small, date=KICKOFF, name=None, maturity={"CM": 7, "XX 1": 1}, target={},
                       not_applicable={"NET 2": ""})
    problems = [(p.id, p.field) for p in err.value.problems]
    assert problems == [(None, "date"), ("CM", "maturity"), ("XX 1", "maturity"), ("NET 2", "not_applicable")]
    assert str(err.value).startswith("assessment not recorded, 4 problems: ")
