"""Showing user text and errors in Streamlit without it being read as markup.

Streamlit renders the body of ``st.error``, ``st.caption``, ``st.markdown`` … as Markdown
with extensions: ``$…$`` becomes LaTeX, ``:red[…]`` colours text, ``:smile:`` becomes an
emoji, raw HTML is dropped. Names, ids and values come from users and plant files, so they
are either backslash-escaped (prose) or put into code spans (file locations, keys,
values), which Markdown shows literally.
"""

from __future__ import annotations

import re

import streamlit as st

from otrisk.errors import OtriskError, PlantFileError

__all__ = ["md_escape", "md_code", "show_error", "problem_lines"]

# Characters that start Markdown, LaTeX, colour directives, emoji short codes or HTML
# anywhere in a line in Streamlit's renderer ("a: b" is harmless, ":red[" and ":x:" are not).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$&]|:(?=\S))")
_EMOJI = re.compile(r":(?=[\w+-]+:)")
# Characters that start a heading, list or quote at the beginning of a line.
_MD_LINE_START = re.compile(r"^(\s*|\s*\d+)([#+\-=]|(?<=\d)[.)])", re.MULTILINE)


def md_escape(text: object) -> str:
    """``text`` as Markdown that renders as the same characters (backslash escapes).

    Plain sentences stay unchanged, so an error message reads the same in a test.
    """
    # A backslash does not stop emoji short codes: the renderer replaces ":smile:" in the text
    # after escapes are resolved. A zero-width space after the colon does (invisible).
    escaped = _EMOJI.sub(":\u200b", str(text))
    escaped = _MD_INLINE.sub(r"\\\1", escaped)
    escaped = _MD_LINE_START.sub(r"\1\\\2", escaped)
    return escaped.replace("\n", "  \n")


def md_code(text: object) -> str:
    """``text`` as an inline code span: shown literally, whatever it contains."""
    text = str(text).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def problem_lines(exc: PlantFileError) -> list[str]:
    """Every problem of a plant file error as ``file:line: key: message (value …)``."""
    return [str(p) for p in exc.problems]


def show_error(exc: OtriskError, *, container=None) -> None:
    """Show an :class:`OtriskError` as ``st.error`` in the same words as the command line.

    A :class:`PlantFileError` shows every problem on its own line (``file:line: key:
    message``), each as literal text; other errors show their message.
    """
    target = container if container is not None else st
    if isinstance(exc, PlantFileError):
        n = len(exc.problems)
        head = f"The plant file has {n} problem{'s' if n != 1 else ''}; nothing was changed."
        body = "\n".join(f"- {md_code(line)}" for line in problem_lines(exc))
        target.error(f"{head}\n\n{body}")
    else:
        target.error(md_escape(str(exc)))
