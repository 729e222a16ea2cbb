"""Framework libraries the user loads (CISO Assistant YAML), stored as texts beside our ids.

The user owns the standard. otrisk ships only its own short wording of IEC 62443-2-1
(``data/``); the full requirement names come from a CISO Assistant framework library the
user loads from their own copy (e.g. ``iec-62443-2-1-2024.yaml``, AGPL packaging, IEC
copyright). Nothing of such a file ships with otrisk: it is read here and kept in the
database table ``library_texts`` only.

Contract
--------
* :func:`read_library` accepts a CISO Assistant *framework* library: a mapping with a
  ``urn``, a ``name`` and ``objects.framework.requirement_nodes`` (a list of nodes, each
  with a ``urn``); anything else raises :class:`LibraryError` naming the file, the missing
  or wrong key path and the value. At most :data:`LIBRARY_MAX_BYTES` bytes.
* :func:`map_to_ours` maps nodes onto our IEC 62443-2-1 ids, only for an IEC 62443-2-1
  library (urn or ref_id says ``iec-62443-2-1``): a node whose ``ref_id`` is one of our
  sub-element or requirement ids (``CM 1``, ``CM 1.4``; spaces and letter case as
  written elsewhere are tolerated) maps onto it; then a node whose children all map into
  one program element maps onto that element (the clause nodes ``6`` … ``13`` of the
  2024 library hold ``ORG 1`` …, ``AVAIL 1`` …). Other frameworks (NIS2, 62443-3-3, …) map
  nothing: none of their nodes is one of our ids, and a NIS2 article speaks for several
  elements at once (that cross-walk is ``data/nis2.yaml``'s, not a node's).
* :func:`import_library` stores every node in one transaction, replacing an earlier import
  of the same library urn, and appends a change-log row (action ``"library"``, a negative
  revision like :mod:`otrisk.configstore`'s). Who: the signed-in user, else the OS user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, delete, func, insert, select, text

from otrisk.db import _append_change_log, _reading, _writing, current_user
from otrisk.errors import InputFileError
from otrisk.reference import element_ids
from otrisk.tables import ChangeLogRow, LibraryTextRow

__all__ = [
    "LIBRARY_MAX_BYTES",
    "ImportSummary",
    "Library",
    "LibraryError",
    "LibraryNode",
    "StoredLibrary",
    "delete_library",
    "import_library",
    "is_iec_62443_2_1",
    "library_names",
    "map_to_ours",
    "read_library",
    "stored_libraries",
]

LIBRARY_MAX_BYTES = 10_000_000
_ACTION = "library"
# The same advisory lock as otrisk.configstore: both allocate negative change-log revisions.
_LOCK = 0x07_71_5D
_T = LibraryTextRow.__table__
_IEC_2_1 = re.compile(r"iec[-_ ]?62443[-_ ]2[-_ ]1(?![0-9])")
_OUR_ID = re.compile(r"^([A-Za-z]{2,6})\s*([0-9]{1,2}(?:\.[0-9]{1,2})?)$")


class LibraryError(InputFileError):
    """A file is not a CISO Assistant framework library otrisk can read. (``file``, ``key``, ``value``: see :class:`~otrisk.errors.InputFileError`)."""


@dataclasses.dataclass(frozen=True)
class LibraryNode:
    """One requirement node as given (``ref_id``, ``name``, ``description`` may be None)."""

    urn: str
    ref_id: str | None
    name: str | None
    description: str | None
    depth: int | None
    parent_urn: str | None
    assessable: bool


@dataclasses.dataclass(frozen=True)
class Library:
    """A framework library as read: its identity, copyright as given, and its nodes in file order."""

    source: str
    urn: str
    ref_id: str | None
    name: str
    version: str | None
    copyright: str | None
    locale: str | None
    provider: str | None
    framework_urn: str
    framework_ref_id: str | None
    nodes: tuple[LibraryNode, ...]


@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_library` stored: ``nodes`` rows, ``mapped`` of them onto our ids,
    ``replaced`` rows of an earlier import of the same library removed."""

    library_urn: str
    library_name: str
    nodes: int
    mapped: int
    replaced: int


@dataclasses.dataclass(frozen=True)
class StoredLibrary:
    """One stored library: identity, node counts and the latest import."""

    urn: str
    name: str
    version: str | None
    copyright: str | None
    nodes: int
    mapped: int
    imported_at: dt.datetime
    imported_by: str


def _scalar_text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return (value.strip() or None) if isinstance(value, str) else None


def _need_mapping(value: object, source: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LibraryError(source, key, None, "missing or not a mapping: not a CISO Assistant framework library")
    return value


def read_library(data: bytes, *, source: str) -> Library:
    """Parse a CISO Assistant framework library.

    Parameters
    ----------
    data : bytes
        The YAML file (at most :data:`LIBRARY_MAX_BYTES` bytes; UTF-8).
    source : str
        The file name, used in errors.

    Returns
    -------
    Library
        Nodes in file order; texts stripped; a numeric ``ref_id`` or ``version`` as text.

    Raises
    ------
    LibraryError
        Too large, not UTF-8, not YAML, or no ``urn``, ``name`` or
        ``objects.framework.requirement_nodes``; a node without a ``urn``; a ``urn`` used
        twice: naming the file, the key path and the value.

    Examples
    --------
    >>> lib = read_library(b'''
    ... urn: urn:example:library:demo
    ... name: Demo
    ... objects:
    ...   framework:
    ...     urn: urn:example:framework:demo
    ...     requirement_nodes:
    ...       - {urn: "urn:example:node:1", ref_id: 1, name: First}
    ... ''', source="demo.yaml")
    >>> lib.name, [(n.urn, n.ref_id, n.name) for n in lib.nodes]
    ('Demo', [('urn:example:node:1', '1', 'First')])
    """
    data = bytes(data)
    if len(data) > LIBRARY_MAX_BYTES:
        raise LibraryError(source, "(file)", None, f"is larger than {LIBRARY_MAX_BYTES:,} bytes")
    try:
        doc = yaml.load(data.decode("utf-8-sig"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UnicodeDecodeError as exc:
        raise LibraryError(source, "(file)", None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise LibraryError(source, "(document)", None, f"not YAML: {getattr(exc, 'problem', None) or exc}{where}") from None
    except RecursionError:
        raise LibraryError(source, "(document)", None, "nested too deeply") from None
    doc = _need_mapping(doc, source, "(document)")
    for key in ("urn", "name"):
        if _scalar_text(doc.get(key)) is None:
            raise LibraryError(source, key, doc.get(key), "missing: not a CISO Assistant library")
    framework = _need_mapping(_need_mapping(doc.get("objects"), source, "objects").get("framework"),
                              source, "objects.framework")
    raw_nodes = framework.get("requirement_nodes")
    key = "objects.framework.requirement_nodes"
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise LibraryError(source, key, None, "missing or empty: not a CISO Assistant framework library")
    nodes, seen = [], {}
    for i, raw in enumerate(raw_nodes):
        raw = _need_mapping(raw, source, f"{key}[{i}]")
        urn = _scalar_text(raw.get("urn"))
        if urn is None:
            raise LibraryError(source, f"{key}[{i}].urn", raw.get("urn"), "every requirement node needs a urn")
        if urn in seen:
            raise LibraryError(source, f"{key}[{i}].urn", urn, f"duplicate urn: also {key}[{seen[urn]}]")
        seen[urn] = i
        depth = raw.get("depth")
        nodes.append(LibraryNode(
            urn=urn, ref_id=_scalar_text(raw.get("ref_id")), name=_scalar_text(raw.get("name")),
            description=_scalar_text(raw.get("description")),
            depth=depth if isinstance(depth, int) and not isinstance(depth, bool) else None,
            parent_urn=_scalar_text(raw.get("parent_urn")), assessable=raw.get("assessable") is True))
    return Library(
        source=source, urn=_scalar_text(doc["urn"]), ref_id=_scalar_text(doc.get("ref_id")),
        name=_scalar_text(doc["name"]), version=_scalar_text(doc.get("version")),
        copyright=_scalar_text(doc.get("copyright")), locale=_scalar_text(doc.get("locale")),
        provider=_scalar_text(doc.get("provider")),
        framework_urn=_scalar_text(framework.get("urn")) or _scalar_text(doc["urn"]),
        framework_ref_id=_scalar_text(framework.get("ref_id")), nodes=tuple(nodes))


def is_iec_62443_2_1(library: Library) -> bool:
    """Whether the library is IEC 62443-2-1 (its urn or ref_id, or its framework's, says so).

    >>> lib = Library("x", "urn:intuitem:risk:library:iec-62443-2-1-2024", None, "x", None, None,
    ...               None, None, "urn:x", None, ())
    >>> is_iec_62443_2_1(lib), is_iec_62443_2_1(dataclasses.replace(lib, urn="urn:x:iec-62443-3-3"))
    (True, False)
    """
    names = (library.urn, library.ref_id, library.framework_urn, library.framework_ref_id)
    return any(_IEC_2_1.search(n.lower()) for n in names if n)


def _our_id(ref_id: str | None, ours: frozenset[str]) -> str | None:
    match = _OUR_ID.match(ref_id.strip()) if ref_id else None
    if match is None:
        return None
    candidate = f"{match.group(1).upper()} {match.group(2)}"
    return candidate if candidate in ours else None


def map_to_ours(library: Library) -> dict[str, str]:
    """``{node urn: our element, sub-element or requirement id}`` (rules: module docstring).

    Returns
    -------
    dict
        In the library's node order; empty for a library that is not IEC 62443-2-1.

    Examples
    --------
    >>> nodes = (LibraryNode("u:6", "6", "SPE 2", None, 1, None, False),
    ...          LibraryNode("u:cm1", "CM 1", None, None, 2, "u:6", False),
    ...          LibraryNode("u:cm1.4", "cm1.4", None, None, 3, "u:cm1", True))
    >>> lib = Library("x", "urn:iec-62443-2-1-2024", None, "x", None, None, None, None, "u", None, nodes)
    >>> map_to_ours(lib)
    {'u:6': 'CM', 'u:cm1': 'CM 1', 'u:cm1.4': 'CM 1.4'}
    """
    if not is_iec_62443_2_1(library):
        return {}
    ours = element_ids()
    direct = {n.urn: found for n in library.nodes if (found := _our_id(n.ref_id, ours)) is not None}
    children: dict[str, list[str]] = defaultdict(list)
    for n in library.nodes:
        if n.parent_urn:
            children[n.parent_urn].append(n.urn)
    out = {}
    for n in library.nodes:
        if n.urn in direct:
            out[n.urn] = direct[n.urn]
            continue
        kids = children.get(n.urn, [])
        elements = {direct[k].split(" ")[0] for k in kids if k in direct}
        if kids and all(k in direct for k in kids) and len(elements) == 1 and next(iter(elements)) in ours:
            out[n.urn] = elements.pop()
    return out


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def _log(conn: Connection, *, who: str, summary: str, details: dict[str, Any]) -> None:
    lowest = conn.execute(select(func.min(ChangeLogRow.revision))).scalar()
    _append_change_log(conn, who=who, revision=min(lowest or 0, 0) - 1, action=_ACTION, summary=summary,
                       details=details)


def import_library(engine: Engine, library: Library, *, who: str | None = None) -> ImportSummary:
    """Store a library's nodes, replacing an earlier import of the same library urn.

    One transaction: the old rows go, the new rows and a change-log row are written, or
    nothing changes. ``element_id`` of each row comes from :func:`map_to_ours`.

    Raises
    ------
    StorageError
        The database fails (nothing is changed).
    """
    who = who or current_user()
    mapping = map_to_ours(library)
    now = dt.datetime.now(dt.UTC)
    rows = [{"library_urn": library.urn, "library_name": library.name, "library_version": library.version,
             "library_copyright": library.copyright, "node_urn": n.urn, "ref_id": n.ref_id, "name": n.name,
             "description": n.description, "element_id": mapping.get(n.urn), "imported_at": now,
             "imported_by": who} for n in library.nodes]
    with _writing(engine) as conn:
        _lock(conn)
        replaced = conn.execute(delete(_T).where(_T.c.library_urn == library.urn)).rowcount or 0
        conn.execute(insert(_T), rows)
        summary = (f"imported library {library.name} ({len(rows)} nodes, {len(mapping)} mapped onto "
                   f"IEC 62443-2-1 ids)" + (f", replacing {replaced} nodes" if replaced else ""))
        _log(conn, who=who, summary=summary, details={"library": {
            "urn": library.urn, "version": library.version, "nodes": len(rows), "mapped": len(mapping),
            "replaced": replaced}})
    return ImportSummary(library.urn, library.name, len(rows), len(mapping), replaced)


def library_names(engine: Engine) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """What the program map shows beside our ids.

    Returns
    -------
    dict
        ``{our id: [(library name, node ref_id, node name), …]}``, ids sorted, entries by
        library name then file order; only mapped nodes. Empty when nothing is stored.

    Raises
    ------
    StorageError
        The database cannot be read (or is not upgraded).
    """
    query = (select(_T.c.element_id, _T.c.library_name, _T.c.ref_id, _T.c.name)
             .where(_T.c.element_id.is_not(None)).order_by(_T.c.element_id, _T.c.library_name, _T.c.id))
    out: dict[str, list[tuple[str, str | None, str | None]]] = {}
    with _reading(engine) as conn:
        for row in conn.execute(query):
            out.setdefault(row.element_id, []).append((row.library_name, row.ref_id, row.name))
    return dict(sorted(out.items()))


def stored_libraries(engine: Engine) -> list[StoredLibrary]:
    """Every stored library, sorted by urn.

    Raises
    ------
    StorageError
        The database cannot be read.
    """
    query = (select(_T.c.library_urn, func.min(_T.c.library_name).label("name"),
                    func.min(_T.c.library_version).label("version"),
                    func.min(_T.c.library_copyright).label("copyright"), func.count().label("nodes"),
                    func.count(_T.c.element_id).label("mapped"), func.max(_T.c.imported_at).label("at"),
                    func.min(_T.c.imported_by).label("by"))
             .group_by(_T.c.library_urn).order_by(_T.c.library_urn))
    with _reading(engine) as conn:
        rows = conn.execute(query).all()
    return [StoredLibrary(r.library_urn, r.name, r.version, r.copyright, int(r.nodes), int(r.mapped),
                          (r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC), r.by)
            for r in rows]


def delete_library(engine: Engine, urn: str, *, who: str | None = None) -> int:
    """Remove a stored library; returns how many nodes were removed (0: it was not stored).

    A removal is recorded in the change log; removing nothing writes nothing.

    Raises
    ------
    StorageError
        The database fails (nothing is changed).
    """
    who = who or current_user()
    with _writing(engine) as conn:
        _lock(conn)
        name = conn.execute(select(_T.c.library_name).where(_T.c.library_urn == urn).limit(1)).scalar()
        removed = conn.execute(delete(_T).where(_T.c.library_urn == urn)).rowcount or 0
        if removed:
            _log(conn, who=who, summary=f"removed library {name} ({removed} nodes)",
                 details={"library": {"urn": urn, "removed": removed}})
    return removed
