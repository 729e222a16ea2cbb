"""The shared findings model: ids, JSON shape, order, acceptance and worst impact."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from otrisk.findings import Finding, FindingsReport, Rule, SortedIds, max_axes, triage_findings, worst_of
from otrisk.impact import AssetImpact
from otrisk.models import AcceptedFinding

RULE = Rule("unapproved-conduit", "Conduit not approved", "Why it matters.",
            ("IEC 62443-3-2 ZCR 7.1", "IEC 62443-3-3 SR 5.2"), "Approve or remove it.")
OTHER = Rule("zone-without-owner", "Zone without an owner", "Why.", ("IEC 62443-3-2 ZCR 6.4",), "Name one.")
NONE = {"production": None, "safety": None, "delivery": None}


def finding(subject: str, rule: Rule = RULE, assets=(), **worst) -> Finding:
    return Finding(f"{rule.id}@{subject}", rule, subject, ("b", "a"), tuple(assets), worst, f"{subject}.")


def accept(id: str, review_by: dt.date) -> AcceptedFinding:
    return AcceptedFinding(id=id, justification="Needed for warranty support.", accepted_by="Plant manager",
                           review_by=review_by)


# --- Rule and Finding ----------------------------------------------------------------------

def test_rule_json_has_exactly_the_design_keys():
    assert RULE.to_json() == {"id": "unapproved-conduit", "title": "Conduit not approved",
                              "rationale": "Why it matters.",
                              "references": ["IEC 62443-3-2 ZCR 7.1", "IEC 62443-3-3 SR 5.2"],
                              "remediation": "Approve or remove it."}


def test_finding_json_shape_per_design():
    f = Finding("unapproved-conduit@c1", RULE, "c1", ("z2", "z1", "z2"), ("p2", "p1"), {"safety": 4},
                "Conduit c1 is not approved.", {"conduits": ("c1",)})
    out = f.to_json()
    assert list(out) == ["id", "rule", "zones", "assets", "worst_effective", "message", "conduits"]
    assert out["id"] == "unapproved-conduit@c1"
    assert out["rule"] == RULE.to_json()
    assert out["zones"] == ["z1", "z2"] and out["assets"] == ["p1", "p2"]
    assert out["worst_effective"] == {"production": None, "safety": 4, "delivery": None}
    assert out["conduits"] == ["c1"]
    assert json.loads(json.dumps(out)) == out


def test_finding_id_must_be_rule_at_subject():
    with pytest.raises(ValueError, match="not 'unapproved-conduit@c1'"):
        Finding("unapproved-conduit@c2", RULE, "c1", (), (), {}, "")


def test_extra_fields_cannot_shadow_the_base_keys():
    with pytest.raises(ValueError, match="shadow"):
        Finding("unapproved-conduit@c1", RULE, "c1", (), (), {}, "", {"zones": []})


def test_flow_subjects_join_two_ids_with_an_arrow():
    f = Finding("unapproved-conduit@a->b", RULE, "a->b", (), (), {}, "")
    assert f.to_json()["id"] == "unapproved-conduit@a->b"


def test_sorted_ids_are_kept_as_given():
    ids = SortedIds(("a", "b"))
    assert Finding("unapproved-conduit@c", RULE, "c", (), ids, {}, "").assets is ids


def test_findings_are_hashable_and_equal_by_content():
    assert finding("c1") == finding("c1")
    assert len({finding("c1"), finding("c1"), finding("c2")}) == 2


# --- severity ------------------------------------------------------------------------------

def test_higher_worst_value_first():
    assert min([finding("a", safety=3), finding("b", production=4)], key=Finding.severity).subject == "b"


def test_more_axes_at_the_top_value_first():
    one, two = finding("a", safety=5, production=4), finding("b", safety=5, delivery=5)
    assert [f.subject for f in sorted([one, two], key=Finding.severity)] == ["b", "a"]


def test_more_assets_first_on_equal_impact():
    few, many = finding("a", assets=["x"], safety=2), finding("b", assets=["x", "y"], safety=2)
    assert [f.subject for f in sorted([few, many], key=Finding.severity)] == ["b", "a"]


def test_ties_break_by_id_and_unknown_counts_as_zero():
    found = sorted([finding("b"), finding("a"), finding("c", production=1)], key=Finding.severity)
    assert [f.subject for f in found] == ["c", "a", "b"]
    assert finding("a").severity() == (0, 0, 0, "unapproved-conduit@a")


# --- acceptance ----------------------------------------------------------------------------

REVIEW = dt.date(2027, 3, 31)


def test_accepted_until_review_by_inclusive():
    report = triage_findings([finding("c1"), finding("c2")], [accept("unapproved-conduit@c1", REVIEW)], as_of=REVIEW)
    assert [f.id for f in report.open] == ["unapproved-conduit@c2"]
    assert [(f.id, a.review_by) for f, a in report.accepted] == [("unapproved-conduit@c1", REVIEW)]
    assert report.expired == () and report.stale_acceptances == ()


def test_expired_acceptance_is_open_again_and_reported():
    report = triage_findings([finding("c1")], [accept("unapproved-conduit@c1", REVIEW)],
                             as_of=REVIEW + dt.timedelta(days=1))
    assert [f.id for f in report.open] == ["unapproved-conduit@c1"]
    assert [f.id for f, _ in report.expired] == ["unapproved-conduit@c1"]
    assert report.accepted == ()
    assert "expired on 2027-03-31" in report.notes()[0]


def test_stale_acceptance_is_reported_and_kept():
    gone = accept("unapproved-conduit@removed", REVIEW)
    report = triage_findings([finding("c1")], [gone], as_of=REVIEW)
    assert report.stale_acceptances == (gone,)
    assert [f.id for f in report.open] == ["unapproved-conduit@c1"]
    assert "no rule reports this finding any more" in report.notes()[0]


def test_only_acceptances_of_the_given_rules_can_be_stale():
    other_command = accept("change-window@sw-line1", REVIEW)
    report = triage_findings([finding("c1")], [other_command], as_of=REVIEW, rule_ids=[RULE.id])
    assert report.stale_acceptances == ()
    assert triage_findings([], [other_command], as_of=REVIEW).stale_acceptances == (other_command,)


def test_report_lists_are_worst_first_and_json_holds_open_findings_only():
    findings = [finding("low", production=1), finding("high", safety=5), finding("mid", OTHER, production=3)]
    report = triage_findings(findings, [accept("unapproved-conduit@low", REVIEW)], as_of=REVIEW)
    assert [f.id for f in report.open] == ["unapproved-conduit@high", "zone-without-owner@mid"]
    assert report.to_json() == {"findings": [f.to_json() for f in report.open]}
    assert isinstance(report, FindingsReport)


# --- worst impact --------------------------------------------------------------------------

def impact(asset: str, **effective) -> AssetImpact:
    return AssetImpact(asset, 0, {**NONE, **effective}, {**NONE, **effective}, None, 0.0, ())


def test_worst_of_is_the_per_axis_max_of_effective_impact():
    impacts = {"a": impact("a", production=2, safety=5), "b": impact("b", production=4), "c": impact("c")}
    assert worst_of(impacts, ["a", "b", "c"]) == {"production": 4, "safety": 5, "delivery": None}


def test_worst_of_unknown_everywhere_is_none_and_unknown_ids_are_skipped():
    assert worst_of({"c": impact("c")}, ["c", "not-an-asset"]) == NONE
    assert worst_of({}, []) == NONE


def test_max_axes_never_turns_unknown_into_low():
    assert max_axes({"safety": None}, {}) == NONE
