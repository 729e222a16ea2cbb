"""Settings: one documented table; a setting missing from the docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from otrisk.errors import OtriskError
from otrisk.settings import SETTINGS, database_url, get_setting, settings_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_docs_settings_md_is_generated_from_the_table():
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == settings_markdown(), \
        "regenerate with: python -m otrisk.settings > docs/settings.md"


def test_every_setting_is_documented_with_help():
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert s.help.strip(), s.name
        assert f"`{s.env}`" in doc


def test_every_otrisk_variable_used_in_code_is_a_setting():
    """No OTRISK_* variable is read anywhere in the product without being in the table."""
    known = {s.env for s in SETTINGS}
    used = set()
    for path in list((ROOT / "otrisk").rglob("*.py")) + [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        if path.exists():
            used |= set(re.findall(r"OTRISK_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert used - known == set()


def test_every_get_setting_call_names_a_setting():
    names = {s.name for s in SETTINGS}
    for path in (ROOT / "otrisk").rglob("*.py"):
        for name in re.findall(r"get_setting\(\"([a-z0-9_]+)\"\)", path.read_text(encoding="utf-8")):
            assert name in names, f"{path}: get_setting({name!r})"


def test_units_in_names():
    for s in SETTINGS:
        if s.type is int:
            assert re.search(r"_(bytes|ms|seconds|days|nodes|count)$", s.name), s.name


def test_env_parsing(monkeypatch):
    monkeypatch.setenv("OTRISK_PLANT_FILE_MAX_BYTES", "1_000")
    assert get_setting("plant_file_max_bytes") == 1000
    monkeypatch.setenv("OTRISK_SEED_DEMO", "off")
    assert get_setting("seed_demo") is False
    monkeypatch.setenv("OTRISK_SEED_DEMO", "maybe")
    with pytest.raises(OtriskError, match="OTRISK_SEED_DEMO='maybe': expected true or false"):
        get_setting("seed_demo")
    monkeypatch.setenv("OTRISK_PLANT_FILE_MAX_BYTES", "lots")
    with pytest.raises(OtriskError, match="expected a whole number"):
        get_setting("plant_file_max_bytes")


def test_default_database_is_sqlite_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("OTRISK_DATABASE_URL", raising=False)
    monkeypatch.setenv("OTRISK_DATA_DIR", str(tmp_path / "d"))
    assert database_url() == f"sqlite:///{tmp_path / 'd' / 'otrisk.db'}"
    assert (tmp_path / "d").is_dir()
