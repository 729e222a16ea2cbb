"""Shared test helpers.

Tests that need something outside the project (the real data in ../shared/realdata,
a PostgreSQL server, Debian's chromium) call :func:`need` which skips with a clear
reason on a laptop, and fails instead when ``OTRISK_REQUIRE_ALL=1`` (set by .ci/run).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("OTRISK_REALDATA", ROOT.parent / "shared" / "realdata"))
REQUIRE_ALL = os.environ.get("OTRISK_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip (or, under OTRISK_REQUIRE_ALL=1, fail) unless ``condition`` holds."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"OTRISK_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


def realdata(relative: str) -> Path:
    """Path of a real public file under ../shared/realdata, or skip/fail with the reason."""
    path = REALDATA / relative
    need(path.exists(), f"real data file {path} is absent (see ../shared/realdata/SOURCES.md)")
    return path


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Never touch the user's real data folder or database from a test."""
    if "OTRISK_DATA_DIR" not in os.environ:
        monkeypatch.setenv("OTRISK_DATA_DIR", str(tmp_path_factory.mktemp("otrisk-data")))
    yield
