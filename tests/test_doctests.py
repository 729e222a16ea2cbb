"""The examples in the domain modules' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import otrisk

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(otrisk.__path__, "otrisk.")
    if not m.name.startswith(("otrisk.ui", "otrisk.migrations")) and m.name != "otrisk.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_engine_modules_have_examples():
    for name in ("otrisk.impact", "otrisk.priority", "otrisk.plantfile"):
        assert doctest.testmod(importlib.import_module(name)).attempted > 0, name
