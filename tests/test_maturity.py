"""Maturity now, targets, not applicable and progress from dated assessments."""

from __future__ import annotations

import datetime as dt

from otrisk.maturity import Rating, maturity_now, not_applicable_now, progress, target_now
from otrisk.plantfile import loads_plant
from otrisk.reference import load_demo_plant

PLANT = loads_plant("""\
format: otrisk/v1
site: {name: T}
assessments:
  - date: 2025-11-20
    maturity: {CM: 1, "CM 1": 0, NET: 2}
    target: {CM: 3, NET: 3}
    not_applicable: {"NET 2": "no wireless on site"}
  - date: 2026-06-15
    maturity: {CM: 2, "NET 2": 1}
    target: {CM: 2}
""")


def test_latest_rating_with_its_date():
    assert maturity_now(PLANT, "CM") == Rating(2, dt.date(2026, 6, 15))
    assert maturity_now(PLANT, "NET") == Rating(2, dt.date(2025, 11, 20))  # not rated again
    assert maturity_now(PLANT, "CM 1") == Rating(0, dt.date(2025, 11, 20))  # 0 = not implemented, not unknown
    assert maturity_now(PLANT, "ORG") is None                               # never rated: not assessed
    assert maturity_now(PLANT, "CM", as_of=dt.date(2026, 6, 14)) == Rating(1, dt.date(2025, 11, 20))
    assert maturity_now(PLANT, "CM", as_of=dt.date(2025, 1, 1)) is None
    assert target_now(PLANT, "CM") == Rating(2, dt.date(2026, 6, 15))
    assert target_now(PLANT, "NET") == Rating(3, dt.date(2025, 11, 20))


def test_a_later_rating_ends_not_applicable():
    assert not_applicable_now(PLANT, "NET 2", as_of=dt.date(2026, 1, 1)) == "no wireless on site"
    assert not_applicable_now(PLANT, "NET 2") is None
    assert not_applicable_now(PLANT, "CM") is None


def test_progress_counts_unassessed_as_not_done():
    p = progress(PLANT, ["CM", "NET", "ORG"])
    assert (p.done, p.total, p.not_assessed, p.not_applicable) == (1, 2, (), ())  # CM 2>=2, NET 2<3
    assert p.share == 0.5
    with_org = loads_plant("""\
format: otrisk/v1
site: {name: T}
assessments:
  - {date: 2026-06-15, maturity: {CM: 4}, target: {CM: 3, ORG: 2}}
""")
    q = progress(with_org, ["CM", "ORG"])
    assert (q.done, q.total, q.not_assessed) == (1, 2, ("ORG",)) and q.share == 0.5


def test_demo_plant_maturity():
    demo = load_demo_plant()
    latest = demo.assessments[-1]
    for element, level in latest.maturity.items():
        assert maturity_now(demo, element) == Rating(level, latest.date)
