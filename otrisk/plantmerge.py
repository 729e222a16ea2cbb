"""Bring an imported model (e.g. a Threagile model) into the stored plant: merge (add what is
new, leave every existing id alone) or replace (the stored plant becomes the import).

* **Merge**: zones, conduits and assets whose id the stored plant lacks are added; an existing id
  is left alone and listed. Ids name things: an added asset or conduit that names an existing id
  refers to the stored item. Nothing stored is changed or removed. Confirmed impacts go only into
  the added assets.
* **Replace**: the stored plant becomes exactly the imported plant (plus the confirmed impacts);
  evidence, assessments, actions and accepted findings go with it (:func:`removed_by_replace`
  says what, so a page can ask first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from otrisk.models import Impact, Plant
from otrisk.threagile import ThreagileImport

__all__ = ["MergePlan", "Mode", "plan_merge", "plant_to_store", "removed_by_replace"]

#: How an import meets the stored plant.
Mode = Literal["merge", "replace"]


@dataclass(frozen=True)
class MergePlan:
    """What a merge adds (ids in id order) and which imported ids exist already (left alone)."""

    zones: tuple[str, ...]
    conduits: tuple[str, ...]
    assets: tuple[str, ...]
    existing_zones: tuple[str, ...]
    existing_conduits: tuple[str, ...]
    existing_assets: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        """True when the merge would add nothing."""
        return not (self.zones or self.conduits or self.assets)

    def existing_text(self) -> str:
        """``zones a, b; assets c`` (empty when no imported id exists)."""
        parts = [f"{what} {', '.join(ids)}" for what, ids in (("zones", self.existing_zones),
                 ("conduits", self.existing_conduits), ("assets", self.existing_assets)) if ids]
        return "; ".join(parts)


def plan_merge(stored: Plant, imported: Plant) -> MergePlan:
    """Split the imported zones, conduits and assets into new ids and ids the stored plant has."""
    def split(ours: Sequence[Any], theirs: Sequence[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        have = {x.id for x in ours}
        ids = sorted(x.id for x in theirs)
        return tuple(i for i in ids if i not in have), tuple(i for i in ids if i in have)

    zones, old_zones = split(stored.zones, imported.zones)
    conduits, old_conduits = split(stored.conduits, imported.conduits)
    assets, old_assets = split(stored.assets, imported.assets)
    return MergePlan(zones, conduits, assets, old_zones, old_conduits, old_assets)


def removed_by_replace(stored: Plant) -> dict[str, int]:
    """What replacing the stored plant removes: ``{"assets": n, "zones": n, …}``, only non-zero counts."""
    counts = {"assets": len(stored.assets), "zones": len(stored.zones), "conduits": len(stored.conduits),
              "evidence items": len(stored.evidence), "assessments": len(stored.assessments),
              "actions": len(stored.actions), "accepted findings": len(stored.accepted_findings)}
    return {k: v for k, v in counts.items() if v}


def _rated(assets: Sequence[Any], impacts: dict[str, Impact]) -> list[Any]:
    return [a.model_copy(update={"impact": impacts[a.id]}) if a.id in impacts else a for a in assets]


def plant_to_store(stored: Plant, result: ThreagileImport, mode: Mode,
                   impacts: dict[str, Impact]) -> tuple[Plant, str]:
    """The plant to save for ``mode`` (module docstring) and a change-log summary.

    ``impacts`` are written only into the assets the save writes (for a merge: the added ones).
    """
    imported = result.plant
    if mode == "replace":
        plant = imported.model_copy(update={"assets": _rated(imported.assets, impacts)})
        used = len(impacts)
        return plant, (f"Threagile model replaced the plant: {len(imported.assets)} assets, "
                       f"{len(imported.zones)} zones, {len(imported.conduits)} conduits"
                       + (f", {used} impacts confirmed" if used else ""))
    plan = plan_merge(stored, imported)

    def added(items: Sequence[Any], ids: tuple[str, ...]) -> list[Any]:
        keep = set(ids)
        return sorted((x for x in items if x.id in keep), key=lambda x: x.id)

    new_assets = _rated(added(imported.assets, plan.assets), impacts)
    used = sum(1 for a in plan.assets if a in impacts)
    plant = stored.model_copy(update={"zones": [*stored.zones, *added(imported.zones, plan.zones)],
                                      "conduits": [*stored.conduits, *added(imported.conduits, plan.conduits)],
                                      "assets": [*stored.assets, *new_assets]})
    summary = (f"Threagile model merged: added {len(plan.assets)} assets, {len(plan.zones)} zones, "
               f"{len(plan.conduits)} conduits" + (f", {used} impacts confirmed" if used else ""))
    if plan.existing_text():
        summary += f"; left alone (ids exist): {plan.existing_text()}"
    return plant, summary
