"""Tables, wizard state and cached results of the Import and export page.

The bulk import is a wizard over several runs of the page: the uploaded file is read once
(:func:`read_upload`), the user maps its columns, and :func:`shown_preview` builds the
:class:`~otrisk.bulkimport.ImportPreview` against the stored plant. Its
:attr:`Shown.expected` is the revision the user *saw* the preview against (the previous run
of the same file, sheet, mapping and options): the import names it, so a save by someone
else in between is refused (:class:`~otrisk.errors.StaleDataError`), never merged.

The audit evidence pack (:func:`audit_pack`) is built in memory like ``otrisk report
--db`` and cached per database, plant revision, config store revision and as-of day.
Column names here are the words the page shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Hashable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from otrisk import configstore, db
from otrisk.bulkimport import (
    FIELDS,
    ImportPreview,
    RowResult,
    Table,
    preview,
    read_table,
)
from otrisk.errors import OtriskError
from otrisk.models import Plant
from otrisk.report import build_pack, site_slug, write_workbook
from otrisk.reporthtml import render_html
from otrisk.ui.cache import plant_text
from otrisk.ui.setup import PageContext

__all__ = ["FIELD_CHOICES", "HTML_MIME", "PREVIEW_COLUMNS", "XLSX_MIME", "AuditFiles", "Shown", "audit_pack",
           "changes_text", "field_label", "file_key", "first_rows_frame", "forget_import", "mapping_key",
           "pack_version", "plant_file_name", "read_upload", "rows_frame", "shown_preview", "table_summary",
           "template_csv"]

#: The choices of a column's mapping: not imported (""), or a field of the asset. Not None: a
#: selectbox whose value is None shows its placeholder, not the option.
FIELD_CHOICES: tuple[str, ...] = ("", *FIELDS)
PREVIEW_COLUMNS = ("row", "action", "asset id", "matched on", "problems", "changes", "notes")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"
FIRST_ROWS = 10
_SEPARATOR_NAMES = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab"}
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
                   "cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO 8859-1)"}
# Session keys of the wizard (the page's prefix): the tables read from the current upload,
# the last preview built and the (wizard key, revision) the previous run showed.
_TABLES, _PREVIEW, _SEEN = "ie_tables", "ie_preview", "ie_seen"


# --- bulk import ------------------------------------------------------------------------

def template_csv() -> bytes:
    """A CSV file with one header per field (the names :func:`suggest_mapping` maps to themselves)."""
    return (",".join(FIELDS) + "\r\n").encode("utf-8")


def field_label(choice: str) -> str:
    """How a mapping choice reads in the selectbox."""
    return choice or "— not imported —"


def file_key(file_id: str, sheet: str | None = None) -> str:
    """A short stable key of one upload (and sheet) for widget keys: a new file gets new widgets."""
    return hashlib.sha256(f"{file_id}\x00{sheet or ''}".encode()).hexdigest()[:12]


def mapping_key(file: str, index: int) -> str:
    """The widget key of the mapping selectbox of column ``index`` of the upload ``file``."""
    return f"ie_map_{file}_{index}"


def read_upload(state: MutableMapping, file_id: str, data: bytes, name: str, sheet: str | None = None) -> Table:
    """The table of an upload, read once per file and sheet (kept in ``state`` for the current file only).

    Raises
    ------
    BulkImportError
        When the file cannot be read as a table (see :func:`otrisk.bulkread.read_table`).
    """
    tables = state.get(_TABLES)
    if not tables or tables[0] != file_id:
        tables = (file_id, {})
        state[_TABLES] = tables
    if sheet not in tables[1]:
        tables[1][sheet] = read_table(data, name=name, sheet=sheet)
    return tables[1][sheet]


def table_summary(table: Table) -> str:
    """``encoding UTF-8, separator semicolon (;), 4 data rows in 4 columns`` (or the sheet of a workbook)."""
    rows = f"{len(table.rows)} data row{'s' if len(table.rows) != 1 else ''} in {len(table.columns)} " \
           f"column{'s' if len(table.columns) != 1 else ''}"
    if table.separator is None:
        return f"Excel workbook, sheet {table.sheet!r} of {len(table.sheets)}, {rows}"
    return (f"encoding {_ENCODING_NAMES.get(table.encoding, table.encoding)}, "
            f"separator {_SEPARATOR_NAMES.get(table.separator, repr(table.separator))}, {rows}")


def first_rows_frame(table: Table, n: int = FIRST_ROWS) -> pd.DataFrame:
    """The first ``n`` data rows as read, indexed by their row number in the file."""
    return pd.DataFrame(list(table.rows[:n]), columns=list(table.columns),
                        index=pd.Index(list(table.row_numbers[:n]), name="row"), dtype="string")


@dataclass(frozen=True)
class Shown:
    """A preview as the page shows it.

    Attributes
    ----------
    preview : ImportPreview
        Built against the stored plant of this run (``revision``).
    expected : int
        The revision the user saw this preview against: the previous run's, for the same
        file, sheet, mapping and options; else this run's. The import names it.
    revision : int
        The stored revision of this run.
    """

    preview: ImportPreview
    expected: int
    revision: int

    @property
    def moved(self) -> bool:
        """True when the stored plant changed since the user last saw this preview."""
        return self.expected != self.revision

    @property
    def nothing(self) -> bool:
        """True when importing would change nothing (no asset created or updated, no zone created)."""
        p = self.preview
        return not (p.created or p.updated or p.zones_created)


def shown_preview(state: MutableMapping, plant: Plant, revision: int, table: Table, file_id: str,
                  mapping: dict[str, str | None], *, zones_create: bool) -> Shown:
    """The preview of importing ``table`` into ``plant`` (stored as ``revision``), built once per
    wizard key and revision (kept in ``state``), with the revision the user saw it against.

    Raises
    ------
    BulkImportError
        For a mapping :func:`otrisk.bulkread.check_mapping` refuses.
    """
    key: Hashable = (file_id, table.sheet, tuple(mapping.items()), zones_create)
    cached = state.get(_PREVIEW)
    if cached is not None and cached[0] == (key, revision):
        result = cached[1]
    else:
        result = preview(plant, table, mapping, zones_create=zones_create)
        state[_PREVIEW] = ((key, revision), result)
    seen = state.get(_SEEN)
    expected = seen[1] if seen is not None and seen[0] == key else revision
    state[_SEEN] = (key, revision)
    return Shown(preview=result, expected=expected, revision=revision)


def forget_import(state: MutableMapping) -> None:
    """Drop the wizard's tables and previews (after an import, or when the file is removed)."""
    for k in (_TABLES, _PREVIEW, _SEEN):
        state.pop(k, None)


def _value(value: Any) -> str:
    if value is None or value == []:
        return "(empty)"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def changes_text(row: RowResult) -> str:
    """``field old → new; …`` (a new asset: ``field value; …``), in the order of the fields."""
    if row.action == "create":
        return "; ".join(f"{f} {_value(new)}" for f, (_, new) in row.changes.items())
    return "; ".join(f"{f} {_value(old)} → {_value(new)}" for f, (old, new) in row.changes.items())


def rows_frame(result: ImportPreview) -> pd.DataFrame:
    """One row per data row: errors first, then the others in file order."""
    ordered = sorted(result.rows, key=lambda r: (r.action != "error", r.row))
    rows = [{"row": r.row, "action": r.action, "asset id": r.asset_id or "", "matched on": r.matched_on or "",
             "problems": "; ".join(r.problems), "changes": changes_text(r), "notes": "; ".join(r.notes)}
            for r in ordered]
    return pd.DataFrame(rows, columns=list(PREVIEW_COLUMNS))


# --- export and audit pack --------------------------------------------------------------

def plant_file_name(ctx: PageContext) -> str:
    """``<site slug>-r<revision>.yaml``: the name of the plant file download (and the pack's source)."""
    return f"{site_slug(ctx.plant.site.name)}-r{ctx.revision}.yaml"


@dataclass(frozen=True)
class AuditFiles:
    """The two files of an audit pack, ready for download buttons."""

    xlsx: bytes
    html: bytes
    xlsx_name: str
    html_name: str


def pack_version(ctx: PageContext, as_of: dt.date) -> tuple[int, int, dt.date]:
    """What an audit pack is built from: ``(plant revision, config store revision, as-of day)``."""
    return ctx.revision, configstore.store_revision(ctx.engine), as_of


@st.cache_data(max_entries=4, show_spinner="Building the audit pack…")
def _audit_pack(url: str, revision: int, store: int, as_of: dt.date, source: str, sha256: str, database: str,
                _plant: Plant, _engine) -> tuple[bytes, bytes]:
    # As `otrisk report PLANT --db URL`: the database's machine evidence and stored versions.
    pack = build_pack(_plant, as_of=as_of, source=source, sha256=sha256,
                      machine=db.machine_evidence(_engine, _plant), versions=configstore.versions(_engine),
                      db=database)
    try:
        # write_workbook takes a path (openpyxl saves to a file): a private temporary folder.
        with tempfile.TemporaryDirectory(prefix="otrisk-pack-") as tmp:
            xlsx = write_workbook(pack, Path(tmp) / "audit-pack.xlsx").read_bytes()
    except OSError as exc:
        raise OtriskError(f"cannot write the audit workbook to a temporary file: {exc.strerror or exc}") from None
    return xlsx, render_html(pack).encode("utf-8")


def audit_pack(ctx: PageContext, version: tuple[int, int, dt.date]) -> AuditFiles:
    """The workbook and HTML report of the stored plant for ``version`` (from :func:`pack_version`).

    The pack's plant file is the one the Export section downloads at this revision (same
    name, SHA-256 of the same text).
    """
    revision, store, as_of = version
    sha = hashlib.sha256(plant_text(ctx).encode("utf-8")).hexdigest()
    xlsx, html = _audit_pack(ctx.url, revision, store, as_of, plant_file_name(ctx), sha, ctx.database,
                             ctx.plant, ctx.engine)
    slug = site_slug(ctx.plant.site.name)
    return AuditFiles(xlsx=xlsx, html=html, xlsx_name=f"{slug}-audit-pack.xlsx", html_name=f"{slug}-audit-report.html")
