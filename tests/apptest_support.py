"""AppTest helpers shared by the page tests: a fresh database per test, run a page, find a frame.

Import the fixtures into a test module (``from apptest_support import db_url, engine, run``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from otrisk import db

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "pages"


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    """A fresh SQLite database for one test, with every Streamlit cache cleared around it."""
    url = f"sqlite:///{tmp_path / 'otrisk.db'}"
    monkeypatch.setenv("OTRISK_DATABASE_URL", url)
    monkeypatch.delenv("OTRISK_USER_HEADER", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()  # disposes the pages' engines (on_release)


@pytest.fixture
def engine(db_url):
    """An engine of the test's database, for arranging and checking what is stored."""
    eng = db.make_engine(db_url)
    db.init_db(eng)
    yield eng
    eng.dispose()


def run(path: Path) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, column: str):
    """The first dataframe on the page that has ``column``."""
    for df in at.dataframe:
        value = df.value
        if column in value.columns:
            return value
    raise AssertionError(f"no dataframe with a {column!r} column")


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def editor_state(edited=None, added=None, deleted=None) -> dict:
    return {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}


