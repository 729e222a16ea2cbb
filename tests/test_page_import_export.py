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
from apptest_support import errors, frame_with, run
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from otrisk import db
from otrisk.bulkimport import FIELDS, suggest_mapping
from otrisk.plantfile import dumps_plant, schema_text
from otrisk.report import site_slug

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "14_import_export.py"

GERMAN = ("Gerätename;IP-Adresse;Hersteller;Kritikalität\n"
          "OT domain controller;172.20.30.10;Microsoft;\n"
          "Site historian;172.20.30.20;AVEVA;hoch\n"
          "Leckagesensor Gärkeller;172.20.120.77;Endress+Hauser;mittel\n"
          "Pumpe 7;10.1.2.300;Grundfos;2\n").encode()
NEW_ID = "leckagesensor-garkeller"

# The shared fixtures, found by pytest under these names (a plain assignment, not an unused import).
db_url, engine = apptest_support.db_url, apptest_support.engine


def _upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    [uploader] = at.get("file_uploader")
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
    assert [h.value for h in at.header] == ["Bulk import of assets", "Export", "Audit evidence pack"]
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
