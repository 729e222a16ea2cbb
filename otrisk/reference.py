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
>>> [e.id for e in program_elements()]
['ORG', 'CM', 'NET', 'COMP', 'DATA', 'USER', 'EVENT', 'AVAIL']
>>> max_evidence_age_days("AVAIL 2.5"), sub_element_of("AVAIL 2.5")
(400, 'AVAIL 2')
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from otrisk.errors import OtriskError
from otrisk.models import AXES, Plant
from otrisk.plantfile import loads_plant

__all__ = [
    "data_text", "demo_plant_text", "load_demo_plant", "impact_scale",
    "ProgramElement", "SubElement", "Requirement", "MaturityLevelInfo",
    "program_elements", "element_ids", "sub_element_of", "max_evidence_age_days",
    "expected_evidence_kind", "maturity_levels", "nis2", "nis2_sector_ids",
]

#: Package under which ``data/`` is installed.
_PACKAGE = "otrisk.data"
#: ``data/`` of a source tree: the folder next to the ``otrisk/`` package.
_SOURCE_DATA_DIR = Path(__file__).resolve().parents[1] / "data"

DEMO_PLANT = "demo_plant.yaml"
IMPACT_SCALE = "impact_scale.yaml"
PROGRAM = "iec62443_2_1.yaml"
NIS2 = "nis2.yaml"
#: Expected evidence kinds: ``both`` means operational and organizational evidence are expected.
EVIDENCE_KINDS = ("operational", "organizational", "both")
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


# --- IEC 62443-2-1:2024 program elements (data/iec62443_2_1.yaml) -------------------------


@dataclass(frozen=True)
class Requirement:
    """A requirement of a sub-element (e.g. ``CM 1.4``).

    Attributes
    ----------
    id : str
        Requirement id as used by IEC 62443-2-1:2024, e.g. ``"CM 1.4"``.
    sub_element : str
        Id of the sub-element it belongs to, e.g. ``"CM 1"``.
    name : str
        Short name in our own words (not the standard's title).
    evidence_kind : str
        ``operational``, ``organizational`` or ``both``.
    """

    id: str
    sub_element: str
    name: str
    evidence_kind: str


@dataclass(frozen=True)
class SubElement:
    """A sub-element (requirement group) of a program element (e.g. ``CM 1``).

    Attributes
    ----------
    id, element, name, description : str
        ``"CM 1"``, ``"CM"``, the short name, and one sentence in our own words.
    evidence_kind : str
        Evidence normally expected: ``operational``, ``organizational`` or ``both``.
    max_evidence_age_days : int
        How old evidence without ``valid_until`` may be before it is stale (our choice;
        the reason is the ``age_basis`` text in the data file).
    typical_evidence : tuple of str
        A few examples of evidence, in our words.
    requirements : tuple of Requirement
    unverified : bool
        True when the ids and granularity of its requirements come from one secondary
        source and were not checked against the standard's text.
    """

    id: str
    element: str
    name: str
    description: str
    evidence_kind: str
    max_evidence_age_days: int
    typical_evidence: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    unverified: bool


@dataclass(frozen=True)
class ProgramElement:
    """One of the eight security program elements (ORG, CM, NET, COMP, DATA, USER, EVENT, AVAIL).

    Attributes
    ----------
    id : str
        Abbreviation used as id, e.g. ``"CM"``.
    number : int
        1..8 in the standard's order.
    name, description : str
        The short name, and one sentence in our own words.
    sub_elements : tuple of SubElement
    """

    id: str
    number: int
    name: str
    description: str
    sub_elements: tuple[SubElement, ...]


@dataclass(frozen=True)
class MaturityLevelInfo:
    """A maturity level: 0 (a tool convenience: not implemented) or ML1..ML4."""

    level: int
    name: str
    description: str
    tool_defined: bool = False


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OtriskError(f"{PROGRAM}: {where} must be a text")
    return value.strip()


def _kind(value: object, where: str) -> str:
    if value not in EVIDENCE_KINDS:
        raise OtriskError(f"{PROGRAM}: {where}.evidence_kind must be one of {', '.join(EVIDENCE_KINDS)}")
    return str(value)


@functools.cache
def _program() -> tuple[ProgramElement, ...]:
    doc = yaml.safe_load(data_text(PROGRAM))
    raw = doc.get("elements") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise OtriskError(f"{PROGRAM}: 'elements' must be a list of program elements")
    out = []
    for e in raw:
        eid = _text(e.get("id"), "elements[].id")
        subs = []
        for se in e.get("sub_elements") or ():
            sid = _text(se.get("id"), f"{eid}.sub_elements[].id")
            age = se.get("max_evidence_age_days")
            if not isinstance(age, int) or isinstance(age, bool) or age <= 0:
                raise OtriskError(f"{PROGRAM}: {sid}.max_evidence_age_days must be a whole number of days > 0")
            reqs = tuple(
                Requirement(_text(r.get("id"), f"{sid}.requirements[].id"), sid,
                            _text(r.get("name"), f"{sid}.requirements[].name"),
                            _kind(r.get("evidence_kind"), str(r.get("id"))))
                for r in se.get("requirements") or ()
            )
            subs.append(SubElement(
                id=sid, element=eid, name=_text(se.get("name"), f"{sid}.name"),
                description=_text(se.get("description"), f"{sid}.description"),
                evidence_kind=_kind(se.get("evidence_kind"), sid), max_evidence_age_days=age,
                typical_evidence=tuple(_text(t, f"{sid}.typical_evidence[]") for t in se.get("typical_evidence") or ()),
                requirements=reqs, unverified=bool(se.get("unverified", False)),
            ))
        if not subs:
            raise OtriskError(f"{PROGRAM}: element {eid} has no sub-elements")
        out.append(ProgramElement(eid, int(e.get("number", 0)), _text(e.get("name"), f"{eid}.name"),
                                  _text(e.get("description"), f"{eid}.description"), tuple(subs)))
    return tuple(sorted(out, key=lambda pe: pe.number))


def program_elements() -> tuple[ProgramElement, ...]:
    """The eight IEC 62443-2-1:2024 program elements with sub-elements and requirements.

    Ids and short element names are the standard's (for cross-reference); descriptions and
    requirement names are our own words. The element → clause mapping (clauses 6..13) and
    every requirement id come from one secondary source and are unverified against the
    purchased standard (``unverified`` on each sub-element; see ``data/iec62443_2_1.yaml``).

    Returns
    -------
    tuple of ProgramElement
        In the standard's order ORG, CM, NET, COMP, DATA, USER, EVENT, AVAIL (immutable, cached).

    Raises
    ------
    OtriskError
        When the packaged data file is malformed (a packaging bug).

    Examples
    --------
    >>> pe = program_elements()[1]
    >>> pe.id, pe.number, [s.id for s in pe.sub_elements]
    ('CM', 2, ['CM 1'])
    >>> [r.id for r in pe.sub_elements[0].requirements]
    ['CM 1.1', 'CM 1.2', 'CM 1.3', 'CM 1.4']
    """
    return _program()


@functools.cache
def _index() -> dict[str, ProgramElement | SubElement | Requirement]:
    index: dict[str, ProgramElement | SubElement | Requirement] = {}
    for pe in _program():
        items: list[ProgramElement | SubElement | Requirement] = [pe]
        for se in pe.sub_elements:
            items.append(se)
            items.extend(se.requirements)
        for item in items:
            if item.id in index:
                raise OtriskError(f"{PROGRAM}: id {item.id!r} is used twice")
            index[item.id] = item
    return index


def element_ids() -> frozenset[str]:
    """Every element, sub-element and requirement id (``CM``, ``CM 1``, ``CM 1.4``, …).

    Examples
    --------
    >>> {"ORG", "NET 2", "AVAIL 2.5"} <= element_ids(), "CM 9" in element_ids()
    (True, False)
    """
    return frozenset(_index())


def _lookup(element_id: str) -> ProgramElement | SubElement | Requirement:
    try:
        return _index()[element_id]
    except KeyError:
        raise KeyError(f"no IEC 62443-2-1 program element, sub-element or requirement {element_id!r}") from None


def sub_element_of(element_id: str) -> str | None:
    """The sub-element an id belongs to: itself for a sub-element, None for a whole element.

    Purely by spelling (``"X 1.2"`` → ``"X 1"``), so it also works for ids not in the data.

    Examples
    --------
    >>> sub_element_of("CM 1.4"), sub_element_of("CM 1"), sub_element_of("CM")
    ('CM 1', 'CM 1', None)
    """
    head, sep, tail = element_id.partition(" ")
    if not sep:
        return None
    return f"{head} {tail.split('.', 1)[0]}"


def max_evidence_age_days(element_id: str) -> int:
    """How old evidence filed against an id may be before it is stale (DESIGN.md, Freshness).

    A requirement uses its sub-element's age; a sub-element its own. A whole element uses
    the SHORTEST age of its sub-elements: evidence filed against the element as a whole
    claims to speak for every part of it, so it must be fresh enough for the part that
    goes stale soonest. The ages are our choice (reasons in ``age_basis`` in
    ``data/iec62443_2_1.yaml``), not values from the standard.

    Raises
    ------
    KeyError
        For an id that is no element, sub-element or requirement.

    Examples
    --------
    >>> max_evidence_age_days("CM 1.1"), max_evidence_age_days("CM 1"), max_evidence_age_days("CM")
    (180, 180, 180)
    >>> max_evidence_age_days("NET") == min(max_evidence_age_days(s) for s in ("NET 1", "NET 2", "NET 3"))
    True
    """
    item = _lookup(element_id)
    if isinstance(item, Requirement):
        item = _index()[item.sub_element]
    if isinstance(item, SubElement):
        return item.max_evidence_age_days
    return min(se.max_evidence_age_days for se in item.sub_elements)


def expected_evidence_kind(element_id: str) -> str:
    """Evidence normally expected for an id: ``operational``, ``organizational`` or ``both``.

    A requirement or sub-element states its own; a whole element gives the common kind of
    its sub-elements, or ``both`` when they differ.

    Raises
    ------
    KeyError
        For an id that is no element, sub-element or requirement.

    Examples
    --------
    >>> expected_evidence_kind("AVAIL 2"), expected_evidence_kind("ORG 1.1"), expected_evidence_kind("NET")
    ('operational', 'organizational', 'both')
    """
    item = _lookup(element_id)
    if isinstance(item, ProgramElement):
        kinds = {se.evidence_kind for se in item.sub_elements}
        return kinds.pop() if len(kinds) == 1 else "both"
    return item.evidence_kind


@functools.cache
def _maturity() -> tuple[MaturityLevelInfo, ...]:
    doc = yaml.safe_load(data_text(PROGRAM))
    raw = doc.get("maturity_levels") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or [m.get("level") for m in raw] != [0, 1, 2, 3, 4]:
        raise OtriskError(f"{PROGRAM}: 'maturity_levels' must list the levels 0..4 in order")
    return tuple(MaturityLevelInfo(m["level"], _text(m.get("name"), "maturity_levels[].name"),
                                   _text(m.get("description"), "maturity_levels[].description"),
                                   bool(m.get("tool_defined", False))) for m in raw)


def maturity_levels() -> dict[int, MaturityLevelInfo]:
    """The maturity scale: 0 = not implemented (a tool convenience), ML1 Initial … ML4 Improving.

    An id absent from an assessment is *not assessed*, never 0. ML1..ML4 follow the
    CMMI-derived scale of ISA/IEC 62443 (CMMI levels 4 and 5 merged), paraphrased; that the
    scale sits in Annex C of 62443-2-1:2024 is from one secondary source (unverified).

    Returns
    -------
    dict
        ``{level: MaturityLevelInfo}`` for 0..4; a new dict on every call.

    Examples
    --------
    >>> [m.name for m in maturity_levels().values()]
    ['Not implemented', 'Initial', 'Managed', 'Defined (Practiced)', 'Improving']
    """
    return {m.level: m for m in _maturity()}


# --- NIS2 (data/nis2.yaml) -------------------------------------------------------------------


@functools.cache
def _nis2() -> dict:
    doc = yaml.safe_load(data_text(NIS2))
    if not isinstance(doc, dict) or not isinstance(doc.get("sectors"), list):
        raise OtriskError(f"{NIS2}: 'sectors' must be a list")
    for s in doc["sectors"]:
        if not isinstance(s, dict) or not isinstance(s.get("id"), str) or s.get("annex") not in ("I", "II"):
            raise OtriskError(f"{NIS2}: every sector needs an id and annex I or II")
        if not set(s) <= {"id", "annex", "name", "sub_sectors"} or not isinstance(s.get("name"), str):
            # an unquoted comma in a flow mapping ({name: A, b}) silently makes a new key
            raise OtriskError(f"{NIS2}: sector {s['id']}: keys must be id, annex, name, sub_sectors "
                              f"(found {sorted(s)}); quote texts that contain commas")
    for letter in doc.get("article_21_2") or ():
        for link in letter.get("elements") or ():
            if not isinstance(link, dict) or set(link) != {"id", "rationale"} or not isinstance(link["rationale"], str):
                raise OtriskError(f"{NIS2}: article_21_2 {letter.get('letter')}: each element link needs exactly "
                                  f"id and rationale (found {link!r}); quote texts that contain commas")
    letters = [a.get("letter") for a in doc.get("article_21_2") or ()]
    if letters != list("abcdefghij"):
        raise OtriskError(f"{NIS2}: 'article_21_2' must hold the letters a..j in order")
    return doc


def nis2() -> dict:
    """The NIS2 reference data (Directive (EU) 2022/2555) as parsed from ``data/nis2.yaml``.

    Keys: ``sectors`` (Annex I and II, ``annex: I|II``), ``entity_classes``, ``article_20``,
    ``article_21_2`` (letters a..j, each with ``elements: [{id, rationale}]`` — the
    cross-walk to IEC 62443-2-1 elements is our analysis and marked unverified),
    ``article_23`` (24 h / 72 h / one month) and ``implementing_regulation_note``
    (Regulation (EU) 2024/2690 binds only some digital-infrastructure/ICT entity types).

    Returns
    -------
    dict
        A fresh deep copy on every call (callers may edit it).

    Examples
    --------
    >>> [d["id"] for d in nis2()["article_23"]["deadlines"]][:2]
    ['early_warning', 'incident_notification']
    """
    return copy.deepcopy(_nis2())


def nis2_sector_ids() -> frozenset[str]:
    """Ids of the NIS2 sectors of Annex I and Annex II (``food``, ``drinking_water``, …).

    Examples
    --------
    >>> {"food", "drinking_water", "manufacturing"} <= nis2_sector_ids()
    True
    """
    return frozenset(s["id"] for s in _nis2()["sectors"])


def _clear_caches() -> None:
    """Forget cached files and parses (tests that swap the data location use this)."""
    _read.cache_clear()
    _demo_plant.cache_clear()
    _impact_scale.cache_clear()
    _program.cache_clear()
    _index.cache_clear()
    _maturity.cache_clear()
    _nis2.cache_clear()
