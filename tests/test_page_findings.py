"""The Findings page (AppTest on the demo plant): the rules' findings, filters, details, accept and un-accept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from apptest_support import db_url, engine, errors, frame_with, run  # noqa: F401 (fixtures)
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.models import AcceptedFinding
from otrisk.reference import load_demo_plant
from otrisk.rules import RULES, rules_report

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = ROOT / "pages" / "10_findings.py"
AS_OF = dt.date(2026, 12, 1)          # the demo's acceptance runs until 2027-03-31
AFTER_REVIEW = dt.date(2027, 4, 1)    # ... and has expired on this day


def _at(as_of: dt.date = AS_OF) -> AppTest:
    at = run(FINDINGS)
    at.date_input(key="fi_as_of").set_value(as_of).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest):
    return frame_with(at, "worst effective")


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def test_table_lists_the_open_findings_worst_first(db_url):
    report = rules_report(load_demo_plant(), as_of=AS_OF)
    at = _at()
    table = _table(at)
    assert list(table["id"]) == [f.id for f in report.open]
    assert len(report.open) > 10
    first = report.open[0]
    row = table.iloc[0]
    assert (row["rule"], row["zones"], row["assets"], row["message"], row["status"]) == (
        first.rule.title, ", ".join(first.zones), len(first.assets), first.message, "open")
    assert row["worst effective"] == "/".join(str(first.worst_effective[ax]) for ax in ("production", "safety",
                                                                                        "delivery"))
    no_zone = table.set_index("id").loc["asset-without-zone@laptop-filler-oem"]
    assert no_zone["worst effective"] == "?/?/?"
    assert _metrics(at) == {"Open": len(report.open), "Acceptance expired": 0, "Accepted": 1, "Stale acceptances": 0}


def test_filters_by_rule_zone_axis_and_status(db_url):
    demo = load_demo_plant()
    report = rules_report(demo, as_of=AS_OF)
    at = _at()
    at.multiselect(key="fi_rules").set_value(["zone-sl-below-target"]).run()
    assert list(_table(at)["id"]) == [f.id for f in report.open if f.rule.id == "zone-sl-below-target"]
    at.multiselect(key="fi_rules").set_value([]).run()

    at.multiselect(key="fi_zones").set_value(["cellar"]).run()
    assert list(_table(at)["id"]) == [f.id for f in report.open if "cellar" in f.zones]
    at.multiselect(key="fi_zones").set_value([]).run()

    at.multiselect(key="fi_axes").set_value(["safety"]).run()
    high = [f.id for f in report.open if (f.worst_effective["safety"] or 0) >= 4]
    assert list(_table(at)["id"]) == high
    assert high and len(high) < len(report.open)
    at.multiselect(key="fi_axes").set_value([]).run()

    at.multiselect(key="fi_status").set_value(["accepted"]).run()
    table = _table(at)
    assert list(table["id"]) == ["unapproved-conduit@vendor-ra-filling"]
    assert (table["accepted by"].iloc[0], table["review by"].iloc[0]) == ("Plant manager", "2027-03-31")


def test_an_expired_acceptance_is_open_again_and_stands_out(db_url):
    report = rules_report(load_demo_plant(), as_of=AFTER_REVIEW)
    at = _at(AFTER_REVIEW)
    assert [f.id for f, _ in report.expired] == ["unapproved-conduit@vendor-ra-filling"]
    table = _table(at)
    assert list(table["id"]) == [f.id for f in report.open]
    assert table.set_index("id").loc["unapproved-conduit@vendor-ra-filling", "status"] == "expired"
    assert "1 acceptance expired on 2027-04-01: unapproved-conduit@vendor-ra-filling (until 2027-03-31)" in errors(at)
    assert _metrics(at)["Acceptance expired"] == 1 and _metrics(at)["Accepted"] == 0
    at.multiselect(key="fi_status").set_value(["expired"]).run()
    at.selectbox(key="fi_finding").set_value("unapproved-conduit@vendor-ra-filling").run()
    details = "\n".join(m.value for m in at.markdown)
    assert "acceptance expired" in details and "2027-03-31" in details
    assert at.button(key="fi_accept_submit").label == "Accept again"


def test_details_explain_the_finding_and_name_its_assets(db_url):
    demo = load_demo_plant()
    finding = next(f for f in rules_report(demo, as_of=AS_OF).open if f.id == "zone-sl-below-target@cellar")
    at = _at()
    at.selectbox(key="fi_finding").set_value(finding.id).run()
    details = "\n".join(m.value for m in at.markdown)
    rule = next(r for r in RULES if r.id == "zone-sl-below-target")
    plain = details.replace("\\", "")
    assert f"why it matters: {rule.rationale}" in plain
    assert f"what to do: {rule.remediation}" in plain
    for reference in rule.references:
        assert reference in details
    assets = frame_with(at, "effective impact")
    assert list(assets["asset"]) == list(finding.assets)
    assert list(assets["name"]) == [demo.asset_map()[a].name for a in finding.assets]


def test_accept_then_un_accept_round_trip(engine):
    plant, _ = db.load_plant_db(engine)
    target = "zone-without-owner@cellar"
    at = _at()
    at.selectbox(key="fi_finding").set_value(target).run()
    at.text_area(key="fi_accept_justification").input("New cellar master starts in January")
    at.text_input(key="fi_accept_by").input("Head of production")
    at.date_input(key="fi_accept_review_by").set_value(dt.date(2027, 2, 1))
    at.button(key="fi_accept_submit").click().run()
    assert not at.exception and not at.error, errors(at)

    stored, revision = db.load_plant_db(engine)
    assert revision == 2
    assert [f.id for f in stored.accepted_findings] == [*(f.id for f in plant.accepted_findings), target]
    assert stored.accepted_findings[-1] == AcceptedFinding(
        id=target, justification="New cellar master starts in January", accepted_by="Head of production",
        review_by=dt.date(2027, 2, 1))
    assert any(f"Accepted {target} until 2027-02-01" in s.value for s in at.success)
    assert target not in list(_table(at)["id"])  # no longer open
    assert list(_table(at)["id"]) == [f.id for f in rules_report(stored, as_of=AS_OF).open]
    assert db.change_log(engine)[0].summary == f"finding {target} accepted until 2027-02-01"

    at.multiselect(key="fi_status").set_value(["accepted"]).run()
    assert list(_table(at)["id"]) == ["unapproved-conduit@vendor-ra-filling", target]
    at.selectbox(key="fi_finding").set_value(target).run()
    at.button(key="fi_unaccept").click().run()
    assert not at.exception and not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3
    assert stored.accepted_findings == plant.accepted_findings
    assert list(_table(at)["id"]) == ["unapproved-conduit@vendor-ra-filling"]


def test_accepted_by_defaults_to_the_user(engine):
    at = _at()
    assert at.text_input(key="fi_accept_by").value == db.current_user()


def test_accept_needs_a_justification_and_a_review_date_after_the_as_of_day(engine):
    at = _at()
    at.button(key="fi_accept_submit").click().run()
    text = errors(at)
    assert "Not accepted: 2 problems; nothing was changed." in text
    assert "justification: required: fill it in" in text
    assert "review_by: required: pick the date the acceptance is reviewed by" in text
    at.text_area(key="fi_accept_justification").input("ok")
    at.date_input(key="fi_accept_review_by").set_value(AS_OF)
    at.button(key="fi_accept_submit").click().run()
    assert "review_by: must be after the as-of day 2026-12-01 (value '2026-12-01')" in errors(at)
    assert db.load_plant_db(engine)[1] == 1


def test_an_accept_based_on_an_old_revision_is_refused(engine):
    plant, _ = db.load_plant_db(engine)
    at = _at()
    target = _table(at)["id"].iloc[0]
    at.text_area(key="fi_accept_justification").input("Interim")
    at.date_input(key="fi_accept_review_by").set_value(dt.date(2027, 1, 31))
    db.save_plant_db(engine, plant.model_copy(update={"actions": []}), expected_revision=1, who="bob")
    at.button(key="fi_accept_submit").click().run()
    assert "Not saved: the plant was changed by bob" in errors(at)
    assert db.load_plant_db(engine)[0].accepted_findings == plant.accepted_findings
    assert at.text_area(key="fi_accept_justification").value == "Interim"  # kept
    at.button(key="fi_accept_submit").click().run()  # now against the revision shown
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and stored.accepted_findings[-1].id == target


def test_stale_acceptances_are_listed_and_can_be_removed(engine):
    plant, _ = db.load_plant_db(engine)
    gone = AcceptedFinding(id="unapproved-conduit@old-modem", justification="Removed in 2025",
                           accepted_by="IT", review_by=dt.date(2027, 1, 1))
    db.save_plant_db(engine, plant.model_copy(update={"accepted_findings": [*plant.accepted_findings, gone]}),
                     expected_revision=1)
    at = _at()
    assert list(frame_with(at, "justification")["id"]) == ["unapproved-conduit@old-modem"]
    assert _metrics(at)["Stale acceptances"] == 1
    at.button(key="fi_stale_remove").click().run()
    assert not at.error, errors(at)
    stored, revision = db.load_plant_db(engine)
    assert revision == 3 and stored.accepted_findings == plant.accepted_findings
