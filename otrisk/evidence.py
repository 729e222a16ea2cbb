"""Evidence freshness (DESIGN.md, "Semantics every test may rely on" → Freshness).

An evidence item supports one or more IEC 62443-2-1 program elements, sub-elements or
requirements (its ``elements``). Freshness is judged per pair (item, element), because the
maximum age depends on what the evidence is for: an annual restore test is not stale after
90 days, an event-log review is.

Rule, for day D:

* a retired item never counts (status ``retired``);
* ``collected`` after D: the item is not yet fresh, and it is a warning (status ``future``);
* else fresh when ``D <= valid_until`` (inclusive), or, without ``valid_until``, when
  ``D - collected <= max age`` of the element (days, from ``data/``); otherwise ``stale``.

Dates are calendar days (no time of day); D defaults to today in UTC at the edges
(CLI ``--as-of``, pages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from otrisk.models import Evidence, Plant

__all__ = ["FRESH", "STALE", "FUTURE", "RETIRED", "Freshness", "freshness", "evidence_freshness",
           "freshness_warnings", "today_utc"]

FRESH, STALE, FUTURE, RETIRED = "fresh", "stale", "future", "retired"


def today_utc() -> dt.date:
    """Today's date in UTC: the default ``--as-of`` day."""
    return dt.datetime.now(dt.timezone.utc).date()


@dataclass(frozen=True)
class Freshness:
    """Freshness of one evidence item for one element on one day.

    Attributes
    ----------
    evidence : str
        Evidence item id.
    element : str
        Element, sub-element or requirement id the item supports (e.g. ``AVAIL 2``).
    status : str
        ``fresh``, ``stale``, ``future`` (collected after the as-of day) or ``retired``.
    age_days : int
        As-of day minus ``collected``, in days (negative for ``future``).
    max_age_days : int | None
        The element's maximum evidence age used, in days; None when ``valid_until`` decides.
    expires : datetime.date
        Last day the item is fresh: ``valid_until``, else ``collected + max_age_days``.
    reason : str
        One plain sentence saying why.
    """

    evidence: str
    element: str
    status: str
    age_days: int
    max_age_days: int | None
    expires: dt.date
    reason: str

    @property
    def fresh(self) -> bool:
        return self.status == FRESH


def freshness(item: Evidence, element: str, *, as_of: dt.date, max_age_days: int) -> Freshness:
    """Freshness of ``item`` for ``element`` on day ``as_of`` (DESIGN.md rule, see module doc).

    Parameters
    ----------
    item : Evidence
    element : str
        One of ``item.elements``.
    as_of : datetime.date
        The day D.
    max_age_days : int
        Maximum age of evidence for ``element``, in days (``data/iec62443_2_1.yaml``);
        ignored when the item has ``valid_until``.

    Examples
    --------
    >>> import datetime as dt
    >>> ev = Evidence(id="ev-1", elements=["AVAIL 2"], kind="operational", title="Restore test",
    ...               collected=dt.date(2026, 1, 10))
    >>> freshness(ev, "AVAIL 2", as_of=dt.date(2026, 4, 10), max_age_days=90).status
    'fresh'
    >>> freshness(ev, "AVAIL 2", as_of=dt.date(2026, 4, 11), max_age_days=90).reason
    'collected 2026-01-10, 91 days old on 2026-04-11; AVAIL 2 accepts at most 90 days'
    >>> freshness(ev, "AVAIL 2", as_of=dt.date(2026, 1, 9), max_age_days=90).status
    'future'
    """
    age = (as_of - item.collected).days
    if item.valid_until is not None:
        expires, limit = item.valid_until, None
    else:
        limit = max_age_days
        try:
            expires = item.collected + dt.timedelta(days=max_age_days)
        except OverflowError:  # collected near 9999-12-31: fresh to the end of the calendar
            expires = dt.date.max
    if item.retired:
        return Freshness(item.id, element, RETIRED, age, limit, expires, "retired: kept for history, never counts")
    if age < 0:
        return Freshness(item.id, element, FUTURE, age, limit, expires,
                         f"collected {item.collected} is after {as_of}: not yet fresh (check the date)")
    if item.valid_until is not None:
        ok = as_of <= item.valid_until
        reason = (f"valid until {item.valid_until}" if ok
                  else f"expired: valid until {item.valid_until}, {(as_of - item.valid_until).days} days before {as_of}")
    else:
        ok = age <= max_age_days
        reason = (f"collected {item.collected}, {age} days old on {as_of}; "
                  f"{element} accepts at most {max_age_days} days")
    return Freshness(item.id, element, FRESH if ok else STALE, age, limit, expires, reason)


def _default_max_age(element: str) -> int:
    from otrisk.reference import max_evidence_age_days

    return max_evidence_age_days(element)


def evidence_freshness(plant: Plant, *, as_of: dt.date,
                       max_age: Callable[[str], int] = _default_max_age) -> list[Freshness]:
    """Freshness of every (evidence item, element) pair of the plant's register.

    Parameters
    ----------
    plant : Plant
    as_of : datetime.date
    max_age : callable
        ``element id -> maximum evidence age in days``; default: the reference data.

    Returns
    -------
    list[Freshness]
        Sorted by evidence id, then element id.
    """
    out = [freshness(item, element, as_of=as_of, max_age_days=max_age(element))
           for item in plant.evidence for element in item.elements]
    return sorted(out, key=lambda f: (f.evidence, f.element))


def freshness_warnings(results: Iterable[Freshness]) -> list[str]:
    """One warning per evidence item collected after the as-of day (DESIGN.md: a warning)."""
    seen: dict[str, str] = {}
    for f in results:
        if f.status == FUTURE:
            seen.setdefault(f.evidence, f"evidence {f.evidence}: {f.reason}")
    return [seen[k] for k in sorted(seen)]
