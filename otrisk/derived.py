"""Evidence derived from the plant model itself (issue 3, DESIGN.md "Evidence derived from
the model").

The model already tells an auditor something: how complete the asset inventory is, whether
zones and conduits are documented and approved, whether firmware versions are known, how
much of the dependency picture is mapped. These figures are *shown and measured*, but never
by themselves count as fresh operational evidence: the model is what someone typed in, not
a trace a system produced. Each figure says how it was computed and lists what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from otrisk.models import Asset, Plant

__all__ = ["DerivedEvidence", "derived_evidence"]

# Asset types that are infrastructure rather than process systems: an inventory still lists
# them, but nobody expects a switch to depend on another system in the model.
_INFRASTRUCTURE = {"switch", "firewall"}


@dataclass(frozen=True)
class DerivedEvidence:
    """One figure derived from the model.

    Attributes
    ----------
    id : str
        Stable id, ``derived:<name>``.
    elements : tuple[str, ...]
        Program (sub-)elements it informs, e.g. ``("CM 1",)``.
    title : str
        What it measures, in plain words.
    done, total : int
        Items meeting the criterion, and items considered.
    missing : tuple[str, ...]
        Ids of the items that do not meet it, sorted.
    how : str
        How it was computed.
    derived : bool
        Always True: never counts as fresh operational evidence on its own.
    """

    id: str
    elements: tuple[str, ...]
    title: str
    done: int
    total: int
    missing: tuple[str, ...]
    how: str
    derived: bool = True

    @property
    def share(self) -> float | None:
        """``done / total`` in 0..1, None when there is nothing to count."""
        return self.done / self.total if self.total else None


def _share(id_: str, elements: tuple[str, ...], title: str, items: list[tuple[str, bool]],
           how: str) -> DerivedEvidence:
    missing = tuple(sorted(i for i, ok in items if not ok))
    return DerivedEvidence(id_, elements, title, len(items) - len(missing), len(items), missing, how)


def _complete(a: Asset) -> bool:
    return bool(a.zone and a.owner and a.vendor and a.model and a.firmware)


def derived_evidence(plant: Plant) -> list[DerivedEvidence]:
    """The model-derived figures of a plant, in a fixed order.

    Returns
    -------
    list[DerivedEvidence]
        inventory completeness (CM 1), zones documented (NET 1), conduits approved (NET 1),
        firmware visibility (COMP 3), dependency mapping coverage (CM 1).

    Examples
    --------
    >>> from otrisk.plantfile import loads_plant
    >>> p = loads_plant('''format: otrisk/v1
    ... site: {name: T}
    ... zones: [{id: z, name: Z, kind: control, owner: Ops, sl_target: 2}]
    ... assets:
    ...   - {id: plc, name: PLC, type: plc, zone: z, owner: Ops, vendor: V, model: M, firmware: "1.0"}
    ...   - {id: hmi, name: HMI, type: hmi, zone: z, depends_on: [plc]}
    ... ''')
    >>> [(d.id, d.done, d.total, d.missing) for d in derived_evidence(p)][:2]
    [('derived:inventory-completeness', 1, 2, ('hmi',)), ('derived:zones-documented', 1, 1, ())]
    """
    assets = sorted(plant.assets, key=lambda a: a.id)
    has_dependents = {d for a in plant.assets for d in a.depends_on}
    mapped: Callable[[Asset], bool] = lambda a: bool(a.depends_on) or a.id in has_dependents  # noqa: E731
    process = [a for a in assets if a.type not in _INFRASTRUCTURE]
    return [
        _share("derived:inventory-completeness", ("CM 1",), "Asset inventory completeness",
               [(a.id, _complete(a)) for a in assets],
               "share of assets with zone, owner, vendor, model and firmware all filled in"),
        _share("derived:zones-documented", ("NET 1",), "Zones documented",
               [(z.id, bool(z.owner) and z.sl_target is not None) for z in sorted(plant.zones, key=lambda z: z.id)],
               "share of zones with an owner and a target security level (SL-T)"),
        _share("derived:conduits-approved", ("NET 1",), "Conduits documented and approved",
               [(c.id, c.approved) for c in sorted(plant.conduits, key=lambda c: c.id)],
               "share of conduits marked approved (released) in the model"),
        _share("derived:firmware-visibility", ("COMP 3",), "Firmware versions known",
               [(a.id, bool(a.firmware)) for a in assets],
               "share of assets with a firmware version recorded"),
        _share("derived:dependency-mapping", ("CM 1",), "Dependencies mapped",
               [(a.id, mapped(a)) for a in process],
               "share of assets other than switches and firewalls that depend on something "
               "or that something depends on"),
    ]
