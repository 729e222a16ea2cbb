"""Settings of otrisk: one documented table, read from ``OTRISK_*`` environment variables.

Each setting has a name (units in the name), a type, a default and a help text. The
environment variable is ``OTRISK_`` + the upper-cased name. ``docs/settings.md`` is
generated from this table (``python -m otrisk.settings``) and a test fails when a setting
is missing there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otrisk.errors import OtriskError

__all__ = ["Setting", "SETTINGS", "get_setting", "database_url", "data_dir", "settings_markdown"]


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` (with units), ``type`` (int, bool or str), ``default``, ``help``."""

    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "OTRISK_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", str, "",
            "SQLAlchemy URL of the database. Empty: a SQLite file otrisk.db in the data folder. "
            "For a shared server: postgresql+psycopg://user:password@host/dbname."),
    Setting("data_dir", str, "",
            "Folder for the embedded database and uploaded evidence files. Empty: the user's data folder "
            "(platformdirs: ~/.local/share/otrisk on Linux, %LOCALAPPDATA%\\otrisk on Windows)."),
    Setting("seed_demo", bool, True,
            "Load the demo plant into a new, empty database on first start."),
    Setting("plant_file_max_bytes", int, 5_000_000,
            "Largest plant file (YAML) or graph file accepted, in bytes."),
    Setting("sqlite_busy_timeout_ms", int, 30_000,
            "How long a SQLite writer waits for another writer's lock, in milliseconds."),
    Setting("db_connect_timeout_seconds", int, 10,
            "How long to wait for a PostgreSQL server to answer a new connection, in seconds."),
    Setting("graph_physics_max_nodes", int, 300,
            "Network map: above this many nodes the layout is computed in Python (Purdue level, zone) "
            "and the browser's physics simulation is off."),
    Setting("user_header", str, "",
            "Shared deployment behind an authenticating reverse proxy: the HTTP header that carries the "
            "signed-in user (e.g. X-Forwarded-User). Empty: the operating-system user is recorded."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def get_setting(name: str) -> Any:
    """Value of a setting: its environment variable if set, else its default.

    Raises
    ------
    KeyError
        For a name not in :data:`SETTINGS`.
    OtriskError
        When the environment variable cannot be read as the setting's type.
    """
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    if raw is None:
        return setting.default
    if setting.type is bool:
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise OtriskError(f"{setting.env}={raw!r}: expected true or false")
    if setting.type is int:
        try:
            return int(raw.replace("_", ""))
        except ValueError:
            raise OtriskError(f"{setting.env}={raw!r}: expected a whole number") from None
    return raw


def data_dir() -> Path:
    """The data folder (created if missing): ``OTRISK_DATA_DIR`` or the user's data folder."""
    configured = get_setting("data_dir")
    if configured:
        path = Path(configured).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("otrisk", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """The database URL: ``OTRISK_DATABASE_URL`` or a SQLite file in :func:`data_dir`."""
    return get_setting("database_url") or f"sqlite:///{data_dir() / 'otrisk.db'}"


def settings_markdown() -> str:
    """The settings table as Markdown (the body of docs/settings.md)."""
    lines = [
        "# Settings",
        "",
        "Set as environment variables before starting the app or the command line.",
        "Generated from `otrisk/settings.py` by `python -m otrisk.settings`.",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = repr(s.default) if s.type is str else str(s.default).lower() if s.type is bool else f"{s.default:_}"
        lines.append(f"| `{s.env}` | {s.type.__name__} | `{default}` | {s.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(settings_markdown(), end="")
