"""Device roles → asset types (otrisk.deviceroles), on Malcolm's real NetBox role list."""

from __future__ import annotations

import pytest
import yaml
from conftest import realdata

from otrisk.deviceroles import (
    ROLE_ALIASES,
    ROLE_TYPES,
    normalize_role,
    role_to_asset_type,
)
from otrisk.models import AssetType

TYPES = {t.value for t in AssetType}


def _malcolm_roles() -> list[dict]:
    return yaml.safe_load(realdata("malcolm/device_roles.yml").read_bytes())


def test_every_malcolm_role_maps_by_name_and_by_slug():
    roles = _malcolm_roles()
    assert len(roles) == 72
    for role in roles:
        by_name, by_slug = role_to_asset_type(role["name"]), role_to_asset_type(role["slug"])
        assert by_name == by_slug, role
        assert by_name[0] in TYPES, role
        assert not by_name[1].startswith("unknown role"), role
    # the table is exactly Malcolm's roles, nothing invented, nothing missing
    assert set(ROLE_TYPES) == {normalize_role(r["slug"]) for r in roles}


@pytest.mark.parametrize(("role", "expected"), [
    ("PLC", "plc"),
    ("RTU", "rtu"),
    ("IED", "plc"),
    ("HMI", "hmi"),
    ("EWS", "ews"),
    ("Historian", "historian"),
    ("DCS", "scada"),
    ("SCADA", "scada"),
    ("SCADA client", "hmi"),
    ("VFD", "drive"),
    ("Safety automation system", "sis"),
    ("switch-l2", "switch"),
    ("Switch L3", "switch"),
    ("Router", "switch"),
    ("Firewall", "firewall"),
    ("IPS", "firewall"),
    ("IDS", "server"),
    ("KVM", "other"),
    ("IIoT", "iiot"),
    ("Cloud server", "service"),
    ("Virtual Machine Server", "server"),
    ("Workstation", "other"),
])
def test_hand_checked_roles(role, expected):
    assert role_to_asset_type(role)[0] == expected


@pytest.mark.parametrize("spelling", ["plc", "PLC", " plc ", "Programmable logic controller",
                                      "programmable_logic_controller"])
def test_spellings_of_one_role(spelling):
    assert role_to_asset_type(spelling) == ROLE_TYPES["plc"]


def test_our_own_type_names_are_accepted():
    for t in sorted(TYPES):
        assert role_to_asset_type(t)[0] == t


@pytest.mark.parametrize("unknown", ["coffee machine", "", "   ", "PLC 2"])
def test_unknown_roles_are_other_with_a_reason(unknown):
    found, reason = role_to_asset_type(unknown)
    assert found == "other" and reason


def test_table_names_only_real_types():
    assert {t for t, _ in ROLE_TYPES.values()} <= TYPES
    assert set(ROLE_ALIASES.values()) <= set(ROLE_TYPES)
    assert all(reason.strip() for _, reason in ROLE_TYPES.values())
