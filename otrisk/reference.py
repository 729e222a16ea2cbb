"""Packaged reference data and the demo plant.

``data/`` at the top of the repository ships inside the installed package as
``otrisk.data`` (``[tool.setuptools.package-dir]`` in ``pyproject.toml``) and is read with
:mod:`importlib.resources`, so it works from a wheel, a zip or an editable install. When
otrisk runs from a source tree that is not installed, ``otrisk.data`` is not importable;
then the ``data/`` folder next to the ``otrisk/`` package is read instead.

Parsed results are cached once per process. Functions that hand out mutable objects (the
demo :class:`~otrisk.models.Plant`, the impact scale) return a fresh copy on every call,
so a caller that edits its copy never changes what the next caller sees.

Examples
--------
>>> load_demo_plant().format
'otrisk/v1'
>>> sorted(impact_scale())
['delivery', 'production', 'safety']
>>> sorted(impact_scale()["safety"])
[1, 2, 3, 4, 5]
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from otrisk.errors import OtriskError
from otrisk.models import AXES, Plant
from otrisk.plantfile import loads_plant

__all__ = ["data_text", "demo_plant_text", "load_demo_plant", "impact_scale"]

#: Package under which ``data/`` is installed.
_PACKAGE = "otrisk.data"
#: ``data/`` of a source tree: the folder next to the ``otrisk/`` package.
_SOURCE_DATA_DIR = Path(__file__).resolve().parents[1] / "data"

DEMO_PLANT = "demo_plant.yaml"
IMPACT_SCALE = "impact_scale.yaml"
_LEVELS = (1, 2, 3, 4, 5)


def _data_root() -> Traversable:
    """The installed ``otrisk.data`` package, else the source tree's ``data/`` folder."""
    try:
        return resources.files(_PACKAGE)
    except ModuleNotFoundError:
        return _SOURCE_DATA_DIR


def _parts(name: str) -> list[str]:
    parts = name.split("/")
    if not name or "\\" in name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a file name inside the packaged data: {name!r} (use 'file.yaml' or 'folder/file.yaml')")
    return parts


@functools.cache
def _read(name: str) -> str:
    node = _data_root()
    for part in _parts(name):
        node = node.joinpath(part)
    if not node.is_file():
        raise FileNotFoundError(f"packaged data file {name!r} not found in {_data_root()}")
    return node.read_text(encoding="utf-8")


def data_text(name: str) -> str:
    """Text of a packaged data file.

    Parameters
    ----------
    name : str
        File name relative to ``data/``, with ``/`` between folders
        (e.g. ``"demo_plant.yaml"``).

    Returns
    -------
    str
        The file decoded as UTF-8.

    Raises
    ------
    ValueError
        When ``name`` is empty, absolute, uses backslashes or walks up with ``..``.
    FileNotFoundError
        When no such file is packaged.

    Examples
    --------
    >>> data_text("demo_plant.yaml").startswith("# otrisk demo plant")
    True
    """
    return _read(name)


def demo_plant_text() -> str:
    """Text of the demo plant file (``data/demo_plant.yaml``), comment header included.

    Returns
    -------
    str
        An ``otrisk/v1`` document: a fictional mid-size brewery.

    Examples
    --------
    >>> "format: otrisk/v1" in demo_plant_text()
    True
    """
    return data_text(DEMO_PLANT)


@functools.cache
def _demo_plant() -> Plant:
    return loads_plant(demo_plant_text(), source=DEMO_PLANT)


def load_demo_plant() -> Plant:
    """The demo plant, validated like any plant file.

    Returns
    -------
    Plant
        A fresh deep copy on every call (callers may edit it).

    Raises
    ------
    PlantFileError
        When the packaged demo plant is not a valid ``otrisk/v1`` file (a packaging bug);
        problems name ``demo_plant.yaml`` and the line.

    Examples
    --------
    >>> plant = load_demo_plant()
    >>> plant.site.sector
    'food'
    >>> len(plant.assets) >= 60
    True
    """
    return _demo_plant().model_copy(deep=True)


@functools.cache
def _impact_scale() -> tuple[tuple[str, tuple[tuple[int, str], ...]], ...]:
    doc = yaml.safe_load(data_text(IMPACT_SCALE))
    axes = doc.get("axes") if isinstance(doc, dict) else None
    if not isinstance(axes, dict) or set(axes) != set(AXES):
        raise OtriskError(f"{IMPACT_SCALE}: 'axes' must hold exactly {', '.join(AXES)}")
    out = []
    for axis in AXES:
        levels = axes[axis].get("levels") if isinstance(axes[axis], dict) else None
        if not isinstance(levels, dict) or set(levels) != set(_LEVELS):
            raise OtriskError(f"{IMPACT_SCALE}: axes.{axis}.levels must have the levels 1..5")
        for level in _LEVELS:
            if not isinstance(levels[level], str) or not levels[level].strip():
                raise OtriskError(f"{IMPACT_SCALE}: axes.{axis}.levels.{level} must be a text")
        out.append((axis, tuple((level, levels[level].strip()) for level in _LEVELS)))
    return tuple(out)


def impact_scale() -> dict[str, dict[int, str]]:
    """The 1..5 impact scale per axis (production, safety, delivery).

    A missing rating on an axis means unknown, never low; the thresholds in the wording
    are illustrative and meant to be calibrated per site (see ``data/impact_scale.yaml``).

    Returns
    -------
    dict
        ``{axis: {level: text}}`` with the axes in the order of
        :data:`otrisk.models.AXES` and the levels 1..5; a new dict on every call.

    Raises
    ------
    OtriskError
        When the packaged scale lacks an axis or a level (a packaging bug).

    Examples
    --------
    >>> scale = impact_scale()
    >>> list(scale)
    ['production', 'safety', 'delivery']
    >>> list(scale["delivery"])
    [1, 2, 3, 4, 5]
    """
    return {axis: dict(levels) for axis, levels in _impact_scale()}


def _clear_caches() -> None:
    """Forget cached files and parses (tests that swap the data location use this)."""
    _read.cache_clear()
    _demo_plant.cache_clear()
    _impact_scale.cache_clear()
