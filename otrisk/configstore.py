"""Switch configuration store: every imported version kept byte for byte, with baselines.

Contract
--------
* :func:`import_configs` parses every file first (:func:`otrisk.configs.parse_config`); a
  file that cannot be read raises :class:`~otrisk.configs.ConfigError` naming it, and then
  nothing at all is stored (one transaction for the whole import).
* A device is keyed by its id compared case-insensitively (hostname, else file stem:
  :attr:`otrisk.configs.DeviceConfig.key`). A file whose SHA-256 equals the device's latest
  version is not a new version (``new=False``); any other content is, even when it means
  the same (re-spelled or re-ordered).
* The content is stored exactly as imported (CRLF, Latin-1 banners …):
  :func:`version_text` gives it back unchanged, which is how a version is restored.
* Each version records who imported it (signed-in user, else the OS user) and when (UTC).
* At most one version per device is the released baseline (also a partial unique index);
  releasing one un-releases the previous one and appends a change-log row (action
  ``"baseline"``). Change-log rows that are not plant saves carry negative revisions
  (-1, -2, …) so they never collide with the plant's revisions (unique column).
* Writes take the same locks as plant saves (SQLite ``BEGIN IMMEDIATE``; PostgreSQL an
  advisory transaction lock), so two concurrent imports cannot both add the same version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select, text, update

from otrisk.configs import (
    CONFIG_MAX_BYTES,
    ConfigError,
    DeviceConfig,
    _decode,
    parse_config,
)
from otrisk.db import _append_change_log, _reading, _writing, current_user
from otrisk.errors import StorageError
from otrisk.tables import ChangeLogRow, ConfigVersionRow

__all__ = [
    "ConfigVersion",
    "DeviceSummary",
    "ImportResult",
    "baseline_devices",
    "current_devices",
    "devices",
    "import_configs",
    "release_baseline",
    "store_revision",
    "version_text",
    "versions",
]

_LOCK = 0x07_71_5D  # PostgreSQL advisory lock serializing writes to the config store
_RELEASE_ACTION = "baseline"
_T = ConfigVersionRow.__table__
_META_COLUMNS = [c for c in _T.c if c.name not in ("content", "released_at", "released_by")]


@dataclass(frozen=True)
class ConfigVersion:
    """One stored configuration version (without its content: :func:`version_text`)."""

    id: int
    device: str
    device_key: str
    sha256: str
    imported_at: dt.datetime
    imported_by: str
    changed_at: dt.datetime | None
    file_name: str
    size: int
    baseline: bool


@dataclass(frozen=True)
class ImportResult:
    """One imported file; ``new`` False: identical to the device's latest version, nothing stored."""

    file_name: str
    device: str
    device_key: str
    version: ConfigVersion
    new: bool


@dataclass(frozen=True)
class DeviceSummary:
    """One device of the store: how many versions, the latest and the released baseline."""

    device: str
    device_key: str
    versions: int
    latest: ConfigVersion
    baseline: ConfigVersion | None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)  # SQLite keeps no zone


def _version(row) -> ConfigVersion:
    return ConfigVersion(id=row.id, device=row.device, device_key=row.device_key, sha256=row.sha256,
                         imported_at=_utc(row.imported_at), imported_by=row.imported_by,
                         changed_at=_utc(row.changed_at), file_name=row.file_name, size=row.size,
                         baseline=bool(row.baseline))


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def _latest(conn: Connection, device_key: str):
    return conn.execute(select(*_META_COLUMNS).where(_T.c.device_key == device_key)
                        .order_by(_T.c.id.desc()).limit(1)).first()


def import_configs(engine: Engine, files: Sequence[tuple[str, bytes]], *,
                   who: str | None = None) -> list[ImportResult]:
    """Store every ``(file name, content)`` as a new version of its device, in one transaction.

    Returns
    -------
    list of ImportResult
        One per file, in the given order.

    Raises
    ------
    ConfigError
        A file is too large, binary, empty or not a configuration, or two files are one device
        (the same rule as :func:`otrisk.configs.load_configs`: one file per device); the message
        names the file(s); nothing is stored.
    StorageError
        The database fails; nothing is stored.
    """
    parsed: list[tuple[str, bytes, DeviceConfig]] = []
    for name, data in files:
        if len(data) > CONFIG_MAX_BYTES:
            raise ConfigError(name, f"is larger than {CONFIG_MAX_BYTES} bytes")
        parsed.append((name, bytes(data), parse_config(_decode(bytes(data), name), name=name)))
    seen: dict[str, str] = {}
    for name, _data, dev in parsed:
        if dev.key in seen:
            raise ConfigError(name, f"device {dev.device!r} is also in {seen[dev.key]}: import one file per device")
        seen[dev.key] = name
    who = who or current_user()
    out = []
    with _writing(engine) as conn:
        _lock(conn)
        now = dt.datetime.now(dt.UTC)
        for name, data, dev in parsed:
            digest = hashlib.sha256(data).hexdigest()
            latest = _latest(conn, dev.key)
            if latest is not None and latest.sha256 == digest:
                out.append(ImportResult(name, dev.device, dev.key, _version(latest), False))
                continue
            new_id = conn.execute(insert(_T).values(
                device=dev.device, device_key=dev.key, sha256=digest, imported_at=now, imported_by=who,
                changed_at=dev.changed_at, file_name=name, size=len(data), baseline=False, content=data,
            ).returning(_T.c.id)).scalar_one()
            row = conn.execute(select(*_META_COLUMNS).where(_T.c.id == new_id)).one()
            out.append(ImportResult(name, dev.device, dev.key, _version(row), True))
    return out


def versions(engine: Engine, device_key: str | None = None) -> list[ConfigVersion]:
    """Stored versions, newest first; of one device (key compared case-insensitively) or all."""
    query = select(*_META_COLUMNS).order_by(_T.c.id.desc())
    if device_key is not None:
        query = query.where(_T.c.device_key == device_key.lower())
    with _reading(engine) as conn:
        return [_version(r) for r in conn.execute(query)]


def devices(engine: Engine) -> list[DeviceSummary]:
    """One summary per device with versions, sorted by device key."""
    by_key: dict[str, list[ConfigVersion]] = {}
    for v in versions(engine):
        by_key.setdefault(v.device_key, []).append(v)
    return [DeviceSummary(device=vs[0].device, device_key=key, versions=len(vs), latest=vs[0],
                          baseline=next((v for v in vs if v.baseline), None))
            for key, vs in sorted(by_key.items())]


def version_text(engine: Engine, version_id: int) -> bytes:
    """The content of a version exactly as imported (restore = write these bytes back).

    Raises
    ------
    StorageError
        No such version.
    """
    with _reading(engine) as conn:
        data = conn.execute(select(_T.c.content).where(_T.c.id == version_id)).scalar_one_or_none()
    if data is None:
        raise StorageError(f"no configuration version {version_id}")
    return bytes(data)


def release_baseline(engine: Engine, version_id: int, *, who: str | None = None) -> ConfigVersion:
    """Make a version its device's baseline; the device's previous baseline is un-released.

    Recorded in the change log (action ``"baseline"``, a negative revision). Releasing the
    current baseline again changes nothing.

    Raises
    ------
    StorageError
        No such version, or the database fails (nothing is changed).
    """
    who = who or current_user()
    with _writing(engine) as conn:
        _lock(conn)
        row = conn.execute(select(*_META_COLUMNS).where(_T.c.id == version_id)).first()
        if row is None:
            raise StorageError(f"no configuration version {version_id}")
        if row.baseline:
            return _version(row)
        previous = conn.execute(select(_T.c.id).where(_T.c.device_key == row.device_key, _T.c.baseline)).scalar()
        now = dt.datetime.now(dt.UTC)
        conn.execute(update(_T).where(_T.c.device_key == row.device_key, _T.c.baseline).values(baseline=False))
        conn.execute(update(_T).where(_T.c.id == version_id).values(baseline=True, released_at=now, released_by=who))
        lowest = conn.execute(select(func.min(ChangeLogRow.revision))).scalar()
        revision = min(lowest or 0, 0) - 1
        summary = (f"released configuration version {version_id} of {row.device} as baseline"
                   + (f" (was version {previous})" if previous is not None else ""))
        _append_change_log(conn, who=who, revision=revision, action=_RELEASE_ACTION, summary=summary,
                           details={"config_baseline": {"device": row.device_key, "released": version_id,
                                                        "previous": previous}})
        row = conn.execute(select(*_META_COLUMNS).where(_T.c.id == version_id)).one()
    return _version(row)


def _parsed(engine: Engine, *, baseline: bool) -> dict[str, DeviceConfig]:
    query = select(_T.c.device_key, _T.c.file_name, _T.c.content)
    if baseline:
        query = query.where(_T.c.baseline)
    else:
        newest = select(func.max(_T.c.id)).group_by(_T.c.device_key)
        query = query.where(_T.c.id.in_(newest))
    with _reading(engine) as conn:
        rows = conn.execute(query.order_by(_T.c.device_key)).all()
    return {r.device_key: parse_config(_decode(bytes(r.content), r.file_name), name=r.file_name) for r in rows}


def baseline_devices(engine: Engine) -> dict[str, DeviceConfig]:
    """The released baseline of every device that has one, parsed, keyed by device key."""
    return _parsed(engine, baseline=True)


def current_devices(engine: Engine) -> dict[str, DeviceConfig]:
    """The latest version of every device, parsed, keyed by device key."""
    return _parsed(engine, baseline=False)


def store_revision(engine: Engine) -> int:
    """A number that grows whenever a version is imported or a baseline released (for caches).

    The newest version id plus the number of baseline releases in the change log.
    """
    with _reading(engine) as conn:
        newest = conn.execute(select(func.max(_T.c.id))).scalar() or 0
        releases = conn.execute(select(func.count()).select_from(ChangeLogRow.__table__)
                                .where(ChangeLogRow.action == _RELEASE_ACTION)).scalar() or 0
    return int(newest) + int(releases)
