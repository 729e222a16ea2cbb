"""The ``otrisk`` command line (DESIGN.md, "Command line").

Commands read only the files named on the command line. JSON goes to stdout, messages to
stderr. Exit status: 0 success, 2 when an input is invalid or unreadable (every
:class:`~otrisk.errors.OtriskError` becomes its message on stderr, never a traceback);
commands that report findings use 1 for "some found".

Each command is one :class:`Command` in :data:`COMMANDS`: a name, a help line, a function
that adds its arguments and a function that runs it and returns the exit status. A new
command is one more entry.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from otrisk import __version__
from otrisk.errors import OtriskError, PlantFileError
from otrisk.models import axes_text

__all__ = ["Command", "COMMANDS", "build_parser", "main"]

EXIT_OK, EXIT_FOUND, EXIT_INVALID = 0, 1, 2


@dataclass(frozen=True)
class Command:
    """One subcommand: ``add_arguments(parser)`` declares it, ``run(args) -> exit status``."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _print_json(data: Any) -> None:
    # One write: json.dump streams millions of small writes (29k findings: ~4 million, most of the time)
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


# --- validate ---------------------------------------------------------------------------

def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _validate(args: argparse.Namespace) -> int:
    from otrisk.plantfile import load_plant

    plant = load_plant(args.plant)
    counts = ", ".join(_count(len(items), noun) for items, noun in (
        (plant.assets, "asset"), (plant.zones, "zone"), (plant.conduits, "conduit"),
        (plant.evidence, "evidence item")))
    _say(f"{args.plant}: valid otrisk/v1 plant: {counts}")
    no_zone = sorted(a.id for a in plant.assets if a.zone is None)
    if no_zone:
        shown = ", ".join(no_zone[:5]) + (f", … +{len(no_zone) - 5} more" if len(no_zone) > 5 else "")
        _say(f"{args.plant}: data gap: {len(no_zone)} asset{'s have' if len(no_zone) != 1 else ' has'} "
             f"no zone ({shown})")
    return EXIT_OK


# --- impact -----------------------------------------------------------------------------

def _impact_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("--json", action="store_true", help="print the ranking as JSON (DESIGN.md shape)")
    p.add_argument("--reasons", action="store_true", help="table: print each asset's reasons under it")


def _impact(args: argparse.Namespace) -> int:
    from otrisk.impact import analyze_plant
    from otrisk.plantfile import load_plant

    ranking = analyze_plant(load_plant(args.plant))
    if args.json:
        _print_json([r.to_json() for r in ranking])
        return EXIT_OK
    head = ("#", "priority", "asset", "blast", "effective", "compromise", "exposure")
    rows = [(str(i), f"{r.priority:g}", r.asset, str(r.blast_radius), axes_text(r.effective), axes_text(r.compromise),
             "-" if r.exposure is None else str(r.exposure)) for i, r in enumerate(ranking, 1)]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    for r, row in zip(ranking, rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if args.reasons:
            for reason in r.reasons:
                print(f"      - {reason}")
    _say("effective / compromise: production/safety/delivery, 1..5, ? = unknown; "
         "exposure 0..3 from zone reachability, - = unknown (no zone); priority formula: docs/formulas.md")
    return EXIT_OK


# --- reach ----------------------------------------------------------------------------

def _reach_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("zone", help="zone id a connection starts in")
    p.add_argument("--json", action="store_true", help="print the answer as JSON (DESIGN.md shape)")


def _reach(args: argparse.Namespace) -> int:
    from otrisk.plantfile import load_plant
    from otrisk.zones import reach, zone_exposure

    plant = load_plant(args.plant)
    answer = reach(plant, args.zone)
    if args.json:
        _print_json(answer.to_json())
        return EXIT_OK
    kinds = {z.id: z.kind for z in plant.zones}
    exposure = zone_exposure(plant)
    print(f"{answer.zone} ({kinds[answer.zone]}, exposure {exposure[answer.zone]}) reaches "
          f"{_count(len(answer.reachable), 'zone')}:")
    for z in answer.reachable:
        print(f"  {z} ({kinds[z]})")
    if answer.unapproved_conduits:
        print("unapproved conduits on the way: " + ", ".join(answer.unapproved_conduits))
    return EXIT_OK


# --- rules ----------------------------------------------------------------------------

def _rules_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("--json", action="store_true", help="print the open findings as JSON (DESIGN.md shape)")
    _as_of_arg(p)


def _rules(args: argparse.Namespace) -> int:
    from otrisk.evidence import today_utc
    from otrisk.plantfile import load_plant
    from otrisk.rules import rules_report

    report = rules_report(load_plant(args.plant), as_of=args.as_of or today_utc())
    for accepted in report.stale_acceptances:
        _say(f"{args.plant}: note: accepted finding {accepted.id} is no longer raised by any rule")
    if args.json:
        _print_json(report.to_json())
    else:
        for f in report.open:
            worst = axes_text(f.worst_effective)
            print(f"{f.id}  [{worst}]  {f.message}")
        _say(f"{_count(len(report.open), 'open finding')}, {len(report.accepted)} accepted"
             + (f", {len(report.expired)} past their review date" if report.expired else "")
             + "; worst effective impact production/safety/delivery")
    return EXIT_FOUND if report.open else EXIT_OK


# --- import-graph -----------------------------------------------------------------------

def _import_args(p: argparse.ArgumentParser) -> None:
    from otrisk.graphimport import DEFAULT_EDGE_MEANING, EDGE_MEANINGS, FORMATS

    p.add_argument("graph", help="networkx node-link JSON (.json) or GraphML (.graphml, .xml) file")
    p.add_argument("-o", "--output", metavar="OUT.yaml", help="write the plant file here (default: stdout)")
    p.add_argument("--edge-means", choices=list(EDGE_MEANINGS), default=DEFAULT_EDGE_MEANING,
                   help="what an edge u -> v means: " + "; ".join(f"{k}: {v}" for k, v in EDGE_MEANINGS.items())
                   + f" (default: {DEFAULT_EDGE_MEANING})")
    p.add_argument("--site-name", help="site.name of the plant (default: the graph file's stem)")
    p.add_argument("--format", choices=FORMATS, help="graph format (default: from the suffix, else the content)")


def _import_graph(args: argparse.Namespace) -> int:
    from otrisk.graphimport import EDGE_MEANINGS, import_graph
    from otrisk.plantfile import dumps_plant, save_plant

    result = import_graph(args.graph, edge_means=args.edge_means, site_name=args.site_name, format=args.format)
    for note in result.notes:
        _say(f"{args.graph}: note: {note}")
    if args.output:
        try:
            save_plant(result.plant, args.output)
        except OSError as exc:
            raise OtriskError(f"{args.output}: cannot write the plant file: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(dumps_plant(result.plant))
    _say(f"{args.graph}: {result.nodes} nodes -> {len(result.plant.assets)} assets, {result.edges} dependencies "
         f"({EDGE_MEANINGS[args.edge_means]}){f'; wrote {args.output}' if args.output else ''}")
    return EXIT_OK


# --- readiness --------------------------------------------------------------------------

def _as_of_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                   help="the day freshness, maturity and overdue actions are judged on (default: today, UTC)")


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.date.fromisoformat("x")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _readiness_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("--json", action="store_true", help="print the program map as JSON (DESIGN.md shape)")
    p.add_argument("--db", metavar="URL", help="also count machine-sourced evidence held in this otrisk database")
    _as_of_arg(p)


def _readiness(args: argparse.Namespace) -> int:
    from otrisk.evidence import today_utc
    from otrisk.plantfile import load_plant
    from otrisk.readiness import readiness

    plant = load_plant(args.plant)
    machine = _machine_evidence(args.db, plant) if args.db is not None else []
    report = readiness(plant, as_of=args.as_of or today_utc(), machine_evidence=machine)
    for warning in report.warnings:
        _say(f"{args.plant}: warning: {warning}")
    if args.json:
        _print_json(report.to_json())
        return EXIT_OK
    head = ("rank", "element", "maturity", "target", "operational", "organizational", "paper", "score")
    rows = []
    for e in sorted(report.elements, key=lambda e: e.rank):
        c = e.counts()
        rows.append((str(e.rank), e.id, _level(e.maturity), _level(e.target),
                     f"{c['operational']['fresh']} fresh/{c['operational']['stale']} stale",
                     f"{c['organizational']['fresh']} fresh/{c['organizational']['stale']} stale",
                     "yes" if e.paper_compliance else "", f"{e.score:g}"))
    _table(head, rows)
    print()
    print(f"Strengthen first (as of {report.as_of}):")
    for i, item in enumerate(report.strengthen_first, 1):
        print(f"{i:>3}. {item.id} {item.name}: score {item.score:g}")
        for reason in item.reasons[1:]:
            print(f"      - {reason}")
    _say("maturity and target: 0 = not implemented, 1..4 = ML1..ML4, - = not assessed / no target; "
         "score formula: docs/formulas.md")
    return EXIT_OK


def _level(value: int | None) -> str:
    return "-" if value is None else str(value)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def _machine_evidence(url: str, plant: Any = None) -> list:
    from otrisk import db

    engine = db.open_existing(url)
    try:
        return db.machine_evidence(engine, plant)
    finally:
        engine.dispose()


# --- report -----------------------------------------------------------------------------

def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the workbook and the HTML report "
                   "(created when missing; files of the same name are replaced)")
    p.add_argument("--config", metavar="DIR", help="switch configurations to list: a file or a folder")
    p.add_argument("--db", metavar="URL", help="also include the configuration versions and machine-sourced "
                   "evidence stored in this otrisk database")
    _as_of_arg(p)


def _report(args: argparse.Namespace) -> int:
    from otrisk.report import report_command

    for path in report_command(args.plant, args.out, config_dir=args.config, db_url=args.db, as_of=args.as_of):
        _say(f"wrote {path}")
    return EXIT_OK


# --- triage -----------------------------------------------------------------------------

def _triage_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("target", help="SWITCH:PORT (any interface spelling), an IP address or a MAC address")
    p.add_argument("--config", metavar="DIR", help="switch configurations: a file or a folder (one file per device)")
    p.add_argument("--mac-table", metavar="FILE", help="output of 'show mac address-table' (and/or 'show interfaces "
                   "switchport', 'show lldp neighbors detail', 'show cdp neighbors detail') of one switch")
    p.add_argument("--db", metavar="URL", help="also use the switch configuration versions and baselines stored "
                   "in this otrisk database")
    p.add_argument("--json", action="store_true", help="print the answer as JSON (DESIGN.md shape)")


def _triage(args: argparse.Namespace) -> int:
    from pathlib import Path

    from otrisk.configs import load_configs
    from otrisk.evidence import today_utc
    from otrisk.impact import analyze_plant
    from otrisk.plantfile import load_plant
    from otrisk.rules import rules_report
    from otrisk.showparse import load_show_outputs
    from otrisk.triage import parse_target, triage

    plant = load_plant(args.plant)
    target = parse_target(args.target)
    configs, baselines = {}, {}
    if args.db is not None:
        from otrisk import configstore, db

        engine = db.open_existing(args.db)
        try:
            configs, baselines = configstore.current_devices(engine), configstore.baseline_devices(engine)
        finally:
            engine.dispose()
    if args.config:
        configs = {**configs, **load_configs(args.config)}  # the folder named on the command line wins
    shows = []
    if args.mac_table:
        # Without a prompt naming the switch: the target's switch, else the file's stem (like configs).
        fallback = target.switch if target.kind == "port" else Path(args.mac_table).stem
        shows.append(load_show_outputs(args.mac_table, switch=fallback))
    impacts = analyze_plant(plant)
    findings = rules_report(plant, as_of=today_utc(), impacts=impacts).open
    answer = triage(plant, target, impacts=impacts, configs=configs, baselines=baselines, shows=shows,
                    findings=findings)
    if args.json:
        _print_json(answer.to_json())
    else:
        from otrisk.triagesteps import incident_note

        sys.stdout.write(incident_note(answer, site=plant.site.name))
    for problem in answer.problems:
        _say(f"otrisk triage: {problem}")
    return EXIT_OK if answer.resolved else EXIT_FOUND


# --- config-diff ------------------------------------------------------------------------

def _config_diff_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("plant", help="plant file (otrisk/v1 YAML)")
    p.add_argument("baseline", help="baseline switch configuration: a file or a folder (one file per device)")
    p.add_argument("current", help="current switch configuration: a file or a folder")
    p.add_argument("--json", action="store_true", help="print the diff as JSON (DESIGN.md shape)")


def _config_diff(args: argparse.Namespace) -> int:
    from otrisk.crossings import config_diff
    from otrisk.plantfile import load_plant

    result = config_diff(load_plant(args.plant), args.baseline, args.current)
    if args.json:
        _print_json(result)
    else:
        for c in result["changed_ports"]:
            print(f"changed port {c['device']} {c['port']}")
        for c in result["other_changes"]:
            print(f"changed {c['device']}: {c['text']}")
        for a, b in result["new_zone_pairs"]:
            print(f"new zone pair {a} <-> {b}")
        for f in result["findings"]:
            print(f"{f['id']}  [{axes_text(f['worst_effective'])}]  {f['message']}")
        _say(f"{_count(len(result['changed_ports']), 'changed port')}, "
             f"{_count(len(result['other_changes']), 'other change')}, "
             f"{_count(len(result['new_zone_pairs']), 'new zone pair')}, {_count(len(result['findings']), 'finding')}")
    return EXIT_FOUND if result["findings"] else EXIT_OK


# --- configs ----------------------------------------------------------------------------

def _configs_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="configs_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="store every configuration file of a folder (or one file) as versions")
    imp.add_argument("path", metavar="DIR_OR_FILE", help="a configuration file or a folder (one file per device)")
    lst = sub.add_parser("list", help="list the devices of the store with their versions and baselines")
    lst.add_argument("--json", action="store_true", help="print the devices as JSON")
    for q in (imp, lst):
        q.add_argument("--db", metavar="URL", required=True,
                       help="the otrisk database (created or upgraded when needed)")


def _configs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from otrisk import configstore, db

    files: list[tuple[str, bytes]] = []
    if args.configs_command == "import":
        path = Path(args.path)
        if path.is_dir():
            paths = sorted(f for f in path.iterdir() if f.is_file() and not f.name.startswith("."))
            if not paths:
                raise OtriskError(f"{path}: folder holds no configuration files")
        elif path.is_file():
            paths = [path]
        else:
            raise OtriskError(f"{path}: no such file or folder")
        for f in paths:
            try:
                files.append((f.name, f.read_bytes()))
            except OSError as exc:
                raise OtriskError(f"{f}: cannot read: {exc.strerror or exc}") from None
    engine = db.make_engine(args.db)
    try:
        db.init_db(engine, seed_demo=False)
        if args.configs_command == "import":
            for r in configstore.import_configs(engine, files):
                state = f"new version {r.version.id}" if r.new else f"unchanged (version {r.version.id})"
                print(f"{r.file_name}: {r.device}: {state}")
            return EXIT_OK
        summaries = configstore.devices(engine)
    finally:
        engine.dispose()

    def version(v: Any) -> dict[str, Any] | None:
        return None if v is None else {
            "id": v.id, "file_name": v.file_name, "sha256": v.sha256, "size": v.size,
            "imported_at": v.imported_at.isoformat(), "imported_by": v.imported_by,
            "changed_at": v.changed_at.isoformat() if v.changed_at else None}

    if args.json:
        _print_json([{"device": s.device, "device_key": s.device_key, "versions": s.versions,
                      "latest": version(s.latest), "baseline": version(s.baseline)} for s in summaries])
        return EXIT_OK
    rows = [(s.device, str(s.versions), str(s.latest.id), s.latest.imported_at.strftime("%Y-%m-%d %H:%M UTC"),
             str(s.baseline.id) if s.baseline else "-") for s in summaries]
    _table(("device", "versions", "latest", "imported", "baseline"), rows)
    _say(f"{_count(len(summaries), 'device')}")
    return EXIT_OK


COMMANDS: list[Command] = [
    Command("validate", "check a plant file; print every problem as file:line: key: message",
            _validate_args, _validate),
    Command("impact", "rank assets by priority with blast radius, effective and compromise impact",
            _impact_args, _impact),
    Command("reach", "zones a connection started in ZONE can reach, with the unapproved conduits on the way",
            _reach_args, _reach),
    Command("rules", "check the zone and conduit architecture; list open findings worst first (exit 1 if any)",
            _rules_args, _rules),
    Command("import-graph", "turn a node-link JSON or GraphML dependency graph into a plant file",
            _import_args, _import_graph),
    Command("readiness", "IEC 62443-2-1 program map: maturity, evidence, paper compliance, strengthen first",
            _readiness_args, _readiness),
    Command("config-diff", "compare two switch configurations; new zone pairs and changes outside the "
            "change windows are findings (exit 1 if any)", _config_diff_args, _config_diff),
    Command("triage", "unknown device: its zones, what it can reach, the worst impact, whom to call and what "
            "to do first (exit 1 when no zone is found)", _triage_args, _triage),
    Command("report", "audit evidence pack: an Excel workbook with everything the plant file holds and a "
            "self-contained HTML report that prints to PDF", _report_args, _report),
    Command("configs", "switch configuration store: import versions from files, list devices and baselines",
            _configs_args, _configs),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="otrisk", description="OT security risk prioritization and "
                                     "IEC 62443-2-1 readiness. JSON goes to stdout, messages to stderr.")
    parser.add_argument("--version", action="version", version=f"otrisk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 findings, 2 invalid input).

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    otrisk 0.1.0
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (argparse prints them)
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    try:
        return args.run(args)
    except PlantFileError as exc:
        for problem in exc.problems:
            _say(str(problem))
        _say(f"{exc.file}: not a valid otrisk/v1 plant ({len(exc.problems)} problem"
             f"{'s' if len(exc.problems) != 1 else ''})")
        return EXIT_INVALID
    except OtriskError as exc:
        _say(f"otrisk {args.command}: {exc}")
        return EXIT_INVALID
    except BrokenPipeError:  # `otrisk impact x.yaml | head`: the reader left; stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FOUND
    except OSError as exc:  # e.g. stdout on a full disk; never a traceback
        _say(f"otrisk {args.command}: cannot write the output: {exc.strerror or exc}")
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
