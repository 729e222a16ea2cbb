"""Pasted Cisco IOS show outputs (otrisk.showparse).

The real files under ../shared/realdata are compared with the answers their projects ship:
napalm's ``expected_result.json`` and the ntc-templates ``.yml`` ``parsed_sample``. Where we
deliberately differ (non-interface ports, the 4500 multicast section), the difference is
asserted exactly, not hidden.
"""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import realdata

from otrisk.configs import parse_vlan_list, port_name
from otrisk.errors import OtriskError
from otrisk.showparse import (
    MacEntry,
    ShowOutputError,
    load_show_outputs,
    normalize_mac,
    parse_show_outputs,
)

NAPALM = "napalm/ios/test_get_mac_address_table"
NTC = "ntc-templates/cisco_ios"


def _rows(out):
    return {(e.mac, e.vlan, e.port, e.static) for e in out.mac_entries}


def _sample(relative: str) -> list[dict]:
    return yaml.safe_load(realdata(relative).read_text())["parsed_sample"]


# ---------------------------------------------------------------- napalm MAC tables


@pytest.mark.realdata
@pytest.mark.parametrize(("case", "count", "only_napalm"), [
    # 20 "All … CPU" rows (napalm: vlan 0, interface "") are not ports; 22 Fa0/x rows remain.
    ("3560_format", 22, set()),
    # napalm reads the two "Te5/1  0078.88e7.5a3f  static … Switch" rows as on interface
    # Te5/1 / Te6/1 (the VLAN column); the port is "Switch", so we drop them. napalm also
    # reads the multicast section (0100.5e7f.fffa in VLAN 2 on 22 ports + "Switch"), which
    # the ntc template ends at: we give unicast rows only.
    ("4500_format3", 4, {("00:78:88:e7:5a:3f", None, "TenGigabitEthernet5/1", True),
                         ("00:78:88:e7:5a:3f", None, "TenGigabitEthernet6/1", True)}
     | {("01:00:5e:7f:ff:fa", 2, port_name(p), False) for p in [
         "Gi1/35", "Gi1/45", "Gi1/46", "Gi1/47", "Gi2/1", "Gi2/3", "Gi2/7", "Gi2/12", "Gi2/17",
         "Gi2/21", "Gi2/23", "Gi2/30", "Gi3/2", "Gi3/5", "Gi3/7", "Gi3/9", "Gi3/12", "Gi3/17",
         "Gi3/18", "Gi4/38", "Gi4/40", "Gi4/44"]}),
    # 9 unicast rows + 3333.0000.00ff on 13 Gi ports (its Router/Switch/Stby-Switch: napalm "").
    ("6500_format3", 22, set()),
    # Vlan1/100/200 "Self" rows and Wlan-GigabitEthernet0 are interfaces: all 19 rows kept.
    ("normal", 19, set()),
])
def test_napalm_mac_tables(case, count, only_napalm):
    out = load_show_outputs(realdata(f"{NAPALM}/{case}/show_mac_address_table.txt"))
    expected = json.loads(realdata(f"{NAPALM}/{case}/expected_result.json").read_text())
    napalm = {(normalize_mac(r["mac"]), None if r["vlan"] == -1 else r["vlan"],
               port_name(r["interface"]), r["static"])
              for r in expected if r["interface"] not in ("", "Switch")}
    ours = _rows(out)
    assert len(ours) == len(out.mac_entries) == count
    assert napalm - ours == only_napalm
    assert ours - napalm == set()
    assert out.commands == ("mac address-table",)
    assert out.switch is None and out.switchports == {} and out.neighbors == ()


@pytest.mark.realdata
def test_napalm_4500_vlan_column_holds_a_port():
    out = load_show_outputs(realdata(f"{NAPALM}/4500_format3/show_mac_address_table.txt"))
    # "Te5/1     500f.80b5.4340   dynamic ip,ipx,assigned,other TenGigabitEthernet5/1"
    assert MacEntry("50:0f:80:b5:43:40", None, "TenGigabitEthernet5/1", False) in out.mac_entries
    # sorted by port in natural order: Gi8/8 before Gi8/35, then Te5/1, Te6/1
    assert [e.port for e in out.mac_entries] == [
        "GigabitEthernet8/8", "GigabitEthernet8/35", "TenGigabitEthernet5/1", "TenGigabitEthernet6/1"]


# ---------------------------------------------------------------- ntc-templates fixtures


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "rows", "router_rows", "unique"), [
    # Three "Earl" tables of one 6500 (CRLF): the same rows repeat, kept once.
    ("cisco_ios_show_mac-address-table8", 49, 3, 22),
    # Last row "728 0000.0000.0003 static Yes -" has no port at all (yml: []).
    ("cisco_ios_show_mac-address-table9", 31, 5, 25),
])
def test_ntc_mac_tables(name, rows, router_rows, unique):
    sample = _sample(f"{NTC}/show_mac-address-table/{name}.yml")
    assert len(sample) == rows
    assert sum(r["destination_port"] == ["Router"] for r in sample) == router_rows
    expected = {(normalize_mac(r["destination_address"]), int(r["vlan_id"]), port_name(p),
                 r["type"] != "dynamic")
                for r in sample for p in r["destination_port"] if p != "Router"}
    out = load_show_outputs(realdata(f"{NTC}/show_mac-address-table/{name}.raw"))
    assert _rows(out) == expected
    assert len(out.mac_entries) == unique


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "count"), [
    ("cisco_ios_show_interfaces_switchport", 7),
    # Despite its name this fixture prints "Voice VLAN: none" on all 5 ports.
    ("cisco_ios_show_interfaces_switchport_voice_vlan", 5),
])
def test_ntc_switchport(name, count):
    sample = _sample(f"{NTC}/show_interfaces_switchport/{name}.yml")
    out = load_show_outputs(realdata(f"{NTC}/show_interfaces_switchport/{name}.raw"))
    assert out.commands == ("interfaces switchport",)
    assert len(out.switchports) == len(sample) == count
    for row in sample:
        facts = out.switchports[port_name(row["interface"])]
        mode = {"trunk": "trunk", "static access": "access"}[row["mode"]]
        assert (facts.mode, facts.access_vlan, facts.native_vlan) == (
            mode, int(row["access_vlan"]), int(row["native_vlan"]))
        assert row["voice_vlan"] == "none" and facts.voice_vlan is None
        assert facts.trunk_vlans == parse_vlan_list(",".join(row["trunking_vlans"]))
    # Name: Gi0/2 / Administrative Mode: dynamic auto / Operational Mode: static access /
    # Access Mode VLAN: 100 (PLC1)
    facts = out.switchports["GigabitEthernet0/2"]
    assert (facts.mode, facts.access_vlan, len(facts.trunk_vlans)) == ("access", 100, 4094)


@pytest.mark.realdata
def test_ntc_lldp_neighbors_detail():
    sample = _sample(f"{NTC}/show_lldp_neighbors_detail/cisco_ios_show_lldp_neighbors_detail5.yml")
    out = load_show_outputs(
        realdata(f"{NTC}/show_lldp_neighbors_detail/cisco_ios_show_lldp_neighbors_detail5.raw"))
    assert out.commands == ("lldp neighbors detail",)
    # This output prints no "Local Intf:" line (yml: local_interface ""), so no local port.
    expected = {("", r["neighbor_name"] or r["chassis_id"],
                 r["neighbor_port_id"] or r["neighbor_interface"], r["neighbor_description"],
                 r["capabilities"], r["mgmt_address"], "lldp") for r in sample}
    got = {(n.local_port, n.name, n.remote_port, n.description, n.capabilities,
            n.management_ip, n.protocol) for n in out.neighbors}
    assert got == expected and len(out.neighbors) == 4
    # "System Name - not advertised": the Siemens S7-1200 is named by its chassis id.
    plc = next(n for n in out.neighbors if n.management_ip == "10.176.0.245")
    assert plc.name.startswith("S7-1200 ") and plc.remote_port == "port-001.ploobdfad"
    assert plc.capabilities == "B,S"


@pytest.mark.realdata
def test_ntc_cdp_neighbors_detail():
    sample = _sample(f"{NTC}/show_cdp_neighbors_detail/cisco_ios_show_cdp_neighbors_detail.yml")
    out = load_show_outputs(
        realdata(f"{NTC}/show_cdp_neighbors_detail/cisco_ios_show_cdp_neighbors_detail.raw"))
    assert out.commands == ("cdp neighbors detail",)
    expected = [(port_name(r["local_interface"]), r["neighbor_name"], r["neighbor_interface"],
                 r["platform"].strip(), r["capabilities"], r["mgmt_address"] or None, "cdp")
                for r in sample]
    got = [(n.local_port, n.name, n.remote_port, n.description, n.capabilities,
            n.management_ip, n.protocol) for n in out.neighbors]
    assert got == sorted(expected)
    # "Device ID: vIOS-L2-1 / Entry address(es): (none) / Platform: Cisco ,  Capabilities: …"
    assert got[0] == ("GigabitEthernet0/3", "vIOS-L2-1", "GigabitEthernet0/3", "Cisco",
                      "Router Switch IGMP", None, "cdp")


# ---------------------------------------------------------------- hand-made session logs

SESSION_LINES = (
    "SW1#terminal length 0",
    "SW1#sh mac address-table",
    "          Mac Address Table",
    "-------------------------------------------",
    "",
    "Vlan    Mac Address       Type        Ports",
    "----    -----------       --------    -----",
    " All    0100.0ccc.cccc    STATIC      CPU",
    "  10    0018.b974.528f    DYNAMIC     Gi1/0/4   ",
    "  20\t0018.b974.5290    STATIC      Gi1/0/10",
    "  10    0018.b974.5291    DYNAMIC     Gi1/0/2",
    "Total Mac Addresses for this criterion: 4",
    "SW1#show interfaces switchport",
    "Name: Gi1/0/4",
    "Switchport: Enabled",
    "Administrative Mode: static access",
    "Operational Mode: down",
    "Access Mode VLAN: 10 (PLC)",
    "Trunking Native Mode VLAN: 1 (default)",
    "Voice VLAN: 20 (VOICE)",
    "Trunking VLANs Enabled: ALL",
    "",
    "Name: Gi1/0/24",
    "Switchport: Enabled",
    "Administrative Mode: trunk",
    "Operational Mode: trunk",
    "Access Mode VLAN: 1 (default)",
    "Trunking Native Mode VLAN: 99 (NATIVE)",
    "Voice VLAN: none",
    "Trunking VLANs Enabled: 1-3,10",
    "SW1#",
)
SESSION = "\r\n".join(SESSION_LINES)


def test_session_log_two_prompts_crlf():
    out = parse_show_outputs(SESSION, switch="ignored")
    assert out.switch == "SW1"
    assert out.commands == ("mac address-table", "interfaces switchport")
    assert out.mac_entries == (
        MacEntry("00:18:b9:74:52:91", 10, "GigabitEthernet1/0/2", False),
        MacEntry("00:18:b9:74:52:8f", 10, "GigabitEthernet1/0/4", False),
        MacEntry("00:18:b9:74:52:90", 20, "GigabitEthernet1/0/10", True),
    )
    access = out.switchports["GigabitEthernet1/0/4"]  # operational "down": admin mode
    assert (access.mode, access.access_vlan, access.voice_vlan) == ("access", 10, 20)
    trunk = out.switchports["GigabitEthernet1/0/24"]
    assert (trunk.mode, trunk.native_vlan, trunk.trunk_vlans) == ("trunk", 99, {1, 2, 3, 10})
    assert list(out.switchports) == ["GigabitEthernet1/0/4", "GigabitEthernet1/0/24"]


MAC_BODY = ("Vlan    Mac Address       Type        Ports\n"
            "----    -----------       --------    -----\n"
            "  10    0018.b974.528f    DYNAMIC     Fa0/1\n")


@pytest.mark.parametrize("prompt", [
    "SW-FILL-01#show mac address-table", "SW-FILL-01#sh mac add", "SW-FILL-01#sh mac-address-table",
    "SW-FILL-01>show mac address-table dynamic vlan 10", "SW-FILL-01#sh ma ad | inc Fa0/1",
])
def test_command_abbreviations(prompt):
    out = parse_show_outputs(f"{prompt}\n{MAC_BODY}SW-FILL-01#\n")
    assert (out.switch, out.commands, len(out.mac_entries)) == (
        "SW-FILL-01", ("mac address-table",), 1)


def test_other_commands_and_ios_errors_are_skipped():
    text = ("SW1#show version\nCisco IOS Software, C2960 Software\n"
            "SW1#sh int sw\n% Invalid input detected at '^' marker.\n"
            f"SW1#sh mac add\n{MAC_BODY}")
    out = parse_show_outputs(text)
    assert out.commands == ("mac address-table",) and len(out.mac_entries) == 1


def test_output_without_prompt_and_with_a_trailing_prompt():
    out = parse_show_outputs(MAC_BODY + "SW2#", switch="given")
    assert (out.switch, len(out.mac_entries)) == ("SW2", 1)
    assert parse_show_outputs(MAC_BODY, switch="given").switch == "given"
    assert parse_show_outputs(MAC_BODY).switch is None


@pytest.mark.parametrize(("text", "expected"), [
    ("00:18:b9:74:52:8f", "00:18:b9:74:52:8f"),
    ("00-18-B9-74-52-8F", "00:18:b9:74:52:8f"),
    ("0018.b974.528f", "00:18:b9:74:52:8f"),
    (" 0018B974528F ", "00:18:b9:74:52:8f"),
    ("00:18-b9:74:52:8f", None),
    ("0018.b974.528", None),
    ("0018.b974.528g", None),
    ("CPU", None),
    ("", None),
])
def test_normalize_mac(text, expected):
    assert normalize_mac(text) == expected


def test_two_switches_in_one_paste():
    text = f"SW1#sh mac add\n{MAC_BODY}SW2#sh mac add\n{MAC_BODY}"
    with pytest.raises(ShowOutputError, match=r"<pasted>, line 5: .*'SW2' after 'SW1'") as err:
        parse_show_outputs(text)
    assert (err.value.source, err.value.line) == ("<pasted>", 5)


@pytest.mark.parametrize("text", ["Hello, this is the night shift.\nNothing to see.", "SW1#show version\nIOS\n"])
def test_nothing_recognised(text):
    with pytest.raises(ShowOutputError, match=r"^notes\.txt: no show output recognised; understood are"):
        parse_show_outputs(text, source="notes.txt")


@pytest.mark.parametrize("text", ["", " \r\n\t\r\n", b""])
def test_empty_paste(text):
    with pytest.raises(ShowOutputError, match=r"^<pasted>: empty"):
        parse_show_outputs(text)


def test_line_the_template_rejects():
    text = "SW1#sh int sw\nName: Gi1/0/4\nSwitchport: Enabled\nwhat is this\n"
    with pytest.raises(ShowOutputError) as err:
        parse_show_outputs(text)
    assert str(err.value) == ("<pasted>, line 4: this line is not part of a show interfaces "
                              "switchport output: 'what is this'")
    assert err.value.line == 4


def test_long_rejected_line_is_quoted_once_and_cut():
    # A new-user trial: a valid table, then 200 x; the message held TextFSM's "State Error
    # raised. Rule Line: 77. Input Line: xxx…" and the line twice in full.
    text = f"SW1#show mac address-table\n{MAC_BODY}{'x' * 200}\n"
    with pytest.raises(ShowOutputError) as err:
        parse_show_outputs(text, source="mac.txt")
    assert str(err.value) == ("mac.txt, line 5: this line is not part of a show mac address-table "
                              f"output: '{'x' * 60}…' (200 characters)")
    assert (err.value.source, err.value.line) == ("mac.txt", 5)


def test_rejected_line_is_found_by_number_not_by_text():
    # A "Load for …" time stamp is accepted before the table header, not inside the table.
    # A form feed inside a line is a line end to TextFSM, yet the whole line is named.
    stamp = "Load for five secs: 5%/0%; one minute: 6%; five minutes: 5%"
    with pytest.raises(ShowOutputError, match=r"^<pasted>, line 6: .*: 'Load for five") as err:
        parse_show_outputs(f"SW1#sh mac add\n{stamp}\n{MAC_BODY}{stamp}\n")
    assert err.value.line == 6
    with pytest.raises(ShowOutputError) as err:
        parse_show_outputs("SW1#sh int sw\nName: Gi1/0/4\nSwitch\x0cport\nwhat is this\n")
    assert str(err.value).endswith(r"output: 'Switch\x0cport'") and err.value.line == 3


@pytest.mark.parametrize("data", [
    ("\ufeff" + MAC_BODY).encode("utf-16-le"),  # PowerShell 5 ">", Notepad "Unicode"
    ("\ufeff" + MAC_BODY).encode("utf-16-be"),  # Notepad "Unicode big endian"
    ("\ufeff" + MAC_BODY.replace("\n", "\r\n")).encode("utf-16-le"),
    ("\ufeff" + MAC_BODY).encode("utf-8"),
    "\ufeff" + MAC_BODY,  # a str keeping its BOM
])
def test_byte_order_marks(data):
    out = parse_show_outputs(data)
    assert out.mac_entries == (MacEntry("00:18:b9:74:52:8f", 10, "FastEthernet0/1", False),)


def test_utf16_file_from_powershell(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_text(f"SW1#sh mac add\n{MAC_BODY}", encoding="utf-16")
    out = load_show_outputs(path)
    assert (out.switch, len(out.mac_entries)) == ("SW1", 1)


@pytest.mark.parametrize(("data", "message"), [
    # UTF-16 without a byte order mark, a NUL in text, a NUL after a UTF-16 BOM.
    (MAC_BODY.encode("utf-16-le"), "binary data (a NUL byte), not show output"),
    (b"Vlan  Mac\x00Address", "binary data (a NUL byte), not show output"),
    ("\ufeffVlan\x00".encode("utf-16-le"), "binary data (a NUL byte), not show output"),
    # a lone high surrogate: not UTF-16 although it starts like it
    (b"\xff\xfeV\x00\x00\xd8l\x00", ("starts with a UTF-16 LE byte order mark but is not "
                                     "UTF-16 LE text (illegal UTF-16 surrogate at byte 4)")),
    # an odd number of bytes
    (b"\xfe\xff\x00V\x00", ("starts with a UTF-16 BE byte order mark but is not UTF-16 BE "
                            "text (truncated data at byte 4)")),
])
def test_nul_without_bom_and_broken_utf16(data, message):
    with pytest.raises(ShowOutputError) as err:
        parse_show_outputs(data, source="x.txt")
    assert str(err.value) == f"x.txt: {message}"


def test_load_binary_large_latin1_and_missing(tmp_path):
    binary = tmp_path / "capture.pcap"
    binary.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00")
    with pytest.raises(ShowOutputError, match=r"capture\.pcap: binary data"):
        load_show_outputs(binary)
    big = tmp_path / "big.log"
    big.write_bytes(b"x" * 5_000_001)
    with pytest.raises(ShowOutputError, match=r"big\.log: larger than the 5,000,000 bytes"):
        load_show_outputs(big)
    latin = tmp_path / "cdp.txt"
    latin.write_bytes("Device ID: Pr\xfcfstand\nInterface: Gi1/0/7,  Port ID (outgoing port): eth0\n"
                      .encode("latin-1"))
    out = load_show_outputs(latin, switch="SW9")
    assert out.switch == "SW9"
    assert [(n.local_port, n.name, n.remote_port) for n in out.neighbors] == [
        ("GigabitEthernet1/0/7", "Prüfstand", "eth0")]
    with pytest.raises(ShowOutputError, match=r"absent\.log: cannot be read") as err:
        load_show_outputs(tmp_path / "absent.log")
    assert isinstance(err.value, OtriskError)
