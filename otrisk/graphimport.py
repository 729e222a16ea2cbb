"""Import a dependency graph someone else drew into an ``otrisk/v1`` plant.

Formats:

* **node-link JSON** as written by ``json.dump(nx.node_link_data(g), f)``: a mapping with a
  ``nodes`` list (each node a mapping with an ``id``) and the edges under ``links``
  (networkx before 3.4, and most files in the wild) or ``edges`` (networkx 3.4 and later).
  A file that says ``"directed": false`` is refused; one that says nothing is read as
  directed (its edges have a source and a target).
* **GraphML** (``nx.write_graphml``), read with ``nx.read_graphml``. Python's XML parser
  (expat >= 2.4.1) refuses entity-expansion bombs and never fetches external entities.

What an edge ``u -> v`` means is the caller's choice (:data:`EDGE_MEANINGS`):

* ``feeds`` (the default): u feeds, supplies or serves v, so **v depends on u**. Process
  and data-flow graphs are drawn this way, and so is otrisk's own
  :func:`otrisk.impact.dependency_graph`, so its node-link export imports back unchanged.
* ``depends-on``: **u depends on v** (``u.depends_on`` lists v), as software dependency
  graphs are usually drawn.

Each node becomes an asset: its id made valid (``[a-z0-9][a-z0-9._-]*``: accents
dropped, lower-cased, other characters replaced by ``-``, a ``-2``, ``-3`` … suffix when
two nodes would get the same id), the original node id kept as ``name``, the type
``other`` unless an attribute ``type``, ``asset_type``, ``kind``, ``device``, ``device_type``
or ``role`` names an asset type, ``description``/``desc`` as description, and attributes
``production``, ``safety``, ``delivery`` (1..5) as impact ratings. Self-loops are dropped (an
asset cannot depend on itself) and parallel edges count once; both are reported in the
notes.
"""

from __future__ import annotations

import io
import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from otrisk.errors import GraphImportError, PlantFileError
from otrisk.models import AXES, FORMAT, AssetType, Plant
from otrisk.plantfile import dumps_plant, loads_plant
from otrisk.settings import get_setting

__all__ = [
    "EDGE_MEANINGS",
    "DEFAULT_EDGE_MEANING",
    "FORMATS",
    "ImportResult",
    "asset_id_for",
    "parse_graph",
    "read_graph",
    "graph_to_plant",
    "import_graph",
]

EDGE_MEANINGS: dict[str, str] = {
    "feeds": "u -> v means u feeds v: v depends on u",
    "depends-on": "u -> v means u depends on v",
}
DEFAULT_EDGE_MEANING = "feeds"
FORMATS = ("node-link", "graphml")
_SUFFIXES = {".json": "node-link", ".graphml": "graphml", ".xml": "graphml"}
_TYPE_KEYS = ("type", "asset_type", "kind", "device", "device_type", "role")
_TYPE_WORDS = {
    "programmable logic controller": "plc", "controller": "plc",
    "safety instrumented system": "sis", "safety plc": "sis", "safety controller": "sis",
    "human machine interface": "hmi", "operator station": "hmi", "operator panel": "hmi",
    "engineering workstation": "ews", "engineering station": "ews",
    "data historian": "historian", "remote terminal unit": "rtu",
    "variable frequency drive": "drive", "vfd": "drive", "iot": "iiot",
}
_INVALID = re.compile(r"[^a-z0-9._-]+")
_ID_MAX = 100  # room for a collision suffix under the 128-character id limit


@dataclass(frozen=True)
class ImportResult:
    """An imported plant and what the import did to get there.

    Attributes
    ----------
    plant : Plant
        A valid ``otrisk/v1`` plant (it has been written and read back).
    nodes, edges : int
        Nodes and distinct dependency edges (self-loops excluded) taken from the graph.
    notes : tuple[str, ...]
        Plain messages for the user: renamed ids, dropped self-loops, ignored attributes.
    """

    plant: Plant
    nodes: int
    edges: int
    notes: tuple[str, ...]


def asset_id_for(node: Hashable) -> str:
    """A valid asset id for a node id (before collision suffixes).

    Examples
    --------
    >>> asset_id_for("TK01"), asset_id_for("Pumpe Ü 3"), asset_id_for("__"), asset_id_for(7)
    ('tk01', 'pumpe-u-3', 'node', '7')
    """
    text = unicodedata.normalize("NFKD", str(node)).encode("ascii", "ignore").decode("ascii")
    slug = _INVALID.sub("-", text.lower()).lstrip("._-")[:_ID_MAX].rstrip("-")
    return slug or "node"


def _format_of(path: Path, data: bytes) -> str:
    if path.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[path.suffix.lower()]
    return "graphml" if data.lstrip()[:1] == b"<" else "node-link"


def read_graph(path: str | os.PathLike[str], *, format: str | None = None) -> nx.DiGraph:
    """Read a node-link JSON or GraphML file as a directed graph.

    Parameters
    ----------
    path : path-like
        The file (at most ``OTRISK_PLANT_FILE_MAX_BYTES``).
    format : {"node-link", "graphml"}, optional
        Default: from the suffix (``.json``; ``.graphml``, ``.xml``), else from the content.

    Raises
    ------
    GraphImportError
        The file cannot be read, is too large, or is not the format it claims to be.
    """
    path = Path(path)
    limit = get_setting("plant_file_max_bytes")
    try:
        if path.stat().st_size > limit:
            raise GraphImportError(str(path), f"file is larger than {limit:,} bytes (OTRISK_PLANT_FILE_MAX_BYTES)")
        data = path.read_bytes()
    except OSError as exc:
        raise GraphImportError(str(path), f"cannot read the file: {exc.strerror}") from None
    return parse_graph(data, format=format or _format_of(path, data), source=str(path))


def parse_graph(data: bytes, *, format: str, source: str = "<graph>") -> nx.DiGraph:
    """Parse the bytes of a node-link JSON (``format="node-link"``) or GraphML file.

    Returns
    -------
    nx.DiGraph
        Node attributes kept; parallel edges merged.

    Raises
    ------
    GraphImportError
        With a message that says what the file is instead.
    """
    if format == "node-link":
        return _parse_node_link(data, source)
    if format == "graphml":
        return _parse_graphml(data, source)
    raise GraphImportError(source, f"unknown graph format {format!r}; use one of {', '.join(FORMATS)}")


def _parse_node_link(data: bytes, source: str) -> nx.DiGraph:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GraphImportError(source, f"not UTF-8 text ({exc.reason} at byte {exc.start}), so not JSON") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if re.search(r"[{\[,:]\s*'|\b(True|False|None)\b", text[:10_000]):
            hint = ("; it looks like a Python repr (single quotes, True/False/None): "
                    "write the file with json.dump(nx.node_link_data(g), f)")
        raise GraphImportError(source, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        raise GraphImportError(source, "not node-link JSON: expected an object with a 'nodes' list")
    keys = [k for k in ("links", "edges") if k in doc]
    if len(keys) != 1 or not isinstance(doc[keys[0]], list):
        found = "both 'links' and 'edges'" if len(keys) == 2 else "no 'links' or 'edges' list"
        raise GraphImportError(source, f"not node-link JSON: {found} (exactly one list of edges expected)")
    if doc.get("directed", True) is False:
        raise GraphImportError(source, "the graph is undirected; a dependency needs a direction "
                                       "(set \"directed\": true once its edges are oriented)")
    graph = nx.DiGraph()
    for i, node in enumerate(doc["nodes"]):
        if not isinstance(node, dict) or "id" not in node:
            raise GraphImportError(source, f"nodes[{i}]: a node is an object with an 'id'")
        nid = node["id"]
        if isinstance(nid, bool) or not isinstance(nid, (str, int)):
            raise GraphImportError(source, f"nodes[{i}].id: must be text or a whole number, not {nid!r}")
        if nid in graph:
            raise GraphImportError(source, f"nodes[{i}].id: duplicate node id {nid!r}")
        graph.add_node(nid, **{k: v for k, v in node.items() if k != "id"})
    for i, link in enumerate(doc[keys[0]]):
        if not isinstance(link, dict) or "source" not in link or "target" not in link:
            raise GraphImportError(source, f"{keys[0]}[{i}]: an edge is an object with 'source' and 'target'")
        for end in ("source", "target"):
            ref = link[end]
            if isinstance(ref, (dict, list)) or ref not in graph:
                raise GraphImportError(source, f"{keys[0]}[{i}].{end}: {ref!r} is not the id of any node")
        graph.add_edge(link["source"], link["target"])
    return graph


def _parse_graphml(data: bytes, source: str) -> nx.DiGraph:
    try:
        read = nx.read_graphml(io.BytesIO(data))
    except ET.ParseError as exc:
        raise GraphImportError(source, f"not valid XML, so not GraphML: {exc}") from None
    except nx.NetworkXError as exc:
        raise GraphImportError(source, f"XML but not GraphML: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GraphImportError(source, f"not readable as GraphML: {exc}") from None
    if not read.is_directed():
        raise GraphImportError(source, "the graph is undirected; a dependency needs a direction "
                                       "(write it with edgedefault=\"directed\" once its edges are oriented)")
    graph = nx.DiGraph()
    graph.add_nodes_from(read.nodes(data=True))
    graph.add_edges_from((u, v) for u, v in read.edges())
    return graph


def _asset_type(attrs: Mapping[str, Any]) -> str:
    types = {t.value for t in AssetType}
    for key in _TYPE_KEYS:
        value = attrs.get(key)
        if isinstance(value, str):
            word = " ".join(value.lower().replace("_", " ").replace("-", " ").split())
            if word in types:
                return word
            if word in _TYPE_WORDS:
                return _TYPE_WORDS[word]
    return "other"


def _rating(value: Any) -> int | None:
    if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5"}:
        return int(value)
    return value if type(value) is int and 1 <= value <= 5 else None


def graph_to_plant(graph: nx.DiGraph, *, site_name: str, edge_means: str = DEFAULT_EDGE_MEANING,
                   source: str = "<graph>") -> ImportResult:
    """Turn a directed graph into a valid plant (see the module docstring for the mapping).

    Parameters
    ----------
    graph : nx.DiGraph
        Nodes are node ids (str or int), edges read per ``edge_means``.
    site_name : str
        ``site.name`` of the plant (1..2000 characters).
    edge_means : {"feeds", "depends-on"}
        What ``u -> v`` means (:data:`EDGE_MEANINGS`).
    source : str
        File name used in error messages.

    Raises
    ------
    GraphImportError
        For an unknown ``edge_means`` or a graph that yields no valid plant.

    Examples
    --------
    >>> g = nx.DiGraph([("Switch 1", "PLC-A"), ("PLC-A", "HMI")])
    >>> r = graph_to_plant(g, site_name="Demo")
    >>> [(a.id, a.name, a.depends_on) for a in r.plant.assets]
    [('hmi', 'HMI', ['plc-a']), ('plc-a', 'PLC-A', ['switch-1']), ('switch-1', 'Switch 1', [])]
    """
    if edge_means not in EDGE_MEANINGS:
        raise GraphImportError(source, f"unknown edge meaning {edge_means!r}; use one of {', '.join(EDGE_MEANINGS)}")
    notes: list[str] = []
    ids: dict[Hashable, str] = {}
    taken: set[str] = set()
    # nodes whose id is already a valid asset id keep it; the others yield on a collision
    for node in sorted(graph, key=lambda n: (asset_id_for(n) != str(n), str(n), type(n).__name__)):
        base = candidate = asset_id_for(node)
        k = 1
        while candidate in taken:
            k += 1
            candidate = f"{base}-{k}"
        if k > 1:
            notes.append(f"node {node!r} became asset {candidate!r} ({base!r} was taken)")
        taken.add(candidate)
        ids[node] = candidate
    depends: dict[str, set[str]] = {a: set() for a in taken}
    loops = 0
    for u, v in graph.edges():
        if u == v:
            loops += 1
            continue
        dependent, supplier = (v, u) if edge_means == "feeds" else (u, v)
        depends[ids[dependent]].add(ids[supplier])
    if loops:
        notes.append(f"dropped {loops} self-loop{'s' if loops != 1 else ''} (an asset cannot depend on itself)")
    assets = []
    for node, aid in ids.items():
        attrs = graph.nodes[node]
        asset: dict[str, Any] = {"id": aid, "name": str(node)[:2000] or aid, "type": _asset_type(attrs)}
        desc = attrs.get("description", attrs.get("desc"))
        if isinstance(desc, str) and desc.strip():
            asset["description"] = desc.strip()[:2000]
        impact = {}
        for axis in AXES:
            if axis in attrs:
                if _rating(attrs[axis]) is None:
                    notes.append(f"node {node!r}: ignored {axis}={attrs[axis]!r} (a rating is 1..5)")
                else:
                    impact[axis] = _rating(attrs[axis])
        if impact:
            asset["impact"] = impact
        asset["depends_on"] = sorted(depends[aid])
        assets.append(asset)
    assets.sort(key=lambda a: a["id"])
    try:
        plant = Plant.model_validate({"format": FORMAT, "site": {"name": site_name}, "assets": assets})
        plant = loads_plant(dumps_plant(plant), source=source)  # prove it is a valid plant file
    except (ValueError, PlantFileError) as exc:
        raise GraphImportError(source, f"the graph does not make a valid plant: {exc}") from None
    edges = sum(len(d) for d in depends.values())
    return ImportResult(plant=plant, nodes=len(ids), edges=edges, notes=tuple(notes))


def import_graph(path: str | os.PathLike[str], *, edge_means: str = DEFAULT_EDGE_MEANING,
                 site_name: str | None = None, format: str | None = None) -> ImportResult:
    """Read a graph file and turn it into a plant (:func:`read_graph` + :func:`graph_to_plant`).

    ``site_name`` defaults to the file's stem. Writes nothing: save the result with
    :func:`otrisk.plantfile.save_plant`.

    Raises
    ------
    GraphImportError
        As :func:`read_graph` and :func:`graph_to_plant`.
    """
    path = Path(path)
    graph = read_graph(path, format=format)
    return graph_to_plant(graph, site_name=site_name or path.stem, edge_means=edge_means, source=str(path))
