"""Switch configurations: parsing (otrisk.configs) and the semantic diff (otrisk.configdiff).

Expected values were read by hand in the real files under ../shared/realdata; the lines
they come from are quoted next to each assertion.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import realdata

from otrisk.configdiff import diff_devices
from otrisk.configs import (
    ALL_VLANS,
    ConfigError,
    carried_vlans,
    load_configs,
    parse_config,
    parse_vlan_list,
)
from otrisk.errors import OtriskError


def _text(relative: str) -> str:
    # read_bytes keeps the CRLF line endings of sample_04.ios (read_text would drop them).
    return realdata(relative).read_bytes().decode("utf-8")


# ---------------------------------------------------------------- real files


@pytest.mark.realdata
def test_ios_sample_04_facts():
    text = _text("ciscoconfparse/sample_04.ios")
    assert "\r\n" in text
    dev = parse_config(text, name="sample_04.ios")
    assert (dev.device, dev.key, dev.platform) == ("Foo", "foo", "ios")  # "hostname Foo"
    assert dev.vlans == {}  # no "vlan N" stanza in the file
    assert dev.ip_routing is False  # no "ip routing" line
    # 36 GigabitEthernet stanzas (1/1, 1/2, 2/1, 2/2, 3/1-3/16, 4/1-4/16) and Loopback0
    assert len(dev.ports) == 37
    # interface GigabitEthernet3/1 / no ip address / switchport / switchport access vlan 100
    p = dev.ports["GigabitEthernet3/1"]
    assert (p.mode, p.switchport, p.access_vlan, p.shutdown) == ("access", True, 100, False)
    assert carried_vlans(p) == {100}
    # interface GigabitEthernet3/3 / no ip address / shutdown / switchport / switchport access vlan 100
    p = dev.ports["GigabitEthernet3/3"]
    assert (p.access_vlan, p.shutdown, carried_vlans(p)) == (100, True, frozenset())
    # interface GigabitEthernet4/6 / shutdown / switchport / switchport access vlan 105
    assert dev.ports["GigabitEthernet4/6"].access_vlan == 105
    # interface GigabitEthernet1/1 / no ip address / switchport   (no VLAN line: VLAN 1)
    p = dev.ports["GigabitEthernet1/1"]
    assert (p.mode, p.access_vlan, carried_vlans(p)) == ("access", 1, {1})
    # interface GigabitEthernet1/2 / no ip address / shutdown   (not a switchport)
    p = dev.ports["GigabitEthernet1/2"]
    assert (p.mode, p.switchport, p.shutdown, carried_vlans(p)) == (None, False, True, frozenset())
    # interface Vlan1 / ip address 172.24.8.2 255.255.255.0
    assert list(dev.svis) == [1]
    assert dev.svis[1].ip_addresses == ("172.24.8.2/24",)
    assert dev.changed_at is None  # no "! Last configuration change" line
    assert [p for p in dev.ports if dev.ports[p].access_vlan == 103] == [
        "GigabitEthernet3/13", "GigabitEthernet3/14", "GigabitEthernet3/15",
        "GigabitEthernet3/16", "GigabitEthernet4/10", "GigabitEthernet4/13",
    ]


@pytest.mark.realdata
def test_nxos_sample_01_facts():
    dev = parse_config(_text("ciscoconfparse/sample_01.nxos"), name="sample_01.nxos")
    assert (dev.device, dev.platform) == ("sample_nxos_01", "nxos")  # "hostname sample_nxos_01"
    assert dev.ip_routing is True  # "feature interface-vlan"
    # "vlan 1" … "vlan 3505": 23 VLAN stanzas, none named
    assert sorted(dev.vlans) == [1, 8, 249, 400, 403, 404, 405, 550, 551, 552, 600, 700, 900, 997,
                                 3237, 3238, 3239, 3305, 3308, 3336, 3339, 3405, 3505]
    assert set(dev.vlans.values()) == {None}
    # interface port-channel3991 / switchport / switchport mode trunk / switchport trunk allowed vlan 11
    p = dev.ports["Port-channel3991"]
    assert (p.mode, p.trunk_vlans, p.native_vlan) == ("trunk", {11}, 1)
    # interface port-channel3291 / shutdown / switchport / switchport access vlan 2002
    p = dev.ports["Port-channel3291"]
    assert (p.mode, p.access_vlan, p.shutdown, carried_vlans(p)) == ("access", 2002, True, frozenset())
    # interface port-channel50 / switchport / switchport mode trunk   (no allowed list: all)
    assert dev.ports["Port-channel50"].trunk_vlans == ALL_VLANS
    # interface Ethernet1/48 / vrf member vpc-keepalive / ip address 10.255.255.1/30 / no shutdown
    p = dev.ports["Ethernet1/48"]
    assert (p.mode, p.switchport, p.ip_addresses) == ("routed", False, ("10.255.255.1/30",))
    # interface Ethernet2/1 / switchport / switchport mode fex-fabric
    assert dev.ports["Ethernet2/1"].mode == "trunk"
    # interface port-channel80.1 / encapsulation dot1q 3051 / ip address 10.10.200.133/30
    assert dev.ports["Port-channel80.1"].ip_addresses == ("10.10.200.133/30",)
    # interface Vlan8 / no shutdown / … / ip address 192.168.254.1/30
    assert dev.svis[8].ip_addresses == ("192.168.254.1/30",)
    assert dev.svis[1].ip_addresses == ()  # "interface Vlan1" with no lines
    assert list(dev.ports)[:3] == ["Ethernet1/48", "Ethernet2/1", "Ethernet2/2"]  # natural order


@pytest.mark.realdata
def test_junos_sample_01_facts():
    dev = parse_config(_text("ciscoconfparse/sample_01.junos"), name="sample_01.junos")
    assert (dev.device, dev.platform) == ("TEST01_EX", "junos")  # "host-name TEST01_EX;"
    # vlans { Management { vlan-id 1; … } VLAN_FOO { vlan-id 5; } vlan1 { vlan-id 1; …} vlan800 {…} }
    assert dev.vlans == {1: "Management", 5: "VLAN_FOO", 800: "vlan800"}
    # ge-0/0/0 { unit 0 { family ethernet-switching { port-mode access; vlan { members VLAN_FOO; }
    p = dev.ports["ge-0/0/0"]
    assert (p.mode, p.access_vlan) == ("access", 5)
    # ge-0/0/1 { … port-mode trunk; vlan { members all; } native-vlan-id 1;
    p = dev.ports["ge-0/0/1"]
    assert (p.mode, p.trunk_vlans, p.native_vlan) == ("trunk", ALL_VLANS, 1)
    # Management { interface { ge-0/0/2.0; ge-0/0/3.0; } }: access ports of VLAN 1
    assert dev.ports["ge-0/0/2"].access_vlan == 1
    assert list(dev.ports) == ["ge-0/0/0", "ge-0/0/1", "ge-0/0/2", "ge-0/0/3"]
    # vlan1 { vlan-id 1; l3-interface vlan.1; }  (unit 1 has no address in the file)
    assert list(dev.svis) == [1] and dev.ip_routing is True


@pytest.mark.realdata
def test_hier_config_pair_vlan_and_svi_changes():
    before = parse_config(_text("hier_config/running_config.conf"), name="running_config.conf")
    after = parse_config(_text("hier_config/generated_config.conf"), name="generated_config.conf")
    assert before.device == after.device == "aggr-example.rtr"
    changed_ports, other = diff_devices(before, after)
    assert changed_ports == []  # only Vlan interfaces in both files
    # By hand: vlan 3 name …10.0.4.0/24 → …10.0.3.0/24; vlan 4 added; Vlan2 gains
    # "ip access-group TEST in" and goes from "shutdown" to "no shutdown"; Vlan3's
    # "ip address 10.0.4.1 255.255.0.0" becomes 10.0.3.1; interface Vlan4 added.
    # (mtu and description changes are not reported.)
    assert [(c["kind"], c["subject"], c["text"]) for c in other] == [
        ("svi_access_groups", "Vlan2", "Vlan2: access groups none → TEST in"),
        ("svi_added", "Vlan4", "Vlan4: SVI added (10.0.4.1/16)"),
        ("svi_addresses", "Vlan3", "Vlan3: addresses 10.0.4.1/16 → 10.0.3.1/16"),
        ("svi_shutdown", "Vlan2", "Vlan2: enabled (no shutdown)"),
        ("vlan_added", "VLAN 4", "VLAN 4 added (switch_mgmt_10.0.4.0/24)"),
        ("vlan_renamed", "VLAN 3", "VLAN 3 renamed switch_mgmt_10.0.4.0/24 → switch_mgmt_10.0.3.0/24"),
    ]
    assert {c["device"] for c in other} == {"aggr-example.rtr"}


# ---------------------------------------------------------------- sample_04 edited


def _stanza(text: str, name: str) -> str:
    """The ``interface NAME`` stanza of a CRLF file, up to and excluding its ``!``."""
    start = text.index(f"interface {name}\r\n")
    return text[start:text.index("!\r\n", start)]


@pytest.mark.realdata
def test_port_moved_to_another_vlan_is_a_changed_port():
    text = _text("ciscoconfparse/sample_04.ios")
    old = _stanza(text, "GigabitEthernet3/2")
    edited = text.replace(old, old.replace("switchport access vlan 100", "switchport access vlan 101"))
    changed, other = diff_devices(parse_config(text, name="a"), parse_config(edited, name="b"))
    assert [(c["port"], c["before"]["access_vlan"], c["after"]["access_vlan"]) for c in changed] == [
        ("GigabitEthernet3/2", 100, 101)
    ]
    assert changed[0]["device"] == "Foo" and other == []


def _with_trunk(text: str, allowed_lines: str, name: str = "GigabitEthernet3/16") -> str:
    old = _stanza(text, "GigabitEthernet3/16")
    new = (f"interface {name}\r\n no ip address\r\n switchport\r\n switchport mode trunk\r\n"
           f"{allowed_lines}")
    return text.replace(old, new)


@pytest.mark.realdata
def test_trunk_allowed_vlan_add_is_a_changed_port():
    text = _text("ciscoconfparse/sample_04.ios")
    before = _with_trunk(text, " switchport trunk allowed vlan 100-103\r\n")
    after = _with_trunk(text, " switchport trunk allowed vlan 100-103\r\n"
                              " switchport trunk allowed vlan add 105\r\n")
    changed, other = diff_devices(parse_config(before, name="a"), parse_config(after, name="b"))
    assert len(changed) == 1 and other == []
    assert changed[0]["port"] == "GigabitEthernet3/16"
    assert changed[0]["before"]["trunk_vlans"] == "100-103"
    assert changed[0]["after"]["trunk_vlans"] == "100-103,105"
    assert changed[0]["after"]["mode"] == "trunk" and changed[0]["after"]["access_vlan"] is None


@pytest.mark.realdata
def test_reordered_and_respelled_copy_is_no_change():
    text = _text("ciscoconfparse/sample_04.ios")
    before = _with_trunk(text, " switchport trunk allowed vlan 100-103,105\r\n")
    # Same meaning: short names, the list split into "add" lines, stanzas in reverse order.
    after = _with_trunk(text, " switchport trunk allowed vlan 100,101-103\r\n"
                              " switchport trunk allowed vlan add 105\r\n", name="Gi3/16")
    after = after.replace("interface GigabitEthernet3/7\r\n", "interface Gi3/7\r\n")
    stanzas = [_stanza(after, f"GigabitEthernet3/{n}") for n in (8, 9, 10)]
    for s in stanzas:
        after = after.replace(s, "")
    after = after.replace("interface Vlan1\r\n", "".join(reversed(stanzas)) + "interface Vlan1\r\n")
    a, b = parse_config(before, name="a"), parse_config(after, name="b")
    assert b.ports["GigabitEthernet3/16"].trunk_vlans == {100, 101, 102, 103, 105}
    assert b.ports["GigabitEthernet3/7"].access_vlan == 101
    assert diff_devices(a, b) == ([], [])


# ---------------------------------------------------------------- hand-made cases


def test_ios_defaults_access_vlan_1_and_trunk_all():
    dev = parse_config(
        "hostname SW1\n"
        "interface GigabitEthernet1/0/5\n switchport mode access\n"
        "interface GigabitEthernet1/0/6\n switchport mode trunk\n"
        "interface GigabitEthernet1/0/7\n switchport mode trunk\n switchport trunk allowed vlan none\n"
        "interface GigabitEthernet1/0/8\n switchport mode trunk\n switchport trunk allowed vlan except 2-4094\n",
        name="sw1.cfg",
    )
    assert dev.ports["GigabitEthernet1/0/5"].access_vlan == 1
    assert dev.ports["GigabitEthernet1/0/6"].trunk_vlans == ALL_VLANS
    assert dev.ports["GigabitEthernet1/0/6"].native_vlan == 1
    assert dev.ports["GigabitEthernet1/0/7"].trunk_vlans == frozenset()
    assert dev.ports["GigabitEthernet1/0/8"].trunk_vlans == {1}


def test_voice_vlan_remove_and_shutdown():
    dev = parse_config(
        "hostname SW1\n"
        "interface Gi1/0/1\n switchport access vlan 10\n switchport voice vlan 20\n"
        "interface Gi1/0/2\n switchport mode trunk\n switchport trunk allowed vlan remove 2-4094\n"
        "interface Gi1/0/3\n switchport mode trunk\n switchport trunk allowed vlan 10,20\n shutdown\n",
        name="sw1.cfg",
    )
    assert carried_vlans(dev.ports["GigabitEthernet1/0/1"]) == {10, 20}
    assert carried_vlans(dev.ports["GigabitEthernet1/0/2"]) == {1}
    assert dev.ports["GigabitEthernet1/0/3"].trunk_vlans == {10, 20}
    assert carried_vlans(dev.ports["GigabitEthernet1/0/3"]) == frozenset()


def test_crlf_and_one_space_indented_headers():
    text = ("hostname Cell3-SW\r\n!\r\n interface Fa0/6\r\n switchport access vlan 30\r\n!\r\n"
            " interface Fa0/7\r\n switchport mode trunk\r\n switchport trunk allowed vlan 30,40\r\n"
            "!\r\n vlan 30\r\n  name PLC\r\n")
    dev = parse_config(text, name="cell3.cfg")
    assert dev.device == "Cell3-SW"
    assert dev.ports["FastEthernet0/6"].access_vlan == 30
    assert dev.ports["FastEthernet0/7"].trunk_vlans == {30, 40}
    assert dev.vlans == {30: "PLC"}


def test_nxos_port_profile_is_inherited_and_named():
    # The VmWare profile's lines from sample_01.nxos, inherited by a port.
    text = ("hostname N1\nfeature lacp\n"
            "port-profile type ethernet VmWare\n  switchport\n  switchport mode trunk\n"
            "  switchport trunk allowed vlan 11,14-15,192\n  switchport trunk allowed vlan add 2064\n"
            "  no shutdown\n  state enabled\n"
            "interface Ethernet1/1\n  inherit port-profile VmWare\n"
            "interface Ethernet1/2\n  inherit port-profile VmWare\n  switchport trunk allowed vlan 11\n")
    dev = parse_config(text, name="n1.cfg")
    assert dev.platform == "nxos" and dev.ip_routing is False
    assert dev.ports["Ethernet1/1"].profile == "VmWare"
    assert dev.ports["Ethernet1/1"].trunk_vlans == {11, 14, 15, 192, 2064}
    assert dev.ports["Ethernet1/2"].trunk_vlans == {11}


def test_junos_set_syntax_and_ip_address_routed():
    text = ("set system host-name ex1\n"
            "set vlans PLC vlan-id 30\nset vlans HMI vlan-id 40\n"
            "set interfaces ge-0/0/4 unit 0 family ethernet-switching interface-mode trunk\n"
            "set interfaces ge-0/0/4 unit 0 family ethernet-switching vlan members [ PLC 40 ]\n"
            "set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members PLC\n"
            "set interfaces ge-0/0/5 disable\n"
            "set interfaces ge-0/0/6 unit 0 family inet address 10.0.0.1/30\n")
    dev = parse_config(text, name="ex1.set")
    assert (dev.device, dev.platform, dev.vlans) == ("ex1", "junos", {30: "PLC", 40: "HMI"})
    assert dev.ports["ge-0/0/4"].trunk_vlans == {30, 40}
    assert (dev.ports["ge-0/0/5"].access_vlan, carried_vlans(dev.ports["ge-0/0/5"])) == (30, frozenset())
    assert dev.ports["ge-0/0/6"].mode == "routed"


def test_junos_braces_with_narrow_indentation():
    # hier-config's Junos driver goes by indentation and loses "interfaces ge-0/0/1 unit 0"
    # here; the braces say it all.
    text = ("system {\n host-name ex2;\n}\ninterfaces {\n ge-0/0/1 {\n  unit 0 {\n"
            "   family ethernet-switching {\n    interface-mode trunk;\n"
            "    vlan {\n     members [ 10 20-22 ];\n    }\n   }\n  }\n }\n}\n")
    dev = parse_config(text, name="ex2.conf")
    assert dev.device == "ex2"
    assert dev.ports["ge-0/0/1"].trunk_vlans == {10, 20, 21, 22}


def test_changed_at_is_utc():
    dev = parse_config("! Last configuration change at 10:15:02 UTC Mon Nov 3 2026 by x\n"
                       "hostname SW1\n", name="sw1.cfg")
    assert dev.changed_at == datetime(2026, 11, 3, 10, 15, 2, tzinfo=UTC)
    cet = parse_config("! Last configuration change at 10:15:02 CET Mon Nov 3 2026 by x\n"
                       "hostname SW1\nclock timezone CET 1 0\n", name="sw1.cfg")
    assert cet.changed_at == datetime(2026, 11, 3, 9, 15, 2, tzinfo=UTC)
    ambiguous = parse_config("! Last configuration change at 10:15:02 CST Mon Nov 3 2026\nhostname S\n",
                             name="s.cfg")
    assert ambiguous.changed_at is None


def test_routed_and_ip_routing_changes_are_other_changes():
    a = parse_config("hostname R\ninterface Gi0/1\n no switchport\n ip address 10.0.0.1 255.255.255.0\n",
                     name="a")
    b = parse_config("ip routing\nhostname R\ninterface Gi0/1\n no switchport\n"
                     " ip address 10.0.0.1 255.255.255.0\n ip access-group 101 in\n", name="b")
    changed, other = diff_devices(a, b)
    assert changed == []
    assert [c["text"] for c in other] == ["ip routing enabled",
                                          "GigabitEthernet0/1: access groups none → 101 in"]


def test_added_and_removed_ports_have_null_side():
    a = parse_config("hostname S\ninterface Gi1/0/1\n switchport access vlan 10\n", name="a")
    b = parse_config("hostname S\ninterface Gi1/0/2\n switchport access vlan 10\n", name="b")
    changed, _ = diff_devices(a, b)
    assert [(c["port"], c["before"] is None, c["after"] is None) for c in changed] == [
        ("GigabitEthernet1/0/1", False, True), ("GigabitEthernet1/0/2", True, False)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (b"\r\n  \n", "is empty"),
        (b"\x00\x01\x02PK\x03\x04binary", "binary"),
        (b"version 15.2\nservice timestamps debug", "no hostname and no interface"),
        (b"hello world\nthis is not a switch config\n", "no hostname and no interface"),
        (b"system {\n    host-name ex1;\n    services {\n", "braces do not balance"),
        (b"hostname S\ninterface Gi1/0/1\n switchport trunk allowed vlan 10-x\n", "not a VLAN list"),
        (b"hostname S\ninterface Gi1/0/1\n switchport\ninterface Gi1/0/1\n shutdown\n", "duplicate section"),
        (b"system {\n    host-name ex1\n}\n", "not Junos syntax"),
    ],
    ids=["empty", "blank", "binary", "truncated-ios", "unknown", "truncated-junos", "bad-vlan-list",
         "duplicate-stanza", "junos-missing-semicolon"],
)
def test_unreadable_file_names_the_file(tmp_path, content, reason):
    path = tmp_path / "broken-switch.cfg"
    path.write_bytes(content)
    with pytest.raises(OtriskError) as err:
        load_configs(path)
    assert isinstance(err.value, ConfigError)
    assert "broken-switch.cfg" in str(err.value) and reason in str(err.value)


def test_folder_duplicate_device_ids_name_both_files(tmp_path):
    (tmp_path / "a.cfg").write_text("hostname Cell-SW1\ninterface Gi1/0/1\n switchport\n")
    (tmp_path / "b.cfg").write_text("hostname cell-sw1\ninterface Gi1/0/2\n switchport\n")
    with pytest.raises(ConfigError) as err:
        load_configs(tmp_path)
    assert "a.cfg" in str(err.value) and "b.cfg" in str(err.value)


def test_folder_ids_fall_back_to_file_stem(tmp_path):
    (tmp_path / "Cell2-SW.cfg").write_text("interface Gi1/0/1\n switchport access vlan 20\n")
    (tmp_path / "core.cfg").write_text("hostname CORE\n")
    devs = load_configs(tmp_path)
    assert list(devs) == ["cell2-sw", "core"]
    assert devs["cell2-sw"].device == "Cell2-SW"
    assert devs["cell2-sw"].ports["GigabitEthernet1/0/1"].access_vlan == 20


def test_parse_vlan_list_rejects_garbage():
    assert parse_vlan_list("1-3, 4094") == {1, 2, 3, 4094}
    with pytest.raises(ValueError):
        parse_vlan_list("ten")


# ---------------------------------------------------------------- defaults and bad VLAN values (trial)


def test_unconfigured_catalyst_port_is_an_access_port_in_vlan_1():
    dev = parse_config("hostname A\ninterface GigabitEthernet1/0/9\n!\ninterface GigabitEthernet1/0/10\n"
                       " switchport access vlan 30\n", name="a.cfg")
    p = dev.ports["GigabitEthernet1/0/9"]
    assert (p.mode, p.switchport, p.access_vlan, carried_vlans(p)) == ("access", True, 1, {1})


def test_a_bare_switchport_line_means_ports_are_routed_by_default():
    dev = parse_config("hostname B\ninterface GigabitEthernet1/1\n no ip address\n!\ninterface GigabitEthernet1/2\n"
                       " switchport\n switchport access vlan 30\n", name="b.cfg")
    assert carried_vlans(dev.ports["GigabitEthernet1/1"]) == frozenset()
    assert carried_vlans(dev.ports["GigabitEthernet1/2"]) == {30}


@pytest.mark.parametrize(("line", "message"), [
    ("switchport access vlan abc", "'abc' is not a VLAN id 1..4094"),
    ("switchport access vlan 5000", "'5000' is not a VLAN id 1..4094"),
    ("switchport trunk native vlan 0", "'0' is not a VLAN id 1..4094"),
    ("switchport trunk allowed vlan 10-", "not a VLAN list: '10-'"),
    ("switchport trunk allowed vlan 20-10", "a range goes upwards"),
])
def test_bad_vlan_values_are_refused_naming_file_and_line(line, message):
    with pytest.raises(ConfigError) as err:
        parse_config(f"hostname C\ninterface GigabitEthernet1/0/3\n switchport mode trunk\n {line}\n", name="c.cfg")
    assert "c.cfg" in str(err.value) and message in str(err.value)


def test_voice_vlan_keywords_carry_no_voice_vlan():
    dev = parse_config("hostname D\ninterface Gi1/0/1\n switchport access vlan 10\n switchport voice vlan dot1p\n",
                       name="d.cfg")
    assert carried_vlans(dev.ports["GigabitEthernet1/0/1"]) == {10}
