"""The audit evidence pack (otrisk.report, otrisk.reporthtml): workbook, HTML report, command."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from pydantic import BaseModel

from otrisk import __version__, configstore, db
from otrisk.configs import ConfigError
from otrisk.errors import OtriskError, PlantFileError
from otrisk.models import AXES, Plant
from otrisk.plantfile import loads_plant
from otrisk.report import build_pack, put, report_command, site_slug, write_workbook
from otrisk.reporthtml import _drawing, _figure, _svg, outside_requests, render_html

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2027, 1, 1)
SHA = "ab" * 32
#: Names a spreadsheet would run as formulas (first character =, +, -, @, tab, CR).
FORMULA_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1+cmd", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn"]
HOSTILE_NAMES = ["<script>alert(1)</script>", '" onmouseover="alert(1)']

FULL = """format: otrisk/v1
site: {name: Full test plant, sector: food, entity: essential, timezone: Europe/Berlin,
       change_windows: ["Sat 06:00-14:00", "Sun 08:00-10:00"]}
zones:
  - {id: z-ext, name: Vendor cloud, kind: external, purdue_level: 5, sl_target: 1, sl_achieved: 1,
     owner: Procurement, vlans: [10, 11], subnets: ["192.0.2.0/24"], description: Supplier services}
  - {id: z-dmz, name: OT DMZ, kind: dmz, purdue_level: 3.5, sl_target: 3, sl_achieved: 2, owner: OT ops,
     vlans: [300], subnets: ["10.30.0.0/16", "10.31.0.0/16"], description: Brokered services}
  - {id: z-ctl, name: Line 1 control, kind: control, purdue_level: 1, sl_target: 2, owner: Line 1 automation}
conduits:
  - {id: c1, name: Vendor to line, zones: [z-ext, z-ctl], direction: forward, one_way: true,
     protocols: [https, opc-ua], sl_target: 2, boundary_devices: [fw-1], approved: false,
     description: Remote maintenance}
  - {id: c2, zones: [z-dmz, z-ctl]}
assets:
  - id: plc-1
    name: Kettle PLC 1
    type: plc
    zone: z-ctl
    vendor: Siemens
    model: S7-1500
    firmware: "2.9.4"
    ip: "10.10.20.11"
    mac: "00:1b:1b:00:00:01"
    switch_port: "SW-LINE1:Gi1/0/5"
    interfaces:
      - {zone: z-dmz, ip: "10.30.0.7", mac: "00:1b:1b:00:00:02", switch_port: "sw-core:Gi1/0/9"}
      - {zone: z-ext, ip: "192.0.2.9"}
    location: Brewhouse cabinet 3
    owner: Line 1 automation
    impact: {production: 5, safety: 3, delivery: 4}
    depends_on: [fw-1, hmi-1]
    manages: [hmi-1]
    description: Controls the mash kettle
  - {id: fw-1, name: Line firewall, type: firewall, zone: z-dmz, depends_on: [hmi-1]}
  - {id: hmi-1, name: Line HMI, type: hmi, zone: z-ctl, impact: {production: 2}}
evidence:
  - id: ev-1
    elements: [CM 1, AVAIL 2]
    kind: operational
    title: Weekly switch configuration backups
    collected: 2026-10-01
    valid_until: 2027-10-01
    covers: [plc-1, "zone:z-ctl"]
    location: backup server /configs
    file: {name: backups-2026-10.pdf, sha256: "SHA"}
    retired: false
  - {id: ev-2, elements: [ORG 1], kind: organizational, title: Old policy, collected: 2020-01-01, retired: true}
assessments:
  - date: 2026-01-10
    name: Baseline
    maturity: {CM: 1, "CM 1": 2}
    target: {CM: 3, NET: 2}
    not_applicable: {"NET 2": "no wireless anywhere on site"}
  - {date: 2026-06-01, name: Follow-up, maturity: {ORG: 2}, target: {ORG: 3}}
accepted_findings:
  - {id: "unapproved-conduit@c1", justification: Vendor contract ends soon, accepted_by: Plant manager,
     review_by: 2027-03-01}
actions:
  - {id: act-1, title: Quarterly restore test, elements: [AVAIL 2, CM 1], owner: Maintenance lead,
     due: 2026-12-01, status: in_progress, notes: Waiting for the test bench}
  - {id: act-2, title: Close c1, status: done}
""".replace('"SHA"', f'"{SHA}"')


def _full_text() -> str:
    # JSON strings are YAML double-quoted scalars: the hostile names go in byte for byte
    extra = "".join(f"  - {{id: hostile-{i}, name: {json.dumps(n)}, type: other, zone: z-ctl, owner: x}}\n"
                    for i, n in enumerate(FORMULA_NAMES + HOSTILE_NAMES))
    return FULL.replace("evidence:\n", extra + "evidence:\n", 1)


@pytest.fixture(scope="module")
def full_plant() -> Plant:
    return loads_plant(_full_text(), source="full.yaml")


@pytest.fixture(scope="module")
def built(tmp_path_factory, full_plant):
    out = tmp_path_factory.mktemp("pack")
    plant_file = out / "full.yaml"
    plant_file.write_text(_full_text(), encoding="utf-8")
    paths = report_command(plant_file, out / "out", as_of=AS_OF)
    return plant_file, paths


# --- every field of the plant is in the workbook ----------------------------------------

def _leaves(value, path=()):
    """(path, value) of every field of a model, walking the model classes' fields (so a
    field added to models.py is visited even when this test's plant does not set it)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _leaves(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        if not value:
            yield path, None
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    elif isinstance(value, dict):
        if not value:
            yield path, None
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    else:
        yield path, value


_SECTIONS = {"zones": "Zones", "conduits": "Conduits", "assets": "Inventory", "evidence": "Evidence register",
             "accepted_findings": "Accepted findings", "actions": "Actions"}


def _locate(plant: Plant, path: tuple) -> tuple[str, dict, str]:
    """Where a leaf of the plant belongs: (sheet, {key column: value}, column)."""
    head = path[0]
    if head == "format":
        return "Site", {"field": "format"}, "value"
    if head == "site":
        return "Site", {"field": {"entity": "entity (NIS2)"}.get(path[1], path[1])}, "value"
    item, rest = getattr(plant, head)[path[1]], path[2:]
    if head == "assessments":
        if rest[0] in ("date", "name"):
            return "Assessments", {"date": item.date}, {"date": "date", "name": "assessment"}[rest[0]]
        return "Assessments", {"date": item.date, "element": rest[1]}, rest[0].replace("_", " ")
    if head == "assets" and rest[0] == "interfaces":
        return "Interfaces", {"asset": item.id, "interface #": rest[1] + 1}, rest[2]
    if head == "assets" and rest[0] in ("depends_on", "manages"):
        sheet, key, col = {"depends_on": ("Dependencies", "asset", "depends_on"),
                           "manages": ("Managed", "manager", "managed")}[rest[0]]
        return sheet, {key: item.id}, col
    names = [p for p in rest if not isinstance(p, int)]
    if head == "conduits" and rest[0] == "zones":
        column = ("zone a", "zone b")[rest[1]]
    elif head == "evidence" and rest[0] == "file":
        column = f"file {rest[1]}"
    elif head == "assets" and rest[0] == "impact":
        column = f"impact {rest[1]}"
    else:
        column = names[0]
    return _SECTIONS[head], {"id": item.id}, column


def _norm(cell):
    return cell.date() if isinstance(cell, dt.datetime) else cell


def _matches(cell, value) -> bool:
    cell = _norm(cell)
    if isinstance(value, str):
        value = value.replace("\r", "\n")  # stored as LF, see test_formula_names_are_stored_as_text
    if cell == value and type(cell) is type(value):
        return True
    return isinstance(cell, str) and str(value) in re.split(r", |; |\n", cell)


def _table(ws) -> tuple[list, list[dict]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], r)) for r in rows[1:]]


def test_every_field_of_the_plant_is_in_its_sheet_and_column(built, full_plant):
    wb = openpyxl.load_workbook(built[1][0])
    leaves = list(_leaves(full_plant))
    by_field: dict[tuple, list] = {}
    for path, value in leaves:
        field = tuple(p for p in path if not isinstance(p, int))
        by_field.setdefault(field if path[0] != "assessments" else field[:2], []).append(value)
    unset = sorted(".".join(map(str, k)) for k, vs in by_field.items() if all(v is None for v in vs)
                   and not any(other[:len(k)] == k and other != k for other in by_field))  # a parent model
    assert unset == [], f"FULL sets no value for {unset}: fill it in so the export is checked"
    checked = 0
    for path, value in leaves:
        if value is None:
            continue
        sheet, key, column = _locate(full_plant, path)
        head, rows = _table(wb[sheet])
        assert column in head, f"{'.'.join(map(str, path))}: no column {column!r} in sheet {sheet!r}"
        hits = [r for r in rows if all(_norm(r[k]) == v for k, v in key.items())]
        assert hits, f"{'.'.join(map(str, path))}: no row {key} in sheet {sheet!r}"
        assert any(_matches(r[column], value) for r in hits), \
            f"{'.'.join(map(str, path))} = {value!r} not in {sheet}.{column}: {[r[column] for r in hits]}"
        checked += 1
    assert checked > 120


def test_workbook_readme_headers_and_computed_columns(built):
    plant_file, (xlsx, _) = built
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["README", "Site", "Inventory", "Interfaces", "Dependencies", "Managed", "Zones", "Conduits",
                             "Evidence register", "Program map", "Strengthen first", "Assessments", "Actions",
                             "Findings", "Accepted findings", "Config versions"]
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True) if r[0]}
    assert readme["plant file SHA-256"] == hashlib.sha256(plant_file.read_bytes()).hexdigest()
    assert (_norm(readme["as of"]), readme["otrisk version"]) == (AS_OF, __version__)
    assert set(wb.sheetnames[1:]) <= set(readme)
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes == "A2" and ws["A1"].font.bold, ws.title
    inventory = {r["id"]: r for r in _table(wb["Inventory"])[1]}
    # plc-1 needs fw-1 and hmi-1: its loss affects nothing else, hmi-1 carries plc-1's ratings
    assert [inventory["hmi-1"][f"effective {ax}"] for ax in AXES] == [5, 3, 4]
    assert inventory["hmi-1"]["blast radius"] == 2 and inventory["plc-1"]["exposure"] == 3
    assert inventory["plc-1"]["interfaces"] == ("zone=z-dmz ip=10.30.0.7 mac=00:1b:1b:00:00:02 "
                                                "switch_port=sw-core:Gi1/0/9; zone=z-ext ip=192.0.2.9")
    evidence = {r["id"]: r for r in _table(wb["Evidence register"])[1]}
    assert (evidence["ev-1"]["status"], evidence["ev-2"]["status"]) == ("fresh", "retired")
    assert evidence["ev-1"]["freshness"].startswith("CM 1: fresh until 2027-10-01")
    actions = {r["id"]: r for r in _table(wb["Actions"])[1]}
    assert (actions["act-1"]["overdue"], actions["act-2"]["overdue"]) == (True, False)
    findings = {r["id"]: r for r in _table(wb["Findings"])[1]}
    assert findings["unapproved-conduit@c1"]["status"] == "accepted"
    assert findings["unapproved-conduit@c1"]["review by"].date() == dt.date(2027, 3, 1)
    program = {r["id"]: r for r in _table(wb["Program map"])[1]}
    assert (program["CM 1"]["maturity"], _norm(program["CM 1"]["maturity date"]), program["CM 1"]["target"]) \
        == (2, dt.date(2026, 1, 10), 3)
    assert program["NET 2"]["not applicable"] == "no wireless anywhere on site"
    assert program["NET 2"]["status"] == "not applicable"
    assert program["CM 1"]["operational fresh"] == 1


# --- formula neutralization ---------------------------------------------------------------

def _sheet_xml(xlsx: Path) -> dict[str, str]:
    with zipfile.ZipFile(xlsx) as z:
        return {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_formula_names_are_stored_as_text(built, name):
    xlsx = built[1][0]
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    expected = name.replace("\r", "\n")  # XML reads a CR as LF (Excel too): the pack stores LF
    found = []
    for xml in _sheet_xml(xlsx).values():
        assert "<f>" not in xml and "<f " not in xml
        for c in ElementTree.fromstring(xml).iterfind(".//m:c", ns):
            t = c.find("m:is/m:t", ns)
            if t is not None and t.text == expected:
                found.append(c.get("t"))
    assert found and set(found) == {"inlineStr"}
    cell = next(c for c in openpyxl.load_workbook(xlsx)["Inventory"]["B"] if c.value == expected)
    assert cell.data_type == "s" and cell.quotePrefix


def test_put_keeps_numbers_and_cleans_control_characters(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, value in enumerate([-3, 2.5, True, "=1+1", "a\x01b", "x" * 40_000, None], 1):
        put(ws, i, 1, value)
    wb.save(tmp_path / "t.xlsx")
    got = [c.value for c in openpyxl.load_workbook(tmp_path / "t.xlsx").active["A"]]
    assert got[:5] == [-3, 2.5, True, "=1+1", "a\ufffdb"]
    assert len(got[5]) <= 32767 and got[5].endswith("(cut: 40,000 characters)")


# --- HTML ----------------------------------------------------------------------------------

def test_html_is_self_contained_and_escapes_user_text(built):
    html = built[1][1].read_text(encoding="utf-8")
    assert outside_requests(html) == []
    assert "<script" not in html.lower() and "onmouseover=\"" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&quot; onmouseover=&quot;alert(1)" in html
    assert html.count("<svg") == 2 and "<?xml" not in html and "<!DOCTYPE svg" not in html
    for section in ("Summary", "Program map", "Strengthen first", "Zones and conduits", "Inventory",
                    "Evidence register", "Findings", "Actions", "Configuration versions"):
        assert f"<h2>{section}" in html
    assert "@page{size:A4" in html and "break-inside:avoid" in html and "table-header-group" in html


def test_svg_text_is_escaped_and_dollars_stay_text():
    @_drawing
    def draw():
        fig = _figure(2, 1)
        fig.add_subplot().set_title('<script>alert(1)</script> & " $x$')
        return _svg(fig, "t")

    svg = draw()
    assert "<script" not in svg and '&lt;script&gt;alert(1)&lt;/script&gt; &amp; " $x$</text>' in svg
    assert outside_requests(svg) == []


@pytest.mark.parametrize("snippet", [
    '<img src="http://x.example/a.png">', "<script src='//cdn.example/x.js'></script>",
    '<link rel="stylesheet" href="style.css">', '<style>@import "x.css";</style>',
    "<div style=\"background:url('https://x.example/b.png')\">", '<video poster="https://x.example/p.jpg">',
    '<object data="https://x.example/o.swf">', '<img srcset="data:image/png;base64,AA 1x, https://x.example/b 2x">',
    '<div data-src="https://x.example/lazy.png">', '<svg><image xlink:href="https://x.example/i.png"/></svg>',
    '<meta http-equiv="refresh" content="0;url=https://x.example">', '<img src="&#104;ttps://x.example">',
    '<iframe src="file.html">', "<style>p{background:url(x.png)}</style>", '<base href="https://x.example/">',
    '<form action="https://x.example/post">', '<svg><rect fill="url(https://x.example/p#g)"/></svg>',
])
def test_outside_requests_finds(snippet):
    assert outside_requests(snippet)


@pytest.mark.parametrize("snippet", [
    '<a href="https://example.org/standard">link</a>', '<svg><use xlink:href="#m1"/><use href="#m2"/></svg>',
    '<g clip-path="url(#p1)"></g>', '<img src="data:image/png;base64,AAAA">',
    "<td>&lt;img src=&quot;http://x.example&quot;&gt; url(https://x.example) @import</td>",
    '<div data-note="see the manual">', "<style>p{color:red}</style>",
])
def test_outside_requests_passes(snippet):
    assert outside_requests(snippet) == []


# --- demo plant, inputs, errors ----------------------------------------------------------------

def test_demo_plant_builds_both_files(tmp_path):
    paths = report_command(ROOT / "data" / "demo_plant.yaml", tmp_path / "out", as_of=AS_OF)
    assert [p.name for p in paths] == ["muhlbach-brewery-fictional-demo-audit-pack.xlsx",
                                       "muhlbach-brewery-fictional-demo-audit-report.html"]
    assert not list((tmp_path / "out").glob("*.partial"))
    wb = openpyxl.load_workbook(paths[0])
    plant = loads_plant((ROOT / "data" / "demo_plant.yaml").read_text(encoding="utf-8"))
    assert wb["Inventory"].max_row == len(plant.assets) + 1
    assert wb["Evidence register"].max_row == len(plant.evidence) + 1
    html = paths[1].read_text(encoding="utf-8")
    assert outside_requests(html) == [] and html.count("<svg") == 2


def test_site_slug():
    assert site_slug("Mühlbach brewery (fictional demo)") == "muhlbach-brewery-fictional-demo"
    assert site_slug("../../etc/passwd") == "etc-passwd" and site_slug("???") == "site"


SW1 = b"hostname SW-LINE1\nvlan 20\n name line1\ninterface Gi1/0/5\n switchport mode access\n switchport access vlan 20\n"


def test_config_folder_lists_devices(tmp_path, built):
    plant_file = built[0]
    cfg = tmp_path / "configs"
    cfg.mkdir()
    (cfg / "sw1.cfg").write_bytes(SW1)
    xlsx, html = report_command(plant_file, tmp_path / "out", config_dir=cfg, as_of=AS_OF)
    rows = _table(openpyxl.load_workbook(xlsx)["Config versions"])[1]
    assert [(r["source"], r["device"], r["platform"], r["file"], r["ports"], r["VLANs"]) for r in rows] == \
        [("--config", "SW-LINE1", "ios", "sw1.cfg", 1, "20")]
    assert "SW-LINE1" in html.read_text(encoding="utf-8")


def test_db_adds_stored_versions_and_machine_evidence(tmp_path, built):
    url = f"sqlite:///{tmp_path / 'otrisk.db'}"
    engine = db.make_engine(url)
    db.init_db(engine, seed_demo=False)
    configstore.import_configs(engine, [("sw1.cfg", SW1)], who="alice")
    engine.dispose()
    xlsx, _ = report_command(built[0], tmp_path / "out", db_url=url, as_of=dt.date.today())
    wb = openpyxl.load_workbook(xlsx)
    (row,) = _table(wb["Config versions"])[1]
    assert (row["source"], row["device"], row["sha256"], row["imported by"], row["baseline"]) == \
        ("--db", "SW-LINE1", hashlib.sha256(SW1).hexdigest(), "alice", False)
    evidence = {r["id"]: r for r in _table(wb["Evidence register"])[1]}
    assert evidence["cfg-sw-line1"]["source"] == "config store" and evidence["cfg-sw-line1"]["covers"] == "plc-1"


@pytest.mark.parametrize("case, error, words", [
    ("missing plant", PlantFileError, "cannot read the file"),
    ("missing config dir", ConfigError, "no such file or folder"),
    ("bad config", ConfigError, "no hostname and no interface"),
    ("missing db", OtriskError, "no such SQLite file"),
])
def test_bad_input_raises(tmp_path, built, case, error, words):
    plant, kwargs = built[0], {}
    if case == "missing plant":
        plant = tmp_path / "nope.yaml"
    elif case == "missing config dir":
        kwargs["config_dir"] = tmp_path / "nope"
    elif case == "bad config":
        (tmp_path / "c").mkdir()
        (tmp_path / "c" / "x.cfg").write_text("hello world\n")
        kwargs["config_dir"] = tmp_path / "c"
    else:
        kwargs["db_url"] = f"sqlite:///{tmp_path / 'nope.db'}"
    with pytest.raises(error, match=words):
        report_command(plant, tmp_path / "out", as_of=AS_OF, **kwargs)
    assert not (tmp_path / "out").exists() and not (tmp_path / "nope.db").exists()


def test_unwritable_out_dir_is_an_error(tmp_path, built):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OtriskError, match="cannot write the report"):
        report_command(built[0], tmp_path / "file", as_of=AS_OF)


def test_render_from_a_built_pack(full_plant, tmp_path):
    pack = build_pack(full_plant, as_of=AS_OF, source="full.yaml", sha256=SHA)
    html = render_html(pack)
    assert "Full test plant" in html and SHA in html
    assert write_workbook(pack, tmp_path / "x.xlsx").exists()
