"""Readiness of the IEC 62443-2-1 security program, per element and sub-element (issue 3).

For a day D (``as_of``) and each of the eight program elements and their sub-elements:

* **maturity now** (latest assessment that rates the id, with its date) against the
  **target** (a sub-element without a target of its own takes its element's);
* **not applicable** with its justification (a sub-element also when its element is);
* **evidence** by kind (operational / organizational) and freshness (DESIGN.md, Freshness).
  An item filed against a requirement (``CM 1.4``) counts for its sub-element, one filed
  against a whole element (``CM``) for each of its sub-elements; an item counts once per id
  and is fresh there when any of its filings is fresh. Future-dated items are warnings and
  count as neither fresh nor stale; retired items never count. Figures derived from the
  model are listed but never counted;
* **coverage** of the high-impact assets (worst consequence ≥ 4 if lost or taken over, see
  :mod:`otrisk.strengthen`) by fresh evidence whose ``covers`` names the asset, one of its
  zones (``zone:<id>``; also the zones of its further interfaces), or nothing (whole site);
* **paper compliance**: operational evidence is expected (``operational`` or ``both``) and
  the only fresh evidence is organizational. An element is flagged when one of its
  applicable sub-elements is;
* the **strengthen-first score** (:mod:`otrisk.strengthen`) with plain reasons naming the
  assets, zones, evidence and actions behind it. An element's score is the highest of its
  applicable sub-elements'; ranks sort by score (highest first), ties by id.

``otrisk readiness --json`` and the pages both call :func:`readiness`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from otrisk.derived import DerivedEvidence, derived_evidence
from otrisk.evidence import FRESH, FUTURE, RETIRED, STALE, evidence_freshness, freshness_warnings
from otrisk.impact import AssetImpact, analyze_plant
from otrisk.maturity import Progress, maturity_now, not_applicable_now, target_now
from otrisk.models import AXES, Action, Asset, Evidence, Plant
from otrisk.reference import SubElement, program_elements, sub_element_of
from otrisk.strengthen import HEAVYWEIGHTS, HIGH_IMPACT, Score, maturity_text, asset_weight, sub_element_reasons, sub_element_score

__all__ = ["report_progress", "READY", "PARTLY", "GAP", "NOT_ASSESSED", "NOT_APPLICABLE", "status", "KINDS", "EvidenceStatus", "Coverage", "SubElementReadiness", "ElementReadiness",
           "StrengthenItem", "ReadinessReport", "readiness", "stake", "overdue_actions"]

KINDS = ("operational", "organizational")
READY, PARTLY, GAP, NOT_ASSESSED, NOT_APPLICABLE = "ready", "partly", "gap", "not assessed", "not applicable"
_STATUS_ORDER = {FRESH: 3, STALE: 2, FUTURE: 1, RETIRED: 0}
_NAMED = 3


@dataclass(frozen=True)
class EvidenceStatus:
    """One evidence item as it stands for one (sub-)element on the as-of day.

    ``status`` is the best over the item's filings that apply (fresh > stale > future >
    retired); ``reason`` is that filing's freshness reason.
    """

    evidence: str
    kind: str
    title: str
    status: str
    reason: str
    filed_as: str


@dataclass(frozen=True)
class Coverage:
    """High-impact assets and the fresh evidence that covers them (ids, most critical first).

    ``operational``: covered by fresh operational evidence; ``organizational_only``: only by
    fresh organizational evidence (on paper); ``uncovered``: by no fresh evidence.
    """

    high_impact: tuple[str, ...]
    operational: tuple[str, ...]
    organizational_only: tuple[str, ...]
    uncovered: tuple[str, ...]


@dataclass(frozen=True)
class SubElementReadiness:
    """Readiness of one sub-element (e.g. ``AVAIL 2``) on the as-of day.

    ``maturity`` and ``target`` are 0..4 or None; ``maturity_from`` and ``target_from`` name
    the id they were set for: the sub-element, or its element when the sub-element has none
    of its own (an assessment that rates EVENT rates its only part EVENT 1). ``evidence`` holds the items that apply;
    ``uncovered`` the high-impact assets without fresh evidence of the primary kind
    (operational unless only organizational evidence is expected), most critical first;
    ``score`` is None when not applicable. ``rank`` is 1..n within its element.
    """

    id: str
    element: str
    name: str
    expected_kind: str
    maturity: int | None
    maturity_date: dt.date | None
    maturity_from: str | None
    target: int | None
    target_from: str | None
    not_applicable: str | None
    evidence: tuple[EvidenceStatus, ...]
    derived: tuple[DerivedEvidence, ...]
    coverage: Coverage
    uncovered: tuple[str, ...]
    paper_compliance: bool
    score: Score | None
    rank: int
    reasons: tuple[str, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"operational": {"fresh": n, "stale": n}, "organizational": {…}}``."""
        return _counts(self.evidence)

    def to_json(self) -> dict[str, Any]:
        """The ``sub_elements`` item of ``otrisk readiness --json`` (DESIGN.md)."""
        return _json(self, self.counts())


@dataclass(frozen=True)
class ElementReadiness:
    """Readiness of one program element (e.g. ``CM``): its own maturity and target, the
    distinct evidence items of all its parts, and its sub-elements.

    ``score`` is the highest of its applicable sub-elements' scores (0.0 when none);
    ``rank`` is 1..8, unique, by score then id.
    """

    id: str
    name: str
    maturity: int | None
    maturity_date: dt.date | None
    target: int | None
    not_applicable: str | None
    evidence: tuple[EvidenceStatus, ...]
    paper_compliance: bool
    score: float
    rank: int
    reasons: tuple[str, ...]
    sub_elements: tuple[SubElementReadiness, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"operational": {"fresh": n, "stale": n}, "organizational": {…}}``."""
        return _counts(self.evidence)

    def to_json(self) -> dict[str, Any]:
        """The ``elements`` item of ``otrisk readiness --json`` (DESIGN.md)."""
        out = _json(self, self.counts())
        out["sub_elements"] = [s.to_json() for s in self.sub_elements]
        return out


@dataclass(frozen=True)
class StrengthenItem:
    """One entry of the strengthen-first list: an applicable sub-element with score > 0.

    ``assets`` are the uncovered high-impact asset ids (most critical first), ``zones``
    their zones (sorted; ``""`` for none), ``axes`` the axes on which one of them is
    high-impact: the page filters by these.
    """

    id: str
    name: str
    score: float
    reasons: tuple[str, ...]
    assets: tuple[str, ...]
    zones: tuple[str, ...]
    axes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"id", "score", "reasons"}`` (DESIGN.md)."""
        return {"id": self.id, "score": self.score, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class ReadinessReport:
    """The whole program map on one day: elements in the standard's order, the ranked
    strengthen-first list, and warnings (future-dated evidence)."""

    as_of: dt.date
    elements: tuple[ElementReadiness, ...]
    strengthen_first: tuple[StrengthenItem, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The document of ``otrisk readiness --json``, exactly the DESIGN.md shape."""
        return {"as_of": self.as_of.isoformat(),
                "elements": [e.to_json() for e in self.elements],
                "strengthen_first": [s.to_json() for s in self.strengthen_first]}

    def element(self, element_id: str) -> ElementReadiness:
        """The element with that id (KeyError if none)."""
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)

    def sub_element(self, sub_id: str) -> SubElementReadiness:
        """The sub-element with that id (KeyError if none)."""
        for e in self.elements:
            for s in e.sub_elements:
                if s.id == sub_id:
                    return s
        raise KeyError(sub_id)


def _counts(items: Iterable[EvidenceStatus]) -> dict[str, dict[str, int]]:
    c = Counter((i.kind, i.status) for i in items)
    return {k: {FRESH: c[(k, FRESH)], STALE: c[(k, STALE)]} for k in KINDS}


def _json(r: SubElementReadiness | ElementReadiness, counts: dict) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "maturity": r.maturity,
            "maturity_date": r.maturity_date.isoformat() if r.maturity_date else None,
            "target": r.target, "evidence": counts, "paper_compliance": r.paper_compliance,
            "rank": r.rank, "reasons": list(r.reasons)}


def stake(impact: AssetImpact) -> int | None:
    """An asset's worst consequence over the axes if lost or taken over (1..5, None if unrated).

    Examples
    --------
    >>> from otrisk.impact import AssetImpact
    >>> stake(AssetImpact("ews", 0, {"production": 2, "safety": None, "delivery": None},
    ...                   {"production": 2, "safety": 5, "delivery": None}, None, 0.0, ()))
    5
    """
    values = [v for d in (impact.effective, impact.compromise) for v in d.values() if v is not None]
    return max(values) if values else None




def overdue_actions(plant: Plant, *, as_of: dt.date) -> list[Action]:
    """Actions not done or cancelled whose due date is before ``as_of``, most overdue first.

    Examples
    --------
    >>> from otrisk.reference import load_demo_plant
    >>> [a.id for a in overdue_actions(load_demo_plant(), as_of=dt.date(2027, 1, 1))]
    ['act-incident-plan', 'act-cellar-owner']
    """
    late = [a for a in plant.actions
            if a.status in ("open", "in_progress") and a.due is not None and a.due < as_of]
    return sorted(late, key=lambda a: (a.due, a.id))


def _zones_of(asset: Asset) -> set[str]:
    zones = {i.zone for i in asset.interfaces if i.zone}
    if asset.zone:
        zones.add(asset.zone)
    return zones


class _Scope:
    """Which assets an evidence item covers (DESIGN.md ``covers``), by index: per item, the
    named assets plus every asset with a zone (or an interface zone) named ``zone:<id>``;
    ``None`` for the whole site. Linear in the size of ``covers`` and the zones named."""

    def __init__(self, assets: dict[str, Asset]):
        self._in_zone: dict[str, set[str]] = {}
        for a in assets.values():
            for z in _zones_of(a):
                self._in_zone.setdefault(z, set()).add(a.id)
        self._cache: dict[str, set[str] | None] = {}

    def of(self, item: Evidence) -> set[str] | None:
        if item.id not in self._cache:
            if not item.covers:
                self._cache[item.id] = None
            else:
                covered: set[str] = set()
                for c in item.covers:
                    if c.startswith("zone:"):
                        covered |= self._in_zone.get(c[5:], set())
                    else:
                        covered.add(c)
                self._cache[item.id] = covered
        return self._cache[item.id]

    def covered(self, items: Iterable[Evidence], candidates: Iterable[str]) -> set[str]:
        """The candidates covered by at least one of ``items``."""
        wanted = set(candidates)
        out: set[str] = set()
        for item in items:
            scope = self.of(item)
            out |= wanted if scope is None else scope & wanted
            if len(out) == len(wanted):
                break
        return out


def _applies_to(filed: str, element: str, subs: Sequence[SubElement]) -> list[str]:
    """Sub-element ids a filing counts for."""
    if filed == element:
        return [s.id for s in subs]
    sub = sub_element_of(filed)
    return [sub] if sub and sub.split(" ", 1)[0] == element else []








def readiness(plant: Plant, *, as_of: dt.date, impacts: Sequence[AssetImpact] | None = None,
              machine_evidence: Sequence[Evidence] = ()) -> ReadinessReport:
    """The program map of ``plant`` on day ``as_of`` (see the module docstring).

    Parameters
    ----------
    plant : Plant
        A valid plant.
    as_of : datetime.date
        The day D of freshness, maturity now and overdue actions.
    impacts : sequence of AssetImpact, optional
        :func:`otrisk.impact.analyze` of the plant (exposure included once known); computed
        when omitted. Its order (highest priority first) orders the assets named in reasons.
    machine_evidence : sequence of Evidence
        Machine-sourced operational evidence held outside the plant file (imported switch
        configuration versions); counted like register items.

    Returns
    -------
    ReadinessReport

    Raises
    ------
    OtriskError
        When a reference in the plant dangles.
    """
    impacts = list(impacts) if impacts is not None else analyze_plant(plant)
    order = {r.asset: i for i, r in enumerate(impacts)}
    by_id = {r.asset: r for r in impacts}
    assets = plant.asset_map()
    stakes = {a: stake(r) for a, r in by_id.items()}
    high = [a for a in sorted(stakes, key=order.__getitem__) if (stakes[a] or 0) >= HIGH_IMPACT]
    register = [*plant.evidence, *machine_evidence]
    items = {e.id: e for e in register}
    view = plant.model_copy(update={"evidence": register})
    pairs = evidence_freshness(view, as_of=as_of)
    derived = derived_evidence(plant)
    scope = _Scope(assets)

    # (sub-element id) -> {evidence id: EvidenceStatus}, best status over the item's filings
    per_sub: dict[str, dict[str, EvidenceStatus]] = {}
    for element in program_elements():
        for f in pairs:
            for sub in _applies_to(f.element, element.id, element.sub_elements):
                item = items[f.evidence]
                current = per_sub.setdefault(sub, {}).get(item.id)
                if current is None or _STATUS_ORDER[f.status] > _STATUS_ORDER[current.status]:
                    per_sub[sub][item.id] = EvidenceStatus(item.id, item.kind, item.title, f.status, f.reason, f.element)

    elements = []
    for element in program_elements():
        element_na = not_applicable_now(plant, element.id, as_of=as_of)
        element_target = target_now(plant, element.id, as_of=as_of)
        subs = []
        for se in element.sub_elements:
            ev = tuple(sorted(per_sub.get(se.id, {}).values(), key=lambda s: s.evidence))
            subs.append(_sub_readiness(plant, se, as_of, element_na, element_target, ev,
                                       tuple(d for d in derived if se.id in d.elements),
                                       high, assets, items, by_id, stakes, scope))
        ranked = _ranked(subs, lambda s: s.score.score if s.score else 0.0)
        subs = [_with_rank(s, ranked[s.id]) for s in subs]
        elements.append(_element_readiness(plant, element.id, element.name, as_of, element_na, subs))
    ranks = _ranked(elements, lambda e: e.score)
    elements = [_with_rank(e, ranks[e.id]) for e in elements]
    strengthen = [_strengthen_item(s, assets, by_id) for e in elements for s in e.sub_elements
                  if s.score is not None and s.score.score > 0]
    strengthen.sort(key=lambda s: (-s.score, s.id))
    return ReadinessReport(as_of, tuple(elements), tuple(strengthen),
                           tuple(freshness_warnings(pairs)))


def _ranked(items, score) -> dict[str, int]:
    ordered = sorted(items, key=lambda x: (-score(x), x.id))
    return {x.id: i + 1 for i, x in enumerate(ordered)}


def _with_rank(r, rank: int):
    from dataclasses import replace

    return replace(r, rank=rank)


def _sub_readiness(plant: Plant, se: SubElement, as_of: dt.date, element_na: str | None,
                   element_target, ev: tuple[EvidenceStatus, ...], derived: tuple[DerivedEvidence, ...],
                   high: list[str], assets: dict[str, Asset], items: dict[str, Evidence],
                   by_id: dict[str, AssetImpact], stakes: dict[str, int | None], scope: _Scope
                   ) -> SubElementReadiness:
    now = maturity_now(plant, se.id, as_of=as_of)
    own_target = target_now(plant, se.id, as_of=as_of)
    target = own_target or element_target
    target_from = (se.id if own_target else se.element) if target else None
    na = not_applicable_now(plant, se.id, as_of=as_of)
    if na is None and now is None and element_na is not None:
        na = element_na
    maturity_from = se.id if now else None
    if now is None and na is None:  # never rated itself: the element's rating speaks for it
        now = maturity_now(plant, se.element, as_of=as_of)
        maturity_from = se.element if now else None
    fresh = {k: [s for s in ev if s.status == FRESH and s.kind == k] for k in KINDS}
    op_cov = scope.covered((items[s.evidence] for s in fresh["operational"]), high)
    org_cov = scope.covered((items[s.evidence] for s in fresh["organizational"]), high)
    paper_only, either = org_cov - op_cov, op_cov | org_cov
    coverage = Coverage(tuple(high), tuple(a for a in high if a in op_cov),
                        tuple(a for a in high if a in paper_only),
                        tuple(a for a in high if a not in either))
    expects_operational = se.evidence_kind in ("operational", "both")
    paper = na is None and expects_operational and not fresh["operational"] and bool(fresh["organizational"])
    score = None
    uncovered: tuple[str, ...] = ()
    if na is None:
        primary = op_cov if expects_operational else org_cov
        uncovered = tuple(a for a in high if a not in primary)
        score = sub_element_score(
            maturity=now.level if now else None, target=target.level if target else None,
            expected_kind=se.evidence_kind, fresh_operational=len(fresh["operational"]),
            fresh_organizational=len(fresh["organizational"]),
            uncovered_weights=[asset_weight(stakes[a], by_id[a].exposure) for a in uncovered],
            heavyweight=se.id in HEAVYWEIGHTS, high_impact_site=bool(high))
    reasons = sub_element_reasons(plant, se, as_of, now, maturity_from, target, target_from, na, ev, fresh, derived, coverage,
                           uncovered, paper, score, assets, by_id)
    return SubElementReadiness(
        id=se.id, element=se.element, name=se.name, expected_kind=se.evidence_kind,
        maturity=now.level if now else None, maturity_date=now.date if now else None,
        maturity_from=maturity_from, target=target.level if target else None, target_from=target_from,
        not_applicable=na,
        evidence=ev, derived=derived, coverage=coverage, uncovered=uncovered, paper_compliance=paper, score=score,
        rank=0, reasons=tuple(reasons))








def _element_readiness(plant: Plant, eid: str, name: str, as_of: dt.date, na: str | None,
                       subs: list[SubElementReadiness]) -> ElementReadiness:
    now = maturity_now(plant, eid, as_of=as_of)
    target = target_now(plant, eid, as_of=as_of)
    best: dict[str, EvidenceStatus] = {}
    for s in subs:
        for item in s.evidence:
            if item.evidence not in best or _STATUS_ORDER[item.status] > _STATUS_ORDER[best[item.evidence].status]:
                best[item.evidence] = item
    evidence = tuple(best[k] for k in sorted(best))
    applicable = [s for s in subs if s.not_applicable is None]
    score = max((s.score.score for s in applicable if s.score), default=0.0)
    paper = [s.id for s in applicable if s.paper_compliance]
    reasons = []
    if na is not None and not applicable:
        reasons.append(f"not applicable: {na}")
    else:
        reasons.append(maturity_text(now, target, eid if target else None, eid))
        counts = _counts(evidence)
        reasons.append("evidence: " + "; ".join(
            f"{k} {counts[k][FRESH]} fresh, {counts[k][STALE]} stale" for k in KINDS))
        if paper:
            reasons.append(f"paper compliance in {', '.join(paper)}: only organizational evidence is fresh "
                           "where operational evidence is expected")
        top = min(applicable, key=lambda s: s.rank, default=None)
        if top is not None and top.score and top.score.score > 0:
            reasons.append(f"most urgent part: {top.id} {top.name} (score {top.score.score:g})")
        for s in subs:
            if s.not_applicable is not None:
                reasons.append(f"{s.id} not applicable: {s.not_applicable}")
    return ElementReadiness(
        id=eid, name=name, maturity=now.level if now else None, maturity_date=now.date if now else None,
        target=target.level if target else None, not_applicable=na if not applicable else None,
        evidence=evidence, paper_compliance=bool(paper), score=score, rank=0, reasons=tuple(reasons),
        sub_elements=tuple(subs))


def _strengthen_item(s: SubElementReadiness, assets: dict[str, Asset], by_id) -> StrengthenItem:
    zones = sorted({assets[a].zone or "" for a in s.uncovered})
    axes = tuple(ax for ax in AXES if any(
        max((v for v in (by_id[a].effective[ax], by_id[a].compromise[ax]) if v is not None), default=0) >= HIGH_IMPACT
        for a in s.uncovered))
    return StrengthenItem(s.id, s.name, s.score.score, s.reasons, s.uncovered, tuple(zones), axes)


def _expected_fresh(s: SubElementReadiness) -> bool:
    c = s.counts()
    return all(c[k][FRESH] > 0 for k in KINDS if s.expected_kind in (k, "both"))


def _sub_status(s: SubElementReadiness) -> tuple[str, str]:
    if s.not_applicable is not None:
        return NOT_APPLICABLE, f"not applicable: {s.not_applicable}"
    if s.maturity is None:
        return NOT_ASSESSED, "never rated in an assessment"
    gap = max(0, s.target - s.maturity) if s.target is not None else 0
    fresh = sum(v[FRESH] for v in s.counts().values())
    if gap >= 2 or fresh == 0:
        return GAP, f"{gap} maturity levels below target" if gap >= 2 else "no fresh evidence"
    if gap == 0 and _expected_fresh(s) and not s.paper_compliance:
        return READY, "at target with fresh evidence of the kind expected"
    why = [f"{gap} level below target"] if gap else []
    if not _expected_fresh(s):
        why.append("the expected kind of fresh evidence is missing")
    if s.paper_compliance:
        why.append("paper compliance")
    return PARTLY, "; ".join(why)


def status(r: SubElementReadiness | ElementReadiness) -> tuple[str, str]:
    """The readiness light of a (sub-)element: ``(label, why)``.

    Labels: ``not applicable``; ``not assessed`` (never rated); ``gap`` (two or more levels
    below target, or no fresh evidence at all); ``ready`` (at target, fresh evidence of each
    expected kind, no paper compliance); else ``partly``. An element is ``not assessed`` when
    it is never rated itself, else the worst of its own maturity gap and its applicable
    sub-elements (gap > partly > not assessed > ready).

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... evidence:
    ...   - {id: e1, elements: [AVAIL 2], kind: operational, title: Restore test, collected: 2026-05-01}
    ... assessments:
    ...   - {date: 2026-06-01, maturity: {AVAIL: 2, AVAIL 2: 3, AVAIL 1: 2}, target: {AVAIL: 3}}
    ... ''')
    >>> report = readiness(p, as_of=dt.date(2026, 11, 30))
    >>> status(report.sub_element("AVAIL 2")), status(report.sub_element("AVAIL 1"))[0]
    (('ready', 'at target with fresh evidence of the kind expected'), 'gap')
    >>> status(report.element("AVAIL"))
    ('gap', 'AVAIL 1: no fresh evidence')
    """
    if isinstance(r, SubElementReadiness):
        return _sub_status(r)
    applicable = [s for s in r.sub_elements if s.not_applicable is None]
    if not applicable:
        return NOT_APPLICABLE, f"not applicable: {r.not_applicable}" if r.not_applicable else "no applicable parts"
    if r.maturity is None:
        return NOT_ASSESSED, "never rated in an assessment"
    order = {GAP: 3, PARTLY: 2, NOT_ASSESSED: 1, READY: 0}
    own_gap = max(0, r.target - r.maturity) if r.target is not None else 0
    worst = (GAP if own_gap >= 2 else PARTLY if own_gap else READY,
             f"{r.id}: {own_gap} level{'s' if own_gap != 1 else ''} below target")
    for s in applicable:
        label, why = _sub_status(s)
        if order[label] > order[worst[0]]:
            worst = (label, f"{s.id}: {why}")
    if worst[0] == READY:
        return READY, "at target, every applicable part ready"
    return worst


def report_progress(report: ReadinessReport) -> Progress:
    """Progress towards the targets over the 8 elements and 16 sub-elements of a report.

    Counts the ids with a target as the map shows it (a sub-element without its own takes its
    element's), done when maturity (its own, else its element's) reaches it; not-assessed
    ids count as not done and are named; not-applicable ids are left out (DESIGN.md:
    progress figures count not-assessed items as not done and say how many there are).

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assessments:
    ...   - {date: 2026-06-01, maturity: {EVENT: 3, CM 1: 1}, target: {EVENT: 3, CM: 2}}
    ... ''')
    >>> report_progress(readiness(p, as_of=dt.date(2026, 11, 30)))
    Progress(done=2, total=4, not_assessed=('CM',), not_applicable=())
    """
    done, total, unassessed, skipped = 0, 0, [], []
    for r in (x for e in report.elements for x in (e, *e.sub_elements)):
        if r.not_applicable is not None:
            skipped.append(r.id)
            continue
        if r.target is None:
            continue
        total += 1
        if r.maturity is None:
            unassessed.append(r.id)
        elif r.maturity >= r.target:
            done += 1
    return Progress(done, total, tuple(unassessed), tuple(skipped))
