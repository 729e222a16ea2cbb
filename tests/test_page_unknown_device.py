"""The Unknown device page (AppTest on the demo plant).

Demo facts used: plc-bottle-washer (zone filling, control, owner Packaging engineering) sits on
``sw-filling:Gi1/0/5``; zone filling has VLAN 130, zone utilities VLAN 140 and subnet
172.20.140.0/24; the safety zone is reachable from filling and utilities.
"""

from __future__ import annotations

from apptest_support import PAGES, db_url, engine, errors, frame_with, run  # noqa: F401 (fixtures)

from otrisk import configstore

PAGE = PAGES / "12_unknown_device.py"

SW_FILLING = b"""hostname sw-filling
vlan 130
 name filling
interface GigabitEthernet1/0/1
 description uplink sw-ot-core
 switchport mode trunk
 switchport trunk allowed vlan 130,150
interface GigabitEthernet1/0/5
 switchport mode access
 switchport access vlan 130
interface GigabitEthernet1/0/17
 switchport mode access
 switchport access vlan 130
"""

MAC_TABLE = """sw-filling#show mac address-table
          Mac Address Table
-------------------------------------------

Vlan    Mac Address       Type        Ports
----    -----------       --------    -----
 130    0200.1111.2222    DYNAMIC     Gi1/0/17
Total Mac Addresses for this criterion: 1
"""


def ask(at, target, **fields):
    at.text_input(key="ud_target").input(target)
    for key, value in fields.items():
        (at.text_area if key == "ud_paste" else at.text_input)(key=key).input(value)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\", "")  # md_escape's backslashes


def warnings(at) -> str:
    return "\n".join(w.value for w in at.warning).replace("\\", "")


def test_empty_page_explains_what_to_type(db_url):
    at = run(PAGE)
    assert "Type a switch port" in at.info[0].value


def test_known_port_of_the_demo(db_url):
    at = ask(run(PAGE), "sw-filling:Gi1/0/5")
    assert "Danger to people" in errors(at)
    zones = frame_with(at, "kind")
    assert zones.to_dict("records") == [{"zone": "filling", "name": zones["name"][0], "kind": "control",
                                         "SL-T": 2, "owner": "Packaging engineering"}]
    text = markdown(at)
    assert "1. Packaging engineering" in text
    assert "Identify the device before anyone touches the port" in text
    assets = frame_with(at, "production")
    assert "plc-bottle-washer" in set(assets["asset"])
    note = at.code[0].value
    assert "Target: sw-filling:GigabitEthernet1/0/5" in note and "Severity: SAFETY" in note


def test_ip_outside_every_subnet_is_unresolved(db_url):
    at = ask(run(PAGE), "192.0.2.77")
    assert "could not be placed in a zone" in warnings(at)
    assert "192.0.2.77 belongs to no asset of the plant" in warnings(at)


def test_bad_target_is_an_error_not_a_traceback(db_url):
    at = ask(run(PAGE), "bottle washer")
    assert "is not an IP address, a MAC address" in errors(at)


def test_pasted_mac_table_places_an_unknown_mac(db_url):
    at = ask(run(PAGE), "02:00:11:11:22:22", ud_paste=MAC_TABLE)
    assert frame_with(at, "kind")["zone"].tolist() == ["filling"]
    assert "the MAC table shows it on sw-filling:GigabitEthernet1/0/17 in VLAN 130" in markdown(at)


def test_garbage_paste_is_an_error(db_url):
    at = ask(run(PAGE), "sw-filling:Gi1/0/5", ud_paste="hello world\nthis is not a switch\n")
    assert "the pasted text" in errors(at)


def test_stored_configuration_and_baseline(engine):
    first = configstore.import_configs(engine, [("sw-filling.cfg", SW_FILLING)])[0]
    configstore.release_baseline(engine, first.version.id)
    changed = SW_FILLING.replace(b"interface GigabitEthernet1/0/17\n switchport mode access\n switchport access vlan 130",
                                 b"interface GigabitEthernet1/0/17\n switchport mode access\n switchport access vlan 150")
    configstore.import_configs(engine, [("sw-filling.cfg", changed)])
    at = ask(run(PAGE), "SW-FILLING:gi1/0/17")
    assert frame_with(at, "kind")["zone"].tolist() == ["safety"]
    text = markdown(at)
    assert "sw-filling:GigabitEthernet1/0/17 CHANGED since the released baseline: access VLAN 130 → access VLAN 150" \
        in text
    at.checkbox(key="ud_stored").uncheck().run()  # without the store: no asset on that port, unresolved
    assert "no configuration or MAC table of SW-FILLING was given" in warnings(at)


def test_macs_in_the_answer_stay_copyable():
    from otrisk.ui.triage_ui import plain_md

    text = plain_md("Find the port: run 'show mac address-table address 02:de:ad:be:ef:01' now")
    assert "`02:de:ad:be:ef:01`" in text and "\u200b" not in text.split("`")[1]
