"""Progress over time: the maturity trend and two assessments compared.

The ids looked at are the eight IEC 62443-2-1 program elements and their sub-elements
(:func:`otrisk.assessments.program_ids`, 24 ids in the standard's order). Everything follows DESIGN.md:

* **maturity on a date** is *maturity now* as of that date (the latest assessment dated on
  or before it that rates the id); the trend also shows what each assessment itself rated;
* a **comparison** of two assessment dates B < A ("since the last workshop") judges the
  *plant as it is stored today* as of each date: assessments and evidence by their dates
  (freshness on B and on A), while assets, ratings, actions and the retired flag are
  today's (the plant file keeps no history of them). Actions are listed by today's status;
* **progress** counts ids with a target; not-assessed ones count as not done and are
  named, not-applicable ones are left out (:func:`otrisk.readiness.report_progress`, with
  the targets and maturities the map shows). The share is rounded *down*, so it shows
  100 % only when every id with a target reached it.

Every entry of a comparison carries a one-line ``text`` a page or report shows as is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from otrisk.assessments import id_names, program_ids
from otrisk.errors import OtriskError
from otrisk.evidence import FRESH, evidence_freshness
from otrisk.maturity import (
    Progress,
    maturity_now,
    not_applicable_now,
    target_now,
)
from otrisk.models import Action, Plant
from otrisk.readiness import ReadinessReport, overdue_actions, readiness, report_progress
from otrisk.reference import program_elements

__all__ = [
    "UP", "DOWN", "SAME", "NEWLY_ASSESSED", "NOT_ASSESSED", "NO_LONGER_APPLICABLE",
    "APPLICABLE_AGAIN", "NOT_APPLICABLE", "RESOLVED", "NEW", "HIGHER", "LOWER", "UNCHANGED",
    "percent_done", "progress_text",
    "TrendRow", "Trend", "trend",
    "MaturityMove", "TargetChange", "EvidenceChange", "StrengthenChange", "ActionEntry",
    "Comparison", "compare_assessments",
]

# Maturity move kinds.
UP, DOWN, SAME = "up", "down", "same"
NEWLY_ASSESSED, NOT_ASSESSED = "newly assessed", "not assessed"
NO_LONGER_APPLICABLE, APPLICABLE_AGAIN, NOT_APPLICABLE = "no longer applicable", "applicable again", "not applicable"
# Strengthen-first change kinds.
RESOLVED, NEW, HIGHER, LOWER, UNCHANGED = "resolved", "new", "higher", "lower", "unchanged"



def percent_done(p: Progress) -> int | None:
    """``done / total`` in whole per cent, rounded down (None when nothing has a target).

    Rounded down so 199 of 200 reads 99 %, never 100 %: 100 % means every id is done.

    Examples
    --------
    >>> percent_done(Progress(199, 200, ("CM",), ())), percent_done(Progress(0, 0, (), ()))
    (99, None)
    """
    return math.floor(100 * p.done / p.total) if p.total else None


def progress_text(p: Progress) -> str:
    """One line: done of total with the share, then the not assessed and not applicable ids.

    Examples
    --------
    >>> progress_text(Progress(1, 3, ("ORG",), ("DATA",)))
    '1 of 3 ids with a target reached it (33 %); 1 not assessed, counted as not done: ORG; 1 not applicable, left out: DATA'
    """
    if not p.total:
        head = "no id has a target yet"
    else:
        head = f"{p.done} of {p.total} ids with a target reached it ({percent_done(p)} %)"
    parts = [head]
    if p.not_assessed:
        parts.append(f"{len(p.not_assessed)} not assessed, counted as not done: {', '.join(p.not_assessed)}")
    if p.not_applicable:
        parts.append(f"{len(p.not_applicable)} not applicable, left out: {', '.join(p.not_applicable)}")
    return "; ".join(parts)


# --- Trend ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    """One id over the assessment dates of :class:`Trend` (tuples aligned with its ``dates``).

    ``rated``: the level that assessment gave (None: not assessed in that one); ``now``: the
    maturity now on that date (carried forward from earlier assessments; None: never rated
    by then or not applicable). ``target`` is the target now (latest assessment that sets
    one for this very id; None: none).
    """

    id: str
    name: str
    element: str
    is_element: bool
    rated: tuple[int | None, ...]
    now: tuple[int | None, ...]
    target: int | None


@dataclass(frozen=True)
class Trend:
    """Maturity per assessment date for every element and sub-element.

    Shapes: ``dates`` and ``names`` have one entry per assessment, oldest first; ``rows``
    one :class:`TrendRow` per id of :func:`program_ids`.
    """

    dates: tuple[dt.date, ...]
    names: tuple[str | None, ...]
    rows: tuple[TrendRow, ...]

    def row(self, element_id: str) -> TrendRow:
        """The row of ``element_id`` (KeyError if none)."""
        for r in self.rows:
            if r.id == element_id:
                return r
        raise KeyError(element_id)


def trend(plant: Plant) -> Trend:
    """Maturity of every element and sub-element on every assessment date, with the targets.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assessments:
    ...   - {date: 2025-11-20, maturity: {CM: 1, NET: 2}, target: {CM: 3}}
    ...   - {date: 2026-06-15, maturity: {CM: 2}}
    ... ''')
    >>> t = trend(p)
    >>> t.dates
    (datetime.date(2025, 11, 20), datetime.date(2026, 6, 15))
    >>> t.row("CM").rated, t.row("CM").target, t.row("NET").rated, t.row("NET").now
    ((1, 2), 3, (2, None), (2, 2))
    """
    assessments = sorted(plant.assessments, key=lambda a: a.date)
    names = id_names()
    rows = []
    for element in program_elements():
        for i in (element.id, *(s.id for s in element.sub_elements)):
            now = []
            for a in assessments:
                rating = maturity_now(plant, i, as_of=a.date)
                na = not_applicable_now(plant, i, as_of=a.date)
                now.append(rating.level if rating and na is None else None)
            target = target_now(plant, i)
            rows.append(TrendRow(i, names[i], element.id, i == element.id,
                                 tuple(a.maturity.get(i) for a in assessments), tuple(now),
                                 target.level if target else None))
    return Trend(tuple(a.date for a in assessments), tuple(a.name for a in assessments), tuple(rows))


# --- Comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class MaturityMove:
    """Maturity of one id on the earlier date B and the later date A.

    ``before``/``after`` are maturity now (0..4, None: not assessed) with the date of the
    assessment that set it; ``kind`` is one of up, down, same, newly assessed, not assessed,
    no longer applicable, applicable again, not applicable.
    """

    id: str
    name: str
    element: str
    before: int | None
    before_date: dt.date | None
    after: int | None
    after_date: dt.date | None
    kind: str
    text: str

    @property
    def change(self) -> int | None:
        """``after - before`` when both are rated and applicable, else None."""
        if self.kind in (UP, DOWN, SAME):
            return self.after - self.before
        return None


@dataclass(frozen=True)
class TargetChange:
    """A target that differs between the two dates (None: no target)."""

    id: str
    name: str
    before: int | None
    after: int | None
    text: str


@dataclass(frozen=True)
class EvidenceChange:
    """An evidence item collected between the dates, or one that went stale between them.

    ``elements``: for an added item every id it is filed under; for a stale one the ids it
    was fresh for on B and is not on A. ``last_fresh``: the last day it was fresh for them.
    """

    id: str
    title: str
    kind: str
    collected: dt.date
    elements: tuple[str, ...]
    retired: bool
    last_fresh: dt.date | None
    text: str


@dataclass(frozen=True)
class StrengthenChange:
    """A sub-element of the strengthen-first list on B, on A, or both.

    Scores are None where the sub-element is not applicable; a score of 0 is off the list.
    Ranks are positions in the list (1 = strengthen first), None when off it.
    """

    id: str
    name: str
    kind: str
    score_before: float | None
    score_after: float | None
    rank_before: int | None
    rank_after: int | None
    text: str

    @property
    def change(self) -> float | None:
        """``score_after - score_before`` (rounded to 3 decimals) when both are known."""
        if self.score_before is None or self.score_after is None:
            return None
        return round(self.score_after - self.score_before, 3)


@dataclass(frozen=True)
class ActionEntry:
    """An action as recorded today (id, title, owner, due, status, elements) with a line of text."""

    id: str
    title: str
    owner: str | None
    due: dt.date | None
    status: str
    elements: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Comparison:
    """Two assessments compared (see :func:`compare_assessments`).

    ``moves`` has one entry per id of :func:`program_ids`; the other lists only what changed,
    each in a stable order (evidence by date then id, strengthen-first by rank then id).
    """

    before: dt.date
    after: dt.date
    before_name: str | None
    after_name: str | None
    moves: tuple[MaturityMove, ...]
    targets_changed: tuple[TargetChange, ...]
    progress_before: Progress
    progress_after: Progress
    evidence_added: tuple[EvidenceChange, ...]
    evidence_stale: tuple[EvidenceChange, ...]
    strengthen_resolved: tuple[StrengthenChange, ...]
    strengthen_new: tuple[StrengthenChange, ...]
    strengthen_moved: tuple[StrengthenChange, ...]
    actions_done: tuple[ActionEntry, ...]
    actions_overdue: tuple[ActionEntry, ...]

    def move(self, element_id: str) -> MaturityMove:
        """The maturity move of ``element_id`` (KeyError if none)."""
        for m in self.moves:
            if m.id == element_id:
                return m
        raise KeyError(element_id)

    def summary(self) -> list[str]:
        """A few plain lines for the top of a page or report."""
        count = {k: sum(1 for m in self.moves if m.kind == k) for k in (UP, DOWN, NEWLY_ASSESSED, NO_LONGER_APPLICABLE)}
        return [
            (f"{self.before} → {self.after}: maturity up for {count[UP]} ids, down for {count[DOWN]}, "
             f"newly assessed {count[NEWLY_ASSESSED]}, no longer applicable {count[NO_LONGER_APPLICABLE]}"),
            f"progress on {self.before}: {progress_text(self.progress_before)}",
            f"progress on {self.after}: {progress_text(self.progress_after)}",
            f"evidence: {len(self.evidence_added)} items collected in between, {len(self.evidence_stale)} went stale",
            (f"strengthen first: {len(self.strengthen_resolved)} resolved, {len(self.strengthen_new)} new, "
             f"{len(self.strengthen_moved)} on both lists"),
            f"actions: {len(self.actions_done)} done, {len(self.actions_overdue)} overdue on {self.after}",
        ]


def _dates_problem(plant: Plant, wanted: Iterable[dt.date]) -> str | None:
    dates = [a.date for a in plant.assessments]
    missing = [d for d in wanted if d not in dates]
    if not missing:
        return None
    have = ", ".join(d.isoformat() for d in sorted(dates)) or "none"
    return f"no assessment dated {', '.join(d.isoformat() for d in missing)}; assessment dates: {have}"


def _move(plant: Plant, i: str, name: str, element: str, before: dt.date, after: dt.date) -> MaturityMove:
    b, a = maturity_now(plant, i, as_of=before), maturity_now(plant, i, as_of=after)
    na_b, na_a = not_applicable_now(plant, i, as_of=before), not_applicable_now(plant, i, as_of=after)
    label = f"{i} {name}"

    def shown(r, on: dt.date) -> str:
        return f"{r.level} ({r.date})" if r else f"not assessed on {on}"

    if na_b is not None and na_a is not None:
        kind, text = NOT_APPLICABLE, f"{label}: not applicable on both dates: {na_a}"
    elif na_a is not None:
        kind, text = NO_LONGER_APPLICABLE, f"{label}: {shown(b, before)} → not applicable on {after}: {na_a}"
    elif na_b is not None:
        kind, text = APPLICABLE_AGAIN, f"{label}: not applicable on {before} → {shown(a, after)}"
    elif a is None:
        kind, text = NOT_ASSESSED, f"{label}: not assessed on either date"
    elif b is None:
        kind, text = NEWLY_ASSESSED, f"{label}: not assessed on {before} → {a.level} ({a.date}), newly assessed"
    elif a.date == b.date:
        kind, text = SAME, f"{label}: {b.level} ({b.date}), not rated again by {after}"
    else:
        kind = UP if a.level > b.level else DOWN if a.level < b.level else SAME
        word = {UP: f"up {a.level - b.level}", DOWN: f"down {b.level - a.level}", SAME: "unchanged"}[kind]
        text = f"{label}: {b.level} ({b.date}) → {a.level} ({a.date}), {word}"
    # An id not applicable on a date has no maturity there, whatever an older rating said.
    before_rating = None if na_b is not None else b
    after_rating = None if na_a is not None else a
    return MaturityMove(i, name, element, before_rating.level if before_rating else None,
                        before_rating.date if before_rating else None,
                        after_rating.level if after_rating else None,
                        after_rating.date if after_rating else None, kind, text)


def _evidence_added(plant: Plant, before: dt.date, after: dt.date) -> list[EvidenceChange]:
    out = []
    for e in sorted(plant.evidence, key=lambda e: (e.collected, e.id)):
        if before < e.collected <= after:
            note = "; retired since, never counts" if e.retired else ""
            out.append(EvidenceChange(e.id, e.title, e.kind, e.collected, tuple(e.elements), e.retired, None,
                                      f"{e.id} ({e.kind}) {e.title}: collected {e.collected}, "
                                      f"filed under {', '.join(e.elements)}{note}"))
    return out


def _evidence_stale(plant: Plant, before: dt.date, after: dt.date) -> list[EvidenceChange]:
    then = {(f.evidence, f.element): f for f in evidence_freshness(plant, as_of=before)}
    now = {(f.evidence, f.element): f for f in evidence_freshness(plant, as_of=after)}
    out = []
    for e in plant.evidence:
        gone = [el for el in e.elements if then[(e.id, el)].status == FRESH and now[(e.id, el)].status != FRESH]
        if gone:
            last = max(now[(e.id, el)].expires for el in gone)
            out.append(EvidenceChange(e.id, e.title, e.kind, e.collected, tuple(gone), e.retired, last,
                                      f"{e.id} ({e.kind}) {e.title}: fresh on {before} for {', '.join(gone)}, "
                                      f"stale on {after} (collected {e.collected}, last fresh day {last})"))
    return sorted(out, key=lambda c: (c.last_fresh, c.id))


def _strengthen(r_before: ReadinessReport, r_after: ReadinessReport) -> tuple[list, list, list]:
    rank_b = {s.id: n for n, s in enumerate(r_before.strengthen_first, 1)}
    rank_a = {s.id: n for n, s in enumerate(r_after.strengthen_first, 1)}
    b_date = r_before.as_of

    def score(report: ReadinessReport, i: str) -> float | None:
        s = report.sub_element(i).score
        return s.score if s is not None else None

    def why(report: ReadinessReport, i: str) -> str:
        s = report.sub_element(i)
        return f"not applicable on {report.as_of}" if s.score is None else f"score {s.score.formula()} on {report.as_of}"

    resolved, new, moved = [], [], []
    for i in sorted(rank_b, key=rank_b.__getitem__):
        sb, sa = score(r_before, i), score(r_after, i)
        name = r_before.sub_element(i).name
        if i not in rank_a:
            resolved.append(StrengthenChange(i, name, RESOLVED, sb, sa, rank_b[i], None,
                                             f"{i} {name}: off the list (rank {rank_b[i]}, score {sb:g} on {b_date}; "
                                             f"{why(r_after, i)})"))
            continue
        kind = HIGHER if sa > sb else LOWER if sa < sb else UNCHANGED
        delta = f"{round(sa - sb, 3):+g}" if sa != sb else "no change"
        moved.append(StrengthenChange(i, name, kind, sb, sa, rank_b[i], rank_a[i],
                                      f"{i} {name}: score {sb:g} → {sa:g} ({delta}), "
                                      f"rank {rank_b[i]} → {rank_a[i]}"))
    for i in sorted(set(rank_a) - set(rank_b), key=rank_a.__getitem__):
        sb, sa = score(r_before, i), score(r_after, i)
        name = r_after.sub_element(i).name
        new.append(StrengthenChange(i, name, NEW, sb, sa, None, rank_a[i],
                                    f"{i} {name}: new on the list at rank {rank_a[i]} ({why(r_after, i)}; "
                                    f"{why(r_before, i)})"))
    moved.sort(key=lambda c: (c.rank_after, c.id))
    return resolved, new, moved


def _action(a: Action, text: str) -> ActionEntry:
    return ActionEntry(a.id, a.title, a.owner, a.due, a.status, tuple(a.elements), text)


def _actions(plant: Plant, after: dt.date) -> tuple[list[ActionEntry], list[ActionEntry]]:
    def tail(a: Action) -> str:
        return ", ".join(x for x in (f"due {a.due}" if a.due else "no due date", a.owner) if x)

    done = [_action(a, f"{a.id} {a.title}: done ({tail(a)})")
            for a in sorted(plant.actions, key=lambda a: (a.due or dt.date.max, a.id)) if a.status == "done"]
    late = [_action(a, f"{a.id} {a.title}: {a.status.replace('_', ' ')}, {(after - a.due).days} days overdue "
                       f"on {after} ({tail(a)})")
            for a in overdue_actions(plant, as_of=after)]
    return done, late


def compare_assessments(plant: Plant, before: dt.date, after: dt.date, *,
                        reports: tuple[ReadinessReport, ReadinessReport] | None = None) -> Comparison:
    """What changed between two assessments ("since the last workshop").

    Parameters
    ----------
    plant : Plant
        The plant as stored today (see the module docstring for what is judged by date).
    before, after : datetime.date
        Dates of two of the plant's assessments, ``before < after``.
    reports : (ReadinessReport, ReadinessReport), optional
        :func:`otrisk.readiness.readiness` of the plant on ``before`` and on ``after`` (the
        pages pass their cached ones); computed when omitted.

    Returns
    -------
    Comparison
        Maturity moves (24 ids), targets changed, progress on both dates, evidence collected
        in ``(before, after]`` and evidence fresh on ``before`` but not on ``after``, the
        strengthen-first list compared (resolved, new, on both with the score change),
        actions done (today's status) and actions overdue on ``after``.

    Raises
    ------
    OtriskError
        When a date is no assessment date (the message lists the dates there are), or
        ``before`` is not earlier than ``after``.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assessments:
    ...   - {date: 2025-11-20, maturity: {CM: 1}, target: {CM: 2, NET: 2}}
    ...   - {date: 2026-06-15, maturity: {CM: 2, NET: 1}}
    ... ''')
    >>> c = compare_assessments(p, dt.date(2025, 11, 20), dt.date(2026, 6, 15))
    >>> c.move("CM").text
    'CM Configuration management: 1 (2025-11-20) → 2 (2026-06-15), up 1'
    >>> c.move("NET").kind, c.progress_before.done, c.progress_after.done  # CM and CM 1 (takes CM's)
    ('newly assessed', 0, 2)
    >>> compare_assessments(p, dt.date(2026, 1, 1), dt.date(2026, 6, 15))
    Traceback (most recent call last):
    ...
    otrisk.errors.OtriskError: no assessment dated 2026-01-01; assessment dates: 2025-11-20, 2026-06-15
    """
    problem = _dates_problem(plant, (before, after))
    if problem:
        raise OtriskError(problem)
    if not before < after:
        raise OtriskError(f"compare an earlier assessment with a later one: {before} is not before {after}")
    names = id_names()
    by_date = {a.date: a for a in plant.assessments}
    ids = program_ids()
    moves = [_move(plant, i, names[i], i.split(" ")[0], before, after) for i in ids]
    targets = []
    for i in ids:
        tb, ta = target_now(plant, i, as_of=before), target_now(plant, i, as_of=after)
        lb, la = (tb.level if tb else None), (ta.level if ta else None)
        if lb != la:
            targets.append(TargetChange(i, names[i], lb, la, f"{i} {names[i]}: target "
                                        f"{'none' if lb is None else lb} → {'none' if la is None else la} ({ta.date})"))
    if reports is None:
        reports = (readiness(plant, as_of=before), readiness(plant, as_of=after))
    resolved, new, moved = _strengthen(*reports)
    done, late = _actions(plant, after)
    return Comparison(
        before, after, by_date[before].name, by_date[after].name, tuple(moves), tuple(targets),
        report_progress(reports[0]), report_progress(reports[1]),
        tuple(_evidence_added(plant, before, after)), tuple(_evidence_stale(plant, before, after)),
        tuple(resolved), tuple(new), tuple(moved), tuple(done), tuple(late))
