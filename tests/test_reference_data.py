"""Integrity of the packaged reference data (IEC 62443-2-1 elements, NIS2) and the
validation of element ids and sectors in plant files against it."""

from __future__ import annotations

import re
import textwrap

import pytest
import yaml

from conftest import realdata
from otrisk.errors import PlantFileError
from otrisk.plantfile import loads_plant
from otrisk.reference import (
    EVIDENCE_KINDS,
    data_text,
    element_ids,
    expected_evidence_kind,
    load_demo_plant,
    maturity_levels,
    max_evidence_age_days,
    nis2,
    nis2_sector_ids,
    program_elements,
    sub_element_of,
)

ORDER = ["ORG", "CM", "NET", "COMP", "DATA", "USER", "EVENT", "AVAIL"]


def _subs():
    return [se for pe in program_elements() for se in pe.sub_elements]


def _reqs():
    return [r for se in _subs() for r in se.requirements]


# --- IEC 62443-2-1 ---------------------------------------------------------------------------


def test_eight_elements_in_order():
    pes = program_elements()
    assert [pe.id for pe in pes] == ORDER
    assert [pe.number for pe in pes] == list(range(1, 9))
    assert all(pe.name and pe.description and pe.sub_elements for pe in pes)


def test_sub_elements_have_kind_age_and_evidence():
    for se in _subs():
        assert se.evidence_kind in EVIDENCE_KINDS, se.id
        assert isinstance(se.max_evidence_age_days, int) and se.max_evidence_age_days > 0, se.id
        assert se.typical_evidence and se.description and se.name, se.id
        assert se.id.startswith(se.element + " "), se.id
        assert se.requirements, se.id
        assert sub_element_of(se.id) == se.id


def test_requirement_ids_start_with_their_sub_element():
    for se in _subs():
        for r in se.requirements:
            assert r.sub_element == se.id
            assert r.id.startswith(se.id + "."), r.id
            assert sub_element_of(r.id) == se.id
            assert r.evidence_kind in EVIDENCE_KINDS


def test_ids_unique_and_match_the_plant_file_pattern():
    from otrisk.models import ELEMENT_ID_PATTERN

    ids = ORDER + [se.id for se in _subs()] + [r.id for r in _reqs()]
    assert len(ids) == len(set(ids))
    assert set(ids) == element_ids()
    assert all(re.match(ELEMENT_ID_PATTERN, i) for i in ids)
    assert len(_subs()) == 16 and len(_reqs()) == 87


def test_ids_used_by_hand_written_plants_in_tests_exist():
    assert {"ORG", "CM", "NET", "CM 1", "AVAIL 2", "AVAIL 2.1", "NET 1.3", "NET 2", "EVENT 1"} <= element_ids()


def test_max_evidence_age_rules_on_real_values():
    assert max_evidence_age_days("CM 1") == 180
    assert max_evidence_age_days("CM 1.4") == max_evidence_age_days("CM 1")
    assert max_evidence_age_days("AVAIL 2") == 400
    assert max_evidence_age_days("AVAIL 2.3") == 400
    for pe in program_elements():
        shortest = min(se.max_evidence_age_days for se in pe.sub_elements)
        assert max_evidence_age_days(pe.id) == shortest
        for se in pe.sub_elements:
            for r in se.requirements:
                assert max_evidence_age_days(r.id) == se.max_evidence_age_days
    # an element with sub-elements of different ages takes the shortest
    assert {se.max_evidence_age_days for se in program_elements()[2].sub_elements} == {365, 92}
    assert max_evidence_age_days("NET") == 92
    with pytest.raises(KeyError):
        max_evidence_age_days("CM 9")
    with pytest.raises(KeyError):
        expected_evidence_kind("XYZ")


def test_expected_evidence_kind():
    assert expected_evidence_kind("ORG 1") == "organizational"
    assert expected_evidence_kind("AVAIL 2.5") == "operational"
    assert expected_evidence_kind("NET") == "both"  # sub-elements differ
    assert expected_evidence_kind("COMP 2") == "operational"


def test_sub_element_of_by_spelling():
    assert sub_element_of("USER 1.19") == "USER 1"
    assert sub_element_of("USER 1") == "USER 1"
    assert sub_element_of("USER") is None


def test_maturity_levels():
    levels = maturity_levels()
    assert list(levels) == [0, 1, 2, 3, 4]
    assert levels[0].tool_defined and not any(levels[i].tool_defined for i in range(1, 5))
    assert [levels[i].name for i in (1, 4)] == ["Initial", "Improving"]


def test_licence_note_and_age_basis():
    doc = yaml.safe_load(data_text("iec62443_2_1.yaml"))
    note = doc["licence_note"].lower()
    assert "copyright" in note and "our own" in note
    for pe in doc["elements"]:
        for se in pe["sub_elements"]:
            assert se["age_basis"].strip(), se["id"]


def test_cross_check_against_ciso_assistant_outline():
    """A CHECK only: compare ids; no text of that file (AGPL, IEC copyright) is used."""
    doc = yaml.safe_load(realdata("ciso-assistant/iec-62443-2-1-2024.yaml").read_text(encoding="utf-8"))
    nodes = doc["objects"]["framework"]["requirement_nodes"]

    def norm(ref: str) -> str:
        return re.sub(r"[\s_-]+", " ", str(ref)).strip().upper()

    theirs = {norm(n["ref_id"]) for n in nodes if "ref_id" in n}
    their_groups = {i for i in theirs if re.fullmatch(r"[A-Z]+ \d+", i)}
    their_reqs = {i for i in theirs if re.fullmatch(r"[A-Z]+ \d+\.\d+", i)}
    ours_subs = {se.id for se in _subs()}
    ours_reqs = {r.id for r in _reqs()}
    report = {
        "sub-elements missing there": sorted(ours_subs - their_groups),
        "sub-elements missing here": sorted(their_groups - ours_subs),
        "requirements missing there": sorted(ours_reqs - their_reqs),
        "requirements missing here": sorted(their_reqs - ours_reqs),
    }
    print(report)
    assert ours_reqs <= their_reqs, report
    assert their_groups <= ours_subs, report


# --- NIS2 -------------------------------------------------------------------------------------


def test_article_21_2_letters_map_to_existing_elements():
    letters = nis2()["article_21_2"]
    assert [a["letter"] for a in letters] == list("abcdefghij")
    for a in letters:
        assert a["title"].strip()
        assert len(a["elements"]) >= 1, a["letter"]
        for m in a["elements"]:
            assert m["id"] in element_ids(), (a["letter"], m["id"])
            assert m["rationale"].strip()


def test_article_20_and_23():
    doc = nis2()
    assert {i["id"] for i in doc["article_20"]} == {"approval", "oversight", "training"}
    assert all(set(i["elements"]) <= element_ids() for i in doc["article_20"])
    deadlines = {d["id"]: d for d in doc["article_23"]["deadlines"]}
    assert deadlines["early_warning"]["within_hours"] == 24
    assert deadlines["incident_notification"]["within_hours"] == 72
    assert "one month" in deadlines["final_report"]["within"]
    assert all(d["needs"].strip() for d in deadlines.values())
    assert "2024/2690" in doc["implementing_regulation_note"]
    assert {c["id"] for c in doc["entity_classes"]} == {"essential", "important"}


def test_sectors():
    sectors = {s["id"]: s for s in nis2()["sectors"]}
    assert sectors["drinking_water"]["annex"] == "I"
    assert sectors["food"]["annex"] == "II"
    assert sectors["energy"]["annex"] == "I" and sectors["manufacturing"]["annex"] == "II"
    assert len(sectors) == len(nis2()["sectors"]) == 18
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in sectors)
    assert set(sectors) == nis2_sector_ids()


def test_nis2_returns_a_copy():
    nis2()["sectors"].clear()
    assert "food" in nis2_sector_ids() and nis2()["sectors"]


# --- validation of plant files ----------------------------------------------------------------

PLANT = textwrap.dedent("""\
    format: otrisk/v1
    site: {name: Demo, sector: food}
    evidence:
    - id: ev-1
      elements: [CM 1, AVAIL 2.5]
      kind: operational
      title: Inventory export
      collected: 2026-01-10
    assessments:
    - date: 2026-02-01
      maturity: {ORG: 1, CM 1: 2}
      target: {ORG: 3}
    actions:
    - {id: act-1, title: Restore test, elements: [AVAIL 2]}
    """)


def _problems(text: str):
    with pytest.raises(PlantFileError) as exc:
        loads_plant(text, source="p.yaml")
    return exc.value.problems


def test_valid_ids_load_and_demo_plant_loads():
    assert loads_plant(PLANT, source="p.yaml").site.sector == "food"
    assert load_demo_plant().site.sector in nis2_sector_ids()


def test_unknown_element_in_evidence():
    text = PLANT.replace("elements: [CM 1, AVAIL 2.5]", "elements: [CM 1, AVAIL 2.9]")
    (p,) = _problems(text)
    assert (p.file, p.line, p.key, p.value) == ("p.yaml", 5, "evidence[0].elements[1]", "AVAIL 2.9")
    assert p.message == "no IEC 62443-2-1 program element, sub-element or requirement with this id"


def test_unknown_element_in_assessment_keys():
    text = PLANT.replace("  maturity: {ORG: 1, CM 1: 2}\n", "  maturity:\n    ORG: 1\n    CM 9: 2\n")
    text = text.replace("  target: {ORG: 3}\n", "  target: {ORG: 3}\n  not_applicable: {NET 7: no such thing}\n")
    problems = _problems(text)
    got = [(p.line, p.key, p.value) for p in problems]
    assert got == [(13, "assessments[0].maturity.CM 9", "CM 9"),
                   (15, "assessments[0].not_applicable.NET 7", "NET 7")]
    assert all("IEC 62443-2-1" in p.message for p in problems)


def test_unknown_element_in_action():
    (p,) = _problems(PLANT.replace("elements: [AVAIL 2]}", "elements: [AVAIL 3]}"))
    assert (p.line, p.key, p.value) == (14, "actions[0].elements[0]", "AVAIL 3")


def test_unknown_sector():
    (p,) = _problems(PLANT.replace("sector: food", "sector: brewing"))
    assert (p.file, p.line, p.key, p.value) == ("p.yaml", 2, "site.sector", "brewing")
    assert p.message == "not a NIS2 sector id; see data/nis2.yaml"
    assert "p.yaml:2" in str(PlantFileError([p]))
