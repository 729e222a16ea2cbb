"""The NIS2 view of a plant: entity profile, Art. 20 and Art. 21(2) status, Art. 23 readiness.

Everything is judged from :func:`otrisk.readiness.readiness` on one as-of day and the
cross-walk in ``data/nis2.yaml`` (our analysis, unverified). A mapped id is a sub-element
(``ORG 1``) or a requirement (``ORG 1.4``, judged by its sub-element ``ORG 1``; a whole
element id stands for each of its sub-elements).

**Status of a mapped id**, first rule that applies:

1. ``not_applicable``: the sub-element (or its element) is marked not applicable;
2. ``not_assessed``: no maturity rating on or before the as-of day;
3. ``no_target``: rated, but no target (neither the sub-element's nor its element's);
4. ``below_target``: maturity < target;
5. ``at_target_without_fresh_evidence``: maturity ≥ target, but some kind of evidence the
   sub-element expects is not fresh: ``operational`` expects fresh operational evidence,
   ``organizational`` fresh organizational evidence, ``both`` one fresh item of each kind;
6. ``at_target``.

**Status of an Art. 20 item or an Art. 21(2) letter**: the worst status of its applicable
mapped ids in the order of :data:`STATUSES` (worst first); ``not_applicable`` ids are
skipped; an item whose ids are all not applicable is ``not_applicable``. An id that cannot
be judged (no rating, no target) ranks worse than a known gap: an unknown is never good.

**Actions** touching an item: open or in-progress actions filed against one of its mapped
ids, their sub-elements or their elements; overdue when due before the as-of day.

Examples
--------
>>> import datetime as dt
>>> from otrisk.reference import load_demo_plant
>>> view = nis2_view(load_demo_plant(), as_of=dt.date(2026, 11, 30))
>>> view.profile.entity, view.profile.sector, view.profile.annex
('important', 'food', 'II')
>>> [(i.key, i.status) for i in view.article_21_2][:2]
[('a', 'below_target'), ('b', 'below_target')]
>>> [(d.id, d.verdict) for d in view.article_23.deadlines]
[('early_warning', 'not_ready'), ('incident_notification', 'not_ready'), ('final_report', 'not_ready')]
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from otrisk.evidence import FRESH, FUTURE, RETIRED, STALE
from otrisk.models import Plant
from otrisk.readiness import KINDS, ReadinessReport, SubElementReadiness, readiness
from otrisk.reference import nis2, program_elements, sub_element_of

__all__ = ["STATUSES", "NOT_APPLICABLE", "VERDICTS", "EntityProfile", "IdStatus", "ActionRef",
           "ItemStatus", "Check", "Deadline", "Article23", "Summary", "Nis2View", "entity_profile",
           "id_status", "worst", "article_20", "article_21_2", "article_23", "summary", "nis2_view", "mapped_ids"]

#: Statuses of a mapped id or an item, worst first (``not_applicable`` stands outside the order).
STATUSES = ("not_assessed", "no_target", "below_target", "at_target_without_fresh_evidence", "at_target")
NOT_APPLICABLE = "not_applicable"
#: Art. 23 verdicts of one deadline.
VERDICTS = ("ready", "partly", "not_ready", "unknown")
#: The sub-element Art. 23 readiness is judged from.
EVENT = "EVENT 1"


@dataclass(frozen=True)
class EntityProfile:
    """Sector (id, name, Annex ``I``/``II``) and entity class from ``site``; None when unset.

    ``notes`` are plain sentences: missing data, an unknown sector id, an Annex II entity
    marked essential (possible only by a Member State's designation).
    """

    sector: str | None
    sector_name: str | None
    annex: str | None
    entity: str | None
    entity_text: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class IdStatus:
    """One mapped id judged by its sub-element: status, the figures behind it, one-line reason.

    ``counts`` is ``{"operational": {"fresh": n, "stale": n}, "organizational": {…}}``;
    ``rationale`` is the cross-walk's reason for the link (None for Art. 20 links).
    """

    id: str
    sub_element: str
    name: str
    status: str
    maturity: int | None
    maturity_date: dt.date | None
    target: int | None
    not_applicable: str | None
    expected_kind: str
    counts: dict[str, dict[str, int]]
    paper_compliance: bool
    reason: str
    rationale: str | None = None


@dataclass(frozen=True)
class ActionRef:
    """An open or in-progress action touching an item (``overdue``: due before the as-of day)."""

    id: str
    title: str
    elements: tuple[str, ...]
    owner: str | None
    due: dt.date | None
    status: str
    overdue: bool


@dataclass(frozen=True)
class ItemStatus:
    """An Art. 20 item (``key`` = its id) or Art. 21(2) letter (``key`` = ``a``..``j``)."""

    key: str
    article: str
    title: str
    status: str
    links: tuple[IdStatus, ...]
    actions: tuple[ActionRef, ...]
    reason: str
    unverified: bool


@dataclass(frozen=True)
class Check:
    """One condition of an Art. 23 deadline: ``ok`` True, False or None (cannot tell)."""

    name: str
    ok: bool | None
    required: bool
    reason: str


@dataclass(frozen=True)
class Deadline:
    """One Art. 23(4) deadline, what it takes, and whether the plant can meet it.

    ``verdict``: ``not_ready`` when a required check fails; else ``unknown`` when a required
    check cannot be told; else ``partly`` when an extra check fails or cannot be told; else
    ``ready``.
    """

    id: str
    within: str
    to: str | None
    needs: str
    verdict: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Article23:
    """Art. 23 readiness judged from EVENT 1 (see :func:`article_23`)."""

    event: IdStatus
    plan: Check
    monitoring: Check
    coverage: Check
    maturity: Check
    high_impact: tuple[str, ...]
    uncovered: tuple[str, ...]
    deadlines: tuple[Deadline, ...]
    other_steps: tuple[dict, ...]
    significant_incident: str
    recipients_note: str


@dataclass(frozen=True)
class Summary:
    """Letters (a)..(j) per status, ``share`` at target of the applicable ones, and the
    mapped sub-elements not assessed. ``share`` stays below 1.0 while any is unassessed."""

    counts: dict[str, int]
    applicable: int
    at_target: int
    share: float | None
    unassessed_letters: tuple[str, ...]
    unassessed_ids: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Nis2View:
    """The whole NIS2 page on one day."""

    as_of: dt.date
    profile: EntityProfile
    article_20: tuple[ItemStatus, ...]
    article_21_2: tuple[ItemStatus, ...]
    article_23: Article23
    summary: Summary
    implementing_regulation_note: str
    source: str


def entity_profile(plant: Plant) -> EntityProfile:
    """Sector and entity class of ``plant.site`` with the Annex and plain notes.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant("format: otrisk/v1\\nsite: {name: T, sector: food, entity: essential}\\n")
    >>> entity_profile(p).notes
    ('food is an Annex II sector: its entities are important unless a Member State designates them essential (Art. 3(1)); marked essential here, so a designation is assumed (not an error).',)
    """
    ref = nis2()
    site = plant.site
    notes: list[str] = []
    sector = next((s for s in ref["sectors"] if s["id"] == site.sector), None)
    if site.sector is None:
        notes.append("No NIS2 sector set (site.sector): the Annex cannot be shown.")
    elif sector is None:
        notes.append(f"Sector {site.sector} is not a NIS2 sector of Annex I or II.")
    classes = {c["id"]: c["text"] for c in ref["entity_classes"]}
    if site.entity is None:
        notes.append("No entity class set (site.entity: essential or important). Art. 21 and Art. 23 "
                     "apply to both classes alike; supervision and fines differ.")
    if sector is not None and sector["annex"] == "II" and site.entity == "essential":
        notes.append(f"{sector['id']} is an Annex II sector: its entities are important unless a Member State "
                     "designates them essential (Art. 3(1)); marked essential here, so a designation is "
                     "assumed (not an error).")
    return EntityProfile(site.sector, sector["name"] if sector else None, sector["annex"] if sector else None,
                         site.entity, classes.get(site.entity) if site.entity else None, tuple(notes))


_WORD = {FRESH: "fresh", STALE: "stale", FUTURE: "future-dated", RETIRED: "retired"}


def _missing_kinds(s: SubElementReadiness) -> list[str]:
    counts = s.counts()
    return [k for k in KINDS if s.expected_kind in (k, "both") and not counts[k][FRESH]]


def _not_fresh(s: SubElementReadiness, kind: str) -> str:
    items = [e for e in s.evidence if e.kind == kind]
    if not items:
        return "none filed"
    return "; ".join(f"{e.evidence} is {_WORD[e.status]} ({e.reason})" for e in items)


def id_status(report: ReadinessReport, mapped: str, rationale: str | None = None) -> IdStatus:
    """The status of one mapped id (sub-element or requirement) on the report's day.

    Raises
    ------
    KeyError
        When ``mapped`` belongs to no sub-element of the reference data.
    """
    s = report.sub_element(sub_element_of(mapped) or mapped)
    via = f"{mapped} (judged by {s.id}): " if mapped != s.id else f"{s.id}: "
    level = f"maturity {s.maturity} (assessed {s.maturity_date})" if s.maturity is not None else ""
    if s.not_applicable is not None:
        status, text = NOT_APPLICABLE, f"not applicable: {s.not_applicable}"
    elif s.maturity is None:
        status = "not_assessed"
        text = "not assessed" + (f" (target {s.target})" if s.target is not None else "")
    elif s.target is None:
        status, text = "no_target", f"{level}, no target set"
    elif s.maturity < s.target:
        status, text = "below_target", f"{level} below target {s.target}"
    elif missing := _missing_kinds(s):
        status = "at_target_without_fresh_evidence"
        text = f"{level} meets target {s.target}, but " + "; ".join(
            f"no fresh {k} evidence: {_not_fresh(s, k)}" for k in missing)
    else:
        status = "at_target"
        kinds = s.expected_kind.replace("both", "operational and organizational")
        text = f"{level} meets target {s.target} with fresh {kinds} evidence"
    if s.paper_compliance and status != NOT_APPLICABLE:
        text += "; paper compliance (only organizational evidence is fresh)"
    return IdStatus(mapped, s.id, s.name, status, s.maturity, s.maturity_date, s.target, s.not_applicable,
                    s.expected_kind, s.counts(), s.paper_compliance, via + text, rationale)


def worst(statuses) -> str:
    """The worst of some statuses (:data:`STATUSES` order), ignoring ``not_applicable``.

    Examples
    --------
    >>> worst(["at_target", "below_target", "not_applicable"]), worst(["not_applicable"]), worst([])
    ('below_target', 'not_applicable', 'not_applicable')
    """
    judged = [s for s in statuses if s != NOT_APPLICABLE]
    return min(judged, key=STATUSES.index) if judged else NOT_APPLICABLE


def _sub_ids(mapped: str) -> list[str]:
    sub = sub_element_of(mapped)
    if sub is not None:
        return [mapped]
    return [s.id for e in program_elements() if e.id == mapped for s in e.sub_elements]


def _touches(action_ids, links: tuple[IdStatus, ...]) -> bool:
    subs = {link.sub_element for link in links}
    return any(x in subs or sub_element_of(x) in subs or any(s.split(" ")[0] == x for s in subs)
               for x in action_ids)


def _item(plant: Plant, report: ReadinessReport, key: str, article: str, title: str,
          links: list[tuple[str, str | None]], unverified: bool) -> ItemStatus:
    judged = tuple(id_status(report, sub, why) for mapped, why in links for sub in _sub_ids(mapped))
    status = worst(j.status for j in judged)
    actions = tuple(
        ActionRef(a.id, a.title, tuple(a.elements), a.owner, a.due, a.status,
                  a.due is not None and a.due < report.as_of)
        for a in sorted(plant.actions, key=lambda a: (a.due or dt.date.max, a.id))
        if a.status in ("open", "in_progress") and _touches(a.elements, judged))
    if status == NOT_APPLICABLE:
        reason = "all mapped ids not applicable"
    else:
        worst_ids = sorted({j.sub_element for j in judged if j.status == status})
        reason = f"{status.replace('_', ' ')}: {', '.join(worst_ids)}"
        if any(a.overdue for a in actions):
            reason += f"; {sum(a.overdue for a in actions)} overdue action(s)"
    return ItemStatus(key, article, title, status, judged, actions, reason, unverified)


def article_20(plant: Plant, report: ReadinessReport) -> tuple[ItemStatus, ...]:
    """Art. 20 (governance) items in the data's order, each with its status (module rules)."""
    return tuple(_item(plant, report, i["id"], f"Art. {i['paragraph']}", i["text"],
                       [(e, None) for e in i["elements"]], bool(i.get("unverified")))
                 for i in nis2()["article_20"])


def article_21_2(plant: Plant, report: ReadinessReport) -> tuple[ItemStatus, ...]:
    """Art. 21(2) letters a..j, each with its status, links with rationale, and actions."""
    return tuple(_item(plant, report, x["letter"], f"Art. 21(2)({x['letter']})", x["title"],
                       [(e["id"], e["rationale"]) for e in x["elements"]], bool(x.get("unverified")))
                 for x in nis2()["article_21_2"])


def article_23(plant: Plant, report: ReadinessReport) -> Article23:
    """Whether the plant can meet the Art. 23(4) deadlines, judged from EVENT 1.

    Four checks, each True, False or None (cannot tell):

    * **plan**: a fresh organizational EVENT 1 item (the incident response and reporting
      plan: who decides "significant", who reports, to which CSIRT or authority);
    * **monitoring**: a fresh operational EVENT 1 item (logs, alerts: the means to notice
      an incident, tell whether a malicious act is suspected and give indicators);
    * **maturity**: EVENT 1 maturity ≥ target (None when not assessed or no target; False
      when marked not applicable, since Art. 23 binds every essential and important entity);
    * **coverage**: fresh operational EVENT 1 evidence covers every high-impact asset (worst
      consequence ≥ 4); None when none is rated high-impact but some asset is unrated.

    Early warning (24 h) requires plan and monitoring, with maturity and coverage as extras;
    incident notification (72 h) and final report (one month after it) require plan,
    monitoring and maturity (a first assessment of severity, impact and root cause takes a
    practiced analysis), with coverage as the extra. Verdicts: see :class:`Deadline`.
    """
    s = report.sub_element(EVENT)
    event = id_status(report, EVENT)
    fresh = {k: [e for e in s.evidence if e.kind == k and e.status == FRESH] for k in KINDS}
    if fresh["organizational"]:
        plan = Check("plan", True, True, "fresh incident response plan: " + "; ".join(
            f"{e.evidence} ({e.reason})" for e in fresh["organizational"]))
    else:
        plan = Check("plan", False, True, "no fresh incident response plan: " + _not_fresh(s, "organizational"))
    if fresh["operational"]:
        monitoring = Check("monitoring", True, True, "fresh operational monitoring evidence: " + "; ".join(
            f"{e.evidence} ({e.reason})" for e in fresh["operational"]))
    else:
        monitoring = Check("monitoring", False, True,
                           f"no fresh operational monitoring evidence for {EVENT}: " + _not_fresh(s, "operational"))
    high = s.coverage.high_impact
    uncovered = tuple(a for a in high if a not in s.coverage.operational)
    if not high:
        unrated = [a.id for a in plant.assets if all(v is None for v in a.impact.as_dict().values())]
        some = f"{len(unrated)} {'is' if len(unrated) == 1 else 'are'} unrated" if unrated else "there are no assets"
        coverage = (Check("coverage", None, False, f"no asset is rated high-impact and {some}: "
                          "coverage cannot be judged") if unrated or not plant.assets
                    else Check("coverage", True, False, "no high-impact assets (every asset rated below 4)"))
    elif uncovered:
        shown = ", ".join(uncovered[:5]) + (f" and {len(uncovered) - 5} more" if len(uncovered) > 5 else "")
        coverage = Check("coverage", False, False,
                         f"fresh operational {EVENT} evidence does not cover {len(uncovered)} of {len(high)} "
                         f"high-impact assets: {shown}")
    else:
        coverage = Check("coverage", True, False, f"fresh operational {EVENT} evidence covers all {len(high)} "
                         "high-impact assets")
    ok = {"not_applicable": False, "not_assessed": None, "no_target": None, "below_target": False}
    maturity = Check("maturity", ok.get(event.status, True), True, event.reason)
    ref = nis2()["article_23"]
    deadlines = []
    for d in ref["deadlines"]:
        if "within_hours" in d:
            within = f"{d['within_hours']} hours"
        elif "within_days" in d:
            within = d["within"]
        else:
            continue
        early = d["id"] == "early_warning"
        checks = (plan, monitoring, Check("maturity", maturity.ok, not early, maturity.reason), coverage)
        deadlines.append(Deadline(d["id"], within, d.get("to"), d["needs"], _verdict(checks), checks))
    others = tuple(d for d in ref["deadlines"] if "within_hours" not in d and "within_days" not in d)
    return Article23(event, plan, monitoring, coverage, maturity, tuple(high), tuple(uncovered), tuple(deadlines),
                     others, " ".join(ref["significant_incident"].split()), ref["recipients_note"])


def _verdict(checks) -> str:
    required = [c.ok for c in checks if c.required]
    extra = [c.ok for c in checks if not c.required]
    if False in required:
        return "not_ready"
    if None in required:
        return "unknown"
    return "partly" if any(ok is not True for ok in extra) else "ready"


def summary(letters: tuple[ItemStatus, ...]) -> Summary:
    """How many letters reach their target, and what is not yet assessed.

    ``share`` = letters ``at_target`` / letters not entirely not applicable (None if none).
    """
    counts = Counter(x.status for x in letters)
    applicable = sum(1 for x in letters if x.status != NOT_APPLICABLE)
    at = counts["at_target"]
    unassessed_letters = tuple(x.key for x in letters if x.status == "not_assessed")
    unassessed_ids = tuple(sorted({j.sub_element for x in letters for j in x.links if j.status == "not_assessed"}))
    parts = [f"{at} of {applicable} letters at target"]
    for status, word in (("at_target_without_fresh_evidence", "at target without fresh evidence"),
                         ("below_target", "below target"), ("no_target", "without a target"),
                         ("not_assessed", "not assessed")):
        if counts[status]:
            parts.append(f"{counts[status]} {word}")
    if counts[NOT_APPLICABLE]:
        parts.append(f"{counts[NOT_APPLICABLE]} not applicable")
    text = "; ".join(parts) + "."
    if unassessed_ids:
        text += (f" No figure reaches 100 % while mapped sub-elements are unassessed: "
                 f"{len(unassessed_ids)} {'is' if len(unassessed_ids) == 1 else 'are'} "
                 f"({', '.join(unassessed_ids)}).")
    return Summary({st: counts[st] for st in (*STATUSES, NOT_APPLICABLE)}, applicable, at,
                   at / applicable if applicable else None, unassessed_letters, unassessed_ids, text)


def nis2_view(plant: Plant, *, as_of: dt.date, report: ReadinessReport | None = None) -> Nis2View:
    """Everything the NIS2 page shows for ``plant`` on day ``as_of``.

    Parameters
    ----------
    plant : Plant
    as_of : datetime.date
    report : ReadinessReport, optional
        :func:`otrisk.readiness.readiness` of the plant on ``as_of``; computed when omitted.
    """
    report = report if report is not None else readiness(plant, as_of=as_of)
    letters = article_21_2(plant, report)
    ref = nis2()
    return Nis2View(as_of, entity_profile(plant), article_20(plant, report), letters, article_23(plant, report),
                    summary(letters), " ".join(ref["implementing_regulation_note"].split()), ref["source"])


def mapped_ids() -> frozenset[str]:
    """Every id the cross-walk names (Art. 20 and Art. 21(2)); all exist in the reference data.

    >>> from otrisk.reference import element_ids
    >>> mapped_ids() <= element_ids()
    True
    """
    ref = nis2()
    return frozenset([e for i in ref["article_20"] for e in i["elements"]]
                     + [e["id"] for x in ref["article_21_2"] for e in x["elements"]])
