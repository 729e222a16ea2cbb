"""Asset priority and the reasons behind every impact figure.

Priority ranks the assets whose loss *or takeover* would hurt production, safety and
delivery most (formula and rationale: ``docs/formulas.md``). The reasons are short plain
sentences naming the assets behind each figure, so no number reaches a workshop without its
explanation. The figures themselves come from :mod:`otrisk.impact`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import networkx as nx

from otrisk.models import AXES, axes_text

__all__ = ["EXPOSURE_WEIGHT", "BREADTH_WEIGHT", "priority_score", "asset_reasons"]

#: Each exposure step (0..3, DESIGN.md "Exposure") raises priority by this fraction.
EXPOSURE_WEIGHT = 0.25
#: Weight of breadth (sum of the per-axis consequences over the three axes) in priority.
BREADTH_WEIGHT = 0.1
_NAMED = 3  # how many assets a reason names before "+n more"

Ratings = Mapping[Hashable, Mapping[str, "int | None"]]
Keys = tuple[int, int, int]


def priority_score(effective: Mapping[str, int | None], compromise: Mapping[str, int | None],
                   exposure: int | None) -> float:
    """Priority of an asset (documented in ``docs/formulas.md``).

    Per axis the consequence if the asset is lost *or taken over* is
    ``max(effective, compromise)`` (known values only; unknown is not low, and not zero).
    ``W`` (worst) = the highest of those over the axes; ``B`` (breadth) = their sum over the
    three axes (an unknown axis adds nothing until it is rated). Then
    ``priority = round((W + 0.1 × B) × (1 + 0.25 × exposure), 3)``, exposure None counted
    as 0. The worst axis decides the band; breadth orders assets within it (a safety system
    at 5/5/4 above a drive at 5/2/4); an engineering workstation that can change the safety
    PLC ranks with the safety PLC (DESIGN.md: it carries the safety PLC's impact).

    Parameters
    ----------
    effective, compromise : mapping
        ``{axis: 1..5 | None}``.
    exposure : int | None
        0..3, or None when not analysed.

    Returns
    -------
    float
        0.0, or 1.1 .. 11.375; 0.0 when both impacts are unknown on every axis ("unrated").

    Examples
    --------
    >>> priority_score({"safety": 4}, {"safety": 5}, None)
    5.5
    >>> priority_score({"production": 5, "safety": 2, "delivery": 4},
    ...                {"production": 5, "safety": 2, "delivery": 4}, None)
    6.1
    >>> priority_score({"safety": 4}, {"safety": 5}, 2)
    8.25
    >>> priority_score({"safety": None}, {}, 3)
    0.0
    """
    per_axis = _consequence(effective, compromise)
    if not per_axis:
        return 0.0
    base = max(per_axis.values()) + BREADTH_WEIGHT * sum(per_axis.values())
    return round(base * (1 + EXPOSURE_WEIGHT * (exposure or 0)), 3)


def _consequence(effective: Mapping[str, int | None], compromise: Mapping[str, int | None]
                 ) -> dict[str, int]:
    """``{axis: max(effective, compromise)}`` over the axes where either is known."""
    out = {}
    for ax in AXES:
        known = [v for v in (effective.get(ax), compromise.get(ax)) if v is not None]
        if known:
            out[ax] = max(known)
    return out


def _named(assets: list[str], total: int) -> str:
    shown = ", ".join(assets[:_NAMED])
    more = total - min(len(assets), _NAMED)
    return f"{shown}, … +{more} more" if more > 0 else shown


def asset_reasons(n: str, ids: list[str], ratings: Ratings, deps: nx.DiGraph, mgs: nx.DiGraph,
             eff_keys: Mapping[Hashable, Keys], comp_keys: Mapping[Hashable, Keys], radius: int,
             eff: dict[str, int | None], comp: dict[str, int | None], exp: int | None,
             prio: float) -> list[str]:
    """The reasons of one asset's figures, in a fixed order.

    Parameters
    ----------
    n : str
        The asset id. ``ids`` are all asset ids, sorted; ``ratings`` its own ratings by id.
    deps, mgs : nx.DiGraph
        Dependency graph (edge B -> A when A depends on B) and manages graph (A -> M).
    eff_keys, comp_keys : mapping
        Per asset and axis the engine's max-propagation key, which encodes the rating and
        the asset it came from (the witness named in the reason).
    radius, eff, comp, exp, prio
        The asset's blast radius, effective and compromise impact, exposure and priority.

    Returns
    -------
    list[str]
        Priority first (or "unrated"), then effective impact per axis, unknown axes,
        compromise impact per axis, blast radius and exposure.
    """
    size = len(ids)

    def witness(key: int) -> str:
        return ids[size - 1 - key % size]

    out: list[str] = []
    per_axis = _consequence(eff, comp)
    if not per_axis:
        out.append("unrated: no rating on it or on any dependent")
    else:
        worst, breadth = max(per_axis.values()), sum(per_axis.values())
        parts = axes_text(per_axis)
        guess = " (unknown axes add nothing until rated)" if len(per_axis) < len(AXES) else ""
        out.append(f"priority {prio:g} = (worst {worst} + 0.1 × breadth {breadth}) × exposure factor "
                   f"{1 + EXPOSURE_WEIGHT * (exp or 0):g}; if lost or taken over: "
                   f"production/safety/delivery {parts}{guess}")
    for i, ax in enumerate(AXES):
        value = eff[ax]
        if value is None:
            continue
        if ratings[n].get(ax) == value:
            out.append(f"effective {ax} {value}: its own rating")
        else:
            out.append(f"effective {ax} {value} because dependent {witness(eff_keys[n][i])} "
                       f"is rated {ax} {value}")
    unknown = [ax for ax in AXES if eff[ax] is None]
    if unknown and per_axis:  # the all-unknown case already says "unrated"
        out.append(f"unknown {', '.join(unknown)}: no rating on it or on any dependent")
    for i, ax in enumerate(AXES):
        if comp[ax] is None or comp[ax] == eff[ax]:
            continue
        m = witness(comp_keys[n][i])
        direct = sorted(mgs.successors(n))
        if m in direct:
            how = "directly"
        else:
            via = [d for d in direct if comp_keys[d][i] == comp_keys[n][i]]
            how = f"via {via[0]}" if via else "through managed assets"
        out.append(f"compromise {ax} {comp[ax]}: manages {m} ({how}), whose effective {ax} is {comp[ax]}")
    if radius:
        direct = sorted(deps.successors(n))
        verb = "asset depends" if radius == 1 else "assets depend"
        out.append(f"blast radius {radius}: {radius} {verb} on it ({_named(direct, radius)})")
    else:
        out.append("blast radius 0: no asset depends on it")
    out.append("exposure unknown (no zone, or zones not analysed): priority × 1" if exp is None else
               f"exposure {exp} of 3: priority × {1 + EXPOSURE_WEIGHT * exp:g}")
    return out
