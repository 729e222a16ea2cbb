"""The otrisk/v1 plant file: every error class names file, line, key and value; round-trip."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from otrisk.errors import PlantFileError
from otrisk.plantfile import dumps_plant, load_plant, loads_plant, plant_json_schema, save_plant, schema_text

ROOT = Path(__file__).resolve().parents[1]

BASE = """\
format: otrisk/v1
site:
  name: Test brewery
zones:
  - id: office
    name: Office
    kind: enterprise
  - id: cell1
    name: Cell 1
    kind: control
conduits:
  - id: office-cell1
    zones: [office, cell1]
assets:
  - id: plc-1
    name: PLC 1
    type: plc
    zone: cell1
    firmware: "2.9.4"
  - id: hmi-1
    name: HMI 1
    type: hmi
    zone: cell1
    depends_on: [plc-1]
"""


def problems_of(text: str, source: str = "plant.yaml"):
    with pytest.raises(PlantFileError) as info:
        loads_plant(text, source=source)
    return info.value.problems


def test_base_document_is_valid():
    plant = loads_plant(BASE, source="plant.yaml")
    assert [a.id for a in plant.assets] == ["plc-1", "hmi-1"]
    assert plant.conduits[0].direction == "both"
    assert plant.conduits[0].approved is True and plant.conduits[0].one_way is False
    assert plant.site.timezone == "UTC"
    assert plant.assets[0].impact.as_dict() == {"production": None, "safety": None, "delivery": None}


# (replace this line of BASE, with this, expected line, key, value, words in the message)
CASES = [
    pytest.param("    firmware: \"2.9.4\"", "    firmware: 2.10", 19, "assets[0].firmware", "2.10", 'quote it, e.g. "2.10"', id="unquoted-number"),
    pytest.param("    firmware: \"2.9.4\"", "    mac: 10:10:20:11:00:01", 19, "assets[0].mac", "10:10:20:11:00:01", "quote it", id="unquoted-mac-sexagesimal"),
    pytest.param("    firmware: \"2.9.4\"", "    firmware: 2024-01-05", 19, "assets[0].firmware", "2024-01-05", "read by YAML as a date", id="unquoted-date-as-text"),
    pytest.param("    firmware: \"2.9.4\"", "    owner: yes", 19, "assets[0].owner", "yes", "boolean", id="unquoted-boolean"),
    pytest.param("    firmware: \"2.9.4\"", "    colour: red", 19, "assets[0].colour", "red", "unknown key", id="unknown-key"),
    pytest.param("    firmware: \"2.9.4\"", "    depends_on: plc-2", 19, "assets[0].depends_on", "plc-2", "valid list", id="wrong-type-list"),
    pytest.param("    firmware: \"2.9.4\"", "    impact: {safety: 6}", 19, "assets[0].impact.safety", "6", "less than or equal to 5", id="out-of-range-rating"),
    pytest.param("    firmware: \"2.9.4\"", "    impact: {safety: 0}", 19, "assets[0].impact.safety", "0", "greater than or equal to 1", id="rating-zero-is-not-unknown"),
    pytest.param("    kind: control", "    kind: control\n    sl_target: 5", 11, "zones[1].sl_target", "5", "less than or equal to 4", id="out-of-range-sl"),
    pytest.param("    kind: control", "    kind: control\n    vlans: [10, 5000]", 11, "zones[1].vlans[1]", "5000", "4094", id="out-of-range-vlan"),
    pytest.param("    kind: control", "    kind: control\n    purdue_level: 2.7", 11, "zones[1].purdue_level", "2.7", "whole number or 3.5", id="bad-purdue"),
    pytest.param("    firmware: \"2.9.4\"", "    impact: {safety: \"3\"}", 19, "assets[0].impact.safety", "3", "without quotes", id="quoted-number"),
    pytest.param("    kind: control", "    kind: cell", 10, "zones[1].kind", "cell", "input should be", id="bad-enum"),
    pytest.param("    kind: control", "    kind: control\n    subnets: [\"10.1.2.3/16\"]", 11, "zones[1].subnets[0]", "10.1.2.3/16", "CIDR", id="bad-subnet"),
    pytest.param("    depends_on: [plc-1]", "    depends_on: [plc-9]", 24, "assets[1].depends_on[0]", "plc-9", "no asset with this id", id="dangling-asset"),
    pytest.param("    zone: cell1\n    depends_on", "    zone: cell9\n    depends_on", 23, "assets[1].zone", "cell9", "no zone with this id", id="dangling-zone"),
    pytest.param("    zones: [office, cell1]", "    zones: [office, dmz]", 13, "conduits[0].zones[1]", "dmz", "no zone with this id", id="dangling-conduit-zone"),
    pytest.param("  - id: hmi-1", "  - id: plc-1", 20, "assets[1].id", "plc-1", "duplicate id", id="duplicate-id"),
    pytest.param("  - id: hmi-1", "  - id: HMI-1", 20, "assets[1].id", "HMI-1", "pattern", id="bad-id-uppercase"),
    pytest.param("  - id: hmi-1", "  - id: -hmi", 20, "assets[1].id", "-hmi", "pattern", id="bad-id-leading-dash"),
    pytest.param("    name: HMI 1", "    type: hmi", 22, "assets[1].type", None, "duplicate key", id="duplicate-key"),
    pytest.param("  - id: hmi-1\n    name: HMI 1\n", "  - id: hmi-1\n", 20, "assets[1].name", None, "required key is missing", id="missing-required"),
]


@pytest.mark.parametrize(("old", "new", "line", "key", "value", "words"), CASES)
def test_error_names_file_line_key_value(old, new, line, key, value, words):
    assert old in BASE
    problems = problems_of(BASE.replace(old, new, 1))
    matching = [p for p in problems if p.key == key]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert problem.file == "plant.yaml"
    assert problem.line == line, str(problem)
    if value is not None:
        assert problem.value == value
    assert words in problem.message, str(problem)
    assert str(problem).startswith(f"plant.yaml:{line}: {key}: ")


def test_anchors_and_aliases_refused():
    text = BASE.replace("    firmware: \"2.9.4\"", "    owner: &team Brewhouse\n    vendor: *team")
    problems = problems_of(text)
    assert [(p.line, p.value) for p in problems] == [(19, "&team"), (20, "*team")]
    assert all("not allowed" in p.message for p in problems)


def test_merge_key_refused():
    text = BASE.replace("    firmware: \"2.9.4\"", "    <<: {owner: x}")
    (problem,) = problems_of(text)
    assert problem.line == 19 and "merge keys" in problem.message


def test_several_problems_reported_in_file_order():
    text = BASE.replace("    firmware: \"2.9.4\"", "    firmware: 2.10\n    impact: {production: 9}")
    problems = problems_of(text)
    assert [(p.line, p.key) for p in problems] == [(19, "assets[0].firmware"), (20, "assets[0].impact.production")]


def test_yaml_syntax_error_names_line():
    (problem,) = problems_of(BASE.replace("    zones: [office, cell1]", "    zones: [office, cell1"))
    assert problem.line is not None and 13 <= problem.line <= 15
    assert "not valid YAML" in problem.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("- a\n- b\n", "mapping"),
        ("format: otrisk/v2\nsite: {name: x}\n", "unsupported format"),
        ("site: {name: x}\n", "required key is missing: a plant file states 'format: otrisk/v1'"),
        ('{"directed": true, "nodes": [], "links": []}', "otrisk import-graph"),
        ("format: otrisk/v1\nsite: {name: x}\n---\nformat: otrisk/v1\n", "not valid YAML"),
    ],
)
def test_document_level_errors(text, words):
    (problem,) = problems_of(text)
    assert words in problem.message


def test_not_utf8():
    (problem,) = problems_of(BASE.encode("utf-8").replace(b"Test brewery", b"Test \xe4brewery"))
    assert "not UTF-8" in problem.message


def test_size_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("OTRISK_PLANT_FILE_MAX_BYTES", "100")
    (problem,) = problems_of(BASE)
    assert "limit is 100" in problem.message
    path = tmp_path / "big.yaml"
    path.write_text(BASE)
    with pytest.raises(PlantFileError, match="limit is 100"):
        load_plant(path)


def test_unreadable_file(tmp_path):
    with pytest.raises(PlantFileError, match="cannot read the file"):
        load_plant(tmp_path / "missing.yaml")


def test_evidence_dates_and_quoted_date():
    text = BASE + textwrap.dedent("""\
        evidence:
          - id: ev-1
            elements: [CM 1, AVAIL 2.1]
            kind: operational
            title: Backups
            collected: "2026-10-01"
        """)
    (problem,) = problems_of(text)
    assert problem.key == "evidence[0].collected" and problem.line == 30
    assert "YYYY-MM-DD" in problem.message


def test_valid_until_before_collected():
    text = BASE + textwrap.dedent("""\
        evidence:
          - {id: ev-1, elements: [CM], kind: operational, title: B, collected: 2026-10-01, valid_until: 2026-09-01}
        """)
    (problem,) = problems_of(text)
    assert problem.key == "evidence[0].valid_until" and "before collected" in problem.message


RICH = BASE + textwrap.dedent("""\
    evidence:
      - id: ev-cm-backups
        elements: [CM 1, AVAIL 2]
        kind: operational
        title: Weekly switch configuration backups with history
        collected: 2026-10-01
        valid_until: 2027-10-01
        covers: [plc-1, "zone:cell1"]
        location: "backup server /configs"
        file: {name: backups-2026-10.pdf, sha256: "%s"}
    assessments:
      - date: 2026-06-01
        maturity: {ORG: 1, CM: 1, "CM 1": 2, NET: 0}
        target: {ORG: 3, CM: 3, NET: 3}
        not_applicable: {"NET 2": "no wireless anywhere on site"}
    accepted_findings:
      - {id: "unapproved-conduit@office-cell1", justification: "vendor contract", accepted_by: "J. Doe", review_by: 2027-03-01}
    actions:
      - {id: act-1, title: Quarterly restore test, elements: [AVAIL 2], owner: "OT ops", due: 2027-01-31, status: in_progress}
    """) % ("ab" * 32)


def test_round_trip_is_byte_stable(tmp_path):
    plant = loads_plant(RICH, source="rich.yaml")
    first = dumps_plant(plant)
    assert dumps_plant(loads_plant(first)) == first
    path = tmp_path / "plant.yaml"
    save_plant(plant, path)
    assert path.read_text(encoding="utf-8") == first
    assert load_plant(path) == plant
    # unset and default values stay out of the canonical text, so files stay short
    assert "approved:" not in first and "direction:" not in first
    assert "maturity: {ORG: 1, CM: 1, CM 1: 2, NET: 0}" in first


def test_hostile_text_round_trips():
    hostile = "<img src=x onerror=alert(1)> href: 'a' \"b\" # c"
    plant = loads_plant(RICH)
    plant.assets[0].name = hostile
    plant.assets[0].firmware = "10:10:20"
    plant.assets[0].owner = "yes"
    text = dumps_plant(plant)
    again = loads_plant(text)
    assert again.assets[0].name == hostile
    assert again.assets[0].firmware == "10:10:20" and again.assets[0].owner == "yes"
    assert dumps_plant(again) == text


def test_save_failure_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "plant.yaml"
    path.write_text("previous", encoding="utf-8")
    plant = loads_plant(BASE)
    import otrisk.plantfile as pf

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pf.os, "replace", boom)
    with pytest.raises(OSError):
        save_plant(plant, path)
    assert path.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plant.yaml"]


def test_published_json_schema_is_current():
    published = ROOT / "docs" / "otrisk-v1.schema.json"
    assert published.read_text(encoding="utf-8") == schema_text(), "regenerate: python -m otrisk.plantfile --schema"
    schema = plant_json_schema()
    assert set(schema["required"]) == {"format", "site"}
    assert schema["$defs"]["Asset"]["additionalProperties"] is False
    assert json.loads(published.read_text())["title"] == "otrisk/v1 plant file"


@pytest.mark.parametrize("date, why", [("2026-02-30", "day is out of range for month"),
                                       ("2025-02-29", "day is out of range for month"),
                                       ("2026-13-01", "month must be in 1..12")])
def test_impossible_dates_are_problems_with_their_line(date, why):
    text = ("format: otrisk/v1\nsite: {name: T}\nassessments:\n  - {date: 2026-01-01}\n"
            f"actions:\n  - {{id: a, title: t, due: {date}}}\n")
    with pytest.raises(PlantFileError) as err:
        loads_plant(text, source="p.yaml")
    [problem] = err.value.problems
    assert (problem.line, problem.key, problem.value) == (6, "actions[0].due", date)
    assert why in problem.message and "YYYY-MM-DD" in problem.message


def test_an_id_rated_and_not_applicable_in_one_assessment_is_a_problem():
    text = ("format: otrisk/v1\nsite: {name: T}\nassessments:\n"
            "  - date: 2026-06-01\n    maturity: {NET 2: 1}\n    not_applicable: {NET 2: no wireless}\n")
    with pytest.raises(PlantFileError) as err:
        loads_plant(text, source="p.yaml")
    [problem] = err.value.problems
    assert (problem.line, problem.key, problem.value) == (6, "assessments[0].not_applicable.NET 2", "NET 2")
    assert "rated and marked not applicable" in problem.message
