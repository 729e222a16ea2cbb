"""Findings: the shared model of rule results and accepted risks (DESIGN.md, "Findings").

Contract:

* A **rule** is metadata (:class:`Rule`: id, title, rationale, the IEC 62443 ids it rests
  on, remediation) plus a pure function that yields findings; architecture rules live in
  :mod:`otrisk.rules`, switch-configuration findings and triage reuse this model.
* A **finding** has the stable id ``rule@subject``; the subject is a zone, conduit or asset
  id, a device, or two ids joined by ``->`` for a flow between them. Because the id never
  depends on run order or wording, an accepted risk (``accepted_findings`` in the plant file)
  survives re-runs.
* ``zones``: every zone the finding speaks of; ``assets``: the assets involved or exposed;
  ``worst_effective``: the per-axis maximum effective impact (loss) over those assets,
  ``None`` on an axis where all of them are unknown (unknown is never low).
* **Order** is worst first (:meth:`Finding.severity`), ties by id, so runs repeat.
* **Acceptance** (:func:`triage_findings`): an accepted finding stays out of the open list
  while the as-of day is on or before ``review_by`` (inclusive, like evidence
  ``valid_until``); after that day it is *expired* and open again. An acceptance whose id no
  rule produces any more is *stale*: reported, kept, never deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from otrisk.errors import OtriskError, pydantic_message, shown_value
from otrisk.models import AXES, AcceptedFinding, Plant

if TYPE_CHECKING:  # pragma: no cover - typing only
    from otrisk.impact import AssetImpact

__all__ = ["NO_IMPACT", "Finding", "FindingsReport", "Rule", "SortedIds", "max_axes", "triage_findings", "worst_of",
           "AcceptanceError", "accept_finding", "unaccept_finding"]

#: ``worst_effective`` when nothing is known.
NO_IMPACT: Mapping[str, None] = {axis: None for axis in AXES}
_BASE_KEYS = frozenset({"id", "rule", "zones", "assets", "worst_effective", "message"})


class SortedIds(tuple):
    """A tuple of ids the caller has sorted and de-duplicated: :class:`Finding` keeps it as is
    (rules build one per zone and share it among thousands of findings)."""

    __slots__ = ()


def _sorted_ids(ids: Iterable[str]) -> tuple[str, ...]:
    return ids if isinstance(ids, SortedIds) else tuple(sorted(set(ids)))


@dataclass(frozen=True)
class Rule:
    """What a rule checks and why (a Threagile-style rule's metadata).

    Attributes
    ----------
    id : str
        Stable id, ``[a-z0-9-]``; the first part of every finding id it produces.
    title : str
        Short title.
    rationale : str
        Why it matters, in our own words (the standard's text is copyrighted).
    references : tuple[str, ...]
        IEC 62443 ids the rule rests on, e.g. ``("IEC 62443-3-3 SR 5.1",)``.
    remediation : str
        What to do about a finding.

    Examples
    --------
    >>> Rule("demo", "Demo", "Why.", ("IEC 62443-3-3 SR 5.1",), "Fix it.").to_json()["references"]
    ['IEC 62443-3-3 SR 5.1']
    """

    id: str
    title: str
    rationale: str
    references: tuple[str, ...]
    remediation: str

    def to_json(self) -> dict[str, Any]:
        """``{"id", "title", "rationale", "references", "remediation"}``."""
        return {"id": self.id, "title": self.title, "rationale": self.rationale,
                "references": list(self.references), "remediation": self.remediation}


@dataclass(frozen=True)
class Finding:
    """One result of a rule.

    Attributes
    ----------
    id : str
        ``f"{rule.id}@{subject}"`` (checked on construction).
    rule : Rule
    subject : str
        A zone, conduit or asset id, a device, or ``"a->b"`` for a flow between two ids.
    zones, assets : tuple[str, ...]
        Sorted and de-duplicated on construction.
    worst_effective : dict[str, int | None]
        ``{"production", "safety", "delivery"}`` → 1..5 or None; missing axes become None.
    message : str
        One plain sentence naming the zones, assets and conduits.
    extra : dict
        Rule-specific JSON fields (lists, strings, numbers); none may shadow a base key.

    Raises
    ------
    ValueError
        When the id is not ``rule@subject`` or ``extra`` shadows a base key.
    """

    id: str
    rule: Rule
    subject: str
    zones: tuple[str, ...]
    assets: tuple[str, ...]
    worst_effective: dict[str, int | None]
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.id != f"{self.rule.id}@{self.subject}":
            raise ValueError(f"finding id {self.id!r} is not '{self.rule.id}@{self.subject}'")
        clash = _BASE_KEYS & set(self.extra)
        if clash:
            raise ValueError(f"finding {self.id}: extra fields shadow {sorted(clash)}")
        object.__setattr__(self, "zones", _sorted_ids(self.zones))
        object.__setattr__(self, "assets", _sorted_ids(self.assets))
        object.__setattr__(self, "worst_effective", {ax: self.worst_effective.get(ax) for ax in AXES})

    def __hash__(self) -> int:  # the dict fields are unhashable; equal findings share the id
        return hash(self.id)

    def to_json(self) -> dict[str, Any]:
        """``{"id", "rule": {…}, "zones", "assets", "worst_effective", "message", **extra}``."""
        return {"id": self.id, "rule": self.rule.to_json(), "zones": list(self.zones),
                "assets": list(self.assets), "worst_effective": dict(self.worst_effective),
                "message": self.message,
                **{k: list(v) if isinstance(v, tuple) else v for k, v in self.extra.items()}}

    def severity(self) -> tuple[int, int, int, str]:
        """Sort key, worst first: the highest ``worst_effective`` value over the axes
        (unknown = 0), then how many axes reach it, then more assets; ties by id.

        Examples
        --------
        >>> r = Rule("r", "R", "", (), "")
        >>> a = Finding("r@a", r, "a", (), ("x",), {"safety": 5}, "")
        >>> b = Finding("r@b", r, "b", (), ("x", "y"), {"production": 5, "safety": 5}, "")
        >>> c = Finding("r@c", r, "c", (), ("x", "y", "z"), {}, "")
        >>> [f.id for f in sorted([c, a, b], key=Finding.severity)]
        ['r@b', 'r@a', 'r@c']
        """
        values = [v or 0 for v in self.worst_effective.values()]
        top = max(values, default=0)
        at_top = sum(1 for v in values if v == top) if top else 0
        return (-top, -at_top, -len(self.assets), self.id)


def _ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=Finding.severity))


@dataclass(frozen=True)
class FindingsReport:
    """Findings split by acceptance (see :func:`triage_findings`).

    Attributes
    ----------
    open : tuple[Finding, ...]
        Not accepted, or accepted with an expired review date; worst first, ties by id.
    accepted : tuple[tuple[Finding, AcceptedFinding], ...]
        Accepted and ``review_by`` on or after the as-of day; worst first.
    expired : tuple[tuple[Finding, AcceptedFinding], ...]
        Accepted but past ``review_by``; these findings are in ``open`` too.
    stale_acceptances : tuple[AcceptedFinding, ...]
        Acceptances whose id no rule produces any more, sorted by id.
    """

    open: tuple[Finding, ...]
    accepted: tuple[tuple[Finding, AcceptedFinding], ...]
    expired: tuple[tuple[Finding, AcceptedFinding], ...]
    stale_acceptances: tuple[AcceptedFinding, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"findings": [open findings, worst first]}``: exactly ``otrisk rules --json``."""
        return {"findings": [f.to_json() for f in self.open]}

    def notes(self) -> list[str]:
        """Plain sentences on accepted, expired and stale acceptances (for stderr or a page)."""
        out = [f"{f.id}: accepted by {a.accepted_by} until {a.review_by.isoformat()}"
               for f, a in self.accepted]
        out += [f"{f.id}: acceptance by {a.accepted_by} expired on {a.review_by.isoformat()}; "
                "open again until reviewed" for f, a in self.expired]
        out += [f"{a.id}: accepted, but no rule reports this finding any more; "
                "remove the acceptance once confirmed" for a in self.stale_acceptances]
        return out


def triage_findings(findings: Iterable[Finding], accepted_findings: Iterable[AcceptedFinding], *,
                    as_of: dt.date, rule_ids: Iterable[str] | None = None) -> FindingsReport:
    """Split findings by acceptance on the day ``as_of``.

    Parameters
    ----------
    findings : iterable of Finding
        Any findings (architecture rules, configuration diff, …); ids unique.
    accepted_findings : iterable of AcceptedFinding
        The plant's ``accepted_findings``.
    as_of : datetime.date
        The day to judge ``review_by`` against (inclusive).
    rule_ids : iterable of str, optional
        The rules that produced ``findings``. Only acceptances of these rules can be stale;
        acceptances of other rules (another command's findings) are left alone. Default: all
        acceptances are judged.

    Returns
    -------
    FindingsReport

    Examples
    --------
    >>> r = Rule("unapproved-conduit", "Unapproved conduit", "", (), "")
    >>> f = Finding("unapproved-conduit@c1", r, "c1", ("a", "b"), (), {}, "c1 is unapproved.")
    >>> ok = AcceptedFinding(id="unapproved-conduit@c1", justification="j", accepted_by="me",
    ...                      review_by=dt.date(2027, 3, 31))
    >>> gone = ok.model_copy(update={"id": "unapproved-conduit@c9"})
    >>> report = triage_findings([f], [ok, gone], as_of=dt.date(2027, 3, 31))
    >>> report.open, [a.id for _, a in report.accepted], [a.id for a in report.stale_acceptances]
    ((), ['unapproved-conduit@c1'], ['unapproved-conduit@c9'])
    >>> [x.id for x in triage_findings([f], [ok], as_of=dt.date(2027, 4, 1)).open]
    ['unapproved-conduit@c1']
    """
    ordered = _ordered(findings)
    by_id: dict[str, AcceptedFinding] = {}
    for acceptance in accepted_findings:
        by_id.setdefault(acceptance.id, acceptance)
    open_, accepted, expired = [], [], []
    for f in ordered:
        acceptance = by_id.get(f.id)
        if acceptance is None:
            open_.append(f)
        elif as_of <= acceptance.review_by:
            accepted.append((f, acceptance))
        else:
            expired.append((f, acceptance))
            open_.append(f)
    produced = {f.id for f in ordered}
    judged = None if rule_ids is None else set(rule_ids)
    stale = sorted((a for a in by_id.values() if a.id not in produced
                    and (judged is None or a.id.split("@", 1)[0] in judged)), key=lambda a: a.id)
    return FindingsReport(tuple(open_), tuple(accepted), tuple(expired), tuple(stale))


def max_axes(*values: Mapping[str, int | None]) -> dict[str, int | None]:
    """Per-axis maximum of impact dicts; None where every one is unknown.

    >>> max_axes({"production": 2, "safety": None}, {"production": 1, "safety": 4})
    {'production': 2, 'safety': 4, 'delivery': None}
    """
    out: dict[str, int | None] = dict(NO_IMPACT)
    for value in values:
        for ax in AXES:
            v = value.get(ax)
            if v is not None and (out[ax] is None or v > out[ax]):
                out[ax] = v
    return out


def worst_of(impacts: Mapping[str, AssetImpact], assets: Iterable[str]) -> dict[str, int | None]:
    """Per-axis maximum effective impact over ``assets``; None where all are unknown.

    Parameters
    ----------
    impacts : mapping
        ``{asset id: AssetImpact}`` (e.g. ``{i.asset: i for i in analyze(plant)}``).
    assets : iterable of str
        Asset ids; ids missing from ``impacts`` are skipped.

    Returns
    -------
    dict
        ``{"production": 1..5 | None, "safety": …, "delivery": …}``.
    """
    return max_axes(*(impacts[a].effective for a in assets if a in impacts))


# --- accepting a finding (the plant file's accepted_findings) ------------------------------
class AcceptanceError(OtriskError):
    """Accepting a finding was refused; ``problems`` lists every reason as ``field: message``."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(f"Not accepted: {n} problem{'s' if n != 1 else ''}: " + "; ".join(self.problems))


def accept_finding(plant: Plant, finding_id: str, *, justification: str | None, accepted_by: str | None,
                   review_by: dt.date | None, as_of: dt.date) -> Plant:
    """``plant`` with finding ``finding_id`` accepted until ``review_by`` (an earlier acceptance
    of the same id, e.g. an expired one, is replaced in its place).

    Raises
    ------
    AcceptanceError
        Naming every problem: justification or accepted by empty, review_by missing or not
        after ``as_of``, an id that is not ``rule@subject``, a text too long.
    """
    problems: list[str] = []
    data = {"id": finding_id, "justification": (justification or "").strip(),
            "accepted_by": (accepted_by or "").strip(), "review_by": review_by}
    for key in ("justification", "accepted_by"):
        if not data[key]:
            problems.append(f"{key}: required: fill it in")
    if review_by is None:
        problems.append("review_by: required: pick the date the acceptance is reviewed by")
    elif review_by <= as_of:
        shown = shown_value(review_by.isoformat())
        problems.append(f"review_by: must be after the as-of day {as_of.isoformat()}{shown}")
    if not problems:
        try:
            accepted = AcceptedFinding.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                key = str(e["loc"][0]) if e["loc"] else "id"
                problems.append(f"{key}: {pydantic_message(e)}{shown_value(data.get(key))}")
    if problems:
        raise AcceptanceError(problems)
    found = [f.id for f in plant.accepted_findings]
    if finding_id in found:
        items = [accepted if f.id == finding_id else f for f in plant.accepted_findings]
    else:
        items = [*plant.accepted_findings, accepted]
    return plant.model_copy(update={"accepted_findings": items})


def unaccept_finding(plant: Plant, finding_id: str) -> Plant:
    """``plant`` without the acceptance of ``finding_id`` (the finding is open again).

    Raises
    ------
    OtriskError
        When ``finding_id`` is not accepted.
    """
    if finding_id not in {f.id for f in plant.accepted_findings}:
        raise OtriskError(f"finding {finding_id} is not accepted: nothing to take back")
    return plant.model_copy(update={"accepted_findings": [f for f in plant.accepted_findings if f.id != finding_id]})
