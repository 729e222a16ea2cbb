"""Import a Threagile model (``threagile.yaml``) as an ``otrisk/v1`` plant.

Threagile (https://threagile.io, MIT) describes a system as technical assets, trust
boundaries (which may nest) and communication links. The mapping:

* **technical_assets → assets.** Id :func:`otrisk.graphimport.asset_id_for` of the Threagile
  ``id`` (``-2``, ``-3`` … on a collision, with a note); ``name`` the asset's title (its key);
  ``owner`` and ``description`` as given. The type comes from the ``technology`` word
  (:data:`TECHNOLOGY_TYPES`; a word we do not list goes through
  :func:`otrisk.deviceroles.role_to_asset_type`), else from the Threagile ``type`` (a
  ``datastore`` runs on a ``server``); anything else is ``other``, with a note.
* **trust_boundaries → zones**, id from the boundary's ``id``. Kind from the boundary
  ``type`` (:data:`BOUNDARY_KINDS`): a cloud provider or dedicated hoster is ``external``
  (outside the site); an on-premises network or virtual LAN is ``enterprise`` (Threagile
  models IT systems; change it to the zone's real kind). A security group, a namespace
  isolation and an execution environment are subdivisions of the network they are nested
  in and take its kind (top level: ``external`` for a cloud security group, else
  ``enterprise``). An asset is in the zone of the **innermost** boundary holding it. An
  asset outside every boundary that Threagile marks ``internet: true`` goes into one
  added zone ``internet`` (kind ``external``); any other asset outside every boundary has
  no zone (a data gap the tool reports), with a note.
* **communication_links → depends_on.** A link from A to B means A starts a connection
  to B and needs B to work: ``A.depends_on`` lists B (DESIGN.md: if B is lost, A is
  affected). Links between two zones give one **conduit per zone pair**, id ``<a>-<b>``,
  ``approved: false`` (an import is not an approval), protocols the links' protocol
  names, ``direction: forward`` from the zone whose assets start the connections, or
  ``both`` (zones in id order) when links go both ways.
* **Ratings → suggested impacts** (:func:`suggested_impact`), NOT written into the plant:
  the user confirms them. Threagile rates each technical asset on
  ``archive < operational < important < critical < mission-critical`` for integrity and
  availability (and ``public … strictly-confidential`` for confidentiality). We read the
  words as 1..5 (:data:`RATING_LEVELS`). Availability is what losing the asset costs, so it
  is suggested for **production and delivery**. Safety is suggested from **integrity only
  for an asset tagged as safety-relevant** (a tag containing ``safety``, or ``sis``):
  Threagile has no safety notion, and a tampered ERP is not a safety hazard, so every
  other asset's safety stays unknown (never low). Confidentiality has no axis in otrisk
  and is not used. Only the asset's own ratings count, not Threagile's "highest" ratings
  that fold in the data assets it processes: otrisk propagates impact along dependencies
  itself, and a browser that shows critical data is not critical to lose.

Dropped, and said so in the notes: data assets, shared runtimes, risk tracking and the
other sections otrisk has no place for; links whose end has no zone give no conduit.
Anchors, aliases and merge keys are allowed (Threagile's own example model uses them);
only the few sections named above are read, so a shared node is never walked twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

from otrisk.deviceroles import role_to_asset_type
from otrisk.errors import InputFileError, PlantFileError
from otrisk.graphimport import asset_id_for
from otrisk.models import FORMAT, Impact, Plant
from otrisk.plantfile import dumps_plant, loads_plant

__all__ = ["BOUNDARY_KINDS", "RATING_LEVELS", "TECHNOLOGY_TYPES", "THREAGILE_MAX_BYTES",
           "ThreagileError", "ThreagileImport", "suggested_impact", "threagile_to_plant"]

THREAGILE_MAX_BYTES = 5_000_000
#: Threagile's integrity/availability words (also its ``business_criticality``) → 1..5.
RATING_LEVELS: dict[str, int] = {"archive": 1, "operational": 2, "important": 3, "critical": 4,
                                 "mission-critical": 5}
#: Trust boundary type → zone kind; None: the kind of the boundary it is nested in.
BOUNDARY_KINDS: dict[str, str | None] = {
    "network-on-prem": "enterprise", "network-virtual-lan": "enterprise",
    "network-dedicated-hoster": "external", "network-cloud-provider": "external",
    "network-cloud-security-group": None, "network-policy-namespace-isolation": None,
    "execution-environment": None,
}
_SERVER_WORDS = [
    "web-server", "web-application", "application-server", "database", "file-server", "erp", "cms",
    "search-index", "search-engine", "service-registry", "reverse-proxy", "load-balancer",
    "build-pipeline", "sourcecode-repository", "artifact-registry", "code-inspection-platform",
    "monitoring", "ldap-server", "container-platform", "batch-processing", "event-listener",
    "identity-provider", "identity-store-ldap", "identity-store-database", "message-queue",
    "stream-processing", "data-lake", "big-data-platform", "report-engine", "mail-server", "vault",
    "hsm", "scheduler", "mainframe", "gateway", "ids",
]
#: Threagile ``technology`` → asset type. Clients and tools have no type of ours: ``other``.
TECHNOLOGY_TYPES: dict[str, str] = {
    **dict.fromkeys(_SERVER_WORDS, "server"),
    **dict.fromkeys(("web-service-rest", "web-service-soap", "ejb", "function", "service-mesh", "ai"), "service"),
    **dict.fromkeys(("waf", "ips"), "firewall"),
    "iot-device": "iiot",
    **dict.fromkeys(("unknown-technology", "client-system", "browser", "desktop", "mobile-app",
                     "devops-client", "local-file-system", "block-storage", "tool", "threagile",
                     "cli", "task", "library"), "other"),
}
_DROPPED = ("data_assets", "shared_runtimes", "risk_tracking", "individual_risk_categories",
            "abuse_cases", "security_requirements", "questions")
_INTERNET = "internet"


class ThreagileError(InputFileError):
    """A file is not a Threagile model otrisk can import. (``file``, ``key``, ``value``: see :class:`~otrisk.errors.InputFileError`)."""


@dataclass(frozen=True)
class ThreagileImport:
    """A Threagile model as a plant.

    Attributes
    ----------
    plant : Plant
        A valid plant (written and read back as a plant file); no impact ratings.
    suggested_impacts : dict[str, Impact]
        ``{asset id: Impact}`` for every asset, in id order, from the Threagile ratings
        (:func:`suggested_impact`); for the user to confirm, not part of ``plant``.
    notes : list[str]
        What was dropped, renamed or guessed.
    """

    plant: Plant
    suggested_impacts: dict[str, Impact]
    notes: list[str]


def _word(value: object) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _is_safety(tags: object) -> bool:
    words = [_word(t) for t in tags] if isinstance(tags, list) else []
    return any("safety" in w or w == "sis" for w in words)


def suggested_impact(spec: dict[str, Any]) -> tuple[Impact, list[str]]:
    """The impact a Threagile technical asset suggests, and notes on unreadable words.

    Parameters
    ----------
    spec : dict
        One ``technical_assets`` entry (``availability``, ``integrity``, ``tags``).

    Returns
    -------
    (Impact, list of str)
        Production and delivery from availability; safety from integrity only when a tag
        marks the asset safety-relevant; unknown (None) where a word is missing or unknown.

    Examples
    --------
    >>> suggested_impact({"availability": "critical", "integrity": "mission-critical"})[0].as_dict()
    {'production': 4, 'safety': None, 'delivery': 4}
    >>> suggested_impact({"availability": "important", "integrity": "critical", "tags": ["safety"]})[0].as_dict()
    {'production': 3, 'safety': 4, 'delivery': 3}
    """
    notes = []
    levels: dict[str, int | None] = {}
    for key in ("availability", "integrity"):
        word = _word(spec.get(key))
        levels[key] = RATING_LEVELS.get(word)
        if spec.get(key) is not None and levels[key] is None:
            notes.append(f"{key} {spec.get(key)!r} is not one of {', '.join(RATING_LEVELS)}: no suggestion")
    safety = levels["integrity"] if _is_safety(spec.get("tags")) else None
    return Impact(production=levels["availability"], safety=safety, delivery=levels["availability"]), notes


def _load(data: bytes | str, source: str) -> dict[str, Any]:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > THREAGILE_MAX_BYTES:
        raise ThreagileError(source, "(file)", None, f"is larger than {THREAGILE_MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ThreagileError(source, "(file)", None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ThreagileError(source, "(document)", None,
                             f"not YAML: {getattr(exc, 'problem', None) or exc}{where}") from None
    except RecursionError:
        raise ThreagileError(source, "(document)", None, "nested too deeply") from None
    if not isinstance(doc, dict):
        raise ThreagileError(source, "(document)", None, "not a Threagile model: expected a mapping at the top")
    assets = doc.get("technical_assets")
    if not isinstance(assets, dict) or not assets:
        raise ThreagileError(source, "technical_assets", None,
                             "not a Threagile model: no technical_assets (a mapping of asset title to asset)")
    return doc


def _mapping(value: object, source: str, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ThreagileError(source, key, None, "expected a mapping")
    return value


def _ids(value: object, source: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ThreagileError(source, key, None, "expected a list of ids")
    return value


def _unique_ids(threagile_ids: list[str], what: str, notes: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    taken: set[str] = set()
    for tid in sorted(threagile_ids, key=lambda t: (asset_id_for(t) != t, t)):
        base = candidate = asset_id_for(tid)
        k = 1
        while candidate in taken:
            k += 1
            candidate = f"{base}-{k}"
        if candidate != tid:
            notes.append(f"{what} {tid!r} became {candidate!r}")
        taken.add(candidate)
        out[tid] = candidate
    return out


def _asset_type(title: str, spec: dict[str, Any], notes: list[str]) -> str:
    tech = _word(spec.get("technology"))
    if tech in TECHNOLOGY_TYPES and TECHNOLOGY_TYPES[tech] != "other":
        return TECHNOLOGY_TYPES[tech]
    if tech and tech not in TECHNOLOGY_TYPES:
        found, _why = role_to_asset_type(tech)
        if found != "other":
            return found
    if _word(spec.get("type")) == "datastore":  # whatever it is, it runs on a server
        return "server"
    told = f"technology {spec.get('technology')!r}" if tech else "no technology"
    notes.append(f"asset {title!r}: {told} has no matching asset type: other")
    return "other"


def _text(value: object) -> str | None:
    return value.strip()[:2000] if isinstance(value, str) and value.strip() else None


def _zones(doc: dict[str, Any], specs: dict[str, tuple[str, dict[str, Any]]], source: str,
           notes: list[str]) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """Zones from the trust boundaries, and the zone of each Threagile asset id (None: none)."""
    bounds: dict[str, tuple[str, dict[str, Any]]] = {}
    for title, spec in _mapping(doc.get("trust_boundaries"), source, "trust_boundaries").items():
        key = f"trust_boundaries.{title}"
        spec = _mapping(spec, source, key)
        bid = spec.get("id")
        if not isinstance(bid, str) or not bid.strip():
            raise ThreagileError(source, f"{key}.id", bid, "every trust boundary needs an id (text)")
        if bid in bounds:
            raise ThreagileError(source, f"{key}.id", bid, f"duplicate id: also used by {bounds[bid][0]!r}")
        bounds[bid] = (str(title), spec)
    parent: dict[str, str] = {}
    for bid, (title, spec) in bounds.items():
        key = f"trust_boundaries.{title}.trust_boundaries_nested"
        for child in _ids(spec.get("trust_boundaries_nested"), source, key):
            if child not in bounds:
                raise ThreagileError(source, key, child, "no trust boundary with this id")
            if child in parent and parent[child] != bid:
                raise ThreagileError(source, key, child, f"already nested in {parent[child]!r}")
            parent[child] = bid

    def chain(bid: str) -> list[str]:  # bid and its ancestors, innermost first
        out = [bid]
        while out[-1] in parent:
            if parent[out[-1]] in out:
                raise ThreagileError(source, f"trust_boundaries.{bounds[bid][0]}.trust_boundaries_nested",
                                     out[-1], "trust boundaries are nested in a cycle")
            out.append(parent[out[-1]])
        return out

    zone_ids = _unique_ids(list(bounds), "trust boundary", notes)
    zones: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    for bid in sorted(bounds, key=lambda b: (len(chain(b)), b)):  # parents first
        title, spec = bounds[bid]
        btype = _word(spec.get("type"))
        kind = BOUNDARY_KINDS.get(btype, "enterprise")
        if btype not in BOUNDARY_KINDS:
            notes.append(f"trust boundary {bid!r}: unknown type {spec.get('type')!r}: zone kind enterprise")
        if kind is None:
            kind = kinds[parent[bid]] if bid in parent else (
                "external" if btype == "network-cloud-security-group" else "enterprise")
        kinds[bid] = kind
        zone = {"id": zone_ids[bid], "name": _text(title) or zone_ids[bid], "kind": kind}
        if _text(spec.get("description")):
            zone["description"] = _text(spec.get("description"))
        zones.append(zone)

    # the zone of each asset: its innermost trust boundary
    holders: dict[str, list[str]] = {}
    for bid, (title, spec) in bounds.items():
        key = f"trust_boundaries.{title}.technical_assets_inside"
        for tid in _ids(spec.get("technical_assets_inside"), source, key):
            if tid not in specs:
                raise ThreagileError(source, key, tid, "no technical asset with this id")
            holders.setdefault(tid, []).append(bid)
    asset_zone: dict[str, str | None] = {}
    for tid, (title, spec) in specs.items():
        held = sorted(holders.get(tid, []), key=lambda b: (-len(chain(b)), b))
        for other in held[1:]:
            if other not in chain(held[0]):
                raise ThreagileError(source, f"trust_boundaries.{bounds[other][0]}.technical_assets_inside", tid,
                                     f"the asset is also inside {held[0]!r}, which is not nested in it")
        if held:
            asset_zone[tid] = zone_ids[held[0]]
        elif spec.get("internet") is True:
            asset_zone[tid] = _INTERNET
        else:
            asset_zone[tid] = None
            notes.append(f"asset {title!r} is outside every trust boundary: no zone")
    if _INTERNET in asset_zone.values():
        internet = _INTERNET
        while internet in zone_ids.values():
            internet += "-zone"
        for tid, z in asset_zone.items():
            if z == _INTERNET:
                asset_zone[tid] = internet
        zones.append({"id": internet, "name": "Internet", "kind": "external",
                      "description": "Assets outside every Threagile trust boundary, marked internet: true"})
        notes.append(f"added zone {internet!r} (external) for assets outside every trust boundary "
                     "that Threagile marks internet: true")
    return zones, asset_zone


def _links(specs: dict[str, tuple[str, dict[str, Any]]], asset_ids: dict[str, str],
           asset_zone: dict[str, str | None], source: str,
           notes: list[str]) -> tuple[dict[str, set[str]], list[dict[str, Any]]]:
    """``depends_on`` per asset id, and one unapproved conduit per zone pair the links cross."""
    depends: dict[str, set[str]] = {asset_ids[t]: set() for t in specs}
    pairs: dict[frozenset[str], dict[str, Any]] = {}
    for tid, (title, spec) in specs.items():
        links_key = f"technical_assets.{title}.communication_links"
        for link_title, link in _mapping(spec.get("communication_links"), source, links_key).items():
            key = f"{links_key}.{link_title}"
            link = _mapping(link, source, key)
            target = link.get("target")
            if not isinstance(target, str) or target not in specs:
                raise ThreagileError(source, f"{key}.target", target, "no technical asset with this id")
            if target == tid:
                notes.append(f"link {link_title!r} of {title!r} goes to itself: dropped")
                continue
            depends[asset_ids[tid]].add(asset_ids[target])
            za, zb = asset_zone[tid], asset_zone[target]
            if za is None or zb is None:
                if za != zb:
                    notes.append(f"link {link_title!r} ({tid} -> {target}): one end has no zone, no conduit")
                continue
            if za == zb:
                continue
            pair = pairs.setdefault(frozenset((za, zb)), {"starts": set(), "protocols": set(), "links": []})
            pair["starts"].add((za, zb))
            if _text(link.get("protocol")):
                pair["protocols"].add(_text(link.get("protocol")))
            pair["links"].append(f"{link_title} ({tid} -> {target})")
    conduits = []
    taken: set[str] = set()
    for pair in sorted(pairs.values(), key=lambda p: sorted(p["starts"])):
        starts = sorted(pair["starts"])
        zones_of = list(starts[0]) if len(starts) == 1 else sorted(starts[0])
        cid = base = f"{zones_of[0]}-{zones_of[1]}"
        k = 1
        while cid in taken:
            k += 1
            cid = f"{base}-{k}"
        taken.add(cid)
        conduits.append({"id": cid, "zones": zones_of, "direction": "forward" if len(starts) == 1 else "both",
                         "protocols": sorted(pair["protocols"]), "approved": False,
                         "description": ("Threagile links: " + "; ".join(sorted(pair["links"])))[:2000]})
    return depends, conduits


def threagile_to_plant(data: bytes | str, *, source: str, site_name: str | None = None) -> ThreagileImport:
    """Turn a Threagile model into a plant (mapping: see the module docstring).

    Parameters
    ----------
    data : bytes or str
        The YAML model (at most :data:`THREAGILE_MAX_BYTES` bytes).
    source : str
        The file name, used in errors and as the site name's last fallback.
    site_name : str, optional
        ``site.name``; default the model's ``title``, else the file's stem.

    Returns
    -------
    ThreagileImport
        Assets, zones and conduits sorted by id. Writes nothing.

    Raises
    ------
    ThreagileError
        Not UTF-8, not YAML, too large, no ``technical_assets``, a missing or duplicate
        Threagile id, a link or boundary naming an unknown asset or boundary, an asset in
        two unrelated boundaries, nesting in a cycle: naming the file, key path and value.

    Examples
    --------
    >>> r = threagile_to_plant('''
    ... technical_assets:
    ...   Web: {id: web, technology: web-server, availability: critical,
    ...         communication_links: {Query: {target: db, protocol: jdbc}}}
    ...   DB: {id: db, technology: database, availability: mission-critical}
    ... trust_boundaries:
    ...   Front: {id: front, type: network-on-prem, technical_assets_inside: [web]}
    ...   Back: {id: back, type: network-on-prem, technical_assets_inside: [db]}
    ... ''', source="t.yaml")
    >>> [(a.id, a.type, a.zone, a.depends_on) for a in r.plant.assets]
    [('db', 'server', 'back', []), ('web', 'server', 'front', ['db'])]
    >>> [(c.id, c.zones, c.direction, c.protocols, c.approved) for c in r.plant.conduits]
    [('front-back', ['front', 'back'], 'forward', ['jdbc'], False)]
    >>> r.suggested_impacts["db"].as_dict()
    {'production': 5, 'safety': None, 'delivery': 5}
    """
    doc = _load(data, source)
    notes: list[str] = []
    specs: dict[str, tuple[str, dict[str, Any]]] = {}  # threagile id -> (title, spec)
    for title, spec in doc["technical_assets"].items():
        key = f"technical_assets.{title}"
        spec = _mapping(spec, source, key)
        tid = spec.get("id")
        if not isinstance(tid, str) or not tid.strip():
            raise ThreagileError(source, f"{key}.id", tid, "every technical asset needs an id (text)")
        if tid in specs:
            raise ThreagileError(source, f"{key}.id", tid, f"duplicate id: also used by {specs[tid][0]!r}")
        specs[tid] = (str(title), spec)
    asset_ids = _unique_ids(list(specs), "asset", notes)

    zones, asset_zone = _zones(doc, specs, source, notes)
    depends, conduits = _links(specs, asset_ids, asset_zone, source, notes)
    assets, impacts = [], {}
    for tid, (title, spec) in specs.items():
        aid = asset_ids[tid]
        asset: dict[str, Any] = {"id": aid, "name": _text(title) or aid, "type": _asset_type(title, spec, notes)}
        if asset_zone[tid] is not None:
            asset["zone"] = asset_zone[tid]
        for field in ("owner", "description"):
            if _text(spec.get(field)):
                asset[field] = _text(spec.get(field))
        asset["depends_on"] = sorted(depends[aid])
        assets.append(asset)
        impacts[aid], rating_notes = suggested_impact(spec)
        notes.extend(f"asset {title!r}: {n}" for n in rating_notes)
    dropped = [f"{k} ({len(doc[k])})" for k in _DROPPED if isinstance(doc.get(k), (dict, list)) and doc[k]]
    if dropped:
        notes.append("not imported (otrisk has no place for them): " + ", ".join(dropped))
    if conduits:
        notes.append(f"{len(conduits)} conduit(s) from links between zones, all unapproved: review and approve them")
    name = site_name or _text(doc.get("title")) or PurePath(source).stem or "Threagile model"
    try:
        plant = Plant.model_validate({
            "format": FORMAT, "site": {"name": name}, "zones": sorted(zones, key=lambda z: z["id"]),
            "conduits": sorted(conduits, key=lambda c: c["id"]), "assets": sorted(assets, key=lambda a: a["id"]),
        })
        plant = loads_plant(dumps_plant(plant), source=source)  # the same checks as a plant file
    except (ValueError, PlantFileError) as exc:
        raise ThreagileError(source, "(plant)", None, f"the model does not make a valid plant: {exc}") from None
    return ThreagileImport(plant=plant, suggested_impacts=dict(sorted(impacts.items())), notes=notes)
