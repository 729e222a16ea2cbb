"""Benchmark of zone reachability, exposure and the architecture rules on a synthetic plant.

Run:  python bench/bench_zones.py [--zones 500] [--conduits 5000] [--assets 20000] [--seed 7]

Synthetic plant (issue 4): Z zones with kinds in Purdue proportions (1 % external, 1 %
remote access, 5 % enterprise, 3 % DMZ, 20 % supervisory, 50 % control, 10 % safety, 10 %
field); C conduits between random zone pairs, 60 % both ways, 30 % forward, 10 % reverse, 5 %
unapproved, 2 % one-way; N assets spread over the zones, each depending on 2 assets (80 % in
its own zone), 3 % multi-homed, 1 % without a zone, ratings 1..5 with probability 0.6.

Printed: the time of one ``nx.condensation`` of the zone graph (the unit), of all reach sets
(:func:`otrisk.zones.reach_sets`), of zone exposure, and of all rules
(:func:`otrisk.rules.run_rules`, impact analysis given), each also as a ratio to the unit.

Targets (issue 4): all reach sets <= 20x one condensation, and all rules <= 60 s on this 2-core
machine at 500 zones / 5,000 conduits / 20,000 assets. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otrisk.impact import analyze  # noqa: E402
from otrisk.models import AXES, Asset, Conduit, Impact, Interface, Plant, Site, Zone  # noqa: E402
from otrisk.zones import asset_exposure, reach_sets, zone_exposure, zone_graph  # noqa: E402

KINDS = [("external", 0.01), ("remote_access", 0.01), ("enterprise", 0.05), ("dmz", 0.03),
         ("supervisory", 0.20), ("control", 0.50), ("safety", 0.10), ("field", 0.10)]
PURDUE = {"external": 5, "remote_access": 3.5, "enterprise": 4, "dmz": 3.5, "supervisory": 2, "control": 1,
          "safety": 1, "field": 0}
REACH_TARGET_RATIO = 20.0
RULES_TARGET_SECONDS = 60.0


def synthetic(n_zones: int, n_conduits: int, n_assets: int, seed: int) -> Plant:
    rnd = random.Random(seed)
    kinds = rnd.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS], k=n_zones)
    zones = [Zone(id=f"z{i:04d}", name=f"Zone {i}", kind=k, purdue_level=PURDUE[k], sl_target=rnd.randint(1, 3),
                  sl_achieved=rnd.randint(1, 3), owner=None if rnd.random() < 0.05 else "Ops")
             for i, k in enumerate(kinds)]
    ids = [z.id for z in zones]
    conduits = []
    for j in range(n_conduits):
        a, b = rnd.sample(ids, 2)
        direction = rnd.choices(["both", "forward", "reverse"], weights=[6, 3, 1])[0]
        one_way = direction != "both" and rnd.random() < 0.02
        conduits.append(Conduit(id=f"c{j:05d}", zones=[a, b], direction=direction, one_way=one_way,
                                approved=rnd.random() >= 0.05, sl_target=rnd.randint(1, 3)))
    assets = []
    per_zone: dict[str, list[str]] = {}
    for i in range(n_assets):
        aid = f"a{i:06d}"
        zone = None if rnd.random() < 0.01 else rnd.choice(ids)
        deps = []
        if i:
            for _ in range(2):
                local = per_zone.get(zone or "", [])
                deps.append(rnd.choice(local) if local and rnd.random() < 0.8 else f"a{rnd.randrange(i):06d}")
        interfaces = [Interface(zone=rnd.choice(ids))] if rnd.random() < 0.03 else []
        assets.append(Asset(id=aid, name=aid, type="plc", zone=zone, depends_on=sorted(set(deps)),
                            interfaces=interfaces,
                            impact=Impact(**{ax: rnd.randint(1, 5) if rnd.random() < 0.6 else None for ax in AXES})))
        per_zone.setdefault(zone or "", []).append(aid)
    return Plant.model_construct(format="otrisk/v1", site=Site(name="bench"), zones=zones, conduits=conduits,
                                 assets=assets, evidence=[], assessments=[], accepted_findings=[], actions=[])


def timed(fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--conduits", type=int, default=5000)
    parser.add_argument("--assets", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    plant = synthetic(args.zones, args.conduits, args.assets, args.seed)
    graph = zone_graph(plant)
    t_cond, _ = timed(lambda: nx.condensation(graph))
    t_reach, sets = timed(lambda: reach_sets(graph))
    t_exposure, _ = timed(lambda: zone_exposure(plant))
    impacts = analyze(plant, exposure=asset_exposure(plant))
    print(f"plant: {args.zones} zones, {args.conduits} conduits, {args.assets} assets; "
          f"mean reach set {sum(map(len, sets.values())) / len(sets):.0f} zones")
    print(f"one nx.condensation of the zone graph: {t_cond * 1000:8.1f} ms (unit)")
    print(f"all reach sets:                       {t_reach * 1000:8.1f} ms  ({t_reach / t_cond:5.1f}x)")
    print(f"zone exposure:                        {t_exposure * 1000:8.1f} ms  ({t_exposure / t_cond:5.1f}x)")
    ok = t_reach / t_cond <= REACH_TARGET_RATIO
    try:
        from otrisk.rules import run_rules
    except ImportError:
        print("rules: otrisk.rules not available")
        return 0 if ok else 1
    t_rules, findings = timed(lambda: run_rules(plant, impacts=impacts), repeat=1)
    print(f"all rules:                            {t_rules * 1000:8.1f} ms  ({t_rules / t_cond:5.1f}x), "
          f"{len(findings)} findings")
    ok = ok and t_rules <= RULES_TARGET_SECONDS
    if not ok:
        print(f"FAIL: targets are reach sets <= {REACH_TARGET_RATIO}x condensation, rules <= {RULES_TARGET_SECONDS} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
