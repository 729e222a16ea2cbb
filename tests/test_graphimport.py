"""Import of foreign dependency graphs (node-link JSON, GraphML) into otrisk/v1 plants."""

from __future__ import annotations

import doctest
import json
import re

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import otrisk.graphimport
from otrisk.errors import GraphImportError
from otrisk.graphimport import graph_to_plant, import_graph, parse_graph
from otrisk.impact import analyze, dependency_graph
from otrisk.models import AXES, ID_PATTERN, Plant
from otrisk.plantfile import dumps_plant, loads_plant

from conftest import realdata


def with_ratings(p: Plant, ratings: dict[str, dict[str, int]]) -> Plant:
    data = p.model_dump()
    for a in data["assets"]:
        a["impact"] = ratings.get(a["id"], {})
    return Plant.model_validate(data)


# --- real data: the HAI boiler process graph (CC-BY-SA, read in place) ------------------

@pytest.mark.realdata
@pytest.mark.parametrize("edge_means", ["feeds", "depends-on"])
def test_hai_boiler_blast_radius_and_effective_impact(edge_means):
    path = realdata("hai/phy_boiler.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    key = "links" if "links" in doc else "edges"
    # the test's own reading of the file: an edge source -> target
    raw = nx.DiGraph()
    raw.add_nodes_from(n["id"] for n in doc["nodes"])
    raw.add_edges_from((e["source"], e["target"]) for e in doc[key] if e["source"] != e["target"])
    result = import_graph(path, edge_means=edge_means)
    assert result.nodes == 41 == len(result.plant.assets)
    assert result.edges == raw.number_of_edges()
    assert result.plant.site.name == "phy_boiler"
    id_of = {a.name: a.id for a in result.plant.assets}
    assert set(id_of) == set(raw.nodes) and all(re.match(ID_PATTERN, i) for i in id_of.values())
    # feeds: u -> v means v depends on u, so the dependents of u are its descendants
    affected = nx.descendants if edge_means == "feeds" else nx.ancestors
    assigned = {"TK01": {"production": 4}, "HT01": {"safety": 5}, "PP01A": {"delivery": 2}, "FT03": {"safety": 3},
                "LIT01": {"production": 1, "safety": 2}}
    ranking = analyze(with_ratings(result.plant, {id_of[k]: v for k, v in assigned.items()}))
    got = {r.asset: r for r in ranking}
    checked = ["TK01", "TK03", "HT01", "PP01A", "FT03", "LIT01", "FCV03", "HEX01S", "PCV01"]
    for node in checked:
        expected_dependents = affected(raw, node) - {node}
        r = got[id_of[node]]
        assert r.blast_radius == len(expected_dependents), node
        for axis in AXES:
            ratings = [assigned.get(m, {}).get(axis) for m in expected_dependents | {node}]
            known = [v for v in ratings if v is not None]
            assert r.effective[axis] == (max(known) if known else None), (node, axis)
    assert len({r.blast_radius for r in ranking}) > 2  # the check above is not trivially uniform


@pytest.mark.realdata
def test_hai_boiler_import_writes_a_plant_that_loads(tmp_path):
    from otrisk.plantfile import load_plant, save_plant

    result = import_graph(realdata("hai/phy_boiler.json"), site_name="HAI boiler")
    out = tmp_path / "boiler.yaml"
    save_plant(result.plant, out)
    again = load_plant(out)
    assert again == result.plant and again.site.name == "HAI boiler"
    assert dumps_plant(again) == out.read_text(encoding="utf-8")
    tk01 = again.asset_map()["tk01"]
    assert tk01.name == "TK01" and tk01.description == "Main water tank" and tk01.type == "other"


# --- GraphML and node-link written by networkx --------------------------------------------

def test_graphml_attributes_types_and_id_collisions(tmp_path):
    g = nx.DiGraph()
    g.add_node("Core Switch", type="switch")
    g.add_node("PLC 1", kind="Programmable Logic Controller", production=4, description="Kettle PLC")
    g.add_node("plc-1", device="HMI", safety="5")
    g.add_node("Ölpumpe", safety=9)
    g.add_edges_from([("Core Switch", "PLC 1"), ("PLC 1", "plc-1"), ("Core Switch", "Ölpumpe"),
                      ("Ölpumpe", "Ölpumpe")])
    path = tmp_path / "cell.graphml"
    nx.write_graphml(g, path)
    result = import_graph(path)
    assets = result.plant.asset_map()
    assert sorted(assets) == ["core-switch", "olpumpe", "plc-1", "plc-1-2"]
    # the node already named plc-1 keeps its id; "PLC 1" yields
    assert assets["plc-1-2"].name == "PLC 1" and assets["plc-1-2"].type == "plc"
    assert assets["plc-1-2"].impact.production == 4 and assets["plc-1-2"].description == "Kettle PLC"
    assert assets["plc-1"].name == "plc-1" and assets["plc-1"].type == "hmi"
    assert assets["plc-1"].impact.safety == 5 and assets["plc-1"].depends_on == ["plc-1-2"]
    assert assets["core-switch"].type == "switch" and assets["olpumpe"].impact.safety is None
    assert result.edges == 3
    notes = " | ".join(result.notes)
    assert "'PLC 1' became asset 'plc-1-2'" in notes and "1 self-loop" in notes and "safety=9" in notes


def test_dependency_graph_export_imports_back_unchanged_with_the_default(tmp_path):
    original = loads_plant("""format: otrisk/v1
site: {name: Round trip}
assets:
- {id: sw, name: sw, type: other}
- {id: plc, name: plc, type: other, depends_on: [sw]}
- {id: hmi, name: hmi, type: other, depends_on: [plc, sw]}
""")
    for edges_key in ("links", "edges"):
        path = tmp_path / f"export-{edges_key}.json"
        path.write_text(json.dumps(nx.node_link_data(dependency_graph(original), edges=edges_key)))
        back = import_graph(path, site_name="Round trip").plant
        assert {a.id: a.depends_on for a in back.assets} == {a.id: a.depends_on for a in original.assets}


def test_depends_on_meaning_reverses_edges():
    g = nx.DiGraph([("hmi", "plc"), ("plc", "sw")])
    assets = graph_to_plant(g, site_name="x", edge_means="depends-on").plant.asset_map()
    assert assets["hmi"].depends_on == ["plc"] and assets["plc"].depends_on == ["sw"]
    assert graph_to_plant(g, site_name="x").plant.asset_map()["sw"].depends_on == ["plc"]


def test_node_link_with_integer_ids_and_parallel_edges(tmp_path):
    doc = {"directed": True, "multigraph": True, "graph": {},
           "nodes": [{"id": 1}, {"id": 2}, {"id": "1"}],
           "links": [{"source": 1, "target": 2, "key": 0}, {"source": 1, "target": 2, "key": 1}]}
    path = tmp_path / "multi.json"
    path.write_text(json.dumps(doc))
    result = import_graph(path)
    assert result.edges == 1
    names = {a.name: a for a in result.plant.assets}
    assert set(names) == {"1", "2"} and len(result.plant.assets) == 3
    assert any(a.depends_on for a in result.plant.assets)


# --- files that are not what they claim ---------------------------------------------------

REPR = repr(nx.node_link_data(nx.DiGraph([("a", "b")]), edges="links"))
BAD = [
    ("repr.json", REPR, "Python repr"),
    ("broken.graphml", "<graphml><graph>", "not valid XML"),
    ("page.graphml", "<html><body>hi</body></html>", "not GraphML"),
    ("plain.json", '{"a": 1}', "'nodes' list"),
    ("list.json", "[1, 2]", "'nodes' list"),
    ("nolinks.json", '{"nodes": [{"id": "a"}]}', "no 'links' or 'edges'"),
    ("both.json", '{"nodes": [], "links": [], "edges": []}', "both 'links' and 'edges'"),
    ("undirected.json", '{"directed": false, "nodes": [], "links": []}', "undirected"),
    ("dangling.json", '{"nodes": [{"id": "a"}], "links": [{"source": "a", "target": "b"}]}',
     "'b' is not the id of any node"),
    ("dup.json", '{"nodes": [{"id": "a"}, {"id": "a"}], "links": []}', "duplicate node id"),
    ("noid.json", '{"nodes": [{"name": "a"}], "links": []}', "nodes[0]"),
    ("badid.json", '{"nodes": [{"id": [1]}], "links": []}', "nodes[0].id"),
    ("badlink.json", '{"nodes": [{"id": "a"}], "links": [["a", "a"]]}', "links[0]"),
    ("empty.json", "", "not JSON"),
]


@pytest.mark.parametrize("name, text, message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_give_a_clear_graph_import_error(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GraphImportError, match=re.escape(message)) as info:
        import_graph(path)
    assert info.value.file == str(path)


def test_undirected_graphml_binary_missing_and_oversized(tmp_path, monkeypatch):
    undirected = tmp_path / "u.graphml"
    nx.write_graphml(nx.Graph([("a", "b")]), undirected)
    with pytest.raises(GraphImportError, match="undirected"):
        import_graph(undirected)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(GraphImportError, match="not UTF-8"):
        import_graph(binary)
    with pytest.raises(GraphImportError, match="cannot read"):
        import_graph(tmp_path / "missing.json")
    monkeypatch.setenv("OTRISK_PLANT_FILE_MAX_BYTES", "10")
    with pytest.raises(GraphImportError, match="larger than"):
        import_graph(undirected)


def test_format_option_and_sniffing(tmp_path):
    path = tmp_path / "graph.txt"
    nx.write_graphml(nx.DiGraph([("a", "b")]), path)
    assert import_graph(path).plant.asset_map()["b"].depends_on == ["a"]
    with pytest.raises(GraphImportError, match="not JSON"):
        import_graph(path, format="node-link")
    with pytest.raises(GraphImportError, match="unknown graph format"):
        parse_graph(b"", format="dot")
    with pytest.raises(GraphImportError, match="unknown edge meaning"):
        graph_to_plant(nx.DiGraph(), site_name="x", edge_means="upstream")


def test_doctests_run():
    result = doctest.testmod(otrisk.graphimport)
    assert result.attempted > 0 and result.failed == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12), max_size=12, unique=True),
       st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=20))
def test_any_node_ids_give_a_valid_plant_with_unique_ids(names, pairs):
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from((names[a], names[b]) for a, b in pairs if a < len(names) and b < len(names))
    plant = graph_to_plant(g, site_name="prop").plant
    ids = [a.id for a in plant.assets]
    assert len(ids) == len(set(ids)) == len(names)
    assert all(re.match(ID_PATTERN, i) for i in ids)
    assert loads_plant(dumps_plant(plant)) == plant
    assert sum(len(a.depends_on) for a in plant.assets) == sum(1 for u, v in g.edges if u != v)


def test_a_node_whose_id_is_already_valid_keeps_it():
    graph = nx.DiGraph()
    graph.add_edges_from([("PLC 1", "plc-1"), ("plc-1", "PLC-1")])
    plant = graph_to_plant(graph, site_name="t", source="t.json").plant
    names = {a.name: a.id for a in plant.assets}
    assert names == {"plc-1": "plc-1", "PLC 1": "plc-1-2", "PLC-1": "plc-1-3"}
