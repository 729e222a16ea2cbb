"""Maturity now, target and progress from the dated assessments (DESIGN.md "Maturity now").

An assessment rates program elements, sub-elements or requirements on the IEC 62443-2-1
maturity scale: 0 = not implemented, 1..4 = ML1..ML4 (absent = not assessed). The
*maturity now* of an id is its value in the latest assessment that rates it, shown with that
assessment's date; never rated = not assessed (None). Targets and "not applicable" are read
the same way: the latest assessment that states them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from otrisk.models import Plant

__all__ = ["Rating", "maturity_now", "target_now", "not_applicable_now", "Progress", "progress"]


@dataclass(frozen=True)
class Rating:
    """A maturity level (0..4) or target with the date of the assessment that set it."""

    level: int
    date: dt.date


def _latest(plant: Plant, field: str, element: str, as_of: dt.date | None):
    for assessment in sorted(plant.assessments, key=lambda a: a.date, reverse=True):
        if as_of is not None and assessment.date > as_of:
            continue
        values = getattr(assessment, field)
        if element in values:
            return values[element], assessment.date
    return None


def maturity_now(plant: Plant, element: str, *, as_of: dt.date | None = None) -> Rating | None:
    """Latest maturity rating of ``element`` on or before ``as_of`` (None: not assessed).

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assessments:
    ...   - {date: 2025-11-20, maturity: {CM: 1, NET: 2}}
    ...   - {date: 2026-06-15, maturity: {CM: 2}}
    ... ''')
    >>> maturity_now(p, "CM"), maturity_now(p, "NET").level, maturity_now(p, "ORG")
    (Rating(level=2, date=datetime.date(2026, 6, 15)), 2, None)
    >>> maturity_now(p, "CM", as_of=dt.date(2026, 1, 1)).level
    1
    """
    found = _latest(plant, "maturity", element, as_of)
    return Rating(*found) if found else None


def target_now(plant: Plant, element: str, *, as_of: dt.date | None = None) -> Rating | None:
    """Latest target maturity of ``element`` on or before ``as_of`` (None: no target set)."""
    found = _latest(plant, "target", element, as_of)
    return Rating(*found) if found else None


def not_applicable_now(plant: Plant, element: str, *, as_of: dt.date | None = None) -> str | None:
    """The justification when ``element`` is not applicable, else None.

    The latest assessment that says anything about ``element`` (a rating or "not
    applicable") decides: a later rating ends an earlier "not applicable".
    """
    for assessment in sorted(plant.assessments, key=lambda a: a.date, reverse=True):
        if as_of is not None and assessment.date > as_of:
            continue
        if element in assessment.not_applicable:
            return assessment.not_applicable[element]
        if element in assessment.maturity:
            return None
    return None


@dataclass(frozen=True)
class Progress:
    """How many ids reached their target.

    ``done`` counts ids rated at or above their target; ``not_assessed`` ids with a target
    but no rating count as not done (DESIGN.md) and are reported; ids marked not applicable
    are left out. ``share`` is ``done / total`` (None when nothing has a target), so it never
    reaches 1.0 while anything is unassessed.
    """

    done: int
    total: int
    not_assessed: tuple[str, ...]
    not_applicable: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return self.done / self.total if self.total else None


def progress(plant: Plant, elements: Iterable[str], *, as_of: dt.date | None = None) -> Progress:
    """Progress towards the targets over ``elements`` (ids), as of a day.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assessments:
    ...   - date: 2026-06-15
    ...     maturity: {CM: 3, NET: 1}
    ...     target: {CM: 3, NET: 3, ORG: 2, DATA: 2}
    ...     not_applicable: {DATA: "no sensitive data kept on site"}
    ... ''')
    >>> progress(p, ["CM", "NET", "ORG", "DATA"])
    Progress(done=1, total=3, not_assessed=('ORG',), not_applicable=('DATA',))
    """
    done, total, unassessed, skipped = 0, 0, [], []
    for element in sorted(set(elements)):
        if not_applicable_now(plant, element, as_of=as_of) is not None:
            skipped.append(element)
            continue
        target = target_now(plant, element, as_of=as_of)
        if target is None:
            continue
        total += 1
        now = maturity_now(plant, element, as_of=as_of)
        if now is None:
            unassessed.append(element)
        elif now.level >= target.level:
            done += 1
    return Progress(done, total, tuple(unassessed), tuple(skipped))
