"""Evidence freshness: the DESIGN.md rule and its edge cases, with hand-computed dates."""

from __future__ import annotations

import datetime as dt

import pytest

from otrisk.evidence import (FRESH, FUTURE, RETIRED, STALE, evidence_freshness, freshness,
                             freshness_warnings)
from otrisk.models import Evidence
from otrisk.plantfile import loads_plant

D = dt.date


def item(**kw) -> Evidence:
    base = {"id": "ev-1", "elements": ["AVAIL 2"], "kind": "operational", "title": "Restore test",
            "collected": D(2026, 1, 10)}
    return Evidence.model_validate({**base, **kw})


@pytest.mark.parametrize(("kw", "as_of", "max_age", "status", "expires"), [
    ({}, D(2026, 1, 10), 90, FRESH, D(2026, 4, 10)),                # collected on the day itself
    ({}, D(2026, 4, 10), 90, FRESH, D(2026, 4, 10)),                # exactly max age: still fresh
    ({}, D(2026, 4, 11), 90, STALE, D(2026, 4, 10)),                # one day over
    ({}, D(2026, 1, 9), 90, FUTURE, D(2026, 4, 10)),                # collected after the as-of day
    ({"valid_until": D(2026, 2, 1)}, D(2026, 2, 1), 5, FRESH, D(2026, 2, 1)),   # valid_until inclusive, beats max age
    ({"valid_until": D(2026, 2, 1)}, D(2026, 2, 2), 400, STALE, D(2026, 2, 1)),  # expired although max age is long
    ({"valid_until": D(2027, 1, 1)}, D(2026, 1, 9), 90, FUTURE, D(2027, 1, 1)),  # future beats valid_until
    ({"retired": True}, D(2026, 1, 20), 90, RETIRED, D(2026, 4, 10)),          # retired never counts
])
def test_freshness_rule(kw, as_of, max_age, status, expires):
    f = freshness(item(**kw), "AVAIL 2", as_of=as_of, max_age_days=max_age)
    assert (f.status, f.expires, f.fresh) == (status, expires, status == FRESH)
    assert f.age_days == (as_of - D(2026, 1, 10)).days
    assert f.max_age_days == (None if "valid_until" in kw else max_age)


def test_freshness_is_per_element_of_the_item():
    plant = loads_plant("""\
format: otrisk/v1
site: {name: T}
evidence:
  - {id: ev-b, elements: [EVENT 1, AVAIL 2], kind: operational, title: Log and restore, collected: 2026-01-01}
  - {id: ev-a, elements: [ORG 1], kind: organizational, title: Policy, collected: 2027-01-01}
""")
    ages = {"EVENT 1": 31, "AVAIL 2": 400, "ORG 1": 730}
    results = evidence_freshness(plant, as_of=D(2026, 3, 1), max_age=ages.__getitem__)
    assert [(f.evidence, f.element, f.status) for f in results] == [
        ("ev-a", "ORG 1", FUTURE),
        ("ev-b", "AVAIL 2", FRESH),   # 59 days <= 400
        ("ev-b", "EVENT 1", STALE),   # 59 days > 31
    ]
    assert freshness_warnings(results) == [
        "evidence ev-a: collected 2027-01-01 is after 2026-03-01: not yet fresh (check the date)"]


def test_collected_at_the_end_of_the_calendar_does_not_overflow():
    ev = Evidence(id="ev-far", elements=["AVAIL 2"], kind="operational", title="Typo year",
                  collected=dt.date(9999, 12, 30))
    f = freshness(ev, "AVAIL 2", as_of=dt.date(2026, 11, 30), max_age_days=400)
    assert (f.status, f.expires) == ("future", dt.date.max)
    assert freshness(ev, "AVAIL 2", as_of=dt.date(9999, 12, 31), max_age_days=400).status == "fresh"
