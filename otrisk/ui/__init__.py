"""The Streamlit adapter shared by ``app.py`` and ``pages/``: the one package that imports streamlit.

A page starts with :func:`setup_page` and gets a :class:`PageContext` (engine, plant,
revision, user). Errors the user can cause are shown with :func:`show_error`; results
that are expensive to compute come from :func:`analysis` and :func:`graph_html`, cached
per database and revision.
"""

from __future__ import annotations

from otrisk.ui.cache import analysis, graph_html, readiness_report
from otrisk.ui.graph import GraphView
from otrisk.ui.setup import PageContext, setup_page
from otrisk.ui.text import md_code, md_escape, show_error

__all__ = ["setup_page", "PageContext", "show_error", "md_escape", "md_code", "analysis",
           "graph_html", "GraphView", "readiness_report"]
