"""Reading show-command text for :mod:`otrisk.showparse`: decoding (UTF-8, Latin-1, UTF-16 with
a byte order mark), the ntc-templates TextFSM template of a command, and running it with the
number of a rejected line in the error.

ntc-templates' ``index`` is read once per process; TextFSM then runs on the template text
directly (its clitable layer deep-copies every row: ≈3× slower on a 100,000-row MAC table).
"""

from __future__ import annotations

import codecs
import io
from functools import cache
from importlib.resources import files

import textfsm
from textfsm import clitable

from otrisk.errors import OtriskError

__all__ = ["SHOW_OUTPUT_MAX_BYTES", "ShowOutputError", "decode_text", "parse_rows"]

#: Largest show output accepted, in bytes (a file, or pasted text).
SHOW_OUTPUT_MAX_BYTES = 5_000_000
_QUOTED_MAX_CHARS = 60
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "UTF-16 LE"), (codecs.BOM_UTF16_BE, "UTF-16 BE"))


class ShowOutputError(OtriskError):
    """Pasted show output could not be read; ``source`` names it, ``line`` is 1-based or None."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


@cache
def _index() -> clitable.IndexTable:
    """The ntc-templates index (read once: its 970 rows of regexes take about 0.3 s)."""
    return clitable.CliTable("index", str(files("ntc_templates") / "templates")).index


@cache
def _template(key: str) -> str:
    """Text of the ntc-templates template for ``show <key>`` on cisco_ios, found by its index."""
    index = _index()
    row = index.GetRowMatch({"Platform": "cisco_ios", "Command": f"show {key}"})
    # Row 0 is the header: no match. Our four commands each have one template (no ":" list).
    if not row:
        raise LookupError(f"ntc-templates has no cisco_ios template for 'show {key}'")
    folder = files("ntc_templates") / "templates"
    return (folder / index.index[row]["Template"]).read_text(encoding="utf-8")


class _CountingFSM(textfsm.TextFSM):
    """``TextFSM`` counting the lines it has read, so a rejected line is named by number.

    TextFSM's error names the line by its text only (twice the same text is ambiguous) and
    has no public hook per line, hence the override of its ``_CheckLine``.
    """

    lines_read = 0

    def _CheckLine(self, line):
        self.lines_read += 1
        return super()._CheckLine(line)


def _quoted(line: str) -> str:
    """The line in quotes, cut after ``_QUOTED_MAX_CHARS`` characters with its length."""
    if len(line) <= _QUOTED_MAX_CHARS:
        return repr(line)
    return f"{line[:_QUOTED_MAX_CHARS] + '…'!r} ({len(line):,} characters)"


def parse_rows(key: str, start: int, body: list[str], source: str) -> list[dict]:
    """Rows of ``show <key>`` (lower-case column names) from ``body``, whose first line is line
    ``start`` of ``source``.

    Raises
    ------
    ShowOutputError
        A line the template rejects, named by its number and quoted once.
    """
    fsm = _CountingFSM(io.StringIO(_template(key)))
    text = "\n".join(body) + "\n"
    try:
        rows = fsm.ParseText(text)
    except textfsm.TextFSMError as err:
        # TextFSM reads str.splitlines(), which also cuts at \x0c, \x1c … inside a line.
        seen, index = 0, 0
        for index, line in enumerate(body):
            seen += max(1, len(line.splitlines()))
            if seen >= fsm.lines_read:
                break
        raise ShowOutputError(source, f"this line is not part of a show {key} output: "
                              f"{_quoted(body[index])}", start + index) from err
    header = [name.lower() for name in fsm.header]
    return [dict(zip(header, row)) for row in rows]


def decode_text(data: str | bytes, source: str) -> str:
    """Text of pasted or read show output.

    Raises
    ------
    ShowOutputError
        Over :data:`SHOW_OUTPUT_MAX_BYTES`, binary (a NUL character), or a broken UTF-16 text.
    """
    if len(data) > SHOW_OUTPUT_MAX_BYTES:
        raise ShowOutputError(source, f"larger than the {SHOW_OUTPUT_MAX_BYTES:,} bytes accepted")
    text = data.removeprefix("\ufeff") if isinstance(data, str) else _decoded(data, source)
    # After decoding: UTF-16 text is full of NUL bytes, but never holds a NUL character.
    if "\x00" in text:
        raise ShowOutputError(source, "binary data (a NUL byte), not show output")
    return text


def _decoded(data: bytes, source: str) -> str:
    for bom, name in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError as err:
                raise ShowOutputError(source, f"starts with a {name} byte order mark but is not "
                                      f"{name} text ({err.reason} at byte {err.start:,})") from err
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
