"""Framework library texts (otrisk.libraries, table library_texts, migration 0003) on SQLite and PostgreSQL.

The real CISO Assistant files are read from ../shared/realdata and never copied: the
expected texts below come from parsing those files in the test, not from literals.
The ``url``/``engine`` fixtures come from test_storage: tests taking them run per backend.
"""

from __future__ import annotations

import dataclasses

import pytest
import test_storage
import yaml
from conftest import realdata
from sqlalchemy import func, inspect, select, text

from otrisk import db
from otrisk import libraries as lib
from otrisk.errors import StorageError
from otrisk.plantfile import loads_plant
from otrisk.reference import program_elements
from otrisk.tables import LibraryTextRow

url, engine, postgres_url = test_storage.url, test_storage.engine, test_storage.postgres_url

IEC = "ciso-assistant/iec-62443-2-1-2024.yaml"
NIS2 = "ciso-assistant/nis2-directive.yaml"
SUBS = {se.id for pe in program_elements() for se in pe.sub_elements}
REQS = {r.id for pe in program_elements() for se in pe.sub_elements for r in se.requirements}
ELEMENTS = {pe.id for pe in program_elements()}
TINY = b"""urn: urn:example:library:tiny
name: Tiny framework
version: 1
copyright: Our own words
objects:
  framework:
    urn: urn:example:framework:tiny
    ref_id: iec-62443-2-1-2024
    requirement_nodes:
      - {urn: "urn:example:node:cm", ref_id: "7", name: Configuration part, depth: 1}
      - {urn: "urn:example:node:cm1", ref_id: CM 1, name: Inventory part, depth: 2, parent_urn: "urn:example:node:cm"}
      - {urn: "urn:example:node:free", name: Untitled, depth: 1}
"""


def _read(relative: str) -> lib.Library:
    path = realdata(relative)
    return lib.read_library(path.read_bytes(), source=path.name)


def test_iec_62443_2_1_nodes_map_onto_all_our_ids():
    library = _read(IEC)
    assert len(library.nodes) == 111
    assert library.version == "2" and library.copyright.startswith("IEC")
    mapping = lib.map_to_ours(library)
    values = list(mapping.values())
    assert len(mapping) == 111 and len(set(values)) == 111  # every node onto a different id of ours
    assert {v for v in values if v in SUBS} == SUBS and len(SUBS) == 16
    assert {v for v in values if v in REQS} == REQS and len(REQS) == 87
    assert {v for v in values if v in ELEMENTS} == ELEMENTS  # clause nodes 6..13 via their children
    by_ref = {n.ref_id: mapping[n.urn] for n in library.nodes}
    assert (by_ref["6"], by_ref["7"], by_ref["13"], by_ref["CM 1.4"]) == ("ORG", "CM", "AVAIL", "CM 1.4")


def test_nis2_directive_maps_nothing():
    library = _read(NIS2)
    assert len(library.nodes) == 17
    assert sum(n.ref_id is None for n in library.nodes) == 1  # the Article 21 heading
    assert not lib.is_iec_62443_2_1(library) and lib.map_to_ours(library) == {}


def test_import_and_names_beside_our_ids(engine):
    library = _read(IEC)
    summary = lib.import_library(engine, library, who="alice")
    assert (summary.nodes, summary.mapped, summary.replaced) == (111, 111, 0)
    names = lib.library_names(engine)
    assert len(names) == 111 and list(names) == sorted(names)
    node = next(n for n in library.nodes if n.ref_id == "CM 1")
    assert names["CM 1"] == [(library.name, "CM 1", node.name)]
    nis2 = lib.import_library(engine, _read(NIS2), who="alice")
    assert (nis2.nodes, nis2.mapped) == (17, 0)
    assert lib.library_names(engine) == names  # unmapped nodes are stored but not shown
    stored = {s.urn: s for s in lib.stored_libraries(engine)}
    assert [(s.nodes, s.mapped, s.imported_by) for s in stored.values()] == [(111, 111, "alice"), (17, 0, "alice")]
    assert stored[library.urn].copyright == library.copyright and stored[library.urn].imported_at.tzinfo
    log = db.change_log(engine)
    assert [(e.action, e.who, e.revision) for e in log] == [("library", "alice", -2), ("library", "alice", -1)]
    assert log[1].details["library"] == {"urn": library.urn, "version": "2", "nodes": 111, "mapped": 111,
                                         "replaced": 0}


def test_reimport_replaces_and_delete_removes(engine):
    library = lib.read_library(TINY, source="tiny.yaml")
    assert lib.import_library(engine, library).mapped == 2
    assert lib.library_names(engine) == {"CM": [("Tiny framework", "7", "Configuration part")],
                                         "CM 1": [("Tiny framework", "CM 1", "Inventory part")]}
    smaller = dataclasses.replace(library, name="Tiny framework v2", version="2", nodes=library.nodes[1:])
    again = lib.import_library(engine, smaller, who="bob")
    assert (again.nodes, again.mapped, again.replaced) == (2, 1, 3)
    assert lib.library_names(engine) == {"CM 1": [("Tiny framework v2", "CM 1", "Inventory part")]}
    assert [(s.name, s.version, s.nodes) for s in lib.stored_libraries(engine)] == [("Tiny framework v2", "2", 2)]
    assert "replacing 3 nodes" in db.change_log(engine)[0].summary
    assert lib.delete_library(engine, library.urn, who="carol") == 2
    assert lib.delete_library(engine, library.urn) == 0
    assert lib.library_names(engine) == {} and lib.stored_libraries(engine) == []
    assert [(e.who, e.revision) for e in db.change_log(engine)] == [("carol", -3), ("bob", -2), (db.current_user(), -1)]


def test_library_writes_leave_the_plant_alone(engine):
    plant = loads_plant("format: otrisk/v1\nsite: {name: Brewery}\n")
    assert db.save_plant_db(engine, plant, expected_revision=0) == 1
    lib.import_library(engine, lib.read_library(TINY, source="tiny.yaml"))
    assert db.plant_revision(engine) == 1
    assert db.save_plant_db(engine, plant, expected_revision=1) == 2


def test_failed_import_stores_nothing(engine):
    library = lib.read_library(TINY, source="tiny.yaml")
    lib.import_library(engine, library)
    twice = dataclasses.replace(library, urn="urn:example:other", nodes=library.nodes + library.nodes[:1])
    with pytest.raises(StorageError):
        lib.import_library(engine, twice)  # duplicate node urn: the unique index refuses it
    assert [s.urn for s in lib.stored_libraries(engine)] == [library.urn]
    assert len(db.change_log(engine)) == 1


def test_init_db_creates_the_table(tmp_path):
    eng = db.make_engine("sqlite:///" + str(tmp_path / "x.db"))
    db.init_db(eng, seed_demo=False)
    assert lib.library_names(eng) == {} and lib.stored_libraries(eng) == []
    eng.dispose()


def test_migration_0003_upgrades_from_0002_and_back(url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    eng = db.make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))

    def run(step, target):
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, target)

    run(command.upgrade, "0002")
    assert not inspect(eng).has_table("library_texts")
    db.save_plant_db(eng, loads_plant("format: otrisk/v1\nsite: {name: Kept}\n"), expected_revision=0)
    db.upgrade(eng)  # 0002 -> head
    with eng.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0003"]
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata) == []
    assert db.load_plant_db(eng)[0].site.name == "Kept"
    lib.import_library(eng, lib.read_library(TINY, source="tiny.yaml"))
    run(command.downgrade, "0002")
    assert not inspect(eng).has_table("library_texts")
    db.upgrade(eng)
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LibraryTextRow.__table__)).scalar() == 0
    assert db.load_plant_db(eng)[0].site.name == "Kept"
    eng.dispose()


def _with(path: str, value) -> bytes:
    doc = yaml.safe_load(TINY)
    keys = path.split(".")
    target = doc
    for k in keys[:-1]:
        target = target[int(k)] if isinstance(target, list) else target[k]
    if value is None:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return yaml.safe_dump(doc).encode()


@pytest.mark.parametrize(("data", "key", "message"), [
    (b"urn: [x\n", "(document)", "not YAML"),
    (b"- a list\n", "(document)", "not a mapping"),
    (b"format: otrisk/v1\nsite: {name: X}\n", "urn", "not a CISO Assistant library"),
    (_with("name", None), "name", "missing"),
    (_with("objects", None), "objects", "not a CISO Assistant framework library"),
    (_with("objects.framework", None), "objects.framework", "not a CISO Assistant framework library"),
    (_with("objects.framework.requirement_nodes", None), "objects.framework.requirement_nodes", "missing or empty"),
    (_with("objects.framework.requirement_nodes", []), "objects.framework.requirement_nodes", "missing or empty"),
    (_with("objects.framework.requirement_nodes.1.urn", None), "objects.framework.requirement_nodes[1].urn", "needs a urn"),
    (_with("objects.framework.requirement_nodes.2.urn", "urn:example:node:cm"),
     "objects.framework.requirement_nodes[2].urn",
     "duplicate urn: also objects.framework.requirement_nodes[0] (value 'urn:example:node:cm')"),
])
def test_not_a_framework_library(data, key, message):
    with pytest.raises(lib.LibraryError) as info:
        lib.read_library(data, source="x.yaml")
    assert info.value.key == key and str(info.value).startswith(f"x.yaml: {key}: ")
    assert message in str(info.value) and info.value.file == "x.yaml"


def test_threagile_model_is_not_a_library():
    path = realdata("threagile/threagile.yaml")
    with pytest.raises(lib.LibraryError, match=r"threagile.yaml: urn: missing: not a CISO Assistant library"):
        lib.read_library(path.read_bytes(), source=path.name)


def test_too_large_and_not_utf8():
    with pytest.raises(lib.LibraryError, match="larger than 10,000,000 bytes"):
        lib.read_library(b"#" * (lib.LIBRARY_MAX_BYTES + 1), source="big.yaml")
    with pytest.raises(lib.LibraryError, match="not UTF-8"):
        lib.read_library(b"urn: \xff\n", source="latin.yaml")


@pytest.mark.parametrize(("ref_id", "expected"), [("CM 1.4", "CM 1.4"), ("cm1.4", "CM 1.4"), (" NET  2 ", "NET 2"),
                                                   ("CM 9", None), ("4.3.3.2", None), ("SR 1.1", None)])
def test_ref_id_spellings(ref_id, expected):
    node = lib.LibraryNode("u:1", ref_id, None, None, 1, None, True)
    library = lib.Library("x", "urn:intuitem:risk:library:iec-62443-2-1-2024", None, "x", None, None, None, None,
                          "urn:f", None, (node,))
    assert lib.map_to_ours(library) == ({} if expected is None else {"u:1": expected})
