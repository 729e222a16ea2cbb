"""Exception hierarchy of otrisk.

Every error a user can cause carries where it happened (file, line, key, value or id)
so that a page or the command line can show it in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GraphImportError",
    "InputFileError",
    "OtriskError",
    "PlantFileError",
    "Problem",
    "StaleDataError",
    "StorageError",
    "pydantic_message",
    "shown_value",
]


class OtriskError(Exception):
    """Base class of every error otrisk raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a plant file.

    Attributes
    ----------
    file : str
        The file name as given by the caller (``"<upload>"`` for uploaded text).
    line : int | None
        1-based line of the offending key or value; None when the file has no such line
        (e.g. a missing required key is reported at its parent's line).
    key : str
        Dotted path of the offending key, e.g. ``assets[3].firmware``.
    value : str | None
        The offending value as written in the file (source text), if any.
    message : str
        What is wrong and, where possible, how to fix it.
    """

    file: str
    line: int | None
    key: str
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}{shown_value(self.value)}"


def pydantic_message(err) -> str:
    """A pydantic validation error entry as a short lower-case message ("required: fill it in"
    for a missing value; the "Value error, " prefix dropped)."""
    if err["type"] == "missing":
        return "required: fill it in"
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg[0].lower() + msg[1:] if msg else str(err["type"])


def shown_value(value: object, limit: int = 80) -> str:
    """`` (value '…')`` for a message: the value as written, cut after ``limit`` characters.

    Empty for None and "". A 20,000-character title is not repeated whole in an error.

    Examples
    --------
    >>> shown_value("2.10"), shown_value(None), shown_value("x" * 100).endswith("x'… (100 characters))")
    (" (value '2.10')", '', True)
    """
    if value is None or value == "":
        return ""
    text = str(value)
    if len(text) > limit:
        return f" (value {text[:limit]!r}… ({len(text)} characters))"
    return f" (value {text!r})"


class PlantFileError(OtriskError):
    """A plant file is not a valid ``otrisk/v1`` document.

    Attributes
    ----------
    problems : list[Problem]
        Every problem found, in file order; never empty.
    """

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("PlantFileError needs at least one problem")
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @property
    def key(self) -> str:
        return self.problems[0].key


class StorageError(OtriskError):
    """The database could not be read or written (message says which and why)."""


class StaleDataError(StorageError):
    """A save was based on a revision that someone else has changed meanwhile.

    Attributes
    ----------
    expected : int
        The revision the caller read and based its change on.
    current : int
        The revision now stored.
    """

    def __init__(self, expected: int, current: int, by: str | None = None):
        self.expected = expected
        self.current = current
        self.by = by
        who = f" by {by}" if by else ""
        super().__init__(
            f"Not saved: the plant was changed{who} since you loaded it "
            f"(your revision {expected}, stored revision {current}). "
            "Reload to see the current state, then apply your change again."
        )


class InputFileError(OtriskError):
    """A file handed to an importer is not what it claims to be, at a key path.

    Attributes
    ----------
    file, key : str
        The file as named by the caller, and the key path inside it (``technical_assets.X.id``).
    value : str or None
        The offending value, if any (shown cut to a readable length).
    """

    def __init__(self, file: str, key: str, value: object, message: str):
        self.file, self.key = file, key
        self.value = None if value is None else str(value)
        super().__init__(f"{file}: {key}: {message}{shown_value(self.value)}")


class GraphImportError(OtriskError):
    """A dependency graph file could not be read as the format it claims to be."""

    def __init__(self, file: str, message: str):
        self.file = file
        super().__init__(f"{file}: {message}")
