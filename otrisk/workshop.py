"""The management workshop (issue 7): the risk matrix of assets and quick rating with undo.

Risk matrix (:func:`risk_matrix`)
    Every asset of a plant sits in exactly one cell.

    * **Row**: the asset's *worst effective impact*, the max over production, safety and
      delivery of its effective impact (DESIGN.md "Effective impact": its own rating and
      those of its dependents), 5 … 1; ``None`` ("not rated") when all three are unknown.
    * **Column**: the asset's *exposure*, its zone's (DESIGN.md "Exposure"): 3 when the
      zone is external or remote access or reachable from one, 2 when reachable from an
      enterprise zone, 1 when any other zone reaches it, else 0; ``None`` ("no zone") for
      an asset without a zone, whose exposure is not analysed.
    * **Cell**: the asset ids, sorted.

Quick rating (:class:`RatingSession`, :func:`apply_ratings`)
    The room rates the loss impact of many assets in a row. Each cell change is one
    :class:`RatingStep` (asset, axis, value 1..5 or None for unknown); :meth:`RatingSession.undo`
    takes back the last one. :meth:`RatingSession.pending` holds the last value per asset
    and axis; :meth:`RatingSession.preview` is the plant with those ratings, which the page
    ranks (``otrisk.impact.analyze_plant``) so the room sees the order change before
    anything is stored. Saving stores the preview as one revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from otrisk.errors import OtriskError
from otrisk.impact import AssetImpact
from otrisk.models import AXES, Impact, Plant
from otrisk.readiness import ReadinessReport

__all__ = [
    "EXPOSURE_COLUMNS",
    "IMPACT_ROWS",
    "RankMove",
    "RatingChange",
    "RatingCounts",
    "RatingError",
    "RatingSession",
    "RatingStep",
    "RiskMatrix",
    "apply_ratings",
    "elements_at_target",
    "rank_moves",
    "rating_counts",
    "risk_matrix",
    "worst_effective",
]

#: Rows of the risk matrix, top to bottom: worst effective impact 5 … 1, then not rated.
IMPACT_ROWS: tuple[int | None, ...] = (5, 4, 3, 2, 1, None)
#: Columns, left to right: exposure 0 … 3, then no zone.
EXPOSURE_COLUMNS: tuple[int | None, ...] = (0, 1, 2, 3, None)

Ratings = Mapping[str, Mapping[str, "int | None"]]


def worst_effective(result: AssetImpact) -> int | None:
    """The max over the three axes of an asset's effective impact; None when all are unknown.

    Examples
    --------
    >>> worst_effective(AssetImpact("plc", 0, {"production": 4, "safety": None, "delivery": 2},
    ...                             {}, 1, 0.0, ()))
    4
    """
    values = [v for v in result.effective.values() if v is not None]
    return max(values) if values else None


@dataclass(frozen=True)
class RiskMatrix:
    """Assets by worst effective impact (rows, :data:`IMPACT_ROWS`) and exposure (columns,
    :data:`EXPOSURE_COLUMNS`); ``cells`` maps every ``(impact, exposure)`` pair to its sorted
    asset ids (empty tuple for an empty cell)."""

    cells: dict[tuple[int | None, int | None], tuple[str, ...]]

    def cell(self, impact: int | None, exposure: int | None) -> tuple[str, ...]:
        """The asset ids of one cell (KeyError for a pair outside the matrix)."""
        return self.cells[(impact, exposure)]

    def count(self, impact: int | None, exposure: int | None) -> int:
        """How many assets one cell holds."""
        return len(self.cell(impact, exposure))

    @property
    def total(self) -> int:
        """Number of assets in the matrix (= the plant's)."""
        return sum(len(ids) for ids in self.cells.values())


def risk_matrix(plant: Plant, impacts: Iterable[AssetImpact]) -> RiskMatrix:
    """The risk matrix of a plant (see the module docstring for the axes).

    Parameters
    ----------
    plant : Plant
        Its assets decide the "no zone" column.
    impacts : iterable of AssetImpact
        ``otrisk.impact.analyze_plant(plant)``: one per asset, with exposure.

    Raises
    ------
    OtriskError
        When an asset of the plant has no figures in ``impacts``, or an asset in a zone has
        no exposure (figures from ``analyze`` without exposure).

    Examples
    --------
    >>> from otrisk.impact import analyze_plant
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... zones: [{id: cell, name: Cell, kind: control}]
    ... assets:
    ...   - {id: plc, name: PLC, type: plc, zone: cell, impact: {production: 4}}
    ...   - {id: pc, name: PC, type: other}
    ... ''')
    >>> m = risk_matrix(p, analyze_plant(p))
    >>> m.cell(4, 0), m.cell(None, None), m.total
    (('plc',), ('pc',), 2)
    """
    by_id = {r.asset: r for r in impacts}
    cells: dict[tuple[int | None, int | None], list[str]] = {
        (i, e): [] for i in IMPACT_ROWS for e in EXPOSURE_COLUMNS}
    for asset in sorted(plant.assets, key=lambda a: a.id):
        result = by_id.get(asset.id)
        if result is None:
            raise OtriskError(f"risk matrix: no impact figures for asset {asset.id!r}")
        if asset.zone is None:
            exposure = None
        elif result.exposure is None:
            raise OtriskError(f"risk matrix: asset {asset.id!r} has no exposure; analyse the plant "
                              "with otrisk.impact.analyze_plant")
        else:
            exposure = result.exposure
        cells[(worst_effective(result), exposure)].append(asset.id)
    return RiskMatrix({key: tuple(ids) for key, ids in cells.items()})


@dataclass(frozen=True)
class RatingCounts:
    """Assets by how much of their own loss impact is rated: all three axes, some, none."""

    full: int
    partial: int
    none: int

    @property
    def total(self) -> int:
        return self.full + self.partial + self.none


def rating_counts(plant: Plant) -> RatingCounts:
    """How many assets have all three, some, or none of their own ratings.

    >>> from otrisk.reference import load_demo_plant
    >>> rating_counts(load_demo_plant()).total == len(load_demo_plant().assets)
    True
    """
    known = [sum(v is not None for v in a.impact.as_dict().values()) for a in plant.assets]
    return RatingCounts(full=known.count(len(AXES)), partial=sum(1 for k in known if 0 < k < len(AXES)),
                        none=known.count(0))


def elements_at_target(report: ReadinessReport) -> tuple[int, int]:
    """``(at target, with a target)`` over the eight program elements: an element counts as
    at target when its maturity now reaches its target; not-applicable ones are left out and
    not-assessed ones count as not at target."""
    with_target = [e for e in report.elements if e.target is not None and e.not_applicable is None]
    done = sum(1 for e in with_target if e.maturity is not None and e.maturity >= e.target)
    return done, len(with_target)


# --- Quick rating -----------------------------------------------------------------------


class RatingError(OtriskError):
    """A quick rating that cannot be applied: unknown asset or axis, or a value outside 1..5.

    Attributes ``asset``, ``axis`` and ``value`` name the offending rating.
    """

    def __init__(self, message: str, *, asset: str | None = None, axis: str | None = None, value: object = None):
        super().__init__(message)
        self.asset, self.axis, self.value = asset, axis, value


def _checked(asset: str, axis: str, value: object) -> int | None:
    if axis not in AXES:
        raise RatingError(f"asset {asset}: no impact axis {axis!r} (axes: {', '.join(AXES)})",
                          asset=asset, axis=axis, value=value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise RatingError(f"asset {asset}, {axis}: a rating is a whole number 1..5 or empty for unknown "
                          f"(value {value!r})", asset=asset, axis=axis, value=value)
    return value


def apply_ratings(plant: Plant, edits: Ratings) -> Plant:
    """A copy of ``plant`` with the loss-impact ratings in ``edits`` set.

    Parameters
    ----------
    plant : Plant
        Not changed.
    edits : mapping
        ``{asset id: {axis: 1..5 | None}}``; an axis left out keeps its rating, None makes
        it unknown.

    Raises
    ------
    RatingError
        For an asset id the plant does not have, an unknown axis or a value that is not a
        whole number 1..5 or None (the message names asset, axis and value). Nothing is
        applied then.

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... assets: [{id: plc, name: PLC, type: plc, impact: {production: 2}}]
    ... ''')
    >>> apply_ratings(p, {"plc": {"safety": 4}}).assets[0].impact.as_dict()
    {'production': 2, 'safety': 4, 'delivery': None}
    """
    assets = plant.asset_map()
    unknown = sorted(a for a in edits if a not in assets)
    if unknown:
        raise RatingError(f"quick rating: the plant has no asset {', '.join(map(repr, unknown))}", asset=unknown[0])
    checked = {a: {axis: _checked(a, axis, v) for axis, v in axes.items()} for a, axes in edits.items()}
    out = []
    for asset in plant.assets:
        change = checked.get(asset.id)
        if change:
            impact = Impact.model_validate({**asset.impact.as_dict(), **change})
            asset = asset.model_copy(update={"impact": impact})
        out.append(asset)
    return plant.model_copy(update={"assets": out})


@dataclass(frozen=True)
class RatingStep:
    """One change the room made: ``asset``'s ``axis`` set to ``value`` (None = unknown)."""

    asset: str
    axis: str
    value: int | None


@dataclass(frozen=True)
class RatingChange:
    """A pending rating that differs from the stored one: ``before`` → ``after``."""

    asset: str
    axis: str
    before: int | None
    after: int | None


class RatingSession:
    """Pending quick ratings as a list of steps, oldest first, with undo.

    Examples
    --------
    >>> s = RatingSession()
    >>> s.rate("plc", "production", 3); s.rate("plc", "production", 4); s.rate("hmi", "safety", None)
    >>> s.pending()
    {'hmi': {'safety': None}, 'plc': {'production': 4}}
    >>> s.undo(), s.undo()
    (RatingStep(asset='hmi', axis='safety', value=None), RatingStep(asset='plc', axis='production', value=4))
    >>> s.pending()
    {'plc': {'production': 3}}
    """

    def __init__(self, steps: Iterable[RatingStep] = ()):
        self._steps: list[RatingStep] = []
        for step in steps:
            self.rate(step.asset, step.axis, step.value)

    @property
    def steps(self) -> tuple[RatingStep, ...]:
        """The steps, oldest first."""
        return tuple(self._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def rate(self, asset: str, axis: str, value: int | None) -> None:
        """Record one step. Raises :class:`RatingError` for an unknown axis or a value outside
        1..5 (the asset is checked against a plant in :meth:`preview`)."""
        self._steps.append(RatingStep(asset, axis, _checked(asset, axis, value)))

    def undo(self) -> RatingStep | None:
        """Take back the last step and return it; None when there is none."""
        return self._steps.pop() if self._steps else None

    def clear(self) -> None:
        """Drop every step (after a save)."""
        self._steps.clear()

    def pending(self) -> dict[str, dict[str, int | None]]:
        """The last value per asset and axis, assets sorted by id, axes in :data:`AXES` order."""
        last: dict[tuple[str, str], int | None] = {}
        for step in self._steps:
            last[(step.asset, step.axis)] = step.value
        out: dict[str, dict[str, int | None]] = {}
        for (asset, axis) in sorted(last, key=lambda k: (k[0], AXES.index(k[1]))):
            out.setdefault(asset, {})[axis] = last[(asset, axis)]
        return out

    def preview(self, plant: Plant) -> Plant:
        """``plant`` with the pending ratings (:func:`apply_ratings`; raises as it does)."""
        return apply_ratings(plant, self.pending())

    def changes(self, plant: Plant) -> list[RatingChange]:
        """The pending ratings that differ from ``plant``'s, by asset id then axis; assets
        ``plant`` does not have are left out (see :meth:`drop_missing`)."""
        assets = plant.asset_map()
        out = []
        for asset, axes in self.pending().items():
            if asset not in assets:
                continue
            stored = assets[asset].impact.as_dict()
            out.extend(RatingChange(asset, axis, stored[axis], value)
                       for axis, value in axes.items() if stored[axis] != value)
        return out

    def drop_missing(self, plant: Plant) -> list[str]:
        """Drop the steps of assets ``plant`` does not have (deleted meanwhile); their ids, sorted."""
        assets = plant.asset_map()
        gone = sorted({s.asset for s in self._steps if s.asset not in assets})
        self._steps = [s for s in self._steps if s.asset in assets]
        return gone


@dataclass(frozen=True)
class RankMove:
    """One asset of a preview ranking: its rank and priority now and in the stored ranking."""

    asset: str
    rank: int
    rank_before: int | None
    priority: float
    priority_before: float | None


def rank_moves(before: Sequence[AssetImpact], after: Sequence[AssetImpact], *, top: int = 10) -> list[RankMove]:
    """The first ``top`` of the ``after`` ranking with where each asset stood ``before``.

    Both rankings as from ``analyze_plant`` (highest priority first); ranks start at 1.

    >>> a = AssetImpact("a", 0, {}, {}, 0, 2.0, ()); b = AssetImpact("b", 0, {}, {}, 0, 1.0, ())
    >>> [(m.asset, m.rank, m.rank_before) for m in rank_moves([a, b], [b, a], top=1)]
    [('b', 1, 2)]
    """
    was = {r.asset: (n, r.priority) for n, r in enumerate(before, 1)}
    out = []
    for n, r in enumerate(after[:top], 1):
        rank_before, priority_before = was.get(r.asset, (None, None))
        out.append(RankMove(r.asset, n, rank_before, r.priority, priority_before))
    return out
