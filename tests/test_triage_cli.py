"""``otrisk triage`` end to end: JSON shape, exit codes, --config, --mac-table, --db."""

from __future__ import annotations

import json

import pytest
from test_triage import PLANT, SW1

from otrisk import configstore, db
from otrisk.cli import main

MAC_TABLE = """SW1#show mac address-table
          Mac Address Table
-------------------------------------------

Vlan    Mac Address       Type        Ports
----    -----------       --------    -----
 110    0200.5e00.0001    DYNAMIC     Gi1/0/4
 300    0011.2233.4455    DYNAMIC     Gi1/0/2
Total Mac Addresses for this criterion: 2
"""


@pytest.fixture()
def files(tmp_path):
    plant = tmp_path / "plant.yaml"
    plant.write_text(PLANT)
    cfg = tmp_path / "configs"
    cfg.mkdir()
    (cfg / "sw1.cfg").write_text(SW1)
    table = tmp_path / "sw1-mac.txt"
    table.write_text(MAC_TABLE)
    return plant, cfg, table


def triage_json(capsys, *argv):
    code = main(["triage", *map(str, argv), "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_port_with_config_folder(files, capsys):
    plant, cfg, _ = files
    code, out, err = triage_json(capsys, plant, "sw1:Gi1/0/4", "--config", cfg)
    assert code == 0 and err == ""
    assert out["zone"] == "cell" and out["reachable_zones"] == ["dmz", "scada", "sis"]
    assert out["worst_effective"] == {"production": 5, "safety": 5, "delivery": 3}


def test_mac_from_the_mac_table_file(files, capsys):
    plant, _, table = files
    code, out, _ = triage_json(capsys, plant, "02:00:5e:00:00:01", "--mac-table", table)
    assert code == 0 and out["zones"] == ["cell"]


def test_mac_table_and_config_together_use_the_config_first(files, capsys):
    plant, cfg, table = files
    code, out, _ = triage_json(capsys, plant, "0011.2233.4455", "--mac-table", table, "--config", cfg)
    assert code == 0 and out["zones"] == ["scada"] and out["reachable_zones"] == ["cell", "dmz", "sis"]


@pytest.mark.parametrize(("target", "message"), [
    ("swX:Gi1/0/1", "unknown switch 'swX'"),
    ("sw1:Gi1/0/48", "SW1 has no port GigabitEthernet1/0/48"),
    ("192.168.99.9", "192.168.99.9 belongs to no asset"),
])
def test_unresolved_is_exit_1_with_a_clear_answer(files, capsys, target, message):
    plant, cfg, _ = files
    code, out, err = triage_json(capsys, plant, target, "--config", cfg)
    assert code == 1 and out["zones"] == [] and out["zone"] is None and out["next_steps"]
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(("argv", "message"), [
    (["plc1"], "is not an IP address, a MAC address"),
    (["sw1:Gi1/0/4", "--config", "nowhere"], "no such file or folder"),
    (["sw1:Gi1/0/4", "--mac-table", "nowhere.txt"], "nowhere.txt"),
    (["sw1:Gi1/0/4", "--db", "sqlite:////nonexistent/otrisk.db"], "no such SQLite file"),
])
def test_bad_input_is_exit_2(files, capsys, argv, message):
    plant, _, _ = files
    code = main(["triage", str(plant), *argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_garbage_mac_table_is_exit_2(files, tmp_path, capsys):
    plant, _, _ = files
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a show output\n")
    code = main(["triage", str(plant), "sw1:Gi1/0/4", "--mac-table", str(bad)])
    assert code == 2 and "bad.txt" in capsys.readouterr().err


def test_db_adds_stored_versions_and_the_baseline(files, tmp_path, capsys):
    plant, _, _ = files
    url = f"sqlite:///{tmp_path / 'otrisk.db'}"
    engine = db.make_engine(url)
    db.init_db(engine, seed_demo=False)
    first = configstore.import_configs(engine, [("sw1.cfg", SW1.encode())])[0]
    configstore.release_baseline(engine, first.version.id)
    moved = SW1.replace("interface GigabitEthernet1/0/4\n switchport mode access\n switchport access vlan 110",
                        "interface GigabitEthernet1/0/4\n switchport mode access\n switchport access vlan 150")
    configstore.import_configs(engine, [("sw1.cfg", moved.encode())])
    engine.dispose()
    code, out, _ = triage_json(capsys, plant, "sw1:Gi1/0/4", "--db", url)
    assert code == 0 and out["zones"] == ["sis"] and out["reachable_zones"] == []
    assert any("sw1:GigabitEthernet1/0/4 CHANGED since the released baseline: access VLAN 110 → access VLAN 150"
               in s for s in out["next_steps"])


def test_text_output_is_the_incident_note(files, capsys):
    plant, _, _ = files
    assert main(["triage", str(plant), "sw2:Fa0/1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Incident note: unknown device — Triage test\nTarget: sw2:FastEthernet0/1\n"
                          "Severity: LIMITED")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is not an otrisk database (an empty file)"),
    (b"just some text that is long enough", "is not an otrisk database (not a SQLite file)"),
])
def test_db_that_is_not_sqlite_is_refused_and_left_untouched(files, tmp_path, capsys, content, message):
    plant, _, _ = files
    target = tmp_path / "e.txt"
    target.write_bytes(content)
    code = main(["triage", str(plant), "sw1:Gi1/0/4", "--db", f"sqlite:///{target}", "--json"])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert target.read_bytes() == content  # opening never turned it into a database


def test_db_of_another_application_is_refused_in_one_line(files, tmp_path, capsys):
    import sqlite3

    plant, _, _ = files
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    code = main(["triage", str(plant), "sw1:Gi1/0/4", "--db", f"sqlite:///{other}"])
    err = capsys.readouterr().err
    assert code == 2 and "is not an otrisk database (no otrisk tables)" in err
    assert "sqlalche.me" not in err and "SELECT" not in err


def test_empty_db_argument_is_an_error_not_ignored(files, capsys):
    plant, _, _ = files
    assert main(["triage", str(plant), "sw1:Gi1/0/4", "--db", ""]) == 2
    assert "not a database URL" in capsys.readouterr().err


@pytest.mark.parametrize(("target", "message"), [
    ("sw1:Gi1/0/4\nfoo", "contains control characters"),
    ("sw1:Gi1/0/" + "9" * 5000, "is too long"),
    ("zz:zz:zz:zz:zz:zz", "looks like an address"),
])
def test_odd_targets_are_exit_2_with_a_short_message(files, capsys, target, message):
    plant, cfg, _ = files
    code = main(["triage", str(plant), target, "--config", str(cfg)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and message in err and len(err) < 400


def test_unresolved_known_port_says_why_on_stderr(files, capsys):
    plant, cfg, _ = files
    code, out, err = triage_json(capsys, plant, "sw1:Gi1/0/10", "--config", cfg)
    assert code == 1 and "sw1:GigabitEthernet1/0/10 is shut down in the configuration" in err
    assert out["next_steps"][0].startswith("The port is known")
