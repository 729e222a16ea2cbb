"""Per-data-version caches: the impact analysis and the network map HTML.

Both are keyed by ``(database URL, revision, …)``: a save makes a new revision, so a cached
result never outlives the data it was computed from, and two databases (tests) never share
one. The plant itself is passed as an unhashed argument (leading underscore): the key
already names its version. ``st.cache_data`` (not ``cache_resource``) so each caller gets
its own copy; the engine is the only process-wide resource.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from otrisk import db, impact
from otrisk.configstore import store_revision
from otrisk.readiness import ReadinessReport, readiness
from otrisk.models import Plant
from otrisk.plantfile import dumps_plant
from otrisk.settings import get_setting
from otrisk.ui.graph import GraphView, network_html
from otrisk.ui.setup import PageContext

__all__ = ["analysis", "graph_html", "plant_text", "readiness_report"]


@st.cache_data(max_entries=8, show_spinner="Computing impact…")
def _analysis(url: str, revision: int, _plant: Plant) -> list[impact.AssetImpact]:
    return impact.analyze_plant(_plant)


def analysis(ctx: PageContext) -> list[impact.AssetImpact]:
    """Impact figures of every asset of the page's plant, highest priority first (cached)."""
    return _analysis(ctx.url, ctx.revision, ctx.plant)


@st.cache_data(max_entries=8, show_spinner="Drawing the network map…")
def _graph_html(url: str, revision: int, zone: str | None, center: str | None, radius: int,
                layered: bool, physics_max_nodes: int, _plant: Plant) -> str:
    return network_html(_plant, GraphView(zone=zone, center=center, radius=radius, layered=layered),
                        physics_max_nodes=physics_max_nodes)


def graph_html(ctx: PageContext, view: GraphView) -> str:
    """The network map page for ``view`` of the page's plant (cached per revision and view)."""
    return _graph_html(ctx.url, ctx.revision, view.zone, view.center, view.radius, view.layered,
                       get_setting("graph_physics_max_nodes"), ctx.plant)


@st.cache_data(max_entries=4, show_spinner=False)
def _plant_text(url: str, revision: int, _plant: Plant) -> str:
    return dumps_plant(_plant)


def plant_text(ctx: PageContext) -> str:
    """The page's plant as an ``otrisk/v1`` file (cached per revision)."""
    return _plant_text(ctx.url, ctx.revision, ctx.plant)


@st.cache_data(max_entries=8, show_spinner="Computing the program map…")
def _readiness(url: str, revision: int, store: int, as_of: dt.date, _plant: Plant, _engine) -> ReadinessReport:
    return readiness(_plant, as_of=as_of, impacts=_analysis(url, revision, _plant),
                     machine_evidence=db.machine_evidence(_engine, _plant))


def readiness_report(ctx: PageContext, as_of: dt.date) -> ReadinessReport:
    """The program map of the page's plant on ``as_of``, with the machine-sourced evidence the
    database holds (switch configuration versions), cached per plant revision, config-store
    revision and day; the same :func:`otrisk.readiness.readiness` that ``otrisk readiness --db``
    prints."""
    return _readiness(ctx.url, ctx.revision, store_revision(ctx.engine), as_of, ctx.plant, ctx.engine)
