"""Benchmark of the program map (otrisk.readiness) on synthetic plants.

Run:  python bench/bench_readiness.py [--sizes 1000 10000] [--evidence-per-asset 0.4] [--seed 7]

Synthetic plant of N assets in N/50 zones: asset i depends on 2 earlier assets of its zone
and 1 anywhere before it, 5% manage 5 random assets, each axis rated 1..5 with probability
0.6. Evidence: ``0.4 × N`` items, each filed against 1..3 random sub-elements or
requirements, operational or organizational, collected 0..700 days before the as-of day,
covering 1..5 random assets or zones (10% the whole site). Two assessments rate every
element and sub-element.

Target (issue 3: the pages recompute the map when the as-of day changes): the whole map
(``readiness`` without the impact analysis, which ``otrisk.ui.cache`` already holds) at
10,000 assets and 4,000 evidence items <= 5 s on this 2-core machine. Exit status 1 when it
fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otrisk.impact import analyze  # noqa: E402
from otrisk.models import AXES, Assessment, Asset, Evidence, Impact, Plant, Site, Zone  # noqa: E402
from otrisk.readiness import readiness  # noqa: E402
from otrisk.reference import program_elements  # noqa: E402

AS_OF = dt.date(2026, 11, 30)
TARGET_SECONDS = 5.0


def synthetic(n: int, evidence_per_asset: float, seed: int) -> Plant:
    rnd = random.Random(seed)
    zones = [f"z{j:03d}" for j in range(max(1, n // 50))]
    ids = [f"a{i:06d}" for i in range(n)]
    subs = [s.id for e in program_elements() for s in e.sub_elements]
    reqs = [r.id for e in program_elements() for s in e.sub_elements for r in s.requirements]
    assets = []
    for i, aid in enumerate(ids):
        zone = zones[i * len(zones) // n]
        deps = set()
        if i:
            deps.update(ids[rnd.randrange(max(0, i - 50), i)] for _ in range(2))
            deps.add(ids[rnd.randrange(i)])
        manages = rnd.sample(ids, 5) if rnd.random() < 0.05 else []
        assets.append(Asset(id=aid, name=aid, type="plc", zone=zone, depends_on=sorted(deps),
                            manages=[m for m in manages if m != aid],
                            impact=Impact(**{ax: rnd.randint(1, 5) if rnd.random() < 0.6 else None for ax in AXES})))
    evidence = []
    for k in range(int(n * evidence_per_asset)):
        covers = [] if rnd.random() < 0.1 else sorted({rnd.choice(ids) if rnd.random() < 0.7 else f"zone:{rnd.choice(zones)}"
                                                       for _ in range(rnd.randint(1, 5))})
        evidence.append(Evidence(id=f"ev{k:06d}", elements=sorted(set(rnd.choices(subs + reqs, k=rnd.randint(1, 3)))),
                                 kind=rnd.choice(["operational", "organizational"]), title=f"item {k}",
                                 collected=AS_OF - dt.timedelta(days=rnd.randint(0, 700)), covers=covers))
    every = [i for e in program_elements() for i in (e.id, *(s.id for s in e.sub_elements))]
    assessments = [Assessment(date=d, maturity={i: rnd.randint(0, 4) for i in every},
                              target={e.id: 3 for e in program_elements()})
                   for d in (dt.date(2025, 11, 20), dt.date(2026, 6, 15))]
    return Plant.model_construct(format="otrisk/v1", site=Site(name="bench"),
                                 zones=[Zone(id=z, name=z, kind="control") for z in zones], conduits=[],
                                 assets=assets, evidence=evidence, assessments=assessments,
                                 accepted_findings=[], actions=[])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--evidence-per-asset", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    ok = True
    for n in args.sizes:
        plant = synthetic(n, args.evidence_per_asset, args.seed)
        t0 = time.perf_counter()
        impacts = analyze(plant)
        t1 = time.perf_counter()
        report = readiness(plant, as_of=AS_OF, impacts=impacts)
        t2 = time.perf_counter()
        high = len(report.strengthen_first[0].assets) if report.strengthen_first else 0
        print(f"{n:>7} assets, {len(plant.evidence):>6} evidence: impact {t1 - t0:6.2f} s, "
              f"readiness {t2 - t1:6.2f} s; first item {report.strengthen_first[0].id if report.strengthen_first else '-'} "
              f"with {high} uncovered high-impact assets")
        if n >= 10000 and t2 - t1 > TARGET_SECONDS:
            print(f"FAIL: readiness at {n} assets took {t2 - t1:.2f} s > {TARGET_SECONDS} s")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
