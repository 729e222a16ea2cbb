"""The "strengthen first" score of an IEC 62443-2-1 sub-element (issue 3; ``docs/formulas.md``).

A sub-element is worth strengthening first when three gaps meet: its maturity is below
target, the evidence it is normally proven by is missing, and high-impact assets are not
covered by fresh evidence of that kind. The formula is a sum of the three gaps, weighted up
for the operational heavyweights (asset inventory and change control, monitoring and
alarming, backup and recovery) on a site where something high-impact can be hurt::

    score = H × (M + E + C)

    M = max(0, target − maturity)       maturity gap, 0..4; not assessed counts as 0,
                                        no target anywhere counts as no gap
    E = 2 × [expects operational evidence and none is fresh]
      + 2 × [expects only organizational evidence and none is fresh]
      + 1 × [expects both kinds and no organizational evidence is fresh]
    C = log2(1 + Σ w(a)) over the high-impact assets not covered by fresh evidence of the
        primary kind (operational unless only organizational evidence is expected)
        w(a) = (stake(a) − 3) × (1 + 0.25 × exposure(a))  — 1 for impact 4, 2 for impact 5
    H = 1.5 for CM 1, EVENT 1 and AVAIL 2 when the site has a high-impact asset, else 1

``stake(a)`` is an asset's worst consequence over production, safety and delivery if it is
lost (effective impact) or taken over (compromise impact); high-impact means stake ≥ 4
(issue 3: "effective impact ≥ 4 on any axis", widened by takeover the way asset priority is,
so the engineering workstation that can change the SIS counts with the SIS). Exposure
(DESIGN.md, 0..3) counts as 0 until zones and conduits are analysed.

The score is monotone by construction, and the tests check it as properties: fresh evidence
only removes terms (an item never raises a score), maturity only enters through ``M``
(raising it never raises a score), and ratings only enter through ``stake``, which can only
grow when a rating rises (so a higher rating never lowers a score). Gaps are counted in
assets, not shares: a share would fall when a covered high-impact asset is added. The
logarithm keeps every uncovered asset counting while each doubling adds one point, so 40
uncovered assets (C ≈ 6) do not drown a maturity gap of 2 and a missing kind of evidence.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from otrisk.evidence import FUTURE, STALE
from otrisk.models import Asset
from otrisk.reference import sub_element_of

__all__ = ["sub_element_reasons", "maturity_text", "HIGH_IMPACT", "HEAVYWEIGHTS", "HEAVYWEIGHT_FACTOR", "Score",
           "asset_weight", "sub_element_score"]

#: An asset is high-impact when its worst consequence (loss or takeover) reaches this level.
HIGH_IMPACT = 4
#: Operational heavyweights (issue 3): what a plant needs first when impact is high.
HEAVYWEIGHTS = {
    "CM 1": "asset inventory and change control",
    "EVENT 1": "monitoring and alarming",
    "AVAIL 2": "backup and recovery",
}
#: Multiplier of a heavyweight's score on a site with a high-impact asset.
HEAVYWEIGHT_FACTOR = 1.5
#: Points for a missing primary kind of evidence, and for missing organizational evidence
#: where both kinds are expected.
PRIMARY_GAP, SECONDARY_GAP = 2, 1
_EXPOSURE_WEIGHT = 0.25


@dataclass(frozen=True)
class Score:
    """A sub-element's strengthen-first score with its terms (see the module docstring).

    Attributes
    ----------
    score : float
        ``heavyweight × (maturity_gap + evidence_gap + coverage_gap)``, rounded to 3 decimals, ≥ 0.
    maturity_gap : int
        0..4.
    evidence_gap : int
        0..3.
    coverage_gap : float
        ≥ 0.
    heavyweight : float
        1.0 or :data:`HEAVYWEIGHT_FACTOR`.
    """

    score: float
    maturity_gap: int
    evidence_gap: int
    coverage_gap: float
    heavyweight: float

    def formula(self) -> str:
        """The score spelled out, e.g. ``'7.5 = 1.5 × (maturity gap 1 + evidence gap 2 + coverage 2)'``."""
        inner = (f"maturity gap {self.maturity_gap} + evidence gap {self.evidence_gap} + "
                 f"coverage {_num(self.coverage_gap)}")
        if self.heavyweight != 1.0:
            return f"{_num(self.score)} = {_num(self.heavyweight)} × ({inner})"
        return f"{_num(self.score)} = {inner}"


def _num(x: float) -> str:
    return f"{x:g}"


def asset_weight(stake: int | None, exposure: int | None) -> float:
    """Weight of an uncovered asset in the coverage gap: ``(stake − 3) × (1 + 0.25 × exposure)``.

    0 below :data:`HIGH_IMPACT` or when unknown; exposure None counts as 0.

    Examples
    --------
    >>> asset_weight(5, None), asset_weight(4, 2), asset_weight(3, 3), asset_weight(None, 1)
    (2.0, 1.5, 0.0, 0.0)
    """
    if stake is None or stake < HIGH_IMPACT:
        return 0.0
    return (stake - 3) * (1 + _EXPOSURE_WEIGHT * (exposure or 0))


def sub_element_score(*, maturity: int | None, target: int | None, expected_kind: str,
                      fresh_operational: int, fresh_organizational: int,
                      uncovered_weights: Iterable[float], heavyweight: bool,
                      high_impact_site: bool) -> Score:
    """The strengthen-first score of one applicable sub-element (formula: module docstring).

    Parameters
    ----------
    maturity : int or None
        Maturity now, 0..4; None (not assessed) counts as 0.
    target : int or None
        Target maturity 0..4; None: no target, no maturity gap.
    expected_kind : str
        ``operational``, ``organizational`` or ``both`` (``data/iec62443_2_1.yaml``).
    fresh_operational, fresh_organizational : int
        Fresh evidence items of each kind for the sub-element (derived figures excluded).
    uncovered_weights : iterable of float
        :func:`asset_weight` of every high-impact asset not covered by fresh evidence of the
        primary kind.
    heavyweight : bool
        The sub-element is one of :data:`HEAVYWEIGHTS`.
    high_impact_site : bool
        Some asset of the site is high-impact.

    Raises
    ------
    ValueError
        For an unknown ``expected_kind``.

    Examples
    --------
    >>> s = sub_element_score(maturity=2, target=3, expected_kind="operational", fresh_operational=0,
    ...                       fresh_organizational=1, uncovered_weights=[2, 2, 2, 1], heavyweight=True,
    ...                       high_impact_site=True)
    >>> s.score, s.formula()
    (9.0, '9 = 1.5 × (maturity gap 1 + evidence gap 2 + coverage 3)')
    """
    if expected_kind not in ("operational", "organizational", "both"):
        raise ValueError(f"expected evidence kind must be operational, organizational or both, not {expected_kind!r}")
    m = max(0, target - (maturity or 0)) if target is not None else 0
    e = 0
    if expected_kind in ("operational", "both") and fresh_operational == 0:
        e += PRIMARY_GAP
    if expected_kind == "organizational" and fresh_organizational == 0:
        e += PRIMARY_GAP
    if expected_kind == "both" and fresh_organizational == 0:
        e += SECONDARY_GAP
    c = math.log2(1 + sum(uncovered_weights))
    h = HEAVYWEIGHT_FACTOR if heavyweight and high_impact_site else 1.0
    return Score(round(h * (m + e + c), 3), m, e, round(c, 3), h)


# --- reasons --------------------------------------------------------------------------------
# Plain sentences naming the assets (most critical first), zones, evidence and actions behind a
# sub-element's score; built by otrisk.readiness, which holds the figures.

_NAMED = 3
_KINDS = ("operational", "organizational")


def _worst_axis(impact) -> tuple[str, int]:
    # Ties name safety first: the axis plant people weigh most.
    best: tuple[str, int] | None = None
    for axis in ("safety", "production", "delivery"):
        vals = [v for v in (impact.effective[axis], impact.compromise[axis]) if v is not None]
        if vals and (best is None or max(vals) > best[1]):
            best = (axis, max(vals))
    assert best is not None
    return best


def _label(asset: Asset) -> str:
    return asset.name if asset.name == asset.id else f"{asset.name} ({asset.id})"


def _named(labels: Sequence[str]) -> str:
    shown = ", ".join(labels[:_NAMED])
    rest = len(labels) - _NAMED
    return f"{shown} and {rest} more" if rest > 0 else shown


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def maturity_text(now, target, target_from: str | None, sub_id: str, maturity_from: str | None = None) -> str:
    """``"maturity 2 (assessed 2026-06-15) against target 3 (set for AVAIL), gap 1"`` and the
    not-assessed / no-target variants; ``now`` and ``target`` are ``maturity.Rating`` or None."""
    where = f" (set for {target_from})" if target_from and target_from != sub_id else ""
    rated = f" for {maturity_from} as a whole" if maturity_from and maturity_from != sub_id else ""
    if target is None:
        level = f"maturity {now.level} (assessed{rated} {now.date})" if now else "not assessed"
        return f"{level}; no target set, so no maturity gap is counted"
    if now is None:
        return f"not assessed: counts as 0 against target {target.level}{where}, gap {target.level}"
    gap = max(0, target.level - now.level)
    return f"maturity {now.level} (assessed{rated} {now.date}) against target {target.level}{where}, gap {gap}"


def sub_element_reasons(plant, se, as_of, now, maturity_from, target, target_from, na, ev, fresh, derived, coverage,
                        uncovered, paper, score, assets, by_id) -> list[str]:
    """The reasons of one sub-element's readiness, score first (called by ``otrisk.readiness``).

    In order: the score spelled out, maturity against target, heavyweight, missing kinds of
    fresh evidence, paper compliance, the uncovered high-impact assets (grouped by worst axis,
    most critical named first, with their zones) and those covered only on paper, stale and
    future-dated items, model-derived figures (never counted), open actions (OVERDUE first
    word when due before ``as_of``). A not-applicable sub-element has one reason: why.
    """
    if na is not None:
        return [f"not applicable: {na}"]
    reasons = [f"score {score.formula()}", maturity_text(now, target, target_from, se.id, maturity_from)]
    if se.id in HEAVYWEIGHTS and score.heavyweight != 1.0:
        reasons.append(f"operational heavyweight ({HEAVYWEIGHTS[se.id]}) on a site with high-impact assets")
    wanted = [k for k in _KINDS if se.evidence_kind in (k, "both")]
    missing = [k for k in wanted if not fresh[k]]
    if missing:
        typical = f" (typical: {'; '.join(se.typical_evidence[:2])})" if se.typical_evidence else ""
        reasons.append(f"no fresh {' or '.join(missing)} evidence for {se.id}{typical}")
    if paper:
        reasons.append(f"paper compliance: only organizational evidence is fresh, {se.id} expects operational evidence")
    primary = "operational" if se.evidence_kind in ("operational", "both") else "organizational"
    if uncovered:
        reasons.append(_uncovered_text(se.id, primary, uncovered, assets, by_id))
        paper_only = set(coverage.organizational_only)
        on_paper = [a for a in uncovered if a in paper_only]
        if primary == "operational" and on_paper:
            reasons.append(f"{len(on_paper)} of them covered only by organizational evidence (on paper): "
                           f"{_named([_label(assets[a]) for a in on_paper])}")
    elif coverage.high_impact:
        reasons.append(f"fresh {primary} evidence covers all {len(coverage.high_impact)} high-impact assets")
    for s in ev:
        if s.status in (STALE, FUTURE):
            word = "stale" if s.status == STALE else "future-dated"
            reasons.append(f"{word}: {s.evidence} ({s.kind}), {s.reason}")
    for d in derived:
        reasons.append(f"derived from the model, not evidence on its own: {d.title.lower()} "
                       f"{d.done} of {d.total}")
    for a in sorted(plant.actions, key=lambda a: (a.due or dt.date.max, a.id)):
        if a.status in ("open", "in_progress") and any(sub_element_of(x) == se.id or x == se.id for x in a.elements):
            late = a.due is not None and a.due < as_of
            due = f", due {a.due}" if a.due else ""
            reasons.append(f"{'OVERDUE ' if late else ''}action {a.id} ({a.status.replace('_', ' ')}{due}"
                           f"{', ' + a.owner if a.owner else ''}): {a.title}")
    return reasons


def _uncovered_text(sub_id: str, kind: str, uncovered: Sequence[str], assets, by_id) -> str:
    groups = Counter(_worst_axis(by_id[a]) for a in uncovered)
    parts = ", ".join(f"{n} with {axis} {level}" for (axis, level), n in
                      sorted(groups.items(), key=lambda g: (-g[0][1], -g[1], g[0][0])))
    zones = Counter(assets[a].zone or "(no zone)" for a in uncovered)
    zone_text = ", ".join(f"{z} {n}" for z, n in sorted(zones.items(), key=lambda z: (-z[1], z[0])))
    verb = "is" if len(uncovered) == 1 else "are"
    return (f"{_plural(len(uncovered), 'high-impact asset')} ({parts}) {verb} not covered by fresh {kind} "
            f"evidence for {sub_id}, among them {_named([_label(assets[a]) for a in uncovered])}; zones: {zone_text}")