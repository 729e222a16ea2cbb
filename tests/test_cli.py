"""The otrisk command line: validate, impact, import-graph (in process, and once as a module)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import networkx as nx
import pytest

from otrisk.cli import COMMANDS, build_parser, main
from otrisk.plantfile import loads_plant

from conftest import ROOT

PLANT = """format: otrisk/v1
site: {name: Brewery}
zones:
  - {id: line1, name: Line 1, kind: control}
assets:
  - {id: sw-line1, name: Line switch, type: switch, zone: line1}
  - {id: plc-kettle, name: Kettle PLC, type: plc, zone: line1, impact: {production: 4}, depends_on: [sw-line1]}
  - {id: sis-kettle, name: Kettle SIS, type: sis, zone: line1, impact: {safety: 5}, depends_on: [sw-line1]}
  - {id: ews-1, name: EWS, type: ews, manages: [plc-kettle, sis-kettle]}
  - {id: printer, name: Printer, type: other, zone: line1}
"""

INVALID = """format: otrisk/v1
site: {name: Brewery}
assets:
  - {id: plc-1, name: PLC, type: plc, firmware: 2.10}
  - {id: plc-2, name: PLC 2, type: plc, colour: red}
"""

PROBLEM_LINE = re.compile(r"^\S+:\d+: [\w.\[\]]+: .+")


@pytest.fixture
def plant_file(tmp_path):
    path = tmp_path / "plant.yaml"
    path.write_text(PLANT, encoding="utf-8")
    return path


@pytest.fixture
def invalid_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(INVALID, encoding="utf-8")
    return path


def test_validate_valid(plant_file, capsys):
    assert main(["validate", str(plant_file)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "valid otrisk/v1 plant: 5 assets" in err
    assert "data gap: 1 asset has no zone (ews-1)" in err


def test_validate_invalid_prints_every_problem_with_file_and_line(invalid_file, capsys):
    assert main(["validate", str(invalid_file)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    problems = [line for line in err.splitlines() if PROBLEM_LINE.match(line)]
    assert len(problems) == 2
    assert problems[0].startswith(f"{invalid_file}:4: assets[0].firmware: ") and '"2.10"' in problems[0]
    assert problems[1].startswith(f"{invalid_file}:5: assets[1].colour: unknown key")
    assert "not a valid otrisk/v1 plant (2 problems)" in err


def test_validate_unreadable(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_impact_json(plant_file, capsys):
    assert main(["impact", str(plant_file), "--json"]) == 0
    out, err = capsys.readouterr()
    items = json.loads(out)
    assert [i["asset"] for i in items] == ["ews-1", "sw-line1", "sis-kettle", "plc-kettle", "printer"]  # 5.9, 5.9, 5.5, 4.4, 0
    for item in items:
        assert list(item) == ["asset", "blast_radius", "effective", "compromise", "exposure", "priority", "reasons"]
        assert set(item["effective"]) == set(item["compromise"]) == {"production", "safety", "delivery"}
        # line1 is a control zone nothing reaches: exposure 0; the EWS has no zone: unknown
        assert item["exposure"] == (None if item["asset"] == "ews-1" else 0) and item["reasons"]
    sw = items[1]
    assert sw["blast_radius"] == 2 and sw["effective"] == {"production": 4, "safety": 5, "delivery": None}
    assert items[0]["compromise"] == {"production": 4, "safety": 5, "delivery": None}
    assert items[-1]["priority"] == 0.0 and items[-1]["reasons"][0].startswith("unrated")
    priorities = [i["priority"] for i in items]
    assert priorities == sorted(priorities, reverse=True)


def test_impact_table(plant_file, capsys):
    assert main(["impact", str(plant_file), "--reasons"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["#", "priority", "asset", "blast", "effective", "compromise", "exposure"]
    assert lines[1].split()[:4] == ["1", "5.9", "ews-1", "0"]
    assert "?/5/?" in out and "- exposure unknown (no zone, or zones not analysed): priority × 1" in out
    assert "- exposure 0 of 3: priority × 1" in out
    assert "docs/formulas.md" in err


def test_impact_invalid_plant(invalid_file, capsys):
    assert main(["impact", str(invalid_file), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "assets[0].firmware" in err and "Traceback" not in err


def test_import_graph_to_stdout_and_file(tmp_path, capsys):
    graph = tmp_path / "cell.json"
    graph.write_text(json.dumps(nx.node_link_data(nx.DiGraph([("SW 1", "PLC 1"), ("PLC 1", "HMI")]), edges="links")))
    assert main(["import-graph", str(graph)]) == 0
    out, err = capsys.readouterr()
    plant = loads_plant(out)
    assert plant.site.name == "cell" and plant.asset_map()["hmi"].depends_on == ["plc-1"]
    assert "3 nodes -> 3 assets, 2 dependencies (u -> v means u feeds v: v depends on u)" in err

    target = tmp_path / "out.yaml"
    assert main(["import-graph", str(graph), "-o", str(target), "--edge-means", "depends-on",
                 "--site-name", "Cell 3"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"wrote {target}" in err
    plant = loads_plant(target.read_text(encoding="utf-8"))
    assert plant.site.name == "Cell 3" and plant.asset_map()["sw-1"].depends_on == ["plc-1"]


def test_import_graph_bad_inputs(tmp_path, capsys):
    bad = tmp_path / "g.json"
    bad.write_text("{'nodes': [], 'links': []}")
    assert main(["import-graph", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Python repr" in err and "Traceback" not in err
    good = tmp_path / "ok.graphml"
    nx.write_graphml(nx.DiGraph([("a", "b")]), good)
    assert main(["import-graph", str(good), "-o", str(tmp_path / "no" / "such" / "dir.yaml")]) == 2
    assert "cannot write the plant file" in capsys.readouterr().err


@pytest.mark.parametrize("argv, code", [([], 2), (["--help"], 0), (["--version"], 0), (["frobnicate"], 2),
                                        (["impact"], 2), (["import-graph", "x.json", "--edge-means", "up"], 2)])
def test_usage(argv, code, capsys):
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert (out if code == 0 else err)


def test_every_command_is_documented():
    names = [c.name for c in COMMANDS]
    assert {"validate", "impact", "import-graph"} <= set(names) and len(names) == len(set(names))
    help_text = build_parser().format_help()
    for command in COMMANDS:
        assert command.help and command.name in help_text


def test_module_entry_point(plant_file, invalid_file):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    ok = subprocess.run([sys.executable, "-m", "otrisk.cli", "impact", str(plant_file), "--json"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[0]["asset"] == "ews-1"
    bad = subprocess.run([sys.executable, "-m", "otrisk.cli", "validate", str(invalid_file)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "firmware" in bad.stderr


def test_unwritable_output_is_a_message_not_a_traceback(plant_file, capsys, monkeypatch):
    class Full:
        def write(self, text):
            raise OSError(28, "No space left on device")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Full())
    assert main(["impact", str(plant_file), "--json"]) == 2
    assert "cannot write the output: No space left on device" in capsys.readouterr().err


def test_validate_counts_use_singular(tmp_path, capsys):
    path = tmp_path / "one.yaml"
    path.write_text("format: otrisk/v1\nsite: {name: x}\nzones: [{id: z, name: Z, kind: control}]\n")
    assert main(["validate", str(path)]) == 0
    assert "0 assets, 1 zone, 0 conduits, 0 evidence items" in capsys.readouterr().err


# --- readiness ----------------------------------------------------------------------------

def test_readiness_json_is_the_report_of_the_pages(tmp_path, capsys):
    import datetime as dt

    from otrisk.readiness import readiness
    from test_readiness import HAND

    path = tmp_path / "hand.yaml"
    path.write_text(HAND, encoding="utf-8")
    assert main(["readiness", str(path), "--json", "--as-of", "2026-11-30"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc == readiness(loads_plant(HAND), as_of=dt.date(2026, 11, 30)).to_json()
    assert doc["strengthen_first"][0]["id"] == "CM 1" and doc["strengthen_first"][0]["score"] == 12.0
    assert "warning: evidence ev-future: collected 2026-12-05 is after 2026-11-30" in err

    assert main(["readiness", str(path), "--as-of", "2026-11-30"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["rank", "element", "maturity", "target", "operational", "organizational",
                                "paper", "score"]
    assert table[1].split() == ["1", "CM", "-", "2", "0", "fresh/0", "stale", "0", "fresh/0", "stale", "12"]
    assert "  1. CM 1 Inventory management of IACS hardware, software and network communications: score 12" in table


@pytest.mark.parametrize("argv, message", [
    (["--as-of", "2026-02-30"], "not a date YYYY-MM-DD: '2026-02-30'"),
    (["--as-of", "20261130"], "not a date YYYY-MM-DD"),
    (["--db", "nonsense"], "--db: not a database URL: 'nonsense'"),
])
def test_readiness_bad_arguments(plant_file, capsys, argv, message):
    assert main(["readiness", str(plant_file), "--json", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


def test_readiness_db_reads_but_never_creates(plant_file, tmp_path, capsys):
    from otrisk import db

    missing = tmp_path / "missing.db"
    assert main(["readiness", str(plant_file), "--json", "--db", f"sqlite:///{missing}"]) == 2
    assert f"no such SQLite file: {missing}" in capsys.readouterr().err and not missing.exists()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert main(["readiness", str(plant_file), "--json", "--db", f"sqlite:///{empty}"]) == 2
    assert "is not an otrisk database" in capsys.readouterr().err
    real = tmp_path / "otrisk.db"
    engine = db.make_engine(f"sqlite:///{real}")
    db.init_db(engine, seed_demo=False)
    engine.dispose()
    assert main(["readiness", str(plant_file), "--json", "--db", f"sqlite:///{real}"]) == 0
    assert json.loads(capsys.readouterr().out)["elements"][0]["id"] == "ORG"


def test_readiness_db_on_a_silent_server_times_out(plant_file, capsys, monkeypatch):
    """A PostgreSQL address that accepts connections but never answers fails within the
    connect timeout (OTRISK_DB_CONNECT_TIMEOUT_SECONDS) instead of hanging for minutes."""
    import socket
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(8)], daemon=True).start()
    monkeypatch.setenv("OTRISK_DB_CONNECT_TIMEOUT_SECONDS", "1")
    url = f"postgresql+psycopg://u:secret@127.0.0.1:{server.getsockname()[1]}/x"
    started = time.monotonic()
    try:
        assert main(["readiness", str(plant_file), "--json", "--db", url]) == 2
    finally:
        server.close()
    assert time.monotonic() - started < 15
    err = capsys.readouterr().err
    assert "timeout" in err and "secret" not in err


def test_impact_exposure_from_zones_raises_priority(tmp_path, capsys):
    """A vendor zone (external) with a conduit into line1: line1 is reachable from outside,
    exposure 3, priority × 1.75 (DESIGN.md "Exposure"; docs/formulas.md)."""
    path = tmp_path / "exposed.yaml"
    path.write_text(PLANT.replace(
        "zones:\n  - {id: line1, name: Line 1, kind: control}\n",
        "zones:\n  - {id: line1, name: Line 1, kind: control}\n  - {id: vendor, name: Vendor, kind: external}\n"
        "conduits:\n  - {id: vendor-line1, zones: [vendor, line1], direction: forward, approved: false}\n"),
        encoding="utf-8")
    assert main(["impact", str(path), "--json"]) == 0
    items = {i["asset"]: i for i in json.loads(capsys.readouterr().out)}
    # sis-kettle: effective safety 5 -> (5 + 0.1 x 5) x 1.75 = 9.625
    assert (items["sis-kettle"]["exposure"], items["sis-kettle"]["priority"]) == (3, 9.625)
    assert "exposure 3 of 3: priority × 1.75" in items["sis-kettle"]["reasons"]
    assert items["ews-1"]["exposure"] is None and items["ews-1"]["priority"] == 5.9


def test_reach_json_and_table(tmp_path, capsys):
    from otrisk.zones import reach

    doc = (ROOT / "data" / "demo_plant.yaml")
    assert main(["reach", str(doc), "office", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert list(answer) == ["zone", "reachable", "unapproved_conduits"]
    # by hand from the demo: office -> vendor-cloud (office-internet, forward) -> remote-access
    # (ra-cloud, both) and filling (vendor-ra-filling, unapproved, both); office -> ot-dmz ->
    # ot-ops (dmz-ops, both) -> scada -> every cell, safety and field-io; nothing reaches office
    assert answer["reachable"] == ["brewhouse", "cellar", "field-io", "filling", "ot-dmz", "ot-ops",
                                   "remote-access", "safety", "scada", "utilities", "vendor-cloud"]
    assert answer["unapproved_conduits"] == ["vendor-ra-filling"]
    assert answer == reach(loads_plant(doc.read_text(encoding="utf-8")), "office").to_json()
    assert main(["reach", str(doc), "office"]) == 0
    assert capsys.readouterr().out.startswith("office (enterprise, exposure 0) reaches 11 zones:")
    assert main(["reach", str(doc), "nowhere", "--json"]) == 2
    assert "no zone 'nowhere' in the plant" in capsys.readouterr().err


def test_rules_exit_codes_json_and_acceptance(tmp_path, capsys):
    from otrisk.rules import rules_report

    demo = ROOT / "data" / "demo_plant.yaml"
    assert main(["rules", str(demo), "--json", "--as-of", "2026-11-30"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc == rules_report(loads_plant(demo.read_text(encoding="utf-8")), as_of=dt.date(2026, 11, 30)).to_json()
    ids = [f["id"] for f in doc["findings"]]
    # the unapproved cellular router is accepted until 2027-03-31 (accepted_findings), then open again
    assert "unapproved-conduit@vendor-ra-filling" not in ids
    assert "asset-without-zone@laptop-filler-oem" in ids and "zone-without-owner@cellar" in ids
    for f in doc["findings"]:
        assert list(f)[:5] == ["id", "rule", "zones", "assets", "worst_effective"]
        assert list(f["rule"]) == ["id", "title", "rationale", "references", "remediation"]
        assert f["id"].startswith(f["rule"]["id"] + "@")
    assert main(["rules", str(demo), "--json", "--as-of", "2027-04-01"]) == 1
    assert "unapproved-conduit@vendor-ra-filling" in [f["id"] for f in json.loads(capsys.readouterr().out)["findings"]]

    clean = tmp_path / "clean.yaml"
    clean.write_text("format: otrisk/v1\nsite: {name: T}\nzones:\n  - {id: cell, name: Cell, kind: control, owner: Ops}\n"
                     "assets:\n  - {id: plc, name: PLC, type: plc, zone: cell}\n", encoding="utf-8")
    assert main(["rules", str(clean), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"findings": []}
    assert main(["rules", str(tmp_path / "missing.yaml"), "--json"]) == 2


CONFIG_DIFF_PLANT = """format: otrisk/v1
site: {name: T, timezone: Europe/Berlin}
zones:
  - {id: cell, name: Cell, kind: control, vlans: [10]}
  - {id: office, name: Office, kind: enterprise, vlans: [20]}
conduits:
  - {id: c-ok, zones: [cell, office]}
assets:
  - {id: plc, name: PLC, type: plc, zone: cell, switch_port: "sw1:Gi1/0/1", impact: {production: 3}}
"""


def test_config_diff_json_shape_and_exit_codes(tmp_path, capsys):
    plant = tmp_path / "plant.yaml"
    plant.write_text(CONFIG_DIFF_PLANT, encoding="utf-8")
    base = tmp_path / "base.cfg"
    base.write_text("hostname SW1\ninterface GigabitEthernet1/0/1\n switchport access vlan 10\n", encoding="utf-8")
    same = tmp_path / "same"
    same.mkdir()
    (same / "sw1.cfg").write_text("hostname sw1\ninterface Gi1/0/1\n switchport access vlan 10\n", encoding="utf-8")
    assert main(["config-diff", str(plant), str(base), str(same), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"changed_ports": [], "other_changes": [], "new_zone_pairs": [],
                                                   "findings": []}

    moved = tmp_path / "moved.cfg"
    moved.write_text("hostname SW1\ninterface GigabitEthernet1/0/1\n switchport access vlan 20\n", encoding="utf-8")
    assert main(["config-diff", str(plant), str(base), str(moved), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == ["changed_ports", "other_changes", "new_zone_pairs", "findings"]
    assert [(c["device"], c["port"], c["before"]["access_vlan"], c["after"]["access_vlan"])
            for c in doc["changed_ports"]] == [("SW1", "GigabitEthernet1/0/1", 10, 20)]
    assert doc["new_zone_pairs"] == [["cell", "office"]]
    [f] = doc["findings"]
    assert list(f)[:6] == ["id", "rule", "zones", "assets", "worst_effective", "message"]
    assert f["id"] == "switch-zone-crossing@cell->office" and f["assets"] == ["plc"]
    assert f["worst_effective"] == {"production": 3, "safety": None, "delivery": None}
    assert f["conduit"] == {"id": "c-ok", "status": "bypasses_approved"}
    assert f["via"] == [{"rule": "i", "device": "SW1", "ports": ["GigabitEthernet1/0/1"], "assets": ["plc"]}]

    assert main(["config-diff", str(plant), str(base), str(moved)]) == 1
    out = capsys.readouterr()
    assert "changed port SW1 GigabitEthernet1/0/1" in out.out and "new zone pair cell <-> office" in out.out
    assert out.out.splitlines()[-1].startswith("switch-zone-crossing@cell->office  [3/?/?]")
    assert "1 changed port, 0 other changes, 1 new zone pair, 1 finding" in out.err

    binary = tmp_path / "broken.cfg"
    binary.write_bytes(b"hostname SW1\x00\x01")
    assert main(["config-diff", str(plant), str(base), str(binary), "--json"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and f"{binary}: is a binary file" in out.err
    assert main(["config-diff", str(plant), str(base), str(tmp_path / "missing"), "--json"]) == 2
    assert "no such file or folder" in capsys.readouterr().err


# --- configs ---------------------------------------------------------------------------

CFG_SW1 = b"hostname sw-line1\r\ninterface Gi1/0/5\r\n switchport mode access\r\n switchport access vlan 20\r\n"
CFG_CORE = b"hostname SW-CORE\ninterface Gi1/0/9\n switchport mode trunk\n"


def test_configs_import_and_list(tmp_path, plant_file, capsys):
    from otrisk import configstore, db

    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "sw1.cfg").write_bytes(CFG_SW1)
    (folder / "core.cfg").write_bytes(CFG_CORE)
    (folder / ".hidden").write_bytes(b"\x00")
    url = f"sqlite:///{tmp_path / 'new.db'}"  # does not exist yet: created and upgraded
    assert main(["configs", "import", str(folder), "--db", url]) == 0
    assert capsys.readouterr().out.splitlines() == ["core.cfg: SW-CORE: new version 1", "sw1.cfg: sw-line1: new version 2"]
    (folder / "core.cfg").write_bytes(CFG_CORE + b"interface Gi1/0/10\n shutdown\n")
    assert main(["configs", "import", str(folder), "--db", url]) == 0
    assert capsys.readouterr().out.splitlines() == ["core.cfg: SW-CORE: new version 3",
                                                    "sw1.cfg: sw-line1: unchanged (version 2)"]
    assert main(["configs", "import", str(folder / "sw1.cfg"), "--db", url]) == 0
    assert "unchanged" in capsys.readouterr().out
    engine = db.make_engine(url)
    try:
        assert configstore.version_text(engine, 2) == CFG_SW1
        assert db.plant_revision(engine) == 0  # no demo plant seeded
    finally:
        engine.dispose()
    assert main(["configs", "list", "--db", url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["device_key"], d["versions"], d["latest"]["id"], d["baseline"]) for d in listed] == [
        ("sw-core", 2, 3, None), ("sw-line1", 1, 2, None)]
    assert main(["configs", "list", "--db", url]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0].split() == ["device", "versions", "latest", "imported", "baseline"]
    assert "SW-CORE" in out.out and "2 devices" in out.err
    # readiness --db counts the switch backups for the assets attached to them
    assert main(["readiness", str(plant_file), "--json", "--db", url]) == 0
    report = json.loads(capsys.readouterr().out)
    cm = next(e for e in report["elements"] if e["id"] == "CM")
    cm1 = next(e for e in cm["sub_elements"] if e["id"] == "CM 1")
    assert cm1["evidence"]["operational"] == {"fresh": 1, "stale": 0}


def test_configs_import_refuses_a_bad_file_and_stores_nothing(tmp_path, capsys):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "a.cfg").write_bytes(CFG_SW1)
    (folder / "b.cfg").write_bytes(b"")
    url = f"sqlite:///{tmp_path / 'o.db'}"
    assert main(["configs", "import", str(folder), "--db", url]) == 2
    captured = capsys.readouterr()
    assert "b.cfg" in captured.err and captured.out == "" and "Traceback" not in captured.err
    assert main(["configs", "list", "--db", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["configs", "import", str(tmp_path / "nope"), "--db", url]) == 2
    assert "nope: no such file or folder" in capsys.readouterr().err
    assert main(["configs", "list"]) == 2  # --db is required
