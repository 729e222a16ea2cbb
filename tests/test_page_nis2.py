"""AppTest of the NIS2 page against a fresh database seeded with the demo plant."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from otrisk import db
from otrisk.evidence import today_utc
from otrisk.nis2view import nis2_view
from otrisk.reference import load_demo_plant

from apptest_support import db_url, engine, errors, frame_with, run  # noqa: F401 (fixtures)

PAGE = Path(__file__).resolve().parents[1] / "pages" / "6_nis2.py"
AS_OF = dt.date(2026, 11, 30)


def at_day(day: dt.date):
    at = run(PAGE)
    at.date_input(key="nis2_as_of").set_value(day).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, errors(at)
    return at


def label(status: str) -> str:
    return status.replace("_", " ")


def test_page_shows_entity_sector_and_letters_as_computed(db_url):
    at = at_day(AS_OF)
    assert at.title[0].value == "NIS2"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Entity class"] == "important"
    assert metrics["Sector"] == "food (Annex II)"
    view = nis2_view(load_demo_plant(), as_of=AS_OF)
    letters = frame_with(at, "letter")
    assert list(letters["letter"]) == list("abcdefghij")
    assert list(letters["status"]) == [label(x.status) for x in view.article_21_2]
    assert list(letters["status"]) == ["below target"] * 10  # see test_nis2view: every letter has a gap
    b = letters.set_index("letter").loc["b"]
    assert b["mapped"] == "EVENT 1"
    assert b["reasons"] == "EVENT 1: maturity 1 (assessed 2026-06-15) below target 3"
    assert b["open actions"] == "act-incident-plan (due 2026-12-15)"
    assert letters.set_index("letter").loc["d", "mapped"] == "ORG 1, ORG 2, NET 3"
    assert metrics["Letters at target"] == "0 of 10"
    assert metrics["Below target"] == "10"
    labels = [e.label for e in at.expander]
    assert labels[1] == "(b) Incident handling: below target"
    assert len(labels) == 10
    art20 = frame_with(at, "item")
    assert list(art20["item"]) == ["approval", "oversight", "training"]
    assert list(art20["status"]) == [label(i.status) for i in view.article_20]


def test_page_art23_block_and_notes(db_url):
    at = at_day(AS_OF)
    art23 = frame_with(at, "readiness")
    assert list(art23["deadline"]) == ["Early warning", "Incident notification", "Final report"]
    assert list(art23["within"]) == ["24 hours", "72 hours", "one month after the incident notification"]
    assert list(art23["readiness"]) == ["not ready"] * 3
    assert "no fresh incident response plan: ev-incident-plan is stale (collected 2024-06-20" in art23["why"].iloc[0]
    infos = " ".join(i.value for i in at.info)
    assert "2024/2690" in infos and "guidance" in infos
    captions = " ".join(c.value for c in at.caption)
    assert "our own words" in captions and "our analysis (unverified)" in captions
    bullets = " ".join(m.value for m in at.markdown)
    assert "**plan** (not met)" in bullets and "**monitoring** (met)" in bullets


def test_page_as_of_date_changes_the_statuses(db_url):
    at = run(PAGE)
    assert at.date_input(key="nis2_as_of").value == today_utc()
    at.date_input(key="nis2_as_of").set_value(dt.date(2025, 6, 1)).run()
    letters = frame_with(at, "letter")
    # before the first assessment (2025-11-20) nothing is rated
    assert list(letters["status"]) == ["not assessed"] * 10
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Not assessed"] == "10"
    text = " ".join(m.value for m in at.markdown)
    assert "No figure reaches 100 % while mapped sub-elements are unassessed: 15 are" in text


def test_page_notes_an_annex_ii_entity_marked_essential(engine):
    plant, revision = db.load_plant_db(engine)
    site = plant.site.model_copy(update={"entity": "essential"})
    db.save_plant_db(engine, plant.model_copy(update={"site": site}), expected_revision=revision, who="test")
    at = at_day(AS_OF)
    assert {m.label: m.value for m in at.metric}["Entity class"] == "essential"
    infos = " ".join(i.value for i in at.info)
    assert "food is an Annex II sector" in infos and "designation is assumed (not an error)" in infos
