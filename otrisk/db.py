"""Storage of the plant in SQLite or PostgreSQL, with a revision check and a change log.

Contract
--------
* One database holds one plant. A save replaces the stored plant as a whole, in one
  transaction: either everything is written (plant, new revision, change-log row) or
  nothing is.
* ``meta.revision`` counts saves; an empty database is revision 0. A save names the
  revision it was based on and is refused with :class:`~otrisk.errors.StaleDataError`
  when someone else saved meanwhile (atomic ``UPDATE … WHERE revision = :expected``).
* The change log is append-only: this module only ever inserts into it, and database
  triggers (migration 0001) refuse UPDATE and DELETE on it.
* SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
  ``BEGIN IMMEDIATE`` (STACK_NOTES: the only configuration that lost no update with two
  writing processes). Reads start a deferred ``BEGIN`` (a snapshot in WAL mode);
  PostgreSQL reads run at REPEATABLE READ so a load never sees half of a save.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from otrisk.errors import StaleDataError, StorageError
from otrisk.models import FORMAT, Evidence, Plant, Site, reference_problems
from otrisk.settings import database_url, get_setting
from otrisk.tables import (
    PLANT_TABLES,
    ChangeLogRow,
    ConfigVersionRow,
    MetaRow,
    plant_from_rows,
    plant_rows,
)

__all__ = [
    "ChangeLogEntry", "make_engine", "upgrade", "init_db", "load_plant_db", "save_plant_db",
    "plant_revision", "machine_evidence", "change_log", "current_user", "plant_changes", "describe_changes", "NEW_PLANT_NAME",
    "open_existing", "driver_message",
]

NEW_PLANT_NAME = "New plant"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Sections compared by :func:`plant_changes` (items by id; assessments by date).
_SECTIONS = ("zones", "conduits", "assets", "evidence", "assessments", "accepted_findings", "actions")
_ADVISORY_LOCK = 0x07_71_5C  # PostgreSQL: serializes concurrent upgrades of one database
_READ_ONLY = "otrisk_read_only"


@dataclass(frozen=True)
class ChangeLogEntry:
    """One change-log row.

    Attributes
    ----------
    id : int
        Row id (increases with time).
    at : datetime.datetime
        When the save was written (the writing process's clock), timezone-aware UTC.
    who : str
        Signed-in user, else the operating-system user.
    revision : int
        The revision the save created.
    action : str
        ``"save"``, ``"seed"``, ``"import"`` … (set by the caller).
    summary : str
        One line for people.
    details : dict
        ``{section: {"added": [ids], "changed": [ids], "removed": [ids]}}`` for every
        section that changed (``"site"`` uses the id ``"site"``; assessments are keyed by
        date); ``"reordered": true`` is added when only the order of items changed.
    """

    id: int
    at: dt.datetime
    who: str
    revision: int
    action: str
    summary: str
    details: dict[str, Any]


def current_user() -> str:
    """The operating-system user name, or ``"unknown"`` when it cannot be found."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # getpass raises OSError (3.13) or KeyError (no passwd entry)
        return "unknown"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (None: :func:`otrisk.settings.database_url`).

    SQLite: WAL journal, ``busy_timeout`` from ``OTRISK_SQLITE_BUSY_TIMEOUT_MS``, foreign
    keys on, ``BEGIN IMMEDIATE`` for every transaction except reads. PostgreSQL:
    ``postgresql://`` URLs use the psycopg (3) driver; a new connection waits at most
    ``OTRISK_DB_CONNECT_TIMEOUT_SECONDS`` for the server (unless the URL sets ``connect_timeout``).

    Raises
    ------
    StorageError
        When the URL cannot be parsed or names a driver that is not installed.
    """
    raw = url or database_url()
    try:
        parsed = make_url(raw)
    except Exception as exc:
        raise StorageError(f"cannot read database URL {raw!r}: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database in (None, "", ":memory:"):
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif not is_sqlite:
        kwargs["pool_pre_ping"] = True
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            # a server that accepts but never answers would otherwise hang for minutes
            kwargs["connect_args"] = {"connect_timeout": int(get_setting("db_connect_timeout_seconds"))}
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:  # e.g. ModuleNotFoundError for a missing driver
        hint = ""
        if isinstance(exc, ModuleNotFoundError) and "psycopg" in str(exc):
            hint = " (install the PostgreSQL driver: pip install -e \".[postgres]\")"
        raise StorageError(f"cannot open database {parsed.render_as_string(hide_password=True)}: {exc}{hint}") from None
    if is_sqlite:
        busy_ms = int(get_setting("sqlite_busy_timeout_ms"))

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def open_existing(url: str) -> Engine:
    """An engine on an existing otrisk database, for commands that only read it (``--db`` of
    ``readiness``, ``triage``, ``report``). Nothing is created or changed by opening: a SQLite
    file that does not exist, is empty or is not SQLite is refused before connecting (SQLite
    would otherwise turn it into a database).

    Raises
    ------
    StorageError
        When the URL cannot be parsed, the database cannot be reached or read, or it holds no
        otrisk tables. The message is one line (the driver's first line, no SQL).
    """
    try:
        parsed = make_url(url)
    except Exception:
        raise StorageError(f"--db: not a database URL: {url!r}") from None
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        try:
            with open(database, "rb") as fh:
                header = fh.read(16)
        except FileNotFoundError:
            raise StorageError(f"--db: no such SQLite file: {database}") from None
        except OSError as exc:
            raise StorageError(f"--db: cannot read {database}: {exc.strerror or exc}") from None
        if header != b"SQLite format 3\x00":
            raise StorageError(f"--db: {database} is not an otrisk database "
                               f"({'an empty file' if not header else 'not a SQLite file'})")
    engine = make_engine(url)
    try:
        has_meta = inspect(engine).has_table(MetaRow.__tablename__)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"--db: cannot read {parsed.render_as_string(hide_password=True)}: "
                           f"{driver_message(exc)}") from None
    if not has_meta:
        engine.dispose()
        raise StorageError(f"--db: {parsed.render_as_string(hide_password=True)} is not an otrisk database "
                           "(no otrisk tables); open it with the app once, or check the URL")
    return engine


def driver_message(exc: BaseException) -> str:
    """The first line of a database driver's error, without SQLAlchemy's SQL and help link."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (commit on success, rollback on any error)."""
    try:
        with engine.begin() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise StorageError(f"database error: {exc.__class__.__name__}: {exc}") from exc


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one consistent state of the database."""
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.execution_options(**{_READ_ONLY: True})
            elif conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn
    except SQLAlchemyError as exc:
        raise StorageError(f"database error: {exc.__class__.__name__}: {exc}") from exc


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic ``upgrade head``); idempotent.

    Raises
    ------
    StorageError
        When the database cannot be reached or a migration fails (nothing is changed).
    """
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    with _writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, "head")
        except CommandError as exc:  # e.g. a database written by a newer otrisk
            raise StorageError(f"cannot upgrade the database schema: {exc}") from None


def init_db(engine: Engine, *, seed_demo: bool | None = None) -> None:
    """Upgrade the schema; into an empty database load the demo plant as revision 1.

    Parameters
    ----------
    seed_demo : bool or None
        None: the setting ``OTRISK_SEED_DEMO``.
    """
    upgrade(engine)
    if seed_demo is None:
        seed_demo = bool(get_setting("seed_demo"))
    if not seed_demo or plant_revision(engine) != 0:
        return
    from otrisk.reference import load_demo_plant

    try:
        save_plant_db(engine, load_demo_plant(), expected_revision=0, summary="seeded demo plant", action="seed")
    except StaleDataError:
        pass  # another process seeded (or saved) first


def _revision(conn: Connection) -> int:
    value = conn.execute(select(MetaRow.revision).where(MetaRow.id == 1)).scalar_one_or_none()
    if value is None:
        raise StorageError("the database has no meta row: run otrisk.db.upgrade (or init_db) first")
    return int(value)


def plant_revision(engine: Engine) -> int:
    """The stored revision (0: nothing saved yet).

    Raises
    ------
    StorageError
        When the schema is missing or the database cannot be read.
    """
    with _reading(engine) as conn:
        return _revision(conn)


def machine_evidence(engine: Engine, plant: Plant | None = None) -> list[Evidence]:
    """Operational evidence the database holds beyond the plant file, for ``--db``.

    Machine-sourced history counts as fresh operational evidence (DESIGN.md, "Evidence
    derived from the model"): the imported switch configuration versions
    (:mod:`otrisk.configstore`) become one ``operational`` item per device with versions,
    id ``cfg-<device key made id-safe>``, elements ``CM 1`` and ``AVAIL 2``, collected on
    the UTC date of the device's newest import.

    ``covers`` are the assets of ``plant`` attached to that device: an asset whose
    ``switch_port`` or an interface's ``switch_port`` ``"SWITCH:PORT"`` names the device
    (switch part compared case-insensitively), and an asset whose id equals the device key.
    A device with no such asset, and every device when ``plant`` is None, gives **no**
    item: empty covers would mean the whole site, which one switch's backups do not show.

    Raises
    ------
    StorageError
        When the database cannot be read or is not an otrisk database.
    """
    try:
        inspector = inspect(engine)
        has_meta = inspector.has_table(MetaRow.__tablename__)
        has_configs = inspector.has_table("config_versions")
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the database: {exc.__class__.__name__}: {exc}") from exc
    if not has_meta:
        raise StorageError(f"{engine.url.render_as_string(hide_password=True)} is not an otrisk database "
                           "(no otrisk tables); open it with the app once, or check the URL")
    plant_revision(engine)
    if plant is None or not has_configs:  # a database not yet upgraded holds no configurations
        return []
    from otrisk.configstore import devices

    attached: dict[str, list[str]] = {}
    for asset in plant.assets:
        ports = [asset.switch_port, *(nic.switch_port for nic in asset.interfaces)]
        for key in {p.partition(":")[0].strip().lower() for p in ports if p and ":" in p} | {asset.id.lower()}:
            attached.setdefault(key, []).append(asset.id)
    out: list[Evidence] = []
    used: set[str] = set()
    for summary in devices(engine):
        covers = list(dict.fromkeys(attached.get(summary.device_key, [])))
        if not covers:
            continue
        base = "cfg-" + (re.sub(r"[^a-z0-9._-]+", "-", summary.device_key).strip("-") or "device")
        item_id, n = base[:120], 2
        while item_id in used:
            item_id, n = f"{base[:116]}-{n}", n + 1
        used.add(item_id)
        count = f"{summary.versions} version{'' if summary.versions == 1 else 's'}"
        released = (f"baseline released {_released_on(engine, summary.baseline.id)}" if summary.baseline
                    else "no baseline released")
        out.append(Evidence.model_validate({
            "id": item_id, "elements": ["CM 1", "AVAIL 2"], "kind": "operational",
            "title": f"Configuration backups of {summary.device}: {count}, {released}",
            "collected": summary.latest.imported_at.astimezone(dt.UTC).date(),
            "covers": covers, "location": "otrisk configuration store",
        }))
    return out


def _released_on(engine: Engine, version_id: int) -> str:
    """The UTC date a version was released as baseline (``?`` when unknown)."""
    with _reading(engine) as conn:
        at = conn.execute(select(ConfigVersionRow.released_at).where(ConfigVersionRow.id == version_id)).scalar()
    if at is None:
        return "?"
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).date().isoformat()


def _stored_plant(conn: Connection) -> tuple[Plant | None, set[type[SQLModel]]]:
    """The stored plant (None: nothing stored) and the tables that hold rows."""
    rows = {cls: conn.execute(select(cls.__table__)).all() for cls in PLANT_TABLES}
    try:
        return plant_from_rows(rows), {cls for cls, found in rows.items() if found}
    except ValidationError as exc:
        raise StorageError(f"the stored plant is damaged and cannot be read: {exc}") from None


def _new_plant() -> Plant:
    return Plant(format=FORMAT, site=Site(name=NEW_PLANT_NAME))


def load_plant_db(engine: Engine) -> tuple[Plant, int]:
    """The stored plant and its revision, read in one consistent snapshot.

    Returns
    -------
    (Plant, int)
        An empty database gives a plant with only ``site.name == "New plant"`` and 0.

    Raises
    ------
    StorageError
        When the database cannot be read or holds a damaged plant.
    """
    with _reading(engine) as conn:
        revision = _revision(conn)
        plant, _ = _stored_plant(conn)
    return (plant if plant is not None else _new_plant()), revision


def _item_key(section: str, item: Any) -> str:
    return item.date.isoformat() if section == "assessments" else item.id


def _fingerprint(item: Any) -> str:
    """An item's content, sensitive to the order of its lists and mappings (files keep it)."""
    return json.dumps(item.model_dump(mode="json"), ensure_ascii=False)


def plant_changes(old: Plant | None, new: Plant) -> dict[str, dict[str, Any]]:
    """What changed from ``old`` (None: nothing stored) to ``new``, per section.

    Returns
    -------
    dict
        ``{section: {"added": [ids], "changed": [ids], "removed": [ids]}}`` (lists in file
        order, removed ones in the old file's order), plus ``"fields": {id: {field: [before,
        after]}}`` for the changed items and ``"reordered": True`` where the common items
        changed order. Sections without changes are left out; the site is
        the section ``"site"`` with the id ``"site"``.

    Examples
    --------
    >>> p = Plant(format=FORMAT, site=Site(name="A"))
    >>> plant_changes(p, p.model_copy(update={"site": Site(name="B")}))
    {'site': {'added': [], 'changed': ['site'], 'removed': [], 'fields': {'site': {'name': ['A', 'B']}}}}
    """
    details: dict[str, dict[str, Any]] = {}
    if old is None or _fingerprint(old.site) != _fingerprint(new.site):
        details["site"] = {"added": [] if old else ["site"], "changed": ["site"] if old else [], "removed": []}
        if old is not None:
            details["site"]["fields"] = {"site": _field_changes(old.site, new.site)}
    for section in _SECTIONS:
        old_items = {_item_key(section, i): i for i in (getattr(old, section) if old else [])}
        new_items = {_item_key(section, i): i for i in getattr(new, section)}
        before = {k: _fingerprint(i) for k, i in old_items.items()}
        after = {k: _fingerprint(i) for k, i in new_items.items()}
        change: dict[str, Any] = {
            "added": [k for k in after if k not in before],
            "changed": [k for k in after if k in before and before[k] != after[k]],
            "removed": [k for k in before if k not in after],
        }
        common_before = [k for k in before if k in after]
        reordered = common_before != [k for k in after if k in before]
        if any(change.values()) or reordered:
            if change["changed"]:  # the audit trail says what changed, not only where
                change["fields"] = {k: _field_changes(old_items[k], new_items[k]) for k in change["changed"]}
            details[section] = {**change, **({"reordered": True} if reordered else {})}
    return details


def _field_changes(old: Any, new: Any) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the top-level fields of an item that differ (JSON values)."""
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    return {f: [a.get(f), b.get(f)] for f in a if a.get(f) != b.get(f)}


def describe_changes(details: dict[str, dict[str, Any]], *, shown_ids: int = 3) -> str:
    """:func:`plant_changes` output as one line: ``assets added: a, b; zones removed: z``.

    At most ``shown_ids`` ids per section and verb are named, then "and N more".
    """
    parts = []
    for section, change in details.items():
        for verb in ("added", "changed", "removed"):
            ids = change.get(verb) or []
            if ids:
                more = len(ids) - shown_ids
                fields = change.get("fields", {}) if verb == "changed" else {}
                named = [f"{i} ({', '.join(fields[i])})" if fields.get(i) else i for i in ids[:shown_ids]]
                shown = ", ".join(named) + (f" and {more} more" if more > 0 else "")
                parts.append(f"{section} {verb}: {shown}")
        if change.get("reordered"):
            parts.append(f"{section} reordered")
    return "; ".join(parts) or "no changes"


def _check(plant: Plant) -> Plant:
    """Re-validate a plant that may have been changed in place, and check its references."""
    try:
        checked = Plant.model_validate(plant.model_dump())
    except ValidationError as exc:
        raise StorageError(f"not saved: the plant is invalid: {exc}") from None
    from otrisk.plantfile import reference_data_problems

    problems = reference_problems(checked) + reference_data_problems(checked)
    if problems:
        listed = "; ".join(
            f"{'.'.join(str(p) for p in loc)} = {value!r}: {message}" for loc, value, message in problems[:20]
        )
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise StorageError(f"not saved: the plant is inconsistent: {listed}{more}")
    return checked


def save_plant_db(engine: Engine, plant: Plant, *, expected_revision: int, who: str | None = None,
                  summary: str = "", action: str = "save") -> int:
    """Store ``plant`` as the new revision, if the stored revision is still ``expected_revision``.

    Parameters
    ----------
    plant : Plant
        The whole plant; it replaces the stored one.
    expected_revision : int
        The revision the caller loaded and changed (0 for an empty database).
    who : str or None
        Who saves (the signed-in user); None: :func:`current_user`.
    summary : str
        One line for the change log; empty: generated from the changes.
    action : str
        Kind of write recorded in the change log (``"save"``, ``"seed"``, ``"import"`` …).

    Returns
    -------
    int
        The new revision (``expected_revision + 1``).

    Raises
    ------
    StorageError
        When the plant is invalid or inconsistent (the message names the ids) or the
        database fails; nothing is written.
    StaleDataError
        When someone else saved since ``expected_revision``; nothing is written.
    """
    checked = _check(plant)
    rows = plant_rows(checked)  # before the transaction: the revision lock is held briefly
    who = who or current_user()
    with _writing(engine) as conn:
        bumped = conn.execute(
            update(MetaRow).where(MetaRow.id == 1, MetaRow.revision == expected_revision)
            .values(revision=MetaRow.revision + 1)
        ).rowcount
        if bumped != 1:
            current = _revision(conn)
            by = conn.execute(select(ChangeLogRow.who).order_by(ChangeLogRow.revision.desc()).limit(1)).scalar()
            raise StaleDataError(expected_revision, current, by=by)
        stored, filled = _stored_plant(conn)
        details = plant_changes(stored, checked)
        for cls in reversed(PLANT_TABLES):
            if cls in filled:  # no other writer can fill a table meanwhile: we hold the meta row
                conn.execute(delete(cls.__table__))
        for cls, values in rows.items():
            if values:
                conn.execute(insert(cls.__table__), values)
        revision = expected_revision + 1
        _append_change_log(conn, who=who, revision=revision, action=action,
                           summary=summary or describe_changes(details), details=details)
    return revision


def _append_change_log(conn: Connection, *, who: str, revision: int, action: str, summary: str,
                       details: dict[str, Any]) -> None:
    """The only write to the change log: an INSERT (the log is append-only)."""
    row = ChangeLogRow.model_validate({
        "at": dt.datetime.now(dt.UTC), "who": who, "revision": revision, "action": action,
        "summary": summary, "details": json.dumps(details, ensure_ascii=False),
    })
    conn.execute(insert(ChangeLogRow.__table__), [row.model_dump(exclude={"id"})])


def change_log(engine: Engine, *, limit: int = 100) -> list[ChangeLogEntry]:
    """The newest ``limit`` change-log entries, newest first.

    Raises
    ------
    StorageError
        When the database cannot be read.
    """
    with _reading(engine) as conn:
        rows = conn.execute(select(ChangeLogRow.__table__).order_by(ChangeLogRow.id.desc()).limit(limit)).all()
    out = []
    for r in rows:
        at = r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.UTC)  # SQLite keeps no zone
        out.append(ChangeLogEntry(id=r.id, at=at.astimezone(dt.UTC), who=r.who, revision=r.revision,
                                  action=r.action, summary=r.summary, details=json.loads(r.details)))
    return out
