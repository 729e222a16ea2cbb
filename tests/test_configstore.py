"""Switch configuration store (otrisk.configstore) and its machine evidence, on SQLite and PostgreSQL.

The ``url``/``engine`` fixtures come from test_storage: every test taking ``engine`` runs
once per backend (PostgreSQL on a throwaway server when the Debian binaries exist).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import test_storage
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from otrisk import configstore as cs
from otrisk import db
from otrisk.configs import ConfigError
from otrisk.errors import StorageError
from otrisk.plantfile import loads_plant

SW1 = b"hostname SW-LINE1\ninterface Gi1/0/5\n switchport mode access\n switchport access vlan 20\n"
SW1_RESPELLED = (b"hostname SW-LINE1\ninterface GigabitEthernet1/0/5\n switchport mode access\n"
                 b" switchport access vlan 20\n")
SW1_CHANGED = SW1.replace(b"vlan 20", b"vlan 30")
SW2_CRLF = (b"! Last configuration change at 10:00:00 UTC Thu Oct 1 2026\r\nhostname sw-core\r\n"
            b"interface Gi1/0/9\r\n switchport mode trunk\r\n description caf\xe9\r\n")

# fixtures: a fresh database per backend (SQLite, PostgreSQL)
url, engine, postgres_url = test_storage.url, test_storage.engine, test_storage.postgres_url

PLANT = """format: otrisk/v1
site: {name: Brewery}
zones:
  - {id: line1, name: Line 1, kind: control}
assets:
  - {id: sw-line1, name: Line switch, type: switch, zone: line1}
  - {id: plc-kettle, name: Kettle PLC, type: plc, zone: line1, switch_port: "SW-Line1:Gi1/0/5"}
  - {id: hmi-1, name: HMI, type: hmi, zone: line1, interfaces: [{switch_port: "sw-line1:Gi1/0/6"}]}
  - {id: printer, name: Printer, type: other, zone: line1, switch_port: "sw-other:Gi1/0/1"}
"""


def test_import_stores_versions_with_who_and_when(engine):
    before = dt.datetime.now(dt.UTC)
    results = cs.import_configs(engine, [("sw1.cfg", SW1), ("core.txt", SW2_CRLF)], who="alice")
    assert [(r.file_name, r.device, r.device_key, r.new) for r in results] == [
        ("sw1.cfg", "SW-LINE1", "sw-line1", True), ("core.txt", "sw-core", "sw-core", True)]
    v = results[0].version
    assert (v.device, v.device_key, v.file_name, v.size, v.baseline, v.imported_by) == (
        "SW-LINE1", "sw-line1", "sw1.cfg", len(SW1), False, "alice")
    assert v.sha256 == hashlib.sha256(SW1).hexdigest()
    assert v.imported_at.tzinfo is not None and before - dt.timedelta(seconds=5) <= v.imported_at
    assert results[1].version.changed_at == dt.datetime(2026, 10, 1, 10, 0, tzinfo=dt.UTC)
    assert v.changed_at is None
    assert [x.id for x in cs.versions(engine)] == [results[1].version.id, v.id]  # newest first
    assert cs.versions(engine, "SW-Line1") == [v]
    default_who = cs.import_configs(engine, [("sw1-b.cfg", SW1_CHANGED)])[0].version.imported_by
    assert default_who == db.current_user()


def test_identical_reimport_is_not_new_but_respelled_is(engine):
    first = cs.import_configs(engine, [("sw1.cfg", SW1)])[0]
    again = cs.import_configs(engine, [("other-name.cfg", SW1)])[0]
    assert not again.new and again.version == first.version
    respelled = cs.import_configs(engine, [("sw1.cfg", SW1_RESPELLED)])[0]
    assert respelled.new and respelled.version.id > first.version.id
    back = cs.import_configs(engine, [("sw1.cfg", SW1)])[0]  # same as an older version, not the latest
    assert back.new
    assert len(cs.versions(engine, "sw-line1")) == 3
    # two files of one device in one import are refused (one file per device, as config-diff
    # reads a folder), naming both; nothing is stored
    with pytest.raises(ConfigError, match="b.cfg: device 'SW-LINE1' is also in a.cfg"):
        cs.import_configs(engine, [("a.cfg", SW1_CHANGED), ("b.cfg", SW1_CHANGED)])
    assert len(cs.versions(engine, "sw-line1")) == 3


def test_device_key_is_case_insensitive_and_falls_back_to_file_stem(engine):
    cs.import_configs(engine, [("x.cfg", SW1)])
    upper = SW1_CHANGED.replace(b"SW-LINE1", b"sw-Line1")
    r = cs.import_configs(engine, [("y.cfg", upper)])[0]
    assert r.device_key == "sw-line1" and len(cs.versions(engine, "sw-line1")) == 2
    nameless = cs.import_configs(engine, [("Access-7.cfg", b"interface Gi1/0/1\n switchport mode access\n")])[0]
    assert (nameless.device, nameless.device_key) == ("Access-7", "access-7")


def test_one_bad_file_stores_nothing(engine):
    cs.import_configs(engine, [("sw1.cfg", SW1)])
    revision = cs.store_revision(engine)
    with pytest.raises(ConfigError, match="broken.cfg"):
        cs.import_configs(engine, [("core.txt", SW2_CRLF), ("broken.cfg", b""), ("sw1.cfg", SW1_CHANGED)])
    with pytest.raises(ConfigError, match="bin.cfg"):
        cs.import_configs(engine, [("core.txt", SW2_CRLF), ("bin.cfg", b"hostname x\x00\n")])
    assert [v.file_name for v in cs.versions(engine)] == ["sw1.cfg"]
    assert cs.store_revision(engine) == revision


def test_version_text_is_byte_identical(engine):
    vid = cs.import_configs(engine, [("core.txt", SW2_CRLF)])[0].version.id
    assert cs.version_text(engine, vid) == SW2_CRLF  # CRLF and the Latin-1 byte kept
    with pytest.raises(StorageError, match="no configuration version"):
        cs.version_text(engine, vid + 100)


def test_release_baseline_keeps_one_per_device_and_logs_it(engine):
    a = cs.import_configs(engine, [("a.cfg", SW1)])[0].version
    b = cs.import_configs(engine, [("b.cfg", SW1_CHANGED)])[0].version
    core = cs.import_configs(engine, [("core.txt", SW2_CRLF)])[0].version
    rev0 = cs.store_revision(engine)
    released = cs.release_baseline(engine, a.id, who="bob")
    assert released.baseline and released.id == a.id
    assert cs.store_revision(engine) > rev0
    cs.release_baseline(engine, core.id, who="bob")
    cs.release_baseline(engine, b.id, who="carol")
    assert {v.id: v.baseline for v in cs.versions(engine)} == {a.id: False, b.id: True, core.id: True}
    summaries = {s.device_key: s for s in cs.devices(engine)}
    assert list(summaries) == ["sw-core", "sw-line1"]
    assert (summaries["sw-line1"].versions, summaries["sw-line1"].latest.id, summaries["sw-line1"].baseline.id) == (
        2, b.id, b.id)
    rev1 = cs.store_revision(engine)
    assert cs.release_baseline(engine, b.id).id == b.id and cs.store_revision(engine) == rev1  # no-op
    log = db.change_log(engine)
    assert [(e.action, e.who) for e in log] == [("baseline", "carol"), ("baseline", "bob"), ("baseline", "bob")]
    assert log[0].details["config_baseline"] == {"device": "sw-line1", "released": b.id, "previous": a.id}
    assert all(e.revision < 0 for e in log) and len({e.revision for e in log}) == 3
    assert f"version {b.id}" in log[0].summary
    with pytest.raises(StorageError):
        cs.release_baseline(engine, 999_999)
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the database itself keeps one baseline
        conn.execute(text("UPDATE config_versions SET baseline = true WHERE id = :i"), {"i": a.id})


def test_release_does_not_disturb_plant_saves(engine):
    plant = loads_plant(PLANT)
    assert db.save_plant_db(engine, plant, expected_revision=0) == 1
    v = cs.import_configs(engine, [("sw1.cfg", SW1)])[0].version
    cs.release_baseline(engine, v.id)
    assert db.plant_revision(engine) == 1
    assert db.save_plant_db(engine, plant.model_copy(update={"assets": plant.assets[:3]}), expected_revision=1) == 2
    assert [e.revision for e in db.change_log(engine)] == [2, -1, 1]


def test_baseline_and_current_devices_are_parsed(engine):
    a = cs.import_configs(engine, [("sw1.cfg", SW1), ("core.txt", SW2_CRLF)])[0].version
    cs.import_configs(engine, [("sw1.cfg", SW1_CHANGED)])
    assert cs.baseline_devices(engine) == {}
    cs.release_baseline(engine, a.id)
    base, cur = cs.baseline_devices(engine), cs.current_devices(engine)
    assert list(base) == ["sw-line1"] and list(cur) == ["sw-core", "sw-line1"]
    assert base["sw-line1"].ports["GigabitEthernet1/0/5"].access_vlan == 20
    assert cur["sw-line1"].ports["GigabitEthernet1/0/5"].access_vlan == 30
    assert cur["sw-core"].ports["GigabitEthernet1/0/9"].mode == "trunk"


def test_machine_evidence_per_device_with_covers(engine):
    plant = loads_plant(PLANT)
    assert db.machine_evidence(engine) == [] and db.machine_evidence(engine, plant) == []
    first = cs.import_configs(engine, [("sw1.cfg", SW1), ("core.txt", SW2_CRLF)])[0].version
    cs.import_configs(engine, [("sw1.cfg", SW1_CHANGED)])
    assert db.machine_evidence(engine) == []  # no plant: no covers, so no item (empty = whole site)
    [item] = db.machine_evidence(engine, plant)  # sw-core has no asset: no item
    assert item.id == "cfg-sw-line1" and item.kind == "operational" and item.elements == ["CM 1", "AVAIL 2"]
    assert item.covers == ["sw-line1", "plc-kettle", "hmi-1"]
    assert item.collected == dt.datetime.now(dt.UTC).date()
    assert item.title == "Configuration backups of SW-LINE1: 2 versions, no baseline released"
    cs.release_baseline(engine, first.id)
    [item] = db.machine_evidence(engine, plant)
    assert item.title.endswith(f"baseline released {dt.datetime.now(dt.UTC).date().isoformat()}")


def test_machine_evidence_ids_are_id_safe(engine):
    odd = b"hostname Core_SW/1 (A)\ninterface Gi1/0/1\n switchport mode access\n"
    cs.import_configs(engine, [("odd.cfg", odd)])
    key = cs.devices(engine)[0].device_key
    plant = loads_plant(PLANT.replace('"sw-other:Gi1/0/1"', f'"{key.upper()}:Gi1/0/1"'))
    [item] = db.machine_evidence(engine, plant)
    assert item.covers == ["printer"]
    import re

    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*", item.id) and item.id.startswith("cfg-core_sw")


def test_machine_evidence_refuses_a_non_otrisk_database(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    engine = db.make_engine(f"sqlite:///{empty}")
    with pytest.raises(StorageError, match="not an otrisk database"):
        db.machine_evidence(engine, loads_plant(PLANT))
    engine.dispose()
