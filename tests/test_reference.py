"""otrisk.reference: packaged data read through importlib.resources, with the source-tree
fallback, cached parses handed out as copies."""

from __future__ import annotations

import pytest

import otrisk.reference as reference
from conftest import ROOT
from otrisk.models import AXES, Plant


@pytest.fixture(autouse=True)
def _fresh_caches():
    reference._clear_caches()
    yield
    reference._clear_caches()


def test_impact_scale_has_five_levels_per_axis():
    scale = reference.impact_scale()
    assert list(scale) == list(AXES)
    for axis, levels in scale.items():
        assert list(levels) == [1, 2, 3, 4, 5], axis
        assert all(isinstance(text, str) and text for text in levels.values())
        assert len(set(levels.values())) == 5, f"{axis}: every level has its own wording"


def test_impact_scale_file_states_the_unknown_rule_and_calibration():
    text = reference.data_text("impact_scale.yaml")
    assert "unknown, not low" in text
    assert "illustrative" in text and "Calibrate" in text


def test_impact_scale_returns_a_copy():
    scale = reference.impact_scale()
    scale["safety"][5] = "changed"
    scale.pop("delivery")
    again = reference.impact_scale()
    assert again["safety"][5] != "changed"
    assert "delivery" in again


def test_demo_plant_is_validated_and_copied():
    plant = reference.load_demo_plant()
    assert isinstance(plant, Plant)
    plant.assets.clear()
    plant.site.name = "changed"
    again = reference.load_demo_plant()
    assert len(again.assets) >= 60
    assert again.site.name != "changed"


def test_source_tree_fallback_when_otrisk_data_is_not_importable(monkeypatch):
    # Run from a source tree, otrisk.data does not exist; data/ next to otrisk/ is read.
    monkeypatch.setattr(reference, "_PACKAGE", "otrisk.no_such_data_package")
    assert reference._data_root() == reference._SOURCE_DATA_DIR
    expected = (reference._SOURCE_DATA_DIR / "demo_plant.yaml").read_text(encoding="utf-8")
    assert reference.demo_plant_text() == expected
    assert reference.load_demo_plant().format == "otrisk/v1"
    assert len(reference.impact_scale()) == 3


def test_installed_package_is_preferred(tmp_path, monkeypatch):
    package = tmp_path / "fake_otrisk_data"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "demo_plant.yaml").write_text("format: otrisk/v1\nsite: {name: Installed}\n", encoding="utf-8")
    for name in ("iec62443_2_1.yaml", "nis2.yaml"):  # every plant load checks ids against them
        (package / name).write_text((ROOT / "data" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (package / "sub").mkdir()
    (package / "sub" / "note.md").write_text("nested", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(reference, "_PACKAGE", "fake_otrisk_data")
    assert reference.load_demo_plant().site.name == "Installed"
    assert reference.data_text("sub/note.md") == "nested"


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../pyproject.toml", "a/../b.yaml", "a\\b.yaml", "a//b"])
def test_data_text_refuses_names_outside_data(name):
    with pytest.raises(ValueError):
        reference.data_text(name)


def test_data_text_missing_file():
    with pytest.raises(FileNotFoundError, match="no_such_file.yaml"):
        reference.data_text("no_such_file.yaml")


@pytest.mark.parametrize("bad, says", [
    ("  - {id: food, annex: II, name: Production, processing and distribution of food}",
     "sector food: keys must be id, annex, name, sub_sectors"),
    ("      - {id: EVENT 1, rationale: Detection, reporting and response.}",
     "article_21_2 b: each element link needs exactly id and rationale"),
])
def test_nis2_text_split_at_an_unquoted_comma_is_refused(tmp_path, monkeypatch, bad, says):
    from otrisk.errors import OtriskError

    text = (ROOT / "data" / "nis2.yaml").read_text(encoding="utf-8")
    key = bad.split("{id: ")[1].split(",")[0]
    lines = [bad if f"{{id: {key}," in line else line for line in text.splitlines()]
    assert lines != text.splitlines()
    name = f"bad_otrisk_data_{key.replace(' ', '_').lower()}"  # a module per case: imports are cached
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "nis2.yaml").write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(reference, "_PACKAGE", name)
    with pytest.raises(OtriskError, match=says):
        reference.nis2()
