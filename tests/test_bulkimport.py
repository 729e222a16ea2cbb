"""Bulk import of assets from CSV and Excel (otrisk.bulkread + otrisk.bulkimport)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import yaml
from conftest import realdata
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otrisk import db
from otrisk.bulkimport import (
    FIELDS,
    BulkImportError,
    apply_import,
    preview,
    read_table,
    suggest_mapping,
)
from otrisk.bulkread import _SYNONYMS, MAX_BYTES, _key, asset_type_for
from otrisk.errors import StaleDataError
from otrisk.models import FORMAT, Plant
from otrisk.reference import load_demo_plant

GERMAN = "Gerätename;IP-Adresse;Hersteller\nPumpe 1;10.1.2.3;Müller\n"


def table(text: str, name: str = "assets.csv", encoding: str = "utf-8"):
    return read_table(text.encode(encoding), name=name)


def run(text: str, plant: Plant | None = None, mapping: dict | None = None, **kw):
    t = table(text)
    return preview(plant if plant is not None else load_demo_plant(), t,
                   mapping if mapping is not None else suggest_mapping(t.columns), **kw)


def only(p, row: int):
    [r] = [r for r in p.rows if r.row == row]
    return r


def empty_plant() -> Plant:
    return Plant.model_validate({"format": FORMAT, "site": {"name": "Test"},
                                 "zones": [{"id": "line1", "name": "Line 1", "kind": "control"}]})


def xlsx(rows: list[list], *, title: str = "Assets", more: dict[str, list[list]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values, 1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    for name, extra in (more or {}).items():
        ws = book.create_sheet(name)
        for values in extra:
            ws.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading CSV ---------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "encoding"), [
    (GERMAN.encode("utf-8"), "utf-8"),
    (GERMAN.encode("utf-8-sig"), "utf-8-sig"),
    (GERMAN.encode("latin-1"), "latin-1"),
    (GERMAN.encode("utf-16"), "utf-16"),
    ((GERMAN + "Pumpe 2;10.1.2.4;Preis 5 €\n").encode("cp1252"), "cp1252"),
])
def test_csv_encodings_are_detected(data, encoding):
    t = read_table(data, name="de.csv")
    assert t.encoding == encoding
    assert t.separator == ";"
    assert t.columns == ("Gerätename", "IP-Adresse", "Hersteller")
    assert t.rows[0] == ("Pumpe 1", "10.1.2.3", "Müller")
    assert t.row_numbers[0] == 2


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_separators_are_detected(sep):
    text = sep.join(["host", "ip", "vendor"]) + "\n" + sep.join(["plc-1", "10.0.0.1", "Siemens"]) + "\n"
    t = table(text)
    assert (t.separator, t.columns, t.rows) == (sep, ("host", "ip", "vendor"), (("plc-1", "10.0.0.1", "Siemens"),))


def test_quoted_values_keep_their_separators():
    t = table('Name;Description;IP\n"Müller, Hans";"a;b, c";10.0.0.1\nPLC 2;x, y, z;10.0.0.2\n')
    assert t.separator == ";"
    assert t.rows == (("Müller, Hans", "a;b, c", "10.0.0.1"), ("PLC 2", "x, y, z", "10.0.0.2"))
    t = table('name,description\n"PLC 1","uses ; and , inside"\n"say ""hi""",x\n')
    assert t.separator == ","
    assert t.rows == (("PLC 1", "uses ; and , inside"), ('say "hi"', "x"))


def test_row_numbers_count_empty_lines_and_header_is_first_non_empty_row():
    t = table("\n;;\nname;ip\n a ; 10.0.0.1 \n\n\nb;10.0.0.2\n")
    assert t.columns == ("name", "ip")
    assert t.rows == (("a", "10.0.0.1"), ("b", "10.0.0.2"))
    assert t.row_numbers == (4, 7)


def test_short_rows_are_padded_long_rows_flagged_trailing_empty_columns_dropped():
    with pytest.raises(BulkImportError, match="no name for column 3"):
        table("name;ip;;\na\nb;10.0.0.2;x;\nc;10.0.0.3;;\n")
    t = table("name;ip;\na\nc;10.0.0.3;\n")
    assert t.columns == ("name", "ip")
    assert t.rows == (("a", ""), ("c", "10.0.0.3"))
    t = table("name;ip\nb;10.0.0.2;x\n")
    assert t.long_rows == frozenset({2})


def test_excel_sep_line_is_honoured():
    t = table("sep=,\nname;x,ip\na;b,10.0.0.1\n")
    assert (t.separator, t.columns, t.row_numbers) == (",", ("name;x", "ip"), (2,))


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"", "a.csv", "empty"),
    (b" \n\r\n\t\n", "a.csv", "empty"),
    (b"name;ip\n", "a.csv", "no data rows below the header row (row 1)"),
    (b"name;ip;name\nx;y;z\n", "a.csv", "duplicate column names in the header row (row 1): 'name' (columns 1, 3)"),
    (b"name;;ip\nx;y;z\n", "a.csv", "no name for column 2"),
    (b"a,b\x00c\n1,2\n", "a.csv", "NUL"),
    (b"name\n" + b"x" * MAX_BYTES, "a.csv", "at most 5,000,000"),
    (b"name;ip\nx;y\n", "inventory.xlsx", "not one (an .xlsx file is a zip archive)"),
    (b"\xd0\xcf\x11\xe0rest", "inventory.dat", ".xls"),
])
def test_file_level_problems_name_the_file(data, name, says):
    with pytest.raises(BulkImportError) as err:
        read_table(data, name=name)
    assert str(err.value).startswith(f"{name}: ")
    assert says in str(err.value)


def test_csv_has_no_sheets():
    with pytest.raises(BulkImportError, match="no sheets"):
        read_table(b"a\n1\n", name="a.csv", sheet="Assets")


# --- reading Excel ---------------------------------------------------------------------------

def test_excel_cells_become_text():
    data = xlsx([
        ["Hostname", "IP address", "Firmware", "Rack", "Installed", "Criticality"],
        ["PLC 1", "10.10.20.11", 2.1, 3.0, dt.datetime(2024, 5, 1), 4],
        [],
        ["PLC 2", "10.10.20.12", "2.10", 12, dt.date(2023, 1, 31), 1e16],
    ], more={"Other": [["x"], ["1"]]})
    t = read_table(data, name="inventory.dat")  # found by its content, not its name
    assert (t.encoding, t.separator, t.sheets, t.sheet) == ("xlsx", None, ("Assets", "Other"), "Assets")
    assert t.columns == ("Hostname", "IP address", "Firmware", "Rack", "Installed", "Criticality")
    assert t.rows == (
        ("PLC 1", "10.10.20.11", "2.1", "3", "2024-05-01", "4"),
        ("PLC 2", "10.10.20.12", "2.10", "12", "2023-01-31", "10000000000000000"),
    )
    assert t.row_numbers == (2, 4)


def test_excel_sheet_choice_and_sheet_row_numbers():
    data = xlsx([["a"], ["b"]], more={"Inventory": [[], [], ["Name", "IP"], ["plc", "10.0.0.1"]]})
    t = read_table(data, name="inv.xlsx", sheet="Inventory")
    assert (t.sheet, t.columns, t.rows, t.row_numbers) == ("Inventory", ("Name", "IP"), (("plc", "10.0.0.1"),), (4,))
    with pytest.raises(BulkImportError, match="no sheet 'Missing'; the sheets are 'Assets', 'Inventory'"):
        read_table(data, name="inv.xlsx", sheet="Missing")


def test_zip_that_is_not_a_workbook_and_damaged_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(BulkImportError, match="not an Excel .xlsx workbook"):
        read_table(out.getvalue(), name="x.xlsx")
    with pytest.raises(BulkImportError, match="inv.xlsx: "):
        read_table(xlsx([["a"], ["b"]])[:300], name="inv.xlsx")


def test_excel_sheet_with_only_a_header():
    with pytest.raises(BulkImportError, match="no data rows"):
        read_table(xlsx([["Name", "IP"]]), name="inv.xlsx")


# --- mapping ---------------------------------------------------------------------------------

def test_mapping_suggestions_english():
    cols = ["Hostname", "IP Address", "MAC address", "Vendor", "Model", "FW version", "Location",
            "Owner", "Criticality", "Device Type", "Zone", "Depends on", "Notes", "serial"]
    assert suggest_mapping(cols) == {
        "Hostname": "name", "IP Address": "ip", "MAC address": "mac", "Vendor": "vendor", "Model": "model",
        "FW version": "firmware", "Location": "location", "Owner": "owner", "Criticality": "criticality",
        "Device Type": "type", "Zone": "zone", "Depends on": "depends_on", "Notes": "description", "serial": None,
    }


def test_mapping_suggestions_german():
    cols = ["Gerätename", "IP-Adresse", "MAC-Adresse", "Hersteller", "Modell", "Firmware", "Standort",
            "Verantwortlicher", "Kritikalität", "Typ", "Zone"]
    assert list(suggest_mapping(cols).values()) == [
        "name", "ip", "mac", "vendor", "model", "firmware", "location", "owner", "criticality", "type", "zone"]


def test_mapping_is_case_space_underscore_insensitive_and_never_maps_twice():
    assert suggest_mapping(["ip_address", "IPADDRESS", " Host Name ", "device_name", "asset_id", "impact.safety"]) == {
        "ip_address": "ip", "IPADDRESS": None, " Host Name ": "name", "device_name": None, "asset_id": "id",
        "impact.safety": "impact.safety"}
    assert all(f in FIELDS for f in suggest_mapping(["criticality", "zone kind", "manages"]).values())


@pytest.mark.parametrize(("column", "field"), [
    # A new-user trial: "Produktion" and "Lieferung" mapped, "Sicherheit" did not.
    ("Sicherheit", "impact.safety"), ("Safety", "impact.safety"), ("HSE", "impact.safety"),
    ("EHS", "impact.safety"), ("Health & Safety", "impact.safety"), ("Arbeitssicherheit", "impact.safety"),
    ("Safety impact", "impact.safety"), ("Impact (Safety)", "impact.safety"),
    ("Auswirkung Sicherheit", "impact.safety"), ("Auswirkung auf die Sicherheit", "impact.safety"),
    ("Sicherheits-Auswirkung", "impact.safety"),
    ("Produktion", "impact.production"), ("Production", "impact.production"),
    ("Production impact", "impact.production"), ("Auswirkung: Produktion", "impact.production"),
    ("Lieferung", "impact.delivery"), ("Lieferfähigkeit", "impact.delivery"),
    ("Lieferfaehigkeit", "impact.delivery"), ("Delivery", "impact.delivery"),
    ("impact_delivery", "impact.delivery"), ("Auswirkung Lieferfähigkeit", "impact.delivery"),
    # not an impact axis
    ("Sicherheitszone", "zone"), ("Safety PLC", None),
])
def test_impact_axis_columns_english_and_german(column, field):
    assert suggest_mapping([column]) == {column: field}


def test_german_impact_columns_are_imported():
    text = "Gerätename;Produktion;Sicherheit;Lieferung\nPumpe 1;hoch;kritisch;2\n"
    assert list(suggest_mapping(table(text).columns).values()) == [
        "name", "impact.production", "impact.safety", "impact.delivery"]
    [asset] = run(text, plant=empty_plant()).plant.assets
    assert asset.impact.as_dict() == {"production": 4, "safety": 5, "delivery": 2}


def test_no_column_name_suggests_two_fields():
    fields: dict[str, set[str]] = {}
    for field, names in _SYNONYMS.items():
        for name in (field, *names):
            fields.setdefault(_key(name), set()).add(field)
    assert {key: found for key, found in fields.items() if len(found) > 1} == {}


@pytest.mark.parametrize(("mapping", "says"), [
    ({"name": "name", "ip": "name"}, "columns 'name' and 'ip' are both mapped to 'name'"),
    ({"nope": "name"}, "does not have"),
    ({"name": "colour"}, "not one of"),
    ({"name": None, "ip": None}, "at least one column to id, name, ip or mac"),
])
def test_invalid_mapping_is_refused(mapping, says):
    with pytest.raises(BulkImportError, match=says):
        run("name;ip\nx;10.0.0.1\n", mapping=mapping)


# --- preview: create, update, match ------------------------------------------------------------

def test_create_with_id_from_name_and_type_words():
    p = run("Hostname;Typ;Zone;IP\nKessel SPS 1;SPS;line1;10.0.0.1\nPanel A;HMI;Line 1;10.0.0.2\n"
            "Weird Box;toaster;;10.0.0.3\nKessel-SPS_1;EWS;;10.0.0.4\n", plant=empty_plant())
    assert [(r.row, r.action, r.asset_id) for r in p.rows] == [
        (2, "create", "kessel-sps-1"), (3, "create", "panel-a"), (4, "create", "weird-box"), (5, "create", "kessel-sps_1")]
    assets = p.plant.asset_map()
    assert (assets["kessel-sps-1"].type, assets["kessel-sps-1"].zone) == ("plc", "line1")
    assert (assets["panel-a"].type, assets["panel-a"].zone) == ("hmi", "line1")  # zone found by its name
    assert assets["weird-box"].type == "other"
    assert only(p, 4).notes == ("column 'Typ': 'toaster' is not a known type; created as type 'other'",)
    assert only(p, 2).changes["name"] == (None, "Kessel SPS 1")
    assert (p.created, p.updated, p.unchanged, p.errors, p.ok) == (4, 0, 0, 0, True)


def test_name_collision_gets_a_suffix():
    p = run("name;ip\nLine 1;10.0.0.1\nline-1;10.0.0.2\n", plant=empty_plant())
    assert [r.asset_id for r in p.rows] == ["line-1", "line-1-2"]
    demo = run("name;ip\nplc-brewhouse (spare);10.9.9.9\nPLC brewhouse;10.9.9.8\n")
    assert [r.asset_id for r in demo.rows] == ["plc-brewhouse-spare", "plc-brewhouse-2"]
    assert demo.plant.asset_map()["plc-brewhouse"].ip == "172.20.110.11"  # the demo asset is untouched


def test_match_on_id_then_ip_then_mac_including_interfaces():
    p = run("id;name;ip;mac\n"
            "plc-mill;;;\n"                                  # id
            ";Renamed filler PLC;172.20.130.12;\n"           # ip
            ";;;28-63-36-5A-11-11\n"                          # mac of plc-brewhouse, other notation
            ";Batch server (cell side);172.20.110.5;\n"      # an interface ip of batch-server
            ";;;28:63:36:5a:12:11\n",                         # mac of plc-cellar, same as stored
            mapping={"id": "id", "name": "name", "ip": "ip", "mac": "mac"})
    got = [(r.row, r.action, r.asset_id, r.matched_on) for r in p.rows]
    assert got == [(2, "unchanged", "plc-mill", "id"), (3, "update", "plc-filler", "ip"),
                   (4, "unchanged", "plc-brewhouse", "mac"), (5, "update", "batch-server", "ip"),
                   (6, "unchanged", "plc-cellar", "mac")]
    assert only(p, 3).changes == {"name": ("Filler and capper PLC", "Renamed filler PLC")}
    batch = p.plant.asset_map()["batch-server"]
    assert batch.ip == "172.20.30.30"  # the interface address stays an interface address
    assert len(p.plant.assets) == len(load_demo_plant().assets)


def test_name_match_without_id_ip_or_mac():
    p = run("name;owner\nbrewhouse PLC (mash,  lauter, wort kettle);Line crew\n")
    r = only(p, 2)
    assert (r.action, r.asset_id, r.matched_on, r.changes["owner"][1]) == ("update", "plc-brewhouse", "name", "Line crew")


def test_empty_cells_never_clear_and_lists_replace():
    p = run("id;vendor;firmware;depends_on;impact.safety\nplc-cellar;;;sw-cellar plc-brewhouse;\n")
    before = load_demo_plant().asset_map()["plc-cellar"]
    after = p.plant.asset_map()["plc-cellar"]
    assert (after.vendor, after.firmware, after.impact) == (before.vendor, before.firmware, before.impact)
    assert after.depends_on == ["sw-cellar", "plc-brewhouse"]
    assert only(p, 2).changes == {"depends_on": (before.depends_on, ["sw-cellar", "plc-brewhouse"])}
    same = run("id;depends_on\nplc-cellar;" + ",".join(reversed(before.depends_on)) + "\n")
    assert only(same, 2).action == "unchanged"


def test_criticality_fills_the_axes_that_are_not_mapped():
    p = run("name;criticality;safety\nA;high;\nB;Critical;2\nC;3;\nD;kritisch;niedrig\n", plant=empty_plant())
    ratings = {a.id: a.impact.as_dict() for a in p.plant.assets}
    assert ratings == {
        "a": {"production": 4, "safety": None, "delivery": 4},  # safety is mapped, so not filled
        "b": {"production": 5, "safety": 2, "delivery": 5},
        "c": {"production": 3, "safety": None, "delivery": 3},
        "d": {"production": 5, "safety": 2, "delivery": 5},
    }


def test_unknown_type_word_keeps_an_existing_type():
    p = run("id;type\nplc-mill;toaster\nhmi-mill;Operator Panel\n")
    assert p.plant.asset_map()["plc-mill"].type == "plc"
    assert only(p, 2).action == "unchanged"
    assert "kept type 'plc'" in only(p, 2).notes[0]
    assert only(p, 3).action == "unchanged"  # hmi is hmi


def _malcolm_roles() -> dict[str, str]:
    """``{slug: role name}`` of Malcolm's NetBox preload (read from the real file at test time)."""
    roles = yaml.safe_load(realdata("malcolm/device_roles.yml").read_text(encoding="utf-8"))
    return {r["slug"]: r["name"] for r in roles}


def test_device_roles_as_type_words_from_malcolm():
    roles = _malcolm_roles()
    # none of these is in our own type-word table: they are read as device roles
    # (otrisk.deviceroles: safety automation → sis, an IED runs control logic → plc, a layer 3
    # switch forwards traffic → switch)
    picked = {"safety-automation-system": "sis", "ied": "plc", "switch-l3": "switch"}
    rows = "".join(f"Role {i};{roles[slug]};10.0.0.{i}\n" for i, slug in enumerate(picked, 1))
    p = run("Hostname;Device role;IP\n" + rows, plant=empty_plant())
    assert p.ok and p.created == 3
    assert [p.plant.asset_map()[f"role-{i}"].type for i in (1, 2, 3)] == list(picked.values())
    assert not any("not a known type" in n for r in p.rows for n in r.notes)
    # slugs work as well as names; our own words keep their meaning (EWS, VFD, a known "safety")
    assert [asset_type_for(w) for w in ("safety-automation-system", roles["scada-client"], "EWS", "VFD",
                                        "safety", "toaster")] == ["sis", "hmi", "ews", "drive", "sis", None]


def test_role_headers_map_to_type():
    assert suggest_mapping(["Name", "Device role"]) == {"Name": "name", "Device role": "type"}
    assert suggest_mapping(["Name", "Rolle"])["Rolle"] == "type"
    assert suggest_mapping(["Name", "Gerätetyp"])["Gerätetyp"] == "type"


# --- preview: row errors ---------------------------------------------------------------------

def test_bad_values_are_row_errors_with_row_numbers():
    p = run("name;ip;mac;criticality;production\n"
            "ok-1;10.0.0.1;00:11:22:33:44:55;2;\n"
            "bad-ip;10.0.0.300;;;\n"
            "\n"
            "bad-mac;;00:11:22:33:44;;\n"
            "bad-rating;;;6;\n"
            "bad-axis;;;;medium-ish\n"
            "ok-2;10.0.0.2;001122334466;low;5\n", plant=empty_plant())
    assert [(r.row, r.action) for r in p.rows] == [
        (2, "create"), (3, "error"), (5, "error"), (6, "error"), (7, "error"), (8, "create")]
    assert only(p, 3).problems == ("column 'ip': not an IP address (value '10.0.0.300')",)
    assert only(p, 5).problems[0].startswith("column 'mac': not a MAC address")
    assert only(p, 5).problems[0].endswith("(value '00:11:22:33:44')")
    assert only(p, 6).problems == (
        "column 'criticality': not a rating: 1..5 or very low, low, medium, high, critical (value '6')",)
    assert "column 'production'" in only(p, 7).problems[0] and "'medium-ish'" in only(p, 7).problems[0]
    assert [a.id for a in p.plant.assets] == ["ok-1", "ok-2"]
    assert p.plant.asset_map()["ok-2"].mac == "00:11:22:33:44:66"
    assert (p.created, p.errors, p.ok) == (2, 4, False)


def test_duplicate_rows_second_is_an_error_naming_the_first():
    p = run("name;ip;mac\nPLC A;10.0.0.1;\nPLC B;10.0.0.1;\nPLC C;;aa:bb:cc:dd:ee:01\nPLC C2;;AA-BB-CC-DD-EE-01\n"
            "PLC A;;\n", plant=empty_plant())
    assert [(r.row, r.action) for r in p.rows] == [
        (2, "create"), (3, "error"), (4, "create"), (5, "error"), (6, "error")]
    assert only(p, 3).problems == ("row 2 already imports asset 'plc-a' (same ip)",)
    assert only(p, 5).problems == ("row 4 already imports asset 'plc-c' (same mac)",)
    assert only(p, 6).problems == ("row 2 already imports asset 'plc-a' (same name)",)
    dup_id = run("id;name\nplc-mill;x\nPLC-MILL;y\n")
    assert only(dup_id, 3).problems == ("row 2 already imports asset 'plc-mill' (same id)",)


def test_conflicting_matches_are_errors():
    p = run("id;name;ip;mac\nplc-new;New;172.20.110.11;\n;;172.20.110.11;28:63:36:5a:12:11\n")
    assert only(p, 2).problems == (("column 'ip': belongs to asset 'plc-brewhouse', but the row's id 'plc-new' "
                                   "is new: use id 'plc-brewhouse' or leave the id empty (value '172.20.110.11')"),)
    assert only(p, 3).problems == (("column 'mac': belongs to asset 'plc-cellar', but the ip belongs to "
                                   "'plc-brewhouse' (value '28:63:36:5a:12:11')"),)


def test_invalid_id_and_nothing_to_create_from():
    p = run("id;name;ip\nPLC 1;x;\n;;10.0.0.99\n", plant=empty_plant())
    assert only(p, 2).problems == (("column 'id': not a valid asset id (a-z, 0-9, '.', '_', '-'; e.g. 'plc-1') "
                                   "(value 'PLC 1')"),)
    assert only(p, 3).problems == ("no asset has this ip or mac, and without an id or name no asset can be created",)


def test_unknown_zone_is_an_error_unless_zones_are_created_with_a_kind():
    text = "name;zone;zone kind\nA;Cell 7;control\nB;cell-7;\nC;Cell 8;\nD;Cell 9;kitchen\n"
    p = run(text, plant=empty_plant())
    assert [r.action for r in p.rows] == ["error"] * 4
    assert only(p, 2).problems == (("column 'zone': zone does not exist (create it first, or allow creating "
                                   "zones) (value 'Cell 7')"),)
    p = run(text, plant=empty_plant(), zones_create=True)
    assert [r.action for r in p.rows] == ["create", "create", "error", "error"]
    assert p.zones_created == ("cell-7",)
    assert p.plant.zone_map()["cell-7"].model_dump(exclude_defaults=True) == {
        "id": "cell-7", "name": "Cell 7", "kind": "control"}
    assert "give its kind in the zone kind column" in only(p, 4).problems[0]
    assert only(p, 5).problems[0].startswith("column 'zone kind': not a zone kind (external, ")


def test_references_must_name_imported_or_existing_assets():
    p = run("name;depends on;manages\n"
            "EWS 1;;plc-2, plc-3\n"            # refers to rows below by their ids
            "PLC 2;plc-brewhouse;\n"
            "PLC 3;ghost;\n"                    # error: unknown id, so plc-3 is not imported
            "HMI 4;plc-2,\tsw-brewhouse;\n"
            "HMI 5;hmi-5\n")
    assert [(r.row, r.action) for r in p.rows] == [
        (2, "error"), (3, "create"), (4, "error"), (5, "create"), (6, "error")]
    assert only(p, 4).problems == ("column 'depends on': no asset 'ghost' in the plant or in the file (value 'ghost')",)
    assert "column 'manages': asset 'plc-3' (row 4) has errors and is not imported" in only(p, 2).problems[0]
    assert only(p, 6).problems == ("column 'depends on': an asset cannot list itself in depends_on (value 'hmi-5')",)
    assert p.plant.asset_map()["hmi-4"].depends_on == ["plc-2", "sw-brewhouse"]
    p = run("name;manages\nEWS 1;plc-2\nPLC 2;\n", plant=empty_plant())
    assert p.ok and p.plant.asset_map()["ews-1"].manages == ["plc-2"]


def test_long_rows_and_rows_without_mapped_values_are_errors():
    p = run("name;ip;x\nA;10.0.0.1;;extra\n;;note only\n", plant=empty_plant())
    assert only(p, 2).problems[0].startswith("row 2 has more values than the header has columns")
    assert only(p, 3).problems == ("no values in the mapped columns",)


def test_too_long_text_is_a_row_error_naming_the_column():
    p = run("name;vendor\nA;" + "v" * 2001 + "\n", plant=empty_plant())
    assert only(p, 2).action == "error"
    assert only(p, 2).problems[0].startswith("column 'vendor': ")


# --- re-import, storage ---------------------------------------------------------------------

def demo_csv() -> str:
    lines = ["id;name;type;zone;ip;mac;production;safety;delivery;depends_on"]
    for a in load_demo_plant().assets:
        imp = a.impact.as_dict()
        lines.append(";".join([a.id, a.name, a.type, a.zone or "", a.ip or "", a.mac or "",
                               *(str(imp[x] or "") for x in ("production", "safety", "delivery")),
                               ",".join(a.depends_on)]))
    return "\n".join(lines) + "\n"


def test_the_demo_plant_is_not_duplicated():
    demo = load_demo_plant()
    p = run(demo_csv())
    assert (p.created, p.updated, p.unchanged, p.errors) == (0, 0, len(demo.assets), 0)
    assert p.plant == demo
    without_ids = run(demo_csv(), mapping={**suggest_mapping(table(demo_csv()).columns), "id": None})
    assert without_ids.created == 0
    assert {r.matched_on for r in without_ids.rows} == {"ip", "name"}  # name: services without an ip


@pytest.fixture
def engine(tmp_path):
    eng = db.make_engine("sqlite:///" + str(tmp_path / "bulk.db"))
    db.init_db(eng, seed_demo=True)
    yield eng
    eng.dispose()


INVENTORY = ("Hostname,IP address,MAC,Vendor,Type,Zone,Criticality\n"
             "Kettle PLC 9,172.20.110.99,00:1b:1b:00:00:09,Siemens,PLC,brewhouse,high\n"
             "Brewhouse PLC (mash; lauter; wort kettle),172.20.110.11,,Siemens,PLC,brewhouse,\n"
             "Mill panel,172.20.110.98,,Siemens,HMI,brewhouse,2\n")


def test_apply_writes_one_revision_and_reimport_changes_nothing(engine):
    plant, rev = db.load_plant_db(engine)
    p = preview(plant, table(INVENTORY), suggest_mapping(table(INVENTORY).columns))
    assert (p.created, p.updated, p.unchanged, p.errors) == (2, 1, 0, 0)
    assert db.plant_revision(engine) == rev  # a preview writes nothing
    new_rev = apply_import(engine, p, expected_revision=rev, who="tester")
    assert new_rev == rev + 1 == db.plant_revision(engine)
    entry = db.change_log(engine, limit=1)[0]
    assert (entry.revision, entry.who, entry.action) == (new_rev, "tester", "import")
    assert entry.details["assets"]["added"] == ["kettle-plc-9", "mill-panel"]
    assert entry.details["assets"]["changed"] == ["plc-brewhouse"]
    stored, _ = db.load_plant_db(engine)
    assert len(stored.assets) == len(plant.assets) + 2
    again = preview(stored, table(INVENTORY), suggest_mapping(table(INVENTORY).columns))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert apply_import(engine, again, expected_revision=new_rev) == new_rev  # nothing to write
    assert db.plant_revision(engine) == new_rev


def test_apply_with_errors_is_refused_unless_skipped(engine):
    plant, rev = db.load_plant_db(engine)
    text = "name;ip\nGood;10.5.5.5\nBad;10.5.5.500\n"
    p = preview(plant, table(text), suggest_mapping(table(text).columns))
    with pytest.raises(BulkImportError, match=r"assets.csv: not imported: 1 row\(s\) have errors \(row 3\)"):
        apply_import(engine, p, expected_revision=rev)
    assert db.plant_revision(engine) == rev
    assert apply_import(engine, p, expected_revision=rev, skip_errors=True) == rev + 1
    assert "good" in db.load_plant_db(engine)[0].asset_map()


def test_apply_on_a_stale_revision_is_refused(engine):
    plant, rev = db.load_plant_db(engine)
    p = preview(plant, table(INVENTORY), suggest_mapping(table(INVENTORY).columns))
    db.save_plant_db(engine, plant, expected_revision=rev, who="someone else")
    with pytest.raises(StaleDataError):
        apply_import(engine, p, expected_revision=rev)
    assert db.plant_revision(engine) == rev + 1


def test_excel_import_end_to_end():
    data = xlsx([["Gerätename", "IP-Adresse", "Firmware", "Kritikalität"],
                 ["Pumpe 7", "10.7.7.7", 2.1, 3.0]])
    t = read_table(data, name="inventar.xlsx")
    p = preview(empty_plant(), t, suggest_mapping(t.columns))
    a = p.plant.asset_map()["pumpe-7"]
    assert (a.ip, a.firmware, a.impact.as_dict()) == ("10.7.7.7", "2.1", {"production": 3, "safety": 3, "delivery": 3})


# --- property: row problems are data, not exceptions -------------------------------------------

TOKENS = [*"aZ9 .:-_/;,\t\"'é€\n\r", "10.0.0.1", "plc", "zz", "brewhouse", "high", "00:11:22:33:44:55", "plc-mill"]
CELL = st.lists(st.sampled_from(TOKENS), max_size=4).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=6),
       sep=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       fields=st.lists(st.sampled_from([*FIELDS, None]), min_size=5, max_size=5),
       zones_create=st.booleans())
def test_any_table_gives_results_or_a_bulk_import_error(rows, sep, encoding, fields, zones_create):
    text = "\n".join(sep.join(r) for r in rows)
    try:
        t = read_table(text.encode(encoding, errors="replace"), name="random.csv")
    except BulkImportError:
        return
    mappings = [suggest_mapping(t.columns), dict(zip(t.columns, fields))]
    for mapping in mappings:
        try:
            p = preview(load_demo_plant(), t, mapping, zones_create=zones_create)
        except BulkImportError:
            continue
        assert len(p.rows) == len(t.rows)
        assert p.created + p.updated + p.unchanged + p.errors == len(t.rows)
        Plant.model_validate(p.plant.model_dump())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_table_or_a_bulk_import_error(data):
    for name in ("x.csv", "x.xlsx"):
        try:
            read_table(data, name=name)
        except BulkImportError:
            pass
