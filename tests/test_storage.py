"""Storage (otrisk.db, otrisk.tables, migrations) on SQLite and PostgreSQL.

Every test that takes ``url`` or ``engine`` runs once per backend: SQLite (a temporary
file) always; PostgreSQL with ``OTRISK_TEST_POSTGRES_URL`` (a role allowed to create
schemas in its database), else on a throwaway server started here when the Debian
``postgresql`` binaries exist, else skipped (failed under ``OTRISK_REQUIRE_ALL=1``). Each
test gets a fresh database: a SQLite file, or a PostgreSQL schema of its own.
"""

from __future__ import annotations

import getpass
import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, need
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from otrisk import db
from otrisk.errors import StaleDataError, StorageError
from otrisk.models import Asset, Zone
from otrisk.plantfile import dumps_plant, loads_plant

PG_ENV = "OTRISK_TEST_POSTGRES_URL"

RICH_PLANT = """\
format: otrisk/v1
site:
  name: Example brewery – Unterhaching
  sector: food
  entity: important
  timezone: Europe/Berlin
  change_windows: ["Sat 06:00-14:00", "Sun-Mon 22:00-24:00"]
zones:
  - {id: office, name: Office network, kind: enterprise, purdue_level: 4, sl_target: 1, sl_achieved: 1,
     owner: IT operations, vlans: [10, 11], subnets: ["10.10.0.0/16"]}
  - id: dmz
    name: OT DMZ
    kind: dmz
    purdue_level: 3.5
    sl_target: 2
    vlans: [30]
    subnets: ["10.30.0.0/24", "fd00:30::/64"]
    description: "Jump hosts and the historian mirror.\\nSecond line: ä ö ü 'quoted'"
  - {id: scada, name: SCADA, kind: supervisory, purdue_level: 3.0, sl_achieved: 2}
  - {id: line1, name: Line 1 cell, kind: control, purdue_level: 1, vlans: [120, 20]}
  - {id: remote, name: Vendor remote access, kind: remote_access}
conduits:
  - {id: office-dmz, zones: [office, dmz], protocols: [https, rdp], sl_target: 2, boundary_devices: [fw-dmz]}
  - id: dmz-scada
    name: DMZ to SCADA
    zones: [dmz, scada]
    direction: forward
    one_way: true
    protocols: [opc-ua]
    boundary_devices: [fw-dmz, diode-1]
    approved: false
    description: Data diode
  - {id: scada-line1, zones: [scada, line1], direction: reverse}
assets:
  - id: plc-kettle-1
    name: Kettle PLC 1
    type: plc
    zone: line1
    vendor: Siemens
    model: S7-1500
    firmware: "2.9.4"
    ip: "10.10.20.11"
    mac: "00:1b:1b:00:00:01"
    switch_port: "sw-line1:Gi1/0/5"
    interfaces: [{zone: scada, ip: "10.40.0.7", switch_port: "sw-core:Gi1/0/9"}, {mac: "00:1b:1b:00:00:02"}]
    location: Brewhouse
    owner: Line 1 automation
    impact: {production: 5, safety: 3, delivery: 4}
    depends_on: [plc-utilities, sw-line1]
    description: Controls the kettle
  - {id: plc-utilities, name: Utilities PLC, type: plc, zone: line1, impact: {safety: 2}}
  - {id: sw-line1, name: Line 1 switch, type: switch, zone: line1, ip: "fd00::1"}
  - {id: ews-1, name: Engineering workstation, type: ews, zone: scada, manages: [plc-kettle-1, plc-utilities],
     depends_on: [sw-line1]}
  - {id: fw-dmz, name: DMZ firewall, type: firewall, zone: dmz}
  - {id: diode-1, name: Data diode, type: other}
  - {id: cloud-mes, name: MES service, type: service, depends_on: [ews-1], manages: [sw-line1]}
evidence:
  - id: ev-cm-backups
    elements: [CM 1, AVAIL 2]
    kind: operational
    title: Weekly switch configuration backups with history
    collected: 2026-10-01
    valid_until: 2027-10-01
    covers: [sw-line1, "zone:line1"]
    location: "backup server /configs"
    file: {name: backups-2026-10.pdf, sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
    retired: false
  - {id: ev-org-policy, elements: [ORG], kind: organizational, title: Security policy, collected: 2025-01-15,
     retired: true}
  - {id: ev-net, elements: [NET 1.2], kind: operational, title: Firewall rule review, collected: 2026-03-03,
     covers: ["zone:dmz"]}
assessments:
  - date: 2026-06-01
    maturity: {ORG: 1, CM: 1, "CM 1": 2, NET: 2}
    target: {ORG: 3, CM: 3, NET: 3}
    not_applicable: {"NET 2": "no wireless anywhere on site"}
  - {date: 2026-12-01, name: Second workshop, maturity: {NET: 3, ORG: 0}}
accepted_findings:
  - {id: "unapproved-conduit@dmz-scada", justification: "Diode replaced in Q1", accepted_by: "Plant manager",
     review_by: 2027-03-01}
  - {id: "flow@office->dmz", justification: "Known", accepted_by: "CISO", review_by: 2027-01-01}
actions:
  - {id: act-1, title: Quarterly restore test for line PLCs, elements: [AVAIL 2], owner: "OT lead", due: 2027-01-31,
     status: open}
  - {id: act-2, title: Remove vendor VPN, status: in_progress, notes: "waiting for vendor"}
  - {id: act-0, title: Done thing, elements: [NET, CM 1.4], status: done}
"""


def rich_plant():
    return loads_plant(RICH_PLANT, source="rich.yaml")


# --- backends ------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a PostgreSQL server in a temporary folder (STACK_NOTES recipe); yield its admin URL."""
    newest = max(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: float(Path(p).parts[-3]))
    bindir = Path(newest).parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses root
    folder = tempfile.mkdtemp(prefix="otrisk-pg-")
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    data, port = os.path.join(folder, "data"), _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*as_postgres, str(bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=60)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")

    try:
        run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--no-locale")
        run("pg_ctl", "-D", data, "-l", os.path.join(folder, "log"), "-w", "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off", "start")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", data, "-m", "immediate", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL database whose user may create schemas in it, or None when there is none."""
    if os.environ.get(PG_ENV):
        yield os.environ[PG_ENV]
    elif glob.glob("/usr/lib/postgresql/*/bin/initdb") and (os.geteuid() != 0 or shutil.which("runuser")):
        with throwaway_postgres() as admin_url:
            with _connect(admin_url) as conn:
                conn.execute("CREATE DATABASE otrisk")
            yield make_url(admin_url).set(database="otrisk").render_as_string(hide_password=False)
    else:
        yield None


def _connect(url: str):
    import psycopg

    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database on each backend (on PostgreSQL: a fresh schema, first on the search path)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'otrisk.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    need(base is not None, f"no PostgreSQL: set {PG_ENV} or install the Debian package postgresql")
    schema = f"otrisk_test_{uuid.uuid4().hex[:12]}"
    with _connect(base) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield make_url(base).set(drivername="postgresql+psycopg").update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with _connect(base) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def engine(url):
    """An engine on a fresh database with the schema at head."""
    eng = db.make_engine(url)
    db.upgrade(eng)
    yield eng
    eng.dispose()


def _snapshot(engine) -> tuple[str, int, list]:
    plant, revision = db.load_plant_db(engine)
    return dumps_plant(plant), revision, db.change_log(engine, limit=10_000)


# --- round trip and revisions --------------------------------------------------------

def test_empty_database_is_a_new_plant_at_revision_0(engine):
    plant, revision = db.load_plant_db(engine)
    assert (plant.site.name, revision) == (db.NEW_PLANT_NAME, 0)
    assert plant.assets == [] and db.change_log(engine) == [] and db.plant_revision(engine) == 0


def test_rich_plant_round_trips_byte_for_byte(engine):
    plant = rich_plant()
    assert db.save_plant_db(engine, plant, expected_revision=0, who="alice") == 1
    loaded, revision = db.load_plant_db(engine)
    assert revision == 1
    assert dumps_plant(loaded) == dumps_plant(plant) == dumps_plant(loaded.model_validate(plant.model_dump()))
    assert loaded == plant  # including 3.0 vs 3, list order and dict order
    assert isinstance(loaded.zones[2].purdue_level, float) and isinstance(loaded.zones[0].purdue_level, int)


def test_round_trip_keeps_a_changed_order(engine):
    plant = rich_plant()
    db.save_plant_db(engine, plant, expected_revision=0)
    plant.assets.reverse()
    plant.zones.insert(0, plant.zones.pop())
    plant.assessments[0].maturity = dict(reversed(plant.assessments[0].maturity.items()))
    db.save_plant_db(engine, plant, expected_revision=1)
    loaded, _ = db.load_plant_db(engine)
    assert dumps_plant(loaded) == dumps_plant(plant)
    details = db.change_log(engine, limit=1)[0].details
    assert details["assets"] == {"added": [], "changed": [], "removed": [], "reordered": True}
    assert details["assessments"]["changed"] == ["2026-06-01"]


def test_revision_increments_with_each_save(engine):
    plant = rich_plant()
    for expected in range(3):
        assert db.save_plant_db(engine, plant, expected_revision=expected) == expected + 1
        assert db.plant_revision(engine) == expected + 1
    assert [e.revision for e in db.change_log(engine)] == [3, 2, 1]


def test_stale_save_is_refused_and_writes_nothing(engine):
    db.save_plant_db(engine, rich_plant(), expected_revision=0, who="alice")
    mine, base = db.load_plant_db(engine)
    theirs, _ = db.load_plant_db(engine)
    theirs.assets.append(Asset(id="new-1", name="New", type="other"))
    db.save_plant_db(engine, theirs, expected_revision=base, who="bob")
    before = _snapshot(engine)
    mine.zones[0].name = "Renamed"
    with pytest.raises(StaleDataError) as err:
        db.save_plant_db(engine, mine, expected_revision=base, who="alice")
    assert (err.value.expected, err.value.current, err.value.by) == (1, 2, "bob")
    assert "bob" in str(err.value) and "Reload" in str(err.value)
    assert _snapshot(engine) == before


@pytest.mark.parametrize("break_it, named", [
    (lambda p: p.assets[0].depends_on.append("ghost-asset"), "ghost-asset"),
    (lambda p: p.assets.append(Asset(id="plc-utilities", name="Twin", type="plc")), "plc-utilities"),
    (lambda p: p.conduits[0].boundary_devices.append("no-such-fw"), "no-such-fw"),
    (lambda p: p.evidence[0].covers.append("zone:nowhere"), "nowhere"),
    (lambda p: setattr(p.zones[0], "sl_target", 9), "sl_target"),  # changed in place, not validated
    (lambda p: p.evidence[0].elements.append("AVAIL 9"), "AVAIL 9"),  # not in the reference data
])
def test_inconsistent_plant_is_refused_and_writes_nothing(engine, break_it, named):
    db.save_plant_db(engine, rich_plant(), expected_revision=0)
    before = _snapshot(engine)
    plant, revision = db.load_plant_db(engine)
    break_it(plant)
    with pytest.raises(StorageError) as err:
        db.save_plant_db(engine, plant, expected_revision=revision)
    assert named in str(err.value) and not isinstance(err.value, StaleDataError)
    assert _snapshot(engine) == before


def test_failed_save_leaves_the_previous_state(engine):
    db.save_plant_db(engine, rich_plant(), expected_revision=0)
    before = _snapshot(engine)

    def fail_on_log_insert(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO CHANGE_LOG"):
            raise RuntimeError("disk full (simulated)")

    event.listen(engine, "before_cursor_execute", fail_on_log_insert)
    plant, revision = db.load_plant_db(engine)
    plant.assets.pop()
    with pytest.raises(RuntimeError, match="simulated"):
        db.save_plant_db(engine, plant, expected_revision=revision)
    event.remove(engine, "before_cursor_execute", fail_on_log_insert)
    assert _snapshot(engine) == before
    assert db.save_plant_db(engine, plant, expected_revision=revision) == 2  # the lock was released


# --- change log ----------------------------------------------------------------------

def test_change_log_records_who_when_what_and_keeps_earlier_rows(engine):
    start = time.time()
    plant = rich_plant()
    db.save_plant_db(engine, plant, expected_revision=0, who="alice", summary="imported brewery.yaml")
    old_firmware = plant.assets[0].firmware
    plant.assets[0].firmware = "3.0.1"
    plant.zones.pop()  # "remote": nothing refers to it
    plant.actions.append(plant.actions[0].model_copy(update={"id": "act-9"}))
    db.save_plant_db(engine, plant, expected_revision=1)
    first_two = db.change_log(engine)
    newest, oldest = first_two
    assert (oldest.who, oldest.revision, oldest.action, oldest.summary) == ("alice", 1, "save", "imported brewery.yaml")
    assert oldest.details["assets"]["added"][:2] == ["plc-kettle-1", "plc-utilities"]
    assert newest.who == db.current_user() and newest.revision == 2
    assert newest.details == {
        "assets": {"added": [], "changed": ["plc-kettle-1"], "removed": [],
                   "fields": {"plc-kettle-1": {"firmware": [old_firmware, "3.0.1"]}}},
        "zones": {"added": [], "changed": [], "removed": ["remote"]},
        "actions": {"added": ["act-9"], "changed": [], "removed": []},
    }
    assert "plc-kettle-1" in newest.summary and "remote" in newest.summary
    for entry in first_two:
        assert entry.at.utcoffset().total_seconds() == 0 and start - 5 <= entry.at.timestamp() <= time.time() + 5
    for i in range(3):
        plant.site.name = f"Brewery {i}"
        db.save_plant_db(engine, plant, expected_revision=2 + i, who="carol")
    log = db.change_log(engine)
    assert [e.revision for e in log] == [5, 4, 3, 2, 1]
    assert log[3:] == first_two  # earlier rows untouched
    assert log[0].details == {"site": {"added": [], "changed": ["site"], "removed": [],
                                       "fields": {"site": {"name": ["Brewery 1", "Brewery 2"]}}}}
    assert [e.revision for e in db.change_log(engine, limit=2)] == [5, 4]


@pytest.mark.parametrize("statement", ["UPDATE change_log SET who = 'mallory'", "DELETE FROM change_log"])
def test_change_log_refuses_update_and_delete(engine, statement):
    db.save_plant_db(engine, rich_plant(), expected_revision=0, who="alice")
    with pytest.raises(SQLAlchemyError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert [e.who for e in db.change_log(engine)] == ["alice"]


def test_plant_changes_per_section():
    old = rich_plant()
    new = old.model_copy(deep=True)
    new.zones.append(Zone(id="z9", name="Nine", kind="field"))
    new.evidence.pop(1)
    new.conduits[1].approved = True
    assert db.plant_changes(old, new) == {
        "zones": {"added": ["z9"], "changed": [], "removed": []},
        "conduits": {"added": [], "changed": ["dmz-scada"], "removed": [],
                     "fields": {"dmz-scada": {"approved": [False, True]}}},
        "evidence": {"added": [], "changed": [], "removed": ["ev-org-policy"]},
    }
    assert db.describe_changes(db.plant_changes(old, new)) == \
        "zones added: z9; conduits changed: dmz-scada (approved); evidence removed: ev-org-policy"
    assert db.plant_changes(old, old) == {}
    assert set(db.plant_changes(None, old)) == {"site", "zones", "conduits", "assets", "evidence",
                                                "assessments", "accepted_findings", "actions"}


def test_doctests():
    import doctest

    assert doctest.testmod(db, raise_on_error=True).attempted > 0


# --- schema, engine, seeding ---------------------------------------------------------

def test_upgrade_is_idempotent_and_matches_the_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    db.save_plant_db(engine, rich_plant(), expected_revision=0)
    db.upgrade(engine)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0003"]
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diffs == []
    assert db.plant_revision(engine) == 1 and dumps_plant(db.load_plant_db(engine)[0]) == dumps_plant(rich_plant())


def test_database_of_a_newer_otrisk_is_a_storage_error(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="9999"):
        db.upgrade(engine)


def test_no_schema_is_a_storage_error(url):
    engine = db.make_engine(url)
    with pytest.raises(StorageError):
        db.load_plant_db(engine)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("OTRISK_SQLITE_BUSY_TIMEOUT_MS", "1234")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_make_engine_urls(tmp_path, monkeypatch):
    assert db.make_engine("postgresql://u@db.example/otrisk").url.drivername == "postgresql+psycopg"
    monkeypatch.setenv("OTRISK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert db.make_engine().url.database == str(tmp_path / "x.db")
    monkeypatch.delenv("OTRISK_DATABASE_URL")
    monkeypatch.setenv("OTRISK_DATA_DIR", str(tmp_path / "data"))
    assert db.make_engine().url.database == str(tmp_path / "data" / "otrisk.db")
    memory = db.make_engine("sqlite://")
    db.upgrade(memory)
    assert db.plant_revision(memory) == 0
    with pytest.raises(StorageError, match="cannot read database URL"):
        db.make_engine("not a url")


def test_current_user(monkeypatch):
    assert db.current_user() == getpass.getuser()

    def no_user() -> str:
        raise OSError("no user")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert db.current_user() == "unknown"


def test_init_db_seeds_the_demo_plant_once(url, monkeypatch):
    need(importlib.util.find_spec("otrisk.reference") is not None, "otrisk.reference (the demo plant) is not written yet")
    from otrisk.reference import load_demo_plant

    engine = db.make_engine(url)
    monkeypatch.setenv("OTRISK_SEED_DEMO", "false")
    db.init_db(engine)
    assert db.plant_revision(engine) == 0
    db.init_db(engine, seed_demo=True)
    db.init_db(engine, seed_demo=True)
    monkeypatch.setenv("OTRISK_SEED_DEMO", "true")
    db.init_db(engine)
    plant, revision = db.load_plant_db(engine)
    assert revision == 1 and dumps_plant(plant) == dumps_plant(load_demo_plant())
    [entry] = db.change_log(engine)
    assert (entry.action, entry.summary, entry.revision) == ("seed", "seeded demo plant", 1)
    engine.dispose()


# --- two writers ---------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from otrisk.db import load_plant_db, make_engine, save_plant_db
    from otrisk.errors import StaleDataError
    from otrisk.models import Asset

    url, tag, n, barrier = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    engine = make_engine(url)
    (barrier / tag).touch()
    while len(list(barrier.iterdir())) < 2:  # start together, after both imports
        time.sleep(0.01)
    retries = 0
    for i in range(n):
        while True:
            plant, revision = load_plant_db(engine)
            plant.assets.append(Asset(id=f"{tag}-{i:03d}", name=f"{tag} {i}", type="other", depends_on=["base"]))
            try:
                save_plant_db(engine, plant, expected_revision=revision, who=tag)
                break
            except StaleDataError:
                retries += 1
    print(retries)
""")


def test_two_writers_at_once_lose_nothing(engine, url, tmp_path):
    n = 50
    base = loads_plant("format: otrisk/v1\nsite: {name: Race}\nassets: [{id: base, name: Base, type: server}]\n")
    db.save_plant_db(engine, base, expected_revision=0, who="setup")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    started = time.monotonic()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, tag, str(n), str(barrier)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("w1", "w2")]
    outputs = [w.communicate(timeout=120) for w in writers]
    elapsed = time.monotonic() - started
    for w, (_, err) in zip(writers, outputs, strict=True):
        assert w.returncode == 0, err
    plant, revision = db.load_plant_db(engine)
    assert revision == 1 + 2 * n
    ids = [a.id for a in plant.assets]
    for tag in ("w1", "w2"):
        assert [i for i in ids if i.startswith(tag)] == [f"{tag}-{i:03d}" for i in range(n)]
    assert len(ids) == 1 + 2 * n
    log = db.change_log(engine, limit=10_000)
    assert [e.revision for e in log] == list(range(1 + 2 * n, 0, -1))
    assert sorted(e.who for e in log) == ["setup"] + ["w1"] * n + ["w2"] * n
    assert all(e.details["assets"]["added"] == [e.details["assets"]["added"][0]] for e in log[:-1])
    retries = [int(out) for out, _ in outputs]
    print(f"\n{engine.dialect.name}: 2 x {n} saves in {elapsed:.1f} s, retries on StaleDataError: {retries}")
