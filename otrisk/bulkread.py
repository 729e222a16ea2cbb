"""Read a table of assets from CSV or Excel bytes and interpret it, for :mod:`otrisk.bulkimport`.

Column names are mapped to :data:`FIELDS` (:func:`suggest_mapping`, :func:`check_mapping`) and
cell text to values by :mod:`otrisk.bulkvalues` (:func:`parse_ip`, :func:`parse_mac`,
:func:`parse_rating`, :func:`asset_type_for`, :func:`plain_words`; re-exported here).

Contract: a table is a header row (the first row that is not empty) and the data rows below
it, every cell as stripped text, each data row with the row number the user sees in the file
(the header of a CSV file is row 1, empty rows are counted but not returned; a workbook row
keeps its sheet row number). Problems with the file as a whole raise
:class:`BulkImportError`; problems with single rows are data for
:func:`otrisk.bulkimport.preview`.

* **Excel** ``.xlsx``/``.xlsm``, recognised by the zip signature (not only by the name): the
  first sheet unless one is named; numbers are rendered as text without ``.0`` for whole
  numbers (``2.1`` stays ``"2.1"``; a firmware typed as ``2.10`` was stored by Excel as the
  number 2.1, so format such columns as text), dates and times as ISO 8601.
* **CSV**: the encoding is UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
  text"), else Windows-1252 when the file uses its characters in 0x80..0x9F (``€``, ``„``),
  else Latin-1. The separator is one of ``,`` ``;`` tab, from an Excel ``sep=`` first line,
  else from :class:`csv.Sniffer`, else by counting; quoted values keep their separators.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from otrisk.bulkvalues import (
    asset_type_for,
    parse_ip,
    parse_mac,
    parse_rating,
    plain_words,
)
from otrisk.errors import OtriskError

__all__ = [
    "FIELDS", "MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "SEPARATORS", "BulkImportError", "Table",
    "asset_type_for", "check_mapping", "parse_ip", "parse_mac", "parse_rating", "plain_words",
    "read_table", "suggest_mapping",
]

MAX_BYTES = 5_000_000
MAX_ROWS = 100_000
MAX_COLUMNS = 500
#: An .xlsx is a zip; this bounds what its sheets may expand to (a zip bomb stays a refusal).
MAX_XLSX_EXPANDED_BYTES = 100_000_000
SEPARATORS = (",", ";", "\t")
FIELDS: tuple[str, ...] = (
    "id", "name", "type", "zone", "zone_kind", "vendor", "model", "firmware", "ip", "mac",
    "switch_port", "location", "owner", "description", "impact.production", "impact.safety",
    "impact.delivery", "criticality", "depends_on", "manages",
)
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("asset id", "device id", "asset tag", "tag", "kennung"),
    "name": ("hostname", "host", "host name", "device name", "asset name", "system name", "gerätename",
             "geraetename", "gerät", "geraet", "bezeichnung", "systemname"),
    "type": ("typ", "device type", "asset type", "gerätetyp", "geraetetyp", "category", "kategorie", "role",
             "device role", "asset role", "rolle", "geräterolle", "geraeterolle", "gerätefunktion",
             "geraetefunktion"),
    "zone": ("security zone", "zone id", "sicherheitszone", "netzzone"),
    "zone_kind": ("zone kind", "zone type", "zonentyp", "zonenart"),
    "vendor": ("manufacturer", "hersteller", "make", "brand"),
    "model": ("modell", "product", "produkt", "model number"),
    "firmware": ("fw", "fw version", "firmware version", "version", "software version", "firmwarestand"),
    "ip": ("ip address", "ipv4", "ipv4 address", "ip-adresse", "ip adresse"),
    "mac": ("mac address", "mac-adresse", "mac adresse", "hardware address", "physical address"),
    "switch_port": ("switch port", "switchport"),
    "location": ("standort", "ort", "room", "raum"),
    "owner": ("verantwortlicher", "verantwortlich", "responsible", "ansprechpartner", "contact", "asset owner"),
    "description": ("beschreibung", "comment", "kommentar", "bemerkung", "notes"),
    # Each axis also as "<axis> impact", "impact <axis>", "Auswirkung <Achse>", "<Achse>sauswirkung".
    "impact.production": ("production", "production impact", "impact production", "impact on production",
                          "produktion", "auswirkung produktion", "produktion auswirkung",
                          "auswirkung auf produktion", "auswirkung auf die produktion",
                          "produktionsauswirkung"),
    "impact.safety": ("safety", "safety impact", "impact safety", "impact on safety", "hse", "hse impact",
                      "ehs", "health safety", "health and safety", "health safety environment", "sicherheit",
                      "auswirkung sicherheit", "sicherheit auswirkung", "auswirkung auf sicherheit",
                      "auswirkung auf die sicherheit", "sicherheitsauswirkung", "arbeitssicherheit"),
    "impact.delivery": ("delivery", "delivery impact", "impact delivery", "impact on delivery", "lieferung",
                        "lieferfähigkeit", "lieferfaehigkeit", "auswirkung lieferung", "lieferung auswirkung",
                        "auswirkung auf lieferung", "auswirkung auf die lieferung",
                        "auswirkung lieferfähigkeit", "auswirkung lieferfaehigkeit", "lieferauswirkung"),
    "criticality": ("kritikalität", "kritikalitaet", "criticality rating"),
    "depends_on": ("depends on", "dependencies", "abhängigkeiten", "abhaengigkeiten", "abhängig von"),
    "manages": ("verwaltet",),
}
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
_SAMPLE_CHARS = 32_000  # csv.Sniffer runs regular expressions over its sample: keep it short


class BulkImportError(OtriskError):
    """A file cannot be read as a table, or an import request is invalid.

    The message starts with the file name and says what is wrong.
    """

    def __init__(self, file: str, message: str):
        self.file = file
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True)
class Table:
    """A table read from a file: text cells under a header row.

    Attributes
    ----------
    name : str
        The file name as given (used in messages).
    columns : tuple[str, ...]
        Header names, unique and not empty, in file order.
    rows : tuple[tuple[str, ...], ...]
        Data rows, each exactly ``len(columns)`` stripped strings ("" for an empty cell);
        rows with no value at all are left out.
    row_numbers : tuple[int, ...]
        For each of ``rows`` its 1-based row number in the file or sheet.
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"cp1252"``, ``"latin-1"`` or ``"xlsx"``.
    separator : str or None
        ``","``, ``";"`` or ``"\\t"``; None for a workbook.
    sheets : tuple[str, ...]
        A workbook's sheet names (empty for CSV).
    sheet : str or None
        The sheet read (None for CSV).
    long_rows : frozenset[int]
        Row numbers of rows with more values than the header has columns (their extra
        values are not in ``rows``; the import reports such rows as errors).
    """

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]
    encoding: str
    separator: str | None
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    long_rows: frozenset[int] = field(default_factory=frozenset)


def read_table(data: bytes, *, name: str, sheet: str | None = None) -> Table:
    """Read CSV or Excel bytes as a :class:`Table`.

    Parameters
    ----------
    data : bytes
        The whole file, at most :data:`MAX_BYTES` bytes.
    name : str
        The file name; ``.xlsx``/``.xlsm``/``.xls`` in it are checked against the content.
    sheet : str, optional
        A workbook's sheet to read (default: the first).

    Raises
    ------
    BulkImportError
        Too large, empty, binary, not a workbook although named one, an unknown sheet, no
        header row, empty or duplicate header names, more than :data:`MAX_ROWS` rows.

    Examples
    --------
    >>> t = read_table('Host;IP\\n"plc, 1";10.0.0.1\\n'.encode(), name="a.csv")
    >>> t.columns, t.rows, t.row_numbers, t.separator
    (('Host', 'IP'), (('plc, 1', '10.0.0.1'),), (2,), ';')
    """
    if len(data) > MAX_BYTES:
        raise BulkImportError(name, f"the file has {len(data):,} bytes; at most {MAX_BYTES:,} are accepted")
    lower = name.lower()
    if data.startswith(_ZIP):
        return _read_xlsx(data, name, sheet)
    if data.startswith(_OLE) or lower.endswith(".xls"):
        raise BulkImportError(name, "an old binary Excel file (.xls): save it as .xlsx or CSV")
    if lower.endswith((".xlsx", ".xlsm")):
        raise BulkImportError(name, "named like an Excel workbook but is not one (an .xlsx file is a zip archive)")
    if sheet is not None:
        raise BulkImportError(name, f"a CSV file has no sheets (sheet {sheet!r} requested)")
    return _read_csv(data, name)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        # Windows-1252 is what "Latin-1" files written on Windows really are; it differs from
        # Latin-1 only in 0x80..0x9F, where Latin-1 has invisible control characters.
        encoding = "latin-1"
        if any(0x80 <= b <= 0x9F for b in data):
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                pass
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise BulkImportError(name, f"not {encoding} text ({exc.reason} at byte {exc.start})") from None


def _read_csv(data: bytes, name: str) -> Table:
    text, encoding = _decode(data, name)
    if "\x00" in text:
        raise BulkImportError(name, "contains NUL characters: a binary file, not CSV text")
    if not text.strip():
        raise BulkImportError(name, "the file is empty")
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5 and first.strip()[4] in SEPARATORS:
        separator, text = first.strip()[4], rest  # Excel's hint line; Excel does not show it as a row
    else:
        separator = _separator(text)
    records: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"',
                            doublequote=True, strict=False)
        for number, record in enumerate(reader, 1):
            cells = [c.strip() for c in record]
            if any(cells):
                records.append((number, cells))
                if len(records) > MAX_ROWS + 1:
                    raise BulkImportError(name, f"more than {MAX_ROWS:,} rows")
    except csv.Error as exc:
        raise BulkImportError(name, f"not readable as CSV near line {reader.line_num}: {exc}") from None
    return _table(name, records, encoding=encoding, separator=separator)


def _separator(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = None
    scores = {sep: _consistency(sample, sep) for sep in SEPARATORS}
    best_score = max(s[:2] for s in scores.values())
    if sniffed in scores and scores[sniffed][0] and scores[sniffed][:2] == best_score:
        return sniffed
    # by counting: the separator that splits the header into the most columns and that most
    # rows agree with; order of SEPARATORS breaks ties
    best = max(SEPARATORS, key=lambda sep: (scores[sep], -SEPARATORS.index(sep)))
    return best if scores[best][0] > 0 else ","


def _consistency(sample: str, sep: str) -> tuple[int, int, int]:
    """``(header splits, rows with the header's width, header width)`` for a separator."""
    try:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep, quotechar='"') if any(r)]
    except csv.Error:
        return (0, 0, 0)
    if not rows:
        return (0, 0, 0)
    width = len(rows[0])
    return (1 if width > 1 else 0, sum(len(r) == width for r in rows[1:50]), width)


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> Table:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            is_workbook = "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BulkImportError(name, f"starts like a zip archive (.xlsx) but is not a readable one: {exc}") from None
    if not is_workbook:
        raise BulkImportError(name, "a zip archive but not an Excel .xlsx workbook (no xl/workbook.xml)")
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise BulkImportError(name, f"the workbook expands to {expanded:,} bytes; at most "
                                    f"{MAX_XLSX_EXPANDED_BYTES:,} are accepted")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 -- openpyxl raises many kinds (KeyError, TypeError, …) on damaged files
        raise BulkImportError(name, f"not a readable Excel workbook: {exc.__class__.__name__}: {exc}") from None
    try:
        sheets = tuple(book.sheetnames)
        chosen = sheet if sheet is not None else (sheets[0] if sheets else None)
        if chosen not in sheets:
            raise BulkImportError(name, f"no sheet {sheet!r}; the sheets are {', '.join(map(repr, sheets))}")
        ws = book[chosen]
        if not hasattr(ws, "iter_rows"):
            raise BulkImportError(name, f"sheet {chosen!r} is a chart, not a table")
        records = _sheet_records(ws, name)
    except BulkImportError:
        raise
    except Exception as exc:  # noqa: BLE001 -- damaged sheet XML surfaces only while iterating
        raise BulkImportError(name, f"sheet {chosen!r} is not readable: {exc.__class__.__name__}: {exc}") from None
    finally:
        book.close()
    return _table(name, records, encoding="xlsx", separator=None, sheets=sheets, sheet=chosen)


def _sheet_records(ws, name: str) -> list[tuple[int, list[str]]]:
    ws.reset_dimensions()  # a wrong stored dimension would pad every row to it
    records: list[tuple[int, list[str]]] = []
    number = 0
    for row in ws.iter_rows():
        number += 1
        for cell in row:
            if getattr(cell, "row", None):
                number = cell.row
                break
        cells = [_cell_text(getattr(c, "value", None)) for c in row]
        if any(cells):
            records.append((number, cells))
            if len(records) > MAX_ROWS + 1:
                raise BulkImportError(name, f"more than {MAX_ROWS:,} rows")
    return records


def _cell_text(value: object) -> str:
    """A cell value as text: whole numbers without ``.0``, dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _table(name: str, records: list[tuple[int, list[str]]], **kind) -> Table:
    if not records:
        raise BulkImportError(name, "the file is empty" if kind["separator"] else "the sheet is empty")
    header_row, header = records[0]
    body = records[1:]
    width = len(header)
    # trailing unnamed columns without any value (Excel and exports often leave some) are dropped
    while width and not header[width - 1] and not any(len(c) >= width and c[width - 1] for _, c in body):
        width -= 1
    header = header[:width]
    if width > MAX_COLUMNS:
        raise BulkImportError(name, f"the header row (row {header_row}) has {width} columns; at most {MAX_COLUMNS}")
    unnamed = [str(i + 1) for i, h in enumerate(header) if not h]
    if unnamed:
        raise BulkImportError(name, f"the header row (row {header_row}) has no name for column "
                                    f"{', '.join(unnamed)}: name every column that holds values")
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        seen.setdefault(h, []).append(i + 1)
    dupes = [f"{h!r} (columns {', '.join(map(str, pos))})" for h, pos in seen.items() if len(pos) > 1]
    if dupes:
        raise BulkImportError(name, f"duplicate column names in the header row (row {header_row}): "
                                    f"{'; '.join(dupes)}: rename them")
    if not body:
        raise BulkImportError(name, f"no data rows below the header row (row {header_row})")
    if len(body) > MAX_ROWS:
        raise BulkImportError(name, f"more than {MAX_ROWS:,} rows")
    rows, long_rows = [], set()
    for number, cells in body:
        if any(cells[width:]):
            long_rows.add(number)
        rows.append(tuple(cells[:width]) + ("",) * (width - len(cells)))
    return Table(name=name, columns=tuple(header), rows=tuple(rows), row_numbers=tuple(n for n, _ in body),
                 long_rows=frozenset(long_rows), **kind)


def _key(text: str) -> str:
    """Comparable form of a column name: accents dropped, case folded, only letters and digits."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c for c in plain.casefold() if c.isalnum())


_COLUMN_FIELD = {_key(s): f for f, names in _SYNONYMS.items() for s in (f, *names)}


def suggest_mapping(columns: tuple[str, ...] | list[str]) -> dict[str, str | None]:
    """A target field of :data:`FIELDS` per column, from common names (None: not imported).

    Names compare without case, spaces, ``_``, ``-`` and accents, in English and German. Two
    columns never get one field: the first wins.

    Examples
    --------
    >>> suggest_mapping(["Gerätename", "IP-Adresse", "Hersteller", "host", "Bemerkung 2"])
    {'Gerätename': 'name', 'IP-Adresse': 'ip', 'Hersteller': 'vendor', 'host': None, 'Bemerkung 2': None}
    """
    out: dict[str, str | None] = {}
    used: set[str] = set()
    for column in columns:
        target = _COLUMN_FIELD.get(_key(column))
        out[column] = target if target not in used else None
        if target:
            used.add(target)
    return out


def check_mapping(table: Table, mapping: dict[str, str | None]) -> dict[str, int]:
    """``{field: column index}`` of a mapping ``{column: field or None}``.

    Raises
    ------
    BulkImportError
        For an unknown column or field, two columns on one field, or none of id, name, ip, mac.
    """
    fields: dict[str, int] = {}
    for column, target in mapping.items():
        if column not in table.columns:
            raise BulkImportError(table.name, f"the mapping names column {column!r}, which the table does not have")
        if target is None:
            continue
        if target not in FIELDS:
            raise BulkImportError(table.name, f"column {column!r} is mapped to {target!r}, not one of {', '.join(FIELDS)}")
        if target in fields:
            raise BulkImportError(table.name, f"columns {table.columns[fields[target]]!r} and {column!r} are both "
                                              f"mapped to {target!r}: map one of them")
        fields[target] = table.columns.index(column)
    if not fields.keys() & {"id", "name", "ip", "mac"}:
        raise BulkImportError(table.name, "map at least one column to id, name, ip or mac")
    return fields
