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

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["HIGH_IMPACT", "HEAVYWEIGHTS", "HEAVYWEIGHT_FACTOR", "Score",
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
