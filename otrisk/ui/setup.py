"""Page setup shared by ``app.py`` and every page: the one call a page starts with.

:func:`setup_page` does everything a page needs, so a page opened directly by its URL on
a freshly started server behaves exactly like one reached from the entry script
(DESIGN.md, "Multipage"): page config, the database engine (held once per process and
database URL, schema upgraded and demo plant seeded on first use), who the user is, the
current plant and its revision, and the sidebar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from sqlalchemy.engine import Engine, make_url

from otrisk import db
from otrisk.errors import OtriskError
from otrisk.models import Plant
from otrisk.settings import database_url, get_setting
from otrisk.ui.text import md_code, md_escape, show_error

__all__ = ["PageContext", "setup_page", "engine_for", "database_label", "current_user_name"]


@dataclass
class PageContext:
    """What a page works with during one run.

    Attributes
    ----------
    url : str
        Database URL (key of every cache).
    engine : Engine
        Process-wide engine for ``url``; open a Session per unit of work.
    plant : Plant
        The stored plant, read at the start of this run.
    revision : int
        Its revision (counts saves).
    user : str
        Who is working: the proxy's user header when configured, else the OS user.
    """

    url: str
    engine: Engine
    plant: Plant
    revision: int
    user: str
    database: str = field(default="")

    def asset_names(self) -> dict[str, str]:
        """``{asset id: name}``."""
        return {a.id: a.name for a in self.plant.assets}


@st.cache_resource(on_release=lambda engine: engine.dispose(), show_spinner="Opening the database…")
def engine_for(url: str) -> Engine:
    """The engine of ``url``, created, upgraded and (on an empty database) seeded once per process."""
    engine = db.make_engine(url)
    try:
        db.init_db(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


@st.cache_data(max_entries=4, show_spinner="Loading the plant…")
def _stored_plant(url: str, revision: int) -> tuple[Plant, int]:
    # Keyed by the revision read just before; the returned revision is the one read with
    # the plant (a save in between makes them differ, and the next run reloads).
    return db.load_plant_db(engine_for(url))


def database_label(url: str) -> str:
    """Where the data lives, for people: SQLite file path or PostgreSQL host; never a password."""
    try:
        u = make_url(url)
    except Exception:  # an unparsable URL fails in make_engine with the real message
        return "database"
    backend = u.get_backend_name()
    if backend == "sqlite":
        return f"SQLite file {u.database}" if u.database and u.database != ":memory:" else "SQLite in memory"
    host = u.host or "local socket"
    port = f":{u.port}" if u.port else ""
    name = f"/{u.database}" if u.database else ""
    kind = "PostgreSQL" if backend == "postgresql" else backend
    return f"{kind} {host}{port}{name}"


def current_user_name() -> str | None:
    """The signed-in user (proxy header) when ``OTRISK_USER_HEADER`` is set, else the OS user.

    Returns None when the header is configured but absent: the request did not come through
    the authenticating proxy, and the app must not record a made-up name.
    """
    header = get_setting("user_header")
    if header:
        value = st.context.headers.get(header)
        return value.strip() if value and value.strip() else None
    return db.current_user()


def setup_page(title: str, icon: str) -> PageContext:
    """Set the page up and return its context; stops the page with a clear error if it cannot.

    Parameters
    ----------
    title : str
        Page title (browser tab and heading).
    icon : str
        An emoji (material icons make the browser fetch a favicon from the internet).
    """
    st.set_page_config(page_title=f"{title} · otrisk", page_icon=icon, layout="wide")
    try:
        url = database_url()
        user = current_user_name()
        if user is None:
            st.error(md_escape(
                f"Sign-in required: this deployment reads the user from the HTTP header "
                f"{get_setting('user_header')}, which this request does not carry. "
                "Open otrisk through the site's sign-in proxy."))
            st.stop()
        engine = engine_for(url)
        plant, revision = _stored_plant(url, db.plant_revision(engine))
    except OtriskError as exc:
        show_error(exc)
        st.stop()
    ctx = PageContext(url=url, engine=engine, plant=plant, revision=revision, user=user,
                      database=database_label(url))
    _sidebar(ctx)
    return ctx


#: The app's pages for a sidebar menu of our own, used only when Streamlit's menu is off
#: (``client.showSidebarNavigation = false``): Streamlit names the entry page after its
#: file ("app"), a page link can call it "Overview".
PAGES = (
    ("app.py", "Overview", "🛡️"),
    ("pages/1_Systems_and_dependencies.py", "Systems and dependencies", "🧩"),
    ("pages/2_Impact.py", "Impact", "🎯"),
    ("pages/3_Network_map.py", "Network map", "🕸️"),
    ("pages/4_program_map.py", "Program map", "🗺️"),
    ("pages/5_strengthen.py", "Strengthen first", "🏋️"),
    ("pages/6_nis2.py", "NIS2", "🇪🇺"),
    ("pages/7_evidence.py", "Evidence", "📎"),
    ("pages/8_progress.py", "Progress", "📈"),
    ("pages/9_zones_and_conduits.py", "Zones and conduits", "🧱"),
    ("pages/10_findings.py", "Findings", "🚩"),
    ("pages/11_configs.py", "Switch configs", "🔀"),
    ("pages/12_unknown_device.py", "Unknown device", "🔌"),
    ("pages/13_workshop.py", "Workshop", "👥"),
    ("pages/14_import_export.py", "Import and export", "🔁"),
)


def _sidebar(ctx: PageContext) -> None:
    side = st.sidebar
    if st.get_option("client.showSidebarNavigation") is False:
        try:
            for path, label, icon in PAGES:
                side.page_link(path, label=label, icon=icon)
        except StreamlitPageNotFoundError:
            # A page run as its own entry script (AppTest, `streamlit run pages/x.py`)
            # knows no other pages; the menu only exists under `streamlit run app.py`.
            pass
        side.divider()
    side.markdown(f"**{md_escape(ctx.plant.site.name)}**")
    side.caption(
        f"Revision {ctx.revision}  \n"
        f"{md_code(ctx.database)}  \n"
        f"User: {md_escape(ctx.user)}"
    )
