"""The evidence register: rows to show, filters and counts, and the changes a page makes to it.

A *row* is one evidence item of the plant with its freshness for each element it is filed
under, judged on one as-of day by :func:`otrisk.evidence.freshness` (DESIGN.md, Freshness).
The register changes in two ways only, both returning a new :class:`~otrisk.models.Plant`
and never touching the one passed in:

* :func:`add_evidence` appends a new item, validated like a plant file: the strict model,
  then the whole plant re-validated with the item (duplicate ids, covers naming unknown
  assets or zones, ``valid_until`` before ``collected``), then the element ids against the
  reference data. Every problem names the field (:class:`EntryProblem`).
* :func:`set_retired` retires an item (kept for history, never counts) or puts it back.
  Nothing is ever deleted from the register here.

Status of a row for an element filter (:meth:`RegisterRow.status`): ``retired`` or
``future`` for the whole item; else ``stale`` when the item is stale for at least one of
the elements considered, ``fresh`` when it is fresh for all of them. An element filter
``CM`` considers the item's elements ``CM``, ``CM 1``, ``CM 1.4`` … (:func:`element_matches`);
no filter considers all of them.

A file attached to an item is recorded by name and SHA-256 (:func:`sha256_hex`); the file
itself is not stored.

Examples
--------
>>> import datetime as dt
>>> from otrisk.models import FORMAT, Plant, Site
>>> plant = Plant(format=FORMAT, site=Site(name="T"))
>>> plant = add_evidence(plant, {"id": "ev-1", "elements": ["AVAIL 2"], "kind": "operational",
...                              "title": "Restore test", "collected": dt.date(2026, 1, 10)})
>>> [row.status() for row in register_rows(plant, as_of=dt.date(2026, 3, 1))]
['fresh']
>>> set_retired(plant, "ev-1").evidence[0].retired
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from pydantic import ValidationError

from otrisk.errors import OtriskError, shown_value
from otrisk.evidence import FRESH, FUTURE, RETIRED, STALE, Freshness, freshness
from otrisk.models import ELEMENT_ID_PATTERN, Evidence, EvidenceKind, Plant, reference_problems

__all__ = [
    "STATUSES", "KINDS", "RegisterRow", "register_rows", "element_matches", "filter_rows",
    "status_counts", "future_warnings", "sha256_hex", "EntryProblem", "EvidenceEntryError",
    "add_evidence", "set_retired", "element_labels", "covers_labels",
]

#: Row statuses in the order the page offers them.
STATUSES = (FRESH, STALE, FUTURE, RETIRED)
#: Evidence kinds in the order the page offers them.
KINDS = tuple(k.value for k in EvidenceKind)
_NO_ELEMENT = "no IEC 62443-2-1 program element, sub-element or requirement with this id"
_CHUNK = 1 << 20
_ELEMENT_ID = re.compile(ELEMENT_ID_PATTERN)


def _reference_max_age(element: str) -> int:
    from otrisk.reference import max_evidence_age_days

    return max_evidence_age_days(element)


def _known_elements() -> frozenset[str]:
    from otrisk.reference import element_ids

    return element_ids()


def element_matches(wanted: str, element: str) -> bool:
    """Does ``element`` fall under the filter ``wanted`` (the id itself or a part of it)?

    A whole element (``CM``) takes in its sub-elements and requirements, a sub-element
    (``CM 1``) its requirements; a requirement only itself. Evidence filed under a whole
    element does not match a filter on one of its parts.

    Examples
    --------
    >>> [element_matches("CM", e) for e in ("CM", "CM 1", "CM 1.4", "COMP 1")]
    [True, True, True, False]
    >>> [element_matches("CM 1", e) for e in ("CM", "CM 1", "CM 1.4", "CM 10")]
    [False, True, True, False]
    >>> element_matches("CM 1.4", "CM 1.4"), element_matches("CM 1.4", "CM 1")
    (True, False)
    """
    if element == wanted:
        return True
    if "." in wanted:
        return False
    return element.startswith(wanted + ("." if " " in wanted else " "))


@dataclass(frozen=True)
class RegisterRow:
    """One evidence item of the register with its freshness on one day.

    Attributes
    ----------
    item : Evidence
        The item as stored.
    as_of : datetime.date
        The day freshness was judged on.
    freshness : tuple[Freshness, ...]
        One per element of the item that the reference data knows, in the item's order.
    unknown_elements : tuple[str, ...]
        Element ids of the item that are not in the reference data (a plant written by
        other means); they have no maximum age, so no freshness.
    """

    item: Evidence
    as_of: dt.date
    freshness: tuple[Freshness, ...]
    unknown_elements: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def kind(self) -> str:
        return getattr(self.item.kind, "value", self.item.kind)  # an enum if built bypassing validation

    def considered(self, element: str | None = None) -> tuple[Freshness, ...]:
        """The item's freshness results for the elements under ``element`` (None: all)."""
        if element is None:
            return self.freshness
        return tuple(f for f in self.freshness if element_matches(element, f.element))

    def files_under(self, element: str | None) -> bool:
        """Is the item filed under ``element`` or a part of it (None: always)?"""
        return element is None or any(element_matches(element, e) for e in self.item.elements)

    def status(self, element: str | None = None) -> str | None:
        """``retired``, ``future``, ``stale`` (for at least one element considered) or
        ``fresh`` (for all of them); None when the item has no known element under ``element``."""
        if self.item.retired:
            return RETIRED
        if self.item.collected > self.as_of:
            return FUTURE
        results = self.considered(element)
        if not results:
            return None
        return STALE if any(f.status == STALE for f in results) else FRESH

    @property
    def freshness_text(self) -> str:
        """Per element, in the item's order: ``AVAIL 2: fresh until 2027-12-28; CM 1: stale since …``.

        Examples
        --------
        >>> ev = Evidence(id="e", elements=["AVAIL 2", "EVENT 1"], kind="operational", title="T",
        ...               collected=dt.date(2026, 1, 1))
        >>> [row] = register_rows(_plant_with(ev), as_of=dt.date(2026, 6, 1))
        >>> row.freshness_text
        'AVAIL 2: fresh until 2027-02-05; EVENT 1: stale since 2026-04-04'
        """
        parts = []
        for f in self.freshness:
            if f.status == FRESH:
                parts.append(f"{f.element}: fresh until {f.expires.isoformat()}")
            elif f.status == STALE:
                parts.append(f"{f.element}: stale since {(f.expires + dt.timedelta(days=1)).isoformat()}")
            elif f.status == FUTURE:
                parts.append(f"{f.element}: not yet (collected after {self.as_of.isoformat()})")
            else:
                parts.append(f"{f.element}: retired")
        parts.extend(f"{e}: unknown element (not in the reference data)" for e in self.unknown_elements)
        return "; ".join(parts)


def _plant_with(*items: Evidence) -> Plant:
    """A plant holding only ``items`` (doctest helper)."""
    from otrisk.models import FORMAT, Site

    return Plant(format=FORMAT, site=Site(name="Example"), evidence=list(items))


def register_rows(plant: Plant, *, as_of: dt.date,
                  max_age: Callable[[str], int] = _reference_max_age) -> list[RegisterRow]:
    """Every evidence item of ``plant`` (retired ones included) as a row, sorted by id.

    Parameters
    ----------
    plant : Plant
    as_of : datetime.date
        The day D of the freshness rule.
    max_age : callable
        ``element id -> maximum evidence age in days``; raises ``KeyError`` for an id it
        does not know (default: the reference data). Such ids land in ``unknown_elements``.

    Returns
    -------
    list[RegisterRow]
    """
    rows = []
    for item in sorted(plant.evidence, key=lambda e: e.id):
        results, unknown = [], []
        for element in item.elements:
            try:
                limit = max_age(element)
            except KeyError:
                unknown.append(element)
                continue
            results.append(freshness(item, element, as_of=as_of, max_age_days=limit))
        rows.append(RegisterRow(item, as_of, tuple(results), tuple(unknown)))
    return rows


def filter_rows(rows: Iterable[RegisterRow], *, element: str | None = None,
                kinds: Iterable[str] = (), statuses: Iterable[str] = ()) -> list[RegisterRow]:
    """The rows filed under ``element``, of one of ``kinds`` and one of ``statuses``.

    Parameters
    ----------
    element : str or None
        An element, sub-element or requirement id (see :func:`element_matches`); None: all.
    kinds : iterable of str
        ``operational`` / ``organizational``; empty: all.
    statuses : iterable of str
        ``fresh`` / ``stale`` / ``future`` / ``retired``, compared with
        :meth:`RegisterRow.status` for ``element``; empty: all.

    Examples
    --------
    >>> a = Evidence(id="a", elements=["CM 1"], kind="operational", title="A", collected=dt.date(2026, 1, 1))
    >>> b = Evidence(id="b", elements=["NET 1"], kind="organizational", title="B", collected=dt.date(2020, 1, 1))
    >>> rows = register_rows(_plant_with(a, b), as_of=dt.date(2026, 2, 1))
    >>> [r.id for r in filter_rows(rows, element="CM")], [r.id for r in filter_rows(rows, statuses=["stale"])]
    (['a'], ['b'])
    """
    kinds, statuses = set(kinds), set(statuses)
    return [r for r in rows
            if r.files_under(element)
            and (not kinds or r.kind in kinds)
            and (not statuses or r.status(element) in statuses)]


def status_counts(rows: Iterable[RegisterRow], *, element: str | None = None) -> dict[str, dict[str, int]]:
    """``{kind: {status: number of rows}}`` for both kinds and every status (zeros included).

    Rows not filed under ``element`` are left out; a row's status is judged for ``element``.
    """
    counts = {kind: {status: 0 for status in STATUSES} for kind in KINDS}
    for r in rows:
        status = r.status(element)
        if r.files_under(element) and status is not None:
            counts[r.kind][status] += 1
    return counts


def future_warnings(rows: Iterable[RegisterRow]) -> list[str]:
    """One warning per item collected after the as-of day (DESIGN.md: a warning), by id.

    Examples
    --------
    >>> ev = Evidence(id="e", elements=["CM 1"], kind="operational", title="T", collected=dt.date(2026, 5, 1))
    >>> future_warnings(register_rows(_plant_with(ev), as_of=dt.date(2026, 4, 30)))
    ['evidence e: collected 2026-05-01 is after 2026-04-30: not yet fresh (check the date)']
    """
    return [f"evidence {r.id}: collected {r.item.collected.isoformat()} is after {r.as_of.isoformat()}: "
            "not yet fresh (check the date)"
            for r in sorted(rows, key=lambda r: r.id) if r.status() == FUTURE]


def sha256_hex(data: bytes | BinaryIO) -> str:
    """The SHA-256 of ``data`` (bytes, or a binary file read in 1 MiB chunks from where it is).

    Examples
    --------
    >>> sha256_hex(b"")
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    >>> import io
    >>> sha256_hex(io.BytesIO(b"abc")) == sha256_hex(b"abc")
    True
    """
    digest = hashlib.sha256()
    if isinstance(data, (bytes, bytearray, memoryview)):
        digest.update(data)
    else:
        for chunk in iter(lambda: data.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class EntryProblem:
    """A problem of a register change: the field, the offending value, what is wrong.

    Examples
    --------
    >>> str(EntryProblem("elements", "CM 9", "no such element"))
    "elements: no such element (value 'CM 9')"
    """

    field: str
    value: str | None
    message: str

    def __str__(self) -> str:
        shown = shown_value(self.value)
        return f"{self.field}: {self.message}{shown}"


class EvidenceEntryError(OtriskError):
    """A register change was refused; ``problems`` lists every reason (never empty)."""

    def __init__(self, problems: list[EntryProblem]):
        if not problems:
            raise ValueError("EvidenceEntryError needs at least one problem")
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _field(loc: tuple[Any, ...]) -> str:
    """``("file", "sha256")`` → ``file.sha256``; list positions are left out."""
    return ".".join(str(p) for p in loc if not isinstance(p, int)) or "item"


def _value_at(data: Mapping[str, Any], loc: tuple[Any, ...]) -> str | None:
    value: Any = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    if value is None or isinstance(value, (dict, list)):
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _message(err: Mapping[str, Any]) -> str:
    kind, loc = err["type"], err["loc"]
    if kind == "missing":
        return "required: fill it in"
    if kind == "string_pattern_mismatch" and loc and loc[0] == "id":
        return "an id is lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
    if kind == "string_pattern_mismatch" and loc and loc[0] == "elements":
        return "an element id looks like CM, CM 1 or CM 1.4"
    if kind == "too_short" and loc == ("elements",):
        return "pick at least one program element, sub-element or requirement"
    if kind == "extra_forbidden":
        return "unknown field"
    msg = err["msg"]
    msg = msg.removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else kind


def add_evidence(plant: Plant, data: Mapping[str, Any], *,
                 known_elements: Iterable[str] | None = None) -> Plant:
    """A copy of ``plant`` with one more evidence item, validated as a plant file would be.

    Parameters
    ----------
    plant : Plant
        The stored plant; not changed.
    data : mapping
        The new item's fields as in the plant file (``id``, ``elements``, ``kind``,
        ``title``, ``collected`` as a :class:`datetime.date`, optional ``valid_until``,
        ``covers``, ``location``, ``file: {name, sha256}``). ``retired`` is not accepted:
        a new item is in use.
    known_elements : iterable of str, optional
        Valid element ids; default: the reference data (:func:`otrisk.reference.element_ids`).

    Returns
    -------
    Plant
        With the item appended to ``evidence``.

    Raises
    ------
    EvidenceEntryError
        With every problem, each naming its field: a missing or malformed field, an id
        already used by another item, an element id not in the reference data, a
        ``covers`` entry naming no asset or zone, ``valid_until`` before ``collected``.

    Examples
    --------
    >>> base = _plant_with()
    >>> try:
    ...     add_evidence(base, {"id": "Bad Id", "elements": ["CM 9"], "kind": "operational",
    ...                         "title": "T", "collected": dt.date(2026, 1, 1), "covers": ["plc-9"]})
    ... except EvidenceEntryError as exc:
    ...     print("\\n".join(str(p) for p in exc.problems))
    id: an id is lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (value 'Bad Id')
    elements: no IEC 62443-2-1 program element, sub-element or requirement with this id (value 'CM 9')
    covers: no asset with this id (value 'plc-9')
    """
    problems: list[EntryProblem] = []

    def add(problem: EntryProblem) -> None:
        if problem not in problems:
            problems.append(problem)

    if "retired" in data:
        add(EntryProblem("retired", str(data["retired"]), "a new item is in use; retire it afterwards"))
    new_id = data.get("id")
    existing = {e.id: e for e in plant.evidence}
    if isinstance(new_id, str) and new_id in existing:
        add(EntryProblem("id", new_id, f"an evidence item with this id already exists "
                                       f"({existing[new_id].title}); choose another id"))
    # Checked here as well as through the plant below, so they are reported even when
    # another field keeps the item from being built.
    known = frozenset(known_elements) if known_elements is not None else _known_elements()
    for element in _strings(data.get("elements")):
        if _ELEMENT_ID.match(element) and element not in known:
            add(EntryProblem("elements", element, _NO_ELEMENT))
    zones, assets = {z.id for z in plant.zones}, {a.id for a in plant.assets}
    for target in _strings(data.get("covers")):
        if target.startswith("zone:"):
            if target[len("zone:"):] not in zones:
                add(EntryProblem("covers", target, "no zone with this id"))
        elif target not in assets:
            add(EntryProblem("covers", target, "no asset with this id"))
    candidate: Plant | None = None
    try:
        item = Evidence.model_validate({k: v for k, v in data.items() if k != "retired"})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            add(EntryProblem(_field(loc), _value_at(data, loc), _message(err)))
    else:
        # The whole plant through the strict models and the reference checks, as a save
        # and a plant file would: every rule of the format applies to the new item.
        dumped = plant.model_dump()
        dumped["evidence"] = [*dumped["evidence"], item.model_dump()]
        try:
            candidate = Plant.model_validate(dumped)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                add(EntryProblem(_field(loc[2:] if loc[:1] == ("evidence",) else loc), None, _message(err)))
        else:
            index = len(candidate.evidence) - 1
            for loc, value, message in reference_problems(candidate):
                if loc[:2] != ("evidence", index):
                    continue
                if loc[2:3] == ("covers",) or (loc[2:] == ("id",) and new_id in existing):
                    continue  # reported above (with the whole target; with the other item's title)
                add(EntryProblem(_field(loc[2:]), value, message))
    if problems or candidate is None:
        order = {name: i for i, name in enumerate(Evidence.model_fields)}
        raise EvidenceEntryError(sorted(problems, key=lambda p: order.get(p.field.split(".")[0], 99)))
    return candidate


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, (list, tuple)) else []


def set_retired(plant: Plant, evidence_id: str, retired: bool = True) -> Plant:
    """A copy of ``plant`` with item ``evidence_id`` retired (kept, never counts) or back in use.

    Raises
    ------
    EvidenceEntryError
        When no item has that id, or it already is in the state asked for.

    Examples
    --------
    >>> ev = Evidence(id="e", elements=["CM 1"], kind="operational", title="T", collected=dt.date(2026, 1, 1))
    >>> p = set_retired(_plant_with(ev), "e")
    >>> p.evidence[0].retired, ev.retired, set_retired(p, "e", False).evidence[0].retired
    (True, False, False)
    >>> set_retired(p, "e")
    Traceback (most recent call last):
    ...
    otrisk.register.EvidenceEntryError: id: is already retired (value 'e')
    """
    items = list(plant.evidence)
    index = next((i for i, e in enumerate(items) if e.id == evidence_id), None)
    if index is None:
        raise EvidenceEntryError([EntryProblem("id", evidence_id, "no evidence item with this id")])
    if items[index].retired == retired:
        state = "retired" if retired else "in use (not retired)"
        raise EvidenceEntryError([EntryProblem("id", evidence_id, f"is already {state}")])
    items[index] = items[index].model_copy(update={"retired": retired})
    return plant.model_copy(update={"evidence": items})


def element_labels() -> dict[str, str]:
    """``{id: "id · name"}`` for every element, sub-element and requirement, in the standard's order.

    Examples
    --------
    >>> labels = element_labels()
    >>> list(labels)[:3], labels["CM"].startswith("CM · ")
    (['ORG', 'ORG 1', 'ORG 1.1'], True)
    """
    from otrisk.reference import program_elements

    out: dict[str, str] = {}
    for pe in program_elements():
        out[pe.id] = f"{pe.id} · {pe.name}"
        for se in pe.sub_elements:
            out[se.id] = f"{se.id} · {se.name}"
            for r in se.requirements:
                out[r.id] = f"{r.id} · {r.name}"
    return out


def covers_labels(plant: Plant) -> dict[str, str]:
    """``{target: label}`` of what an item can cover: ``zone:<id>`` for each zone, then asset ids.

    Examples
    --------
    >>> from otrisk.models import FORMAT, Asset, Site, Zone
    >>> p = Plant(format=FORMAT, site=Site(name="T"), zones=[Zone(id="z", name="Cell", kind="control")],
    ...           assets=[Asset(id="plc", name="PLC 1", type="plc")])
    >>> covers_labels(p)
    {'zone:z': 'zone:z · Cell', 'plc': 'plc · PLC 1'}
    """
    out = {f"zone:{z.id}": f"zone:{z.id} · {z.name}" for z in sorted(plant.zones, key=lambda z: z.id)}
    out.update({a.id: f"{a.id} · {a.name}" for a in sorted(plant.assets, key=lambda a: a.id)})
    return out
