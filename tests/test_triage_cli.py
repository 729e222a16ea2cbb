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
