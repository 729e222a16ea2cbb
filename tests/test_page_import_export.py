"""The Import and export page (AppTest on the demo plant): bulk import wizard, exports, audit pack.

The demo plant: ``dc-ot`` "OT domain controller" has 172.20.30.10, vendor Microsoft, impact 3/1/2;
``hist-ot`` "Site historian" has 172.20.30.20, vendor AVEVA, impact 2/1/2; 172.20.120.77 is free.
So the German CSV below previews as: row 2 unchanged (dc-ot on ip, no rating given), row 3 update
(hist-ot on ip, "hoch" = 4 on every axis), row 4 create, row 5 error (10.1.2.300 is no IP address).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import apptest_support
import openpyxl
import pandas as pd
import pytest
from apptest_support import PAGES, editor_state, errors, frame_with, run
from conftest import realdata
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.bulkimport import FIELDS, suggest_mapping
from otrisk.libraries import library_names, map_to_ours, read_library, stored_libraries
from otrisk.models import AXES
from otrisk.plantfile import dumps_plant, schema_text
from otrisk.report import site_slug
from otrisk.threagile import ThreagileError, threagile_to_plant
from otrisk.ui.interop_ui import short_key
from otrisk.ui.text import md_escape

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "14_import_export.py"
PROGRAM_MAP = PAGES / "4_program_map.py"

GERMAN = ("Gerätename;IP-Adresse;Hersteller;Kritikalität\n"
          "OT domain controller;172.20.30.10;Microsoft;\n"
          "Site historian;172.20.30.20;AVEVA;hoch\n"
          "Leckagesensor Gärkeller;172.20.120.77;Endress+Hauser;mittel\n"
          "Pumpe 7;10.1.2.300;Grundfos;2\n").encode()
NEW_ID = "leckagesensor-garkeller"

# The shared fixtures, found by pytest under these names (a plain assignment, not an unused import).
db_url, engine = apptest_support.db_url, apptest_support.engine


def _upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv", prefix: str = "ie_upload_") -> AppTest:
    [uploader] = [u for u in at.get("file_uploader") if u.key.startswith(prefix)]
    uploader.upload(name, data, mime)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _counts(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def _skip_key(at: AppTest) -> str:
    [box] = [c for c in at.checkbox if c.key.startswith("ie_skip_")]
    return box.key


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _record_downloads(monkeypatch) -> dict[str, tuple[bytes, str | None, str]]:
    """``{media file id: (bytes, file name, mime type)}`` of every file handed to the media storage."""
    stored: dict[str, tuple[bytes, str | None, str]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = (path_or_data, filename, mimetype)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return stored


def _download(stored: dict, at: AppTest, key: str) -> tuple[bytes, str | None, str]:
    [button] = [b for b in at.get("download_button") if b.key == key]
    return stored[button.proto.url.rsplit("/", 1)[-1].split(".")[0]]


def _download_keys(at: AppTest) -> list[str]:
    return [b.key for b in at.get("download_button")]


def test_page_renders_with_template(db_url, monkeypatch):
    stored = _record_downloads(monkeypatch)
    at = run(PAGE)
    assert at.title[0].value == "Import and export"
    assert [h.value for h in at.header] == ["Bulk import of assets", "Other formats", "Export", "Audit evidence pack"]
    assert not at.metric and "ie_confirm" not in [b.key for b in at.button]
    data, name, mime = _download(stored, at, "ie_template")
    assert (name, mime) == ("otrisk-assets-template.csv", "text/csv")
    header = data.decode("utf-8").strip().split(",")
    assert tuple(header) == FIELDS
    assert suggest_mapping(header) == {f: f for f in FIELDS}  # the template maps onto itself


def test_csv_upload_suggests_mapping_and_previews_without_writing(engine):
    revision = db.plant_revision(engine)
    at = _upload(run(PAGE), "assets.csv", GERMAN)
    summary = "\n".join(m.value for m in at.markdown)
    assert "encoding UTF-8, separator semicolon (;), 4 data rows in 4 columns" in summary
    first = frame_with(at, "Gerätename")
    assert first.index.tolist() == [2, 3, 4, 5]
    assert first.loc[4, "Gerätename"] == "Leckagesensor Gärkeller"
    assert {s.label: s.value for s in at.selectbox} == {
        "Gerätename": "name", "IP-Adresse": "ip", "Hersteller": "vendor", "Kritikalität": "criticality"}

    assert _counts(at) == {"Create": 1, "Update": 1, "Unchanged": 1, "Errors": 1}
    rows = frame_with(at, "matched on")
    assert rows["row"].tolist() == [5, 2, 3, 4]  # errors first, then file order
    assert rows["action"].tolist() == ["error", "unchanged", "update", "create"]
    assert rows["asset id"].tolist()[1:] == ["dc-ot", "hist-ot", NEW_ID]
    assert rows["matched on"].tolist() == ["", "ip", "ip", ""]
    assert rows["problems"].iloc[0] == "column 'IP-Adresse': not an IP address (value '10.1.2.300')"
    assert rows["changes"].iloc[2] == ("impact.production 2 → 4; impact.safety 1 → 4; "
                                       "impact.delivery 2 → 4")
    assert rows["changes"].iloc[3].startswith("name Leckagesensor Gärkeller; type other; vendor Endress+Hauser; "
                                              "ip 172.20.120.77")

    # refused while a row has an error: the button is disabled and says why
    assert at.button(key="ie_confirm").disabled
    assert any("1 row has errors" in w.value for w in at.warning)
    assert db.plant_revision(engine) == revision


def test_skip_errors_imports_once_and_reimport_creates_nothing(engine):
    plant_before, revision = db.load_plant_db(engine)
    at = _upload(run(PAGE), "assets.csv", GERMAN)
    at.checkbox(key=_skip_key(at)).check().run()
    assert not at.button(key="ie_confirm").disabled
    at = _click(at, "ie_confirm")
    assert [s.value for s in at.success] == [(
        f"Imported assets.csv as revision {revision + 1}: 1 asset(s) created, 1 updated, "
        "1 row(s) with errors skipped.")]

    plant, stored = db.load_plant_db(engine)
    assert stored == revision + 1
    assert len(plant.assets) == len(plant_before.assets) + 1
    new = plant.asset_map()[NEW_ID]
    assert (new.name, new.ip, new.vendor, new.type) == ("Leckagesensor Gärkeller", "172.20.120.77",
                                                      "Endress+Hauser", "other")
    assert new.impact.as_dict() == {"production": 3, "safety": 3, "delivery": 3}
    assert plant.asset_map()["hist-ot"].impact.as_dict() == {"production": 4, "safety": 4, "delivery": 4}
    assert plant.asset_map()["dc-ot"] == plant_before.asset_map()["dc-ot"]
    assert "pumpe-7" not in plant.asset_map()
    [entry] = db.change_log(engine, limit=1)
    assert (entry.revision, entry.action) == (revision + 1, "import")
    assert "bulk import of assets.csv" in entry.summary

    # the same file again (a fresh uploader after the import): nothing to create or update
    at = _upload(at, "assets.csv", GERMAN)
    assert _counts(at) == {"Create": 0, "Update": 0, "Unchanged": 3, "Errors": 1}
    assert frame_with(at, "matched on").set_index("row").loc[4, "asset id"] == NEW_ID
    at.checkbox(key=_skip_key(at)).check().run()
    assert at.button(key="ie_confirm").disabled
    assert any(f"Nothing to import: the file matches the stored plant (revision {revision + 1})" in i.value
               for i in at.info)
    assert db.plant_revision(engine) == revision + 1
    assert len(db.load_plant_db(engine)[0].assets) == len(plant.assets)


def test_a_save_in_between_is_refused_and_writes_nothing(engine):
    at = _upload(run(PAGE), "assets.csv", GERMAN)
    at.checkbox(key=_skip_key(at)).check().run()
    shown = db.plant_revision(engine)

    # someone else saves after the preview was shown
    plant, _ = db.load_plant_db(engine)
    other = plant.model_copy(update={"site": plant.site.model_copy(update={"name": "Renamed meanwhile"})})
    db.save_plant_db(engine, other, expected_revision=shown, who="someone else")

    at = _click(at, "ie_confirm")
    text = errors(at)
    assert f"your revision {shown}, stored revision {shown + 1}" in text
    assert "Nothing was written" in text
    assert not at.success
    stored, revision = db.load_plant_db(engine)
    assert revision == shown + 1 and NEW_ID not in stored.asset_map()
    assert stored.site.name == "Renamed meanwhile"

    # the preview now shows the stored revision: confirming again imports into it
    at = _click(at, "ie_confirm")
    assert f"as revision {shown + 2}" in at.success[0].value
    stored, revision = db.load_plant_db(engine)
    assert revision == shown + 2 and NEW_ID in stored.asset_map()
    assert stored.site.name == "Renamed meanwhile"


def test_mapping_change_and_mapping_errors(engine):
    at = _upload(run(PAGE), "assets.csv", GERMAN)
    [rating] = [s for s in at.selectbox if s.label == "Kritikalität"]
    rating.set_value("").run()  # not imported: hist-ot keeps its ratings
    assert _counts(at) == {"Create": 1, "Update": 0, "Unchanged": 2, "Errors": 1}

    [vendor] = [s for s in at.selectbox if s.label == "Hersteller"]
    vendor.set_value("name").run()  # two columns on one field
    assert not at.exception
    assert "Hersteller" in errors(at) and "Gerätename" in errors(at)
    assert not at.metric and "ie_confirm" not in [b.key for b in at.button]


def test_unreadable_file_is_an_error_not_a_traceback(db_url):
    at = _upload(run(PAGE), "old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "application/vnd.ms-excel")
    assert "old.xls: an old binary Excel file (.xls): save it as .xlsx or CSV" in errors(at)
    assert not at.metric


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Notes"
    first.append(["Hinweis"])
    first.append(["exported 2026-11-30"])
    assets = book.create_sheet("Assets")
    assets.append(["Hostname", "IP Address", "Zone", "Zone type", "Type"])
    assets.append(["lab-plc-1", "10.99.0.1", "Labor", "control", "SPS"])
    assets.append(["lab-hmi-1", "10.99.0.2", "Labor", "control", "Bedienpanel"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_sheet_choice_and_creating_zones(engine):
    at = _upload(run(PAGE), "inventory.xlsx", _workbook(),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # the first sheet is read first: its one column maps to nothing
    assert "inventory.xlsx: map at least one column to id, name, ip or mac" in errors(at)
    [sheet] = [s for s in at.selectbox if s.label == "Sheet"]
    assert sheet.options == ["Notes", "Assets"] and sheet.value == "Notes"
    sheet.set_value("Assets").run()
    assert "Excel workbook, sheet 'Assets' of 2, 2 data rows in 5 columns" in "\n".join(m.value for m in at.markdown)
    assert {s.label: s.value for s in at.selectbox if s.label != "Sheet"} == {
        "Hostname": "name", "IP Address": "ip", "Zone": "zone", "Zone type": "zone_kind", "Type": "type"}
    assert _counts(at) == {"Create": 0, "Update": 0, "Unchanged": 0, "Errors": 2}
    assert "zone does not exist" in frame_with(at, "matched on")["problems"].iloc[0]

    at.checkbox(key="ie_zones_create").check().run()
    assert _counts(at) == {"Create": 2, "Update": 0, "Unchanged": 0, "Errors": 0}
    assert any("Zones created: labor." in i.value for i in at.info)
    revision = db.plant_revision(engine)
    at = _click(at, "ie_confirm")
    assert "1 zone(s) created" in at.success[0].value
    plant, stored = db.load_plant_db(engine)
    assert stored == revision + 1
    labor = plant.zone_map()["labor"]
    assert (labor.name, labor.kind) == ("Labor", "control")
    assert {a.id: (a.type, a.zone) for a in plant.assets if a.zone == "labor"} == {
        "lab-plc-1": ("plc", "labor"), "lab-hmi-1": ("hmi", "labor")}


def test_export_downloads_plant_file_and_schema(engine, monkeypatch):
    stored = _record_downloads(monkeypatch)
    at = run(PAGE)
    plant, revision = db.load_plant_db(engine)
    data, name, mime = _download(stored, at, "ie_plant_download")
    assert data.decode("utf-8") == dumps_plant(plant)
    assert (name, mime) == (f"{site_slug(plant.site.name)}-r{revision}.yaml", "application/yaml")
    data, name, mime = _download(stored, at, "ie_schema_download")
    assert data.decode("utf-8") == schema_text()
    assert (name, mime) == ("otrisk-v1.schema.json", "application/schema+json")
    schema = json.loads(data)
    assert "assets" in schema["properties"]


def test_audit_pack_builds_and_downloads(engine, monkeypatch):
    stored = _record_downloads(monkeypatch)
    at = run(PAGE)
    assert "ie_pack_xlsx" not in _download_keys(at)
    at.date_input(key="ie_as_of").set_value(dt.date(2026, 11, 30)).run()
    at = _click(at, "ie_pack_build")
    plant, revision = db.load_plant_db(engine)
    slug = site_slug(plant.site.name)

    xlsx, name, mime = _download(stored, at, "ie_pack_xlsx")
    assert xlsx[:2] == b"PK"
    assert (name, mime) == (f"{slug}-audit-pack.xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    readme = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)["README"]
    info = {row[0]: row[1] for row in readme.iter_rows(min_row=1, max_row=9, values_only=True)}
    assert info["as of"].date() == dt.date(2026, 11, 30)
    assert info["plant file"] == f"{slug}-r{revision}.yaml"

    html, name, mime = _download(stored, at, "ie_pack_html")
    assert (name, mime) == (f"{slug}-audit-report.html", "text/html")
    assert html.startswith(b"<!DOCTYPE html>") and b"2026-11-30" in html

    # another day: the pack is stale until built again
    at.date_input(key="ie_as_of").set_value(dt.date(2026, 12, 1)).run()
    assert "ie_pack_xlsx" not in _download_keys(at)
    assert any("build it again" in i.value for i in at.info)


# --- Other formats: Threagile model ---------------------------------------------------------------

YAML_MIME = "application/yaml"
#: A small hand-written Threagile model against the demo plant: ``plc-brewhouse`` and the zone
#: ``brewhouse`` exist there; ``lab``, ``lab-mes``, ``lab-hub`` and the conduit ``lab-brewhouse``
#: (lab-mes reads from plc-brewhouse across the two boundaries) do not. Suggested impacts by hand
#: (otrisk.threagile): lab-mes availability important = 3 → 3/unknown/3; lab-hub availability
#: operational = 2, tagged safety with integrity mission-critical = 5 → 2/5/2.
LAB = b"""title: Lab extension
technical_assets:
  Brewhouse PLC:
    id: plc-brewhouse
    technology: unknown-technology
    availability: critical
  Lab MES:
    id: lab-mes
    technology: application-server
    availability: important
    integrity: critical
    communication_links:
      Read recipes: {target: plc-brewhouse, protocol: modbus}
  Lab sensor hub:
    id: lab-hub
    technology: iot-device
    availability: operational
    integrity: mission-critical
    tags: [safety]
trust_boundaries:
  Brewhouse: {id: brewhouse, type: network-on-prem, technical_assets_inside: [plc-brewhouse]}
  Lab: {id: lab, type: network-on-prem, technical_assets_inside: [lab-mes, lab-hub]}
"""


def _threagile(at: AppTest, data: bytes, name: str = "threagile.yaml") -> AppTest:
    return _upload(at, name, data, YAML_MIME, prefix="ie_other_tg_upload_")


def _impact_editor(at: AppTest):
    [editor] = [e for e in at.data_editor if e.key.startswith("ie_other_tg_impacts_")]
    return editor


def _ids(items) -> set[str]:
    return {x.id for x in items}


def test_threagile_upload_shows_what_the_model_becomes(engine):
    data = realdata("threagile/threagile.yaml").read_bytes()
    imported = threagile_to_plant(data, source="threagile.yaml")
    revision = db.plant_revision(engine)
    at = _threagile(run(PAGE), data)
    p = imported.plant
    assert _counts(at) == {"Assets": len(p.assets), "Zones": len(p.zones), "Conduits": len(p.conduits),
                           "Dependencies": sum(len(a.depends_on) for a in p.assets)}
    shown = [m.value for m in at.markdown]
    assert all(f"- {md_escape(note)}" in shown for note in imported.notes)
    # no id of the model is in the demo plant: a merge adds everything, and the editor lists every asset
    frame = _impact_editor(at).value
    assert frame["asset"].tolist() == sorted(a.id for a in p.assets)
    suggested = {aid: i.as_dict() for aid, i in imported.suggested_impacts.items()}
    for row in frame.to_dict("records"):
        assert {axis: (None if pd.isna(row[axis]) else row[axis]) for axis in AXES} == suggested[row["asset"]]
        assert row["use"]
    # by hand: the ERP system and its database are mission-critical to have, and nothing is tagged safety
    rows = frame.set_index("asset")
    assert rows.loc["erp-system", ["production", "delivery"]].tolist() == [5, 5]
    assert pd.isna(rows.loc["sql-database", "safety"])
    assert not at.button(key="ie_other_tg_confirm").disabled
    assert db.plant_revision(engine) == revision  # nothing written by looking


def test_threagile_merge_into_the_demo_plant_adds_exactly_the_new_ids(engine):
    data = realdata("threagile/threagile.yaml").read_bytes()
    imported = threagile_to_plant(data, source="threagile.yaml").plant
    before, revision = db.load_plant_db(engine)
    at = _click(_threagile(run(PAGE), data), "ie_other_tg_confirm")
    assert not at.error, errors(at)
    plant, stored = db.load_plant_db(engine)
    assert stored == revision + 1
    assert _ids(plant.assets) - _ids(before.assets) == _ids(imported.assets)
    assert _ids(plant.zones) - _ids(before.zones) == _ids(imported.zones)
    assert _ids(plant.conduits) - _ids(before.conduits) == _ids(imported.conduits)
    assert all(plant.asset_map()[a.id] == a for a in before.assets)
    assert plant.evidence == before.evidence and plant.site == before.site
    assert plant.asset_map()["erp-system"].impact.as_dict() == {"production": 5, "safety": None, "delivery": 5}
    [entry] = db.change_log(engine, limit=1)
    assert (entry.revision, entry.action) == (revision + 1, "import")
    assert entry.summary.startswith(f"Threagile model merged: added {len(imported.assets)} assets")
    assert at.success[0].value.startswith(f"Imported threagile.yaml as revision {revision + 1}.")
    assert not [u for u in at.get("file_uploader") if u.key.startswith("ie_other_tg_") and u.value]


def test_threagile_merge_leaves_existing_ids_alone_and_writes_confirmed_impacts(engine):
    before, revision = db.load_plant_db(engine)
    at = _threagile(run(PAGE), LAB, "lab.yaml")
    assert any("Left alone, because these ids exist already: zones brewhouse; assets plc-brewhouse." in i.value
               for i in at.info)
    editor = _impact_editor(at)
    assert editor.value["asset"].tolist() == ["lab-hub", "lab-mes"]  # only the assets a merge adds
    # untick lab-hub (its impact stays unknown); rate lab-mes production 4 instead of the suggested 3
    at.session_state[editor.key] = editor_state(edited={0: {"use": False}, 1: {"production": 4}})
    at.run()
    at = _click(at, "ie_other_tg_confirm")
    assert not at.error, errors(at)
    plant, stored = db.load_plant_db(engine)
    assert stored == revision + 1
    assets = plant.asset_map()
    assert _ids(plant.assets) - _ids(before.assets) == {"lab-hub", "lab-mes"}
    assert _ids(plant.zones) - _ids(before.zones) == {"lab"}
    assert _ids(plant.conduits) - _ids(before.conduits) == {"lab-brewhouse"}
    assert assets["plc-brewhouse"] == before.asset_map()["plc-brewhouse"]  # not retyped to other, not re-rated
    assert plant.zone_map()["brewhouse"] == before.zone_map()["brewhouse"]
    assert assets["lab-mes"].depends_on == ["plc-brewhouse"]  # refers to the stored asset of that id
    assert assets["lab-mes"].impact.as_dict() == {"production": 4, "safety": None, "delivery": 3}
    assert assets["lab-hub"].impact.as_dict() == {"production": None, "safety": None, "delivery": None}
    assert "left alone (ids exist): zones brewhouse; assets plc-brewhouse" in db.change_log(engine, limit=1)[0].summary

    # the same model again: nothing new to add
    at = _threagile(at, LAB, "lab.yaml")
    assert "ie_other_tg_confirm" not in [b.key for b in at.button]
    assert any("Nothing to merge" in i.value for i in at.info)


def test_threagile_impact_out_of_range_is_an_error_and_writes_nothing(engine):
    revision = db.plant_revision(engine)
    at = _threagile(run(PAGE), LAB, "lab.yaml")
    editor = _impact_editor(at)
    at.session_state[editor.key] = editor_state(edited={1: {"safety": 7}})  # lab-mes
    at.run()
    assert "impact of lab-mes: safety must be a whole number 1..5 or empty (value 7" in errors(at)
    assert "ie_other_tg_confirm" not in [b.key for b in at.button]
    assert db.plant_revision(engine) == revision


def test_threagile_replace_makes_the_plant_the_import(engine):
    data = realdata("threagile/threagile.yaml").read_bytes()
    result = threagile_to_plant(data, source="threagile.yaml")
    revision = db.plant_revision(engine)
    at = _threagile(run(PAGE), data)
    at.radio(key="ie_other_tg_mode").set_value("replace").run()
    assert any("Replacing removes everything of the stored plant" in w.value for w in at.warning)
    assert at.button(key="ie_other_tg_confirm").disabled  # until the user says yes
    [sure] = [c for c in at.checkbox if c.key.startswith("ie_other_tg_sure_")]
    sure.check().run()
    at = _click(at, "ie_other_tg_confirm")
    assert not at.error, errors(at)
    plant, stored = db.load_plant_db(engine)
    assert stored == revision + 1
    # every asset of the real model has a suggestion, so every row is used as suggested
    expected = result.plant.model_copy(update={"assets": [
        a.model_copy(update={"impact": result.suggested_impacts[a.id]}) for a in result.plant.assets]})
    assert dumps_plant(plant) == dumps_plant(expected)
    assert not plant.evidence and not plant.actions


def test_threagile_save_in_between_is_refused_and_writes_nothing(engine):
    at = _threagile(run(PAGE), LAB, "lab.yaml")
    plant, shown = db.load_plant_db(engine)
    db.save_plant_db(engine, plant.model_copy(update={"site": plant.site.model_copy(update={"name": "Meanwhile"})}),
                     expected_revision=shown, who="someone else")
    at = _click(at, "ie_other_tg_confirm")
    text = errors(at)
    assert f"your revision {shown}, stored revision {shown + 1}" in text and "Nothing was written" in text
    stored, revision = db.load_plant_db(engine)
    assert revision == shown + 1 and "lab-mes" not in stored.asset_map()
    at = _click(at, "ie_other_tg_confirm")  # confirming again merges into the stored revision
    stored, revision = db.load_plant_db(engine)
    assert revision == shown + 2 and "lab-mes" in stored.asset_map() and stored.site.name == "Meanwhile"


def test_threagile_bad_yaml_is_an_error_and_writes_nothing(engine):
    revision = db.plant_revision(engine)
    for name, data in (("broken.yaml", b"technical_assets: [unclosed\n"), ("empty.yaml", b"title: no assets\n")):
        with pytest.raises(ThreagileError) as raised:
            threagile_to_plant(data, source=name)
        at = _threagile(run(PAGE), data, name)
        assert md_escape(str(raised.value)) in errors(at)
        assert raised.value.file == name
        assert not at.metric and "ie_other_tg_confirm" not in [b.key for b in at.button]
    assert db.plant_revision(engine) == revision


# --- Other formats: CISO Assistant framework library ---------------------------------------------

def test_library_upload_stores_shows_on_the_program_map_and_deletes(engine):
    data = realdata("ciso-assistant/iec-62443-2-1-2024.yaml").read_bytes()
    library = read_library(data, source="iec-62443-2-1-2024.yaml")
    mapped = len(map_to_ours(library))
    at = _upload(run(PAGE), "iec-62443-2-1-2024.yaml", data, YAML_MIME, prefix="ie_other_lib_upload_")
    shown = "\n".join(m.value for m in at.markdown)
    assert f"{len(library.nodes)} nodes" in shown and f"{mapped} of them map onto our IEC 62443-2-1 ids" in shown
    assert f"Copyright as given: {md_escape(library.copyright)}" in shown
    assert not stored_libraries(engine)  # nothing stored by looking

    at = _click(at, "ie_other_lib_store")
    [lib] = stored_libraries(engine)
    assert (lib.urn, lib.nodes, lib.mapped) == (library.urn, len(library.nodes), mapped)
    assert at.success[0].value == md_escape(f"Stored the library {library.name}: {len(library.nodes)} nodes, "
                                            f"{mapped} mapped onto our ids.")
    table = frame_with(at, "mapped onto our ids")
    assert table[["library", "nodes"]].values.tolist() == [[library.name, len(library.nodes)]]

    # the program map shows the library's name for CM 1 beside our id
    names = library_names(engine)
    program = run(PROGRAM_MAP)
    program.selectbox(key="pm_element").set_value("CM").run()
    [subs] = [d.value.set_index("id") for d in program.dataframe
              if {"name in your library", "high-impact covered"} <= set(d.value.columns)]
    assert subs.loc["CM 1", "name in your library"] == names["CM 1"][0][2]

    # delete: gone from the store and from the program map
    at = _click(at, f"ie_other_lib_delete_{short_key(library.urn)}")
    assert not stored_libraries(engine) and not library_names(engine)
    assert at.success[0].value == md_escape(f"Deleted the library {library.name} ({len(library.nodes)} nodes).")
    program = run(PROGRAM_MAP)
    assert all("name in your library" not in d.value.columns for d in program.dataframe)


def test_library_that_is_not_a_framework_is_an_error(engine):
    at = _upload(run(PAGE), "plant.yaml", b"format: otrisk/v1\nsite: {name: x}\n", YAML_MIME,
                 prefix="ie_other_lib_upload_")
    assert "plant.yaml: urn: missing: not a CISO Assistant library" in errors(at)
    assert "ie_other_lib_store" not in [b.key for b in at.button]
    assert not stored_libraries(engine)
