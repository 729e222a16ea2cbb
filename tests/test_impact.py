"""Impact engine: hand-computed cases, invariants (Hypothesis) and the module's doctests."""

from __future__ import annotations

import doctest
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import otrisk.impact
from otrisk.errors import OtriskError
from otrisk.impact import (
    AssetImpact,
    analyze,
    blast_radius,
    compromise_impact,
    dependency_graph,
    dependents,
    effective_impact,
    managed,
    manages_graph,
    priority_score,
)
from otrisk.models import AXES, Plant

NONE = {"production": None, "safety": None, "delivery": None}


def asset(id: str, deps=(), manages=(), **impact) -> dict:
    return {"id": id, "name": id.upper(), "type": "other", "depends_on": list(deps),
            "manages": list(manages), "impact": impact}


def plant(*assets: dict) -> Plant:
    return Plant.model_validate({"format": "otrisk/v1", "site": {"name": "t"}, "assets": list(assets)})


def by_id(p: Plant, **kw) -> dict[str, AssetImpact]:
    return {r.asset: r for r in analyze(p, **kw)}


def eff(**known) -> dict:
    return {**NONE, **known}


# --- hand-computed cases -----------------------------------------------------------------

def test_chain():
    # hmi depends on plc, plc depends on sw
    r = by_id(plant(asset("sw"), asset("plc", ["sw"], safety=2), asset("hmi", ["plc"], production=3)))
    assert {k: v.blast_radius for k, v in r.items()} == {"sw": 2, "plc": 1, "hmi": 0}
    assert r["sw"].effective == eff(production=3, safety=2)
    assert r["plc"].effective == eff(production=3, safety=2)
    assert r["hmi"].effective == eff(production=3)
    assert "effective production 3 because dependent hmi is rated production 3" in r["sw"].reasons
    assert "effective safety 2: its own rating" in r["plc"].reasons
    assert "blast radius 2: 2 assets depend on it (plc, … +1 more)" in r["sw"].reasons


def test_diamond_counts_each_dependent_once():
    p = plant(asset("sw"), asset("plc1", ["sw"]), asset("plc2", ["sw"]),
              asset("hmi", ["plc1", "plc2"], delivery=4))
    r = by_id(p)
    assert r["sw"].blast_radius == 3
    assert r["plc1"].blast_radius == r["plc2"].blast_radius == 1
    assert r["sw"].effective == eff(delivery=4)
    assert dependents(p, "sw") == {"plc1", "plc2", "hmi"}
    assert "blast radius 3: 3 assets depend on it (plc1, plc2, … +1 more)" in r["sw"].reasons


def test_cycle_members_are_each_others_dependents():
    # a -> b -> c -> a (depends_on), d depends on a, e feeds the cycle
    p = plant(asset("a", ["b"]), asset("b", ["c", "e"]), asset("c", ["a"]), asset("d", ["a"], safety=5),
              asset("e"))
    r = by_id(p)
    assert {k: v.blast_radius for k, v in r.items()} == {"a": 3, "b": 3, "c": 3, "d": 0, "e": 4}
    assert dependents(p, "a") == {"b", "c", "d"}
    for member in "abce":
        assert r[member].effective == eff(safety=5)
    assert r["d"].effective == eff(safety=5)


def test_two_cycle_and_self_reach_excluded():
    r = by_id(plant(asset("x", ["y"], production=1), asset("y", ["x"], production=2)))
    assert r["x"].blast_radius == r["y"].blast_radius == 1
    assert r["x"].effective == eff(production=2)
    assert "effective production 2 because dependent y is rated production 2" in r["x"].reasons


def test_unknown_axes_stay_none_and_unrated_scores_zero():
    r = by_id(plant(asset("sw"), asset("plc", ["sw"]), asset("hmi", ["plc"], safety=3)))
    assert r["sw"].effective == eff(safety=3)
    assert r["sw"].effective["production"] is None  # unknown is not low
    assert "unknown production, delivery: no rating on it or on any dependent" in r["sw"].reasons
    lonely = by_id(plant(asset("lonely"), asset("other", safety=1)))["lonely"]
    assert lonely.effective == lonely.compromise == NONE
    assert lonely.priority == 0.0
    assert lonely.reasons[0] == "unrated: no rating on it or on any dependent"


def test_compromise_through_transitive_manages():
    # an EWS manages a PLC, which manages the safety PLC: the EWS carries its safety impact
    p = plant(asset("ews", manages=["plc"]), asset("plc", manages=["sis"], production=3),
              asset("sis", safety=5), asset("hist", production=1))
    r = by_id(p)
    assert r["ews"].compromise == eff(production=3, safety=5)
    assert r["ews"].effective == NONE
    assert r["plc"].compromise == eff(production=3, safety=5)
    assert r["sis"].compromise == eff(safety=5)
    assert managed(p, "ews") == {"plc", "sis"}
    assert "compromise safety 5: manages sis (via plc), whose effective safety is 5" in r["ews"].reasons
    assert "compromise safety 5: manages sis (directly), whose effective safety is 5" in r["plc"].reasons
    assert r["ews"].priority == 5.8  # taken over it hits production 3, safety 5: 5 + 0.1 × (3+5)


def test_compromise_uses_effective_not_own_rating():
    # the EWS manages a switch that a safety system depends on
    r = by_id(plant(asset("ews", manages=["sw"]), asset("sw"), asset("sis", ["sw"], safety=4)))
    assert r["ews"].compromise == eff(safety=4)


def test_ranking_priority_then_id():
    p = plant(asset("b", production=3), asset("a", production=3), asset("c", safety=5), asset("d"),
              asset("e", production=1))
    ranking = analyze(p)
    assert [r.asset for r in ranking] == ["c", "a", "b", "e", "d"]
    assert [r.priority for r in ranking] == [5.5, 3.3, 3.3, 1.1, 0.0]


@pytest.mark.parametrize("effective, compromise, exposure, expected", [
    ({}, {}, None, 0.0),
    (NONE, NONE, 3, 0.0),
    ({"safety": 4}, {"safety": 4}, None, 4.4),           # 4 + 0.1 × 4 (unknown axes add nothing)
    ({"safety": 4}, {"safety": 5}, None, 5.5),           # worst 5 + 0.1 × 5
    ({"production": 2, "safety": 4}, {"production": 5, "safety": 4, "delivery": 1}, 0, 6.0),  # 5 + 0.1 × (5+4+1)
    ({"production": 2, "safety": 4}, {"production": 1}, None, 4.6),  # per axis the higher of the two: 4 + 0.1 × (2+4)
    ({"safety": 4}, {"safety": 5}, 2, 8.25),             # 5.5 × 1.5
    ({"safety": 5}, {"safety": 5}, 3, 9.625),            # 5.5 × 1.75
    ({"production": 5, "safety": 5, "delivery": 5}, {"production": 5, "safety": 5, "delivery": 5}, 3, 11.375),
    (NONE, {"safety": 5}, None, 5.5),
    ({"production": 5, "safety": 5, "delivery": 4}, {"production": 5, "safety": 5, "delivery": 4}, None, 6.4),
    ({"production": 5, "safety": 2, "delivery": 4}, {"production": 5, "safety": 2, "delivery": 4}, None, 6.1),
])
def test_priority_formula(effective, compromise, exposure, expected):
    assert priority_score(effective, compromise, exposure) == expected


def test_exposure_raises_priority_and_is_explained():
    p = plant(asset("plc", safety=4), asset("hmi", safety=4))
    r = by_id(p, exposure={"plc": 2, "hmi": None})
    assert r["plc"].priority == 6.6 and r["plc"].exposure == 2  # 4.4 × 1.5
    assert "exposure 2 of 3: priority × 1.5" in r["plc"].reasons
    assert r["hmi"].priority == 4.4 and "exposure unknown (no zone, or zones not analysed): priority × 1" in r["hmi"].reasons
    with pytest.raises(ValueError):
        analyze(p, exposure={"plc": 4})
    with pytest.raises(ValueError):
        analyze(p, exposure={"plc": True})


def test_to_json_is_the_design_shape():
    item = analyze(plant(asset("plc", safety=4)))[0].to_json()
    assert list(item) == ["asset", "blast_radius", "effective", "compromise", "exposure", "priority", "reasons"]
    assert item["effective"] == eff(safety=4) and item["exposure"] is None
    assert isinstance(item["reasons"], list) and all(isinstance(x, str) for x in item["reasons"])


def test_graphs_and_single_queries():
    p = plant(asset("sw"), asset("plc", ["sw"], manages=[]), asset("ews", manages=["plc"]))
    assert set(dependency_graph(p).edges) == {("sw", "plc")}
    assert set(manages_graph(p).edges) == {("ews", "plc")}
    assert dependents(p, "plc") == set() and managed(p, "plc") == set()
    with pytest.raises(KeyError):
        dependents(p, "nope")


def test_dangling_reference_is_an_otrisk_error():
    # a Plant built without the file loader's reference check
    with pytest.raises(OtriskError, match="ghost"):
        analyze(plant(asset("plc", ["ghost"])))


def test_graph_functions_accept_a_condensation_in_any_numbering():
    g = nx.gnp_random_graph(40, 0.08, seed=3, directed=True)
    sccs = list(nx.strongly_connected_components(g))
    for scc in (sccs, sccs[::-1]):  # Tarjan order, and topological order (forces the sort)
        cond = nx.condensation(g, scc=scc)
        assert blast_radius(g, condensation=cond) == {n: len(nx.descendants(g, n) - {n}) for n in g}
        ratings = {n: {"safety": n % 5 + 1} for n in g}
        assert effective_impact(g, ratings, condensation=cond) == effective_impact(g, ratings)


def test_empty_plant():
    assert analyze(plant()) == []
    assert blast_radius(nx.DiGraph()) == {} and effective_impact(nx.DiGraph(), {}) == {}
    assert compromise_impact(nx.DiGraph(), {}) == {}


def test_doctests_run():
    result = doctest.testmod(otrisk.impact, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5 and result.failed == 0


# --- properties --------------------------------------------------------------------------

RATING = st.one_of(st.none(), st.integers(1, 5))


@st.composite
def random_plants(draw):
    n = draw(st.integers(1, 10))
    ids = [f"n{i}" for i in range(n)]
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1])
    deps = draw(st.lists(pairs, max_size=3 * n))
    mans = draw(st.lists(pairs, max_size=n))
    ratings = draw(st.lists(st.fixed_dictionaries({ax: RATING for ax in AXES}), min_size=n, max_size=n))
    return [asset(ids[i], sorted({ids[b] for a, b in deps if a == i}), sorted({ids[b] for a, b in mans if a == i}),
                  **{k: v for k, v in ratings[i].items() if v is not None}) for i in range(n)]


def naive(assets: list[dict]):
    """Definitions of DESIGN.md evaluated by traversal, independently of otrisk.impact."""
    depends_on = nx.DiGraph()  # edge A -> B when A depends on B
    manages = nx.DiGraph()
    for a in assets:
        depends_on.add_node(a["id"])
        manages.add_node(a["id"])
        depends_on.add_edges_from((a["id"], b) for b in a["depends_on"])
        manages.add_edges_from((a["id"], m) for m in a["manages"])
    rating = {a["id"]: a["impact"] for a in assets}

    def top(values):
        known = [v for v in values if v is not None]
        return max(known) if known else None

    deps = {n: nx.ancestors(depends_on, n) - {n} for n in depends_on}
    effective = {n: {ax: top(rating[m].get(ax) for m in deps[n] | {n}) for ax in AXES} for n in deps}
    compromise = {n: {ax: top(effective[m][ax] for m in nx.descendants(manages, n) | {n}) for ax in AXES}
                  for n in deps}
    return {n: len(d) for n, d in deps.items()}, effective, compromise


@settings(max_examples=100, deadline=None)
@given(random_plants())
def test_engine_equals_the_naive_definitions(assets):
    radius, effective, compromise = naive(assets)
    for r in analyze(plant(*assets)):
        assert r.blast_radius == radius[r.asset]
        assert r.effective == effective[r.asset]
        assert r.compromise == compromise[r.asset]
        assert r.priority >= 0.0
        assert (r.priority == 0.0) == (r.effective == NONE and r.compromise == NONE)


@settings(max_examples=100, deadline=None)
@given(random_plants(), st.randoms(use_true_random=False))
def test_order_of_assets_and_lists_never_changes_results(assets, rnd: random.Random):
    shuffled = [dict(a, depends_on=rnd.sample(a["depends_on"], len(a["depends_on"])),
                     manages=rnd.sample(a["manages"], len(a["manages"]))) for a in assets]
    rnd.shuffle(shuffled)
    assert [r.to_json() for r in analyze(plant(*assets))] == [r.to_json() for r in analyze(plant(*shuffled))]


@settings(max_examples=100, deadline=None)
@given(random_plants(), st.data())
def test_raising_a_rating_never_lowers_an_effective_impact(assets, data):
    i = data.draw(st.integers(0, len(assets) - 1))
    axis = data.draw(st.sampled_from(AXES))
    old = assets[i]["impact"].get(axis) or 0
    if old == 5:
        return
    raised = [dict(a) for a in assets]
    raised[i] = dict(assets[i], impact={**assets[i]["impact"], axis: data.draw(st.integers(old + 1, 5))})
    before, after = by_id(plant(*assets)), by_id(plant(*raised))
    for n, r in before.items():
        for ax in AXES:
            for kind in ("effective", "compromise"):
                b, a = getattr(r, kind)[ax], getattr(after[n], kind)[ax]
                assert b is None or (a is not None and a >= b)
        assert after[n].priority >= r.priority


def test_rating_an_unrated_manager_never_lowers_its_priority():
    # unknown axes add nothing, so rating one (even low) can only raise the priority
    unrated = by_id(plant(asset("ews", manages=["plc"]), asset("plc", delivery=2)))["ews"]
    rated = by_id(plant(asset("ews", manages=["plc"], production=1), asset("plc", delivery=2)))["ews"]
    assert unrated.priority == 2.2 and rated.priority == 2.3  # 2 + 0.1 × 2; 2 + 0.1 × (1+2)
    assert unrated.reasons[0] == ("priority 2.2 = (worst 2 + 0.1 × breadth 2) × exposure factor 1; "
                                  "if lost or taken over: production/safety/delivery ?/?/2 "
                                  "(unknown axes add nothing until rated)")


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 25), st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=60))
def test_blast_radius_equals_naive_ancestors_on_random_graphs(n, edges):
    depends_on = nx.DiGraph()  # A -> B when A depends on B
    depends_on.add_nodes_from(range(n))
    depends_on.add_edges_from((a, b) for a, b in edges if a < n and b < n)
    radius = blast_radius(depends_on.reverse(copy=True))
    assert radius == {b: len(nx.ancestors(depends_on, b) - {b}) for b in depends_on}
