"""otrisk.ui.text: user text stays literal in Streamlit Markdown."""

from __future__ import annotations

import pytest

from otrisk.ui.text import md_code, md_escape


@pytest.mark.parametrize("text, escaped", [
    ("Kettle PLC: ok", "Kettle PLC: ok"),  # plain sentences unchanged
    ("$x$ and *bold*", r"\$x\$ and \*bold\*"),
    (":red[alarm]", r"\:red\[alarm\]"),
    # a backslash does not stop an emoji short code (the renderer resolves escapes first); a
    # zero-width space after the colon does
    ("smile :smile: now", "smile \\:\u200bsmile: now"),
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
    ("# heading\n- item", "\\# heading  \n\\- item"),
])
def test_md_escape(text, escaped):
    assert md_escape(text) == escaped
    assert md_escape(text).replace("\\", "").replace("\u200b", "").replace("  \n", "\n") == text


def test_md_code_fences_backticks():
    assert md_code("a `b` c") == "``a `b` c``"
