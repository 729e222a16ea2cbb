"""The audit evidence pack (issue 7): an Excel workbook and a printable HTML report of a plant.

:func:`build_pack` computes everything once (impact, readiness, evidence register, findings,
overdue actions, switch configurations) for one as-of day; :func:`write_workbook` writes the
workbook and :func:`otrisk.reporthtml.write_html` the HTML report from the same
:class:`Pack`; :func:`report_command` is ``otrisk report PLANT --out DIR``.

The workbook holds every field of the plant file (one sheet per section, lists as one row
per item where an auditor filters by them) next to the computed figures. Every cell goes
through :func:`put`, which neutralizes formulas: text that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is stored as a string cell (``t="inlineStr"``, never an
``<f>`` formula) with Excel's quote prefix, so neither opening nor editing the cell runs it.
A carriage return is stored as a line feed (XML readers, Excel included, read it so anyway);
characters a worksheet cannot hold (control characters) become U+FFFD.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otrisk import __version__
from otrisk.errors import OtriskError
from otrisk.models import AXES, Plant

__all__ = ["FORMULA_STARTS", "MACHINE", "PLANT_FILE", "Pack", "build_pack", "put", "report_command", "sheets",
           "site_slug", "write_workbook"]

#: First characters that make a spreadsheet read text as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLANT_FILE, MACHINE = "plant file", "config store"
_CELL_MAX = 32767  # Excel's limit of characters per cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Pack:
    """Everything the pack shows, computed once for one as-of day.

    ``machine`` are the operational items the config store adds (``--db``), ``versions``
    its stored configuration versions, ``configs`` the switch configurations of ``--config``.
    """

    plant: Plant
    as_of: dt.date
    source: str
    sha256: str
    impacts: tuple
    zone_exposure: dict[str, int]
    readiness: Any
    register: tuple
    findings: Any
    overdue: frozenset[str]
    machine: tuple = ()
    configs: dict = field(default_factory=dict)
    versions: tuple = ()
    config_dir: str | None = None
    db: str | None = None

    @property
    def impact_by_asset(self) -> dict[str, Any]:
        return {r.asset: r for r in self.impacts}


def build_pack(plant: Plant, *, as_of: dt.date, source: str = "<plant>", sha256: str = "",
               machine: Sequence = (), configs: dict | None = None, versions: Sequence = (),
               config_dir: str | None = None, db: str | None = None) -> Pack:
    """Compute the pack of ``plant`` on ``as_of`` (machine evidence counted like ``readiness --db``)."""
    from otrisk.impact import analyze_plant
    from otrisk.readiness import overdue_actions, readiness
    from otrisk.register import register_rows
    from otrisk.rules import rules_report
    from otrisk.zones import zone_exposure

    impacts = analyze_plant(plant)
    report = readiness(plant, as_of=as_of, impacts=impacts, machine_evidence=list(machine))
    register = register_rows(plant.model_copy(update={"evidence": [*plant.evidence, *machine]}), as_of=as_of)
    return Pack(plant=plant, as_of=as_of, source=source, sha256=sha256, impacts=tuple(impacts),
                zone_exposure=zone_exposure(plant), readiness=report, register=tuple(register),
                findings=rules_report(plant, as_of=as_of, impacts=impacts),
                overdue=frozenset(a.id for a in overdue_actions(plant, as_of=as_of)),
                machine=tuple(machine), configs=dict(configs or {}), versions=tuple(versions),
                config_dir=config_dir, db=db)


def site_slug(name: str) -> str:
    """A file-name-safe slug of a site name (ASCII, lower case, ``-`` between words).

    >>> site_slug("Mühlbach brewery (fictional demo)"), site_slug("<>"), site_slug("../x")
    ('muhlbach-brewery-fictional-demo', 'site', 'x')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug or "site"


# --- cells ------------------------------------------------------------------------------

def put(ws, row: int, column: int, value: Any):
    """Write ``value`` to a cell of ``ws``: the one way the pack writes a cell.

    None is an empty cell; bool, int, float and dates stay typed (a timezone-aware time is
    converted to UTC); everything else is text, and text that a spreadsheet would read as a
    formula is forced to a string cell with the quote prefix (see the module docstring).
    """
    cell = ws.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, bool | int | float):
        cell.value = value
        return cell
    text = _ILLEGAL.sub("\ufffd", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > _CELL_MAX:
        text = text[: _CELL_MAX - 40] + f"… (cut: {len(text):,} characters)"
    cell.value = text
    cell.data_type = "s"  # never "f": openpyxl makes any text starting with "=" a formula
    if str(value).startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
    return cell


def _join(values: Iterable[Any], sep: str = ", ") -> str | None:
    items = [str(v) for v in values]
    return sep.join(items) if items else None


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)


# --- sheets -----------------------------------------------------------------------------

Sheet = tuple[str, str, list[str], list[list[Any]]]


def _interface_text(nic) -> str:
    parts = [f"{k}={getattr(nic, k)}" for k in ("zone", "ip", "mac", "switch_port") if getattr(nic, k) is not None]
    return " ".join(parts) or "(empty)"


def _inventory(pack: Pack) -> list[Sheet]:
    plant, impacts = pack.plant, pack.impact_by_asset
    head = ["id", "name", "type", "zone", "vendor", "model", "firmware", "ip", "mac", "switch_port",
            "interfaces", "location", "owner", "description",
            *(f"impact {ax}" for ax in AXES), *(f"effective {ax}" for ax in AXES),
            *(f"compromise {ax}" for ax in AXES), "blast radius", "exposure", "priority", "priority reasons"]
    rows, nics, deps, managed = [], [], [], []
    for a in sorted(plant.assets, key=lambda a: a.id):
        r = impacts.get(a.id)
        rows.append([a.id, a.name, _enum(a.type), a.zone, a.vendor, a.model, a.firmware, a.ip, a.mac, a.switch_port,
                     _join((_interface_text(n) for n in a.interfaces), "; "), a.location, a.owner, a.description,
                     *(getattr(a.impact, ax) for ax in AXES),
                     *((r.effective[ax] for ax in AXES) if r else [None] * 3),
                     *((r.compromise[ax] for ax in AXES) if r else [None] * 3),
                     r.blast_radius if r else None, r.exposure if r else None, r.priority if r else None,
                     _join(r.reasons, "\n") if r else None])
        nics += [[a.id, i, n.zone, n.ip, n.mac, n.switch_port] for i, n in enumerate(a.interfaces, 1)]
        deps += [[a.id, other] for other in a.depends_on]
        managed += [[a.id, other] for other in a.manages]
    return [
        ("Inventory", ("Every asset with every field, its own impact rating, effective and compromise impact "
         "(1..5 per axis, empty = unknown), blast radius, exposure (0..3) and priority with reasons."), head, rows),
        ("Interfaces", "Further network interfaces of the assets, one row per interface.",
         ["asset", "interface #", "zone", "ip", "mac", "switch_port"], nics),
        ("Dependencies", "depends_on, one row per edge: the asset needs depends_on to work.",
         ["asset", "depends_on"], deps),
        ("Managed", "manages, one row per edge: the manager can change the managed asset's logic or configuration.",
         ["manager", "managed"], managed),
    ]


def _zones_conduits(pack: Pack) -> list[Sheet]:
    zones = [[z.id, z.name, _enum(z.kind), z.purdue_level, z.sl_target, z.sl_achieved, z.owner,
              _join(z.vlans), _join(z.subnets), z.description, pack.zone_exposure.get(z.id)]
             for z in sorted(pack.plant.zones, key=lambda z: z.id)]
    conduits = [[c.id, c.name, c.zones[0], c.zones[1], _enum(c.direction), c.one_way, _join(c.protocols), c.sl_target,
                 _join(c.boundary_devices), c.approved, c.description]
                for c in sorted(pack.plant.conduits, key=lambda c: c.id)]
    return [
        ("Zones", "Every zone with every field and its exposure (0..3: 3 external or remote access or reachable from one, 2 reachable from an enterprise zone, 1 reached by another zone, 0 isolated).",
         ["id", "name", "kind", "purdue_level", "sl_target", "sl_achieved", "owner", "vlans", "subnets",
          "description", "exposure"], zones),
        ("Conduits", "Every conduit with every field; direction forward: zone a starts connections to zone b.",
         ["id", "name", "zone a", "zone b", "direction", "one_way", "protocols", "sl_target", "boundary_devices",
          "approved", "description"], conduits),
    ]


def _evidence(pack: Pack) -> Sheet:
    machine = {e.id for e in pack.machine}
    rows = []
    for r in pack.register:
        e = r.item
        rows.append([e.id, MACHINE if e.id in machine else PLANT_FILE, _enum(e.kind), e.title, _join(e.elements),
                     e.collected, e.valid_until, _join(e.covers), e.location, e.file.name if e.file else None,
                     e.file.sha256 if e.file else None, e.retired, r.status(), r.freshness_text])
    return ("Evidence register", (f"Every evidence item (plant file and, with --db, the config store) and its "
            f"freshness on {pack.as_of.isoformat()}: status and the reason per element."),
            ["id", "source", "kind", "title", "elements", "collected", "valid_until", "covers", "location",
             "file name", "file sha256", "retired", "status", "freshness"], rows)


def _program(pack: Pack) -> list[Sheet]:
    from otrisk.readiness import status

    rows = []
    for e in pack.readiness.elements:
        for r, level in ((e, "element"), *((s, "sub-element") for s in e.sub_elements)):
            c = r.counts()
            label, why = status(r)
            rows.append([r.id, level, r.name, r.maturity, r.maturity_date, r.target, r.not_applicable,
                         c["operational"]["fresh"], c["operational"]["stale"],
                         c["organizational"]["fresh"], c["organizational"]["stale"],
                         r.paper_compliance, label, why, r.rank, _join(r.reasons, "\n")])
    strengthen = [[i, s.id, s.name, s.score, _join(s.reasons, "\n")]
                  for i, s in enumerate(pack.readiness.strengthen_first, 1)]
    return [
        ("Program map", (f"IEC 62443-2-1 elements and sub-elements on {pack.as_of.isoformat()}: maturity now "
         "(0 = not implemented, 1..4 = ML1..ML4, empty = not assessed) with its assessment date, target, "
         "not applicable with justification, fresh/stale evidence per kind, paper compliance, readiness status."),
         ["id", "level", "name", "maturity", "maturity date", "target", "not applicable",
          "operational fresh", "operational stale", "organizational fresh", "organizational stale",
          "paper compliance", "status", "status reason", "rank", "reasons"], rows),
        ("Strengthen first", "Sub-elements to strengthen first, highest score first, with the reasons.",
         ["rank", "id", "name", "score", "reasons"], strengthen),
    ]


def _assessments(pack: Pack) -> Sheet:
    rows = []
    for a in pack.plant.assessments:
        ids = sorted(set(a.maturity) | set(a.target) | set(a.not_applicable))
        rows += [[a.date, a.name, i, a.maturity.get(i), a.target.get(i), a.not_applicable.get(i)] for i in ids]
        if not ids:
            rows.append([a.date, a.name, None, None, None, None])
    return ("Assessments", "Every assessment, one row per rated element (maturity, target, not applicable).",
            ["date", "assessment", "element", "maturity", "target", "not applicable"], rows)


def _actions(pack: Pack) -> Sheet:
    rows = [[a.id, a.title, _join(a.elements), a.owner, a.due, _enum(a.status), a.notes, a.id in pack.overdue]
            for a in sorted(pack.plant.actions, key=lambda a: a.id)]
    return ("Actions", f"Every action; overdue = not done or cancelled and due before {pack.as_of.isoformat()}.",
            ["id", "title", "elements", "owner", "due", "status", "notes", "overdue"], rows)


def _findings(pack: Pack) -> list[Sheet]:
    report = pack.findings
    expired = {f.id for f, _ in report.expired}
    accepted = {f.id: a for f, a in (*report.accepted, *report.expired)}
    rows = []
    for f, state in [*((f, "expired" if f.id in expired else "open") for f in report.open),
                     *((f, "accepted") for f, _ in report.accepted)]:
        a = accepted.get(f.id)
        rows.append([f.id, state, f.rule.id, f.rule.title, _join(f.zones), _join(f.assets),
                     *(f.worst_effective[ax] for ax in AXES), f.message, f.rule.remediation,
                     _join(f.rule.references), a.accepted_by if a else None, a.review_by if a else None])
    stale = {a.id for a in report.stale_acceptances}
    acc = [[a.id, a.justification, a.accepted_by, a.review_by,
            "no longer raised" if a.id in stale else "expired" if a.id in expired else "accepted"]
           for a in sorted(pack.plant.accepted_findings, key=lambda a: a.id)]
    return [
        ("Findings", ("Architecture findings: open (expired = acceptance past its review date), then accepted; "
         "worst effective impact of the assets concerned."),
         ["id", "status", "rule", "title", "zones", "assets", *(f"worst {ax}" for ax in AXES), "message",
          "remediation", "references", "accepted by", "review by"], rows),
        ("Accepted findings", f"Every accepted finding of the plant file and its state on {pack.as_of.isoformat()}.",
         ["id", "justification", "accepted_by", "review_by", "state"], acc),
    ]


def _configs(pack: Pack) -> Sheet:
    from otrisk.configs import vlan_text

    rows = [["--config", d.device, d.platform, Path(d.file).name, len(d.ports), vlan_text(set(d.vlans)), d.ip_routing,
             d.changed_at, None, None, None, None, None]
            for _, d in sorted(pack.configs.items())]
    rows += [["--db", v.device, None, v.file_name, None, None, None, v.changed_at, v.id, v.sha256, v.imported_at,
              v.imported_by, v.baseline] for v in sorted(pack.versions, key=lambda v: (v.device_key, v.id))]
    return ("Config versions", ("Switch configurations: from --config (parsed now) and stored versions from --db "
            "(times in UTC)."), ["source", "device", "platform", "file", "ports", "VLANs", "ip routing",
                                "changed at", "version", "sha256", "imported at", "imported by", "baseline"], rows)


def sheets(pack: Pack) -> list[Sheet]:
    """Every sheet after README as ``(name, description, header, rows)``, in workbook order."""
    s = pack.plant.site
    site = [["format", pack.plant.format], ["name", s.name], ["sector", s.sector], ["entity (NIS2)", s.entity],
            ["timezone", s.timezone], ["change_windows", _join(s.change_windows)]]
    return [("Site", "The site: every field of site and the file format.", ["field", "value"], site),
            *_inventory(pack), *_zones_conduits(pack), _evidence(pack), *_program(pack), _assessments(pack),
            _actions(pack), *_findings(pack), _configs(pack)]


def write_workbook(pack: Pack, path: str | os.PathLike[str]) -> Path:
    """Write the workbook of ``pack`` to ``path`` (README sheet first); returns the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    body = sheets(pack)
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    info = [["otrisk audit evidence pack", None], ["site", pack.plant.site.name], ["as of", pack.as_of],
            ["otrisk version", __version__], ["plant file", pack.source], ["plant file SHA-256", pack.sha256],
            ["--config", pack.config_dir], ["--db", pack.db], [None, None], ["sheet", "what it holds"],
            *([name, text] for name, text, _, _ in body)]
    for i, row in enumerate(info, 1):
        for j, value in enumerate(row, 1):
            put(readme, i, j, value)
    for r in (1, 10):
        for c in (1, 2):
            readme.cell(r, c).font = Font(bold=True)
    readme.column_dimensions["A"].width, readme.column_dimensions["B"].width = 22, 110
    for name, _, head, rows in body:
        ws = wb.create_sheet(name)
        widths = [len(h) for h in head]
        for j, h in enumerate(head, 1):
            put(ws, 1, j, h).font = Font(bold=True)
        for i, row in enumerate(rows, 2):
            for j, value in enumerate(row, 1):
                cell = put(ws, i, j, value)
                text = "" if value is None else str(value)
                widths[j - 1] = max(widths[j - 1], max((len(x) for x in text.split("\n")), default=0))
                if "\n" in text or len(text) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[ws.cell(1, j).column_letter].width = min(60, max(8, w + 2))
    path = Path(path)
    wb.save(path)
    return path


# --- command ----------------------------------------------------------------------------

def _open_store(db_url: str, plant: Plant) -> tuple[list, list]:
    """Machine evidence and stored versions of an existing database, read only (as ``readiness --db``)."""
    from sqlalchemy import inspect

    from otrisk import configstore, db

    engine = db.open_existing(db_url)
    try:
        machine = db.machine_evidence(engine, plant)
        stored = configstore.versions(engine) if inspect(engine).has_table("config_versions") else []
    finally:
        engine.dispose()
    return machine, stored


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def report_command(plant_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                   config_dir: str | os.PathLike[str] | None = None, db_url: str | None = None,
                   as_of: dt.date | None = None) -> list[Path]:
    """``otrisk report PLANT --out DIR``: write the workbook and the HTML report; returns their paths.

    Raises
    ------
    PlantFileError
        When the plant file is missing or invalid.
    ConfigError
        When ``config_dir`` is missing or holds an unreadable configuration.
    OtriskError
        When the database cannot be read, or ``out_dir`` cannot be written.
    """
    from otrisk.configs import load_configs
    from otrisk.evidence import today_utc
    from otrisk.plantfile import load_plant
    from otrisk.reporthtml import write_html

    plant = load_plant(plant_path)
    sha = hashlib.sha256(Path(plant_path).read_bytes()).hexdigest()
    configs = load_configs(config_dir) if config_dir is not None else {}
    machine, stored = _open_store(db_url, plant) if db_url else ([], [])
    pack = build_pack(plant, as_of=as_of or today_utc(), source=Path(plant_path).name, sha256=sha,
                      machine=machine, configs=configs, versions=stored,
                      config_dir=str(config_dir) if config_dir is not None else None,
                      db=_shown_url(db_url) if db_url else None)
    out = Path(out_dir)
    slug = site_slug(plant.site.name)
    targets = (out / f"{slug}-audit-pack.xlsx", out / f"{slug}-audit-report.html")
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for target, write in zip(targets, (write_workbook, write_html)):
            partial = target.with_name(target.name + ".partial")
            write(pack, partial)
            os.replace(partial, target)  # a reader never sees half a file
            written.append(target)
    except OSError as exc:
        raise OtriskError(f"{out}: cannot write the report: {exc.strerror or exc}") from None
    return written
