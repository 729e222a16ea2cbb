"""Table cells read back from an editor (Streamlit's data editor hands back pandas values):
empty, text and numbers, shared by the asset, zone and conduit tables and the assessment form.

No Streamlit here: the domain modules that read tables back (``otrisk.zone_edit``) and the
UI adapter (``otrisk.ui.editor``) use the same rules.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["is_missing", "cell_text", "cell_number"]


def is_missing(value: Any) -> bool:
    """True for an empty cell: None, pandas' NA/NaT, or a float NaN.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0), is_missing("")
    (True, True, False, False)
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)


def cell_text(value: Any) -> str | None:
    """A cell as stripped text; None when empty or blank.

    >>> cell_text("  PLC 1 "), cell_text("   "), cell_text(None)
    ('PLC 1', None, None)
    """
    if is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def cell_number(value: Any) -> Any:
    """A cell as a number: None when empty, an int for whole numbers, a float otherwise;
    anything else (text that is no number, a bool) as given, so validation names it.

    Examples
    --------
    >>> cell_number(" 4 "), cell_number(3.0), cell_number(2.5), cell_number("five"), cell_number(True)
    (4, 3, 2.5, 'five', True)
    """
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = float(value)
        except ValueError:
            return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else number
