"""The Switch configs page (AppTest on the demo plant): import, versions, baseline, diff, findings, download.

The demo plant: plc-brewhouse (zone brewhouse, VLAN 110) sits on ``sw-brewhouse:Gi1/0/5``, plc-mill
(brewhouse) on ``Gi1/0/6``; zone cellar has VLAN 120; the conduit brewhouse-cellar is approved. Moving
Gi1/0/5 into VLAN 120 lets brewhouse and cellar talk through the switch, around that conduit.
"""

from __future__ import annotations

from pathlib import Path

from apptest_support import db_url, engine, errors, frame_with, run  # noqa: F401 (fixtures)
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from otrisk import configstore, db
from otrisk.crossings import crossing_findings
from otrisk.models import axes_text

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "pages" / "11_configs.py"

BASELINE = b"""\
hostname sw-brewhouse
!
vlan 110
 name brewhouse
vlan 120
 name cellar
!
interface GigabitEthernet1/0/5
 description plc-brewhouse
 switchport mode access
 switchport access vlan 110
!
interface GigabitEthernet1/0/6
 description plc-mill
 switchport mode access
 switchport access vlan 110
!
end
"""
# Gi1/0/5 moved to the cellar VLAN, stated on a Tuesday 03:15 Berlin time (outside Sat/Sun windows).
CURRENT = BASELINE.replace(b"hostname sw-brewhouse\n",
                           b"! Last configuration change at 02:15:00 UTC Tue Mar 3 2026\nhostname sw-brewhouse\n"
                           ).replace(b" description plc-brewhouse\n switchport mode access\n switchport access vlan 110",
                                     b" description plc-brewhouse\n switchport mode access\n switchport access vlan 120")


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    uploader = at.get("file_uploader")[0]
    for name, data in files:
        uploader.upload(name, data, "text/plain")
    at.run()
    at.button(key="cfg_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _record_downloads(monkeypatch) -> dict[str, tuple[bytes, str | None]]:
    """``{media file id: (bytes, file name)}`` of every file the pages hand to the media storage."""
    stored: dict[str, tuple[bytes, str | None]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = (path_or_data, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return stored


def _download(stored: dict, at: AppTest, key: str) -> tuple[bytes, str | None]:
    [button] = [b for b in at.get("download_button") if b.key == key]
    return stored[button.proto.url.rsplit("/", 1)[-1].split(".")[0]]


def _fresh(_previous: AppTest) -> AppTest:
    """A new session on the same database (the uploader starts empty)."""
    return run(CONFIGS)


def test_empty_store_says_how_to_start(db_url):
    at = run(CONFIGS)
    info = "\n".join(i.value for i in at.info)
    assert "No switch configuration is stored yet" in info
    assert "otrisk configs import DIR --db URL" in info
    assert at.title[0].value == "Switch configs"


def test_import_release_diff_findings_and_download(engine, monkeypatch):
    stored = _record_downloads(monkeypatch)
    assert CURRENT != BASELINE and CURRENT.count(b"access vlan 120") == 1

    at = _upload(run(CONFIGS), ("sw-brewhouse.cfg", BASELINE))
    results = frame_with(at, "result")
    assert results[["file", "device", "result"]].values.tolist() == [["sw-brewhouse.cfg", "sw-brewhouse",
                                                                      "new version"]]
    assert "1 new version, 0 unchanged" in at.success[0].value
    assert len(configstore.versions(engine)) == 1

    # identical again: unchanged, nothing new stored
    at = _upload(_fresh(at), ("sw-brewhouse.cfg", BASELINE))
    assert frame_with(at, "result")["result"].tolist() == ["unchanged"]
    assert len(configstore.versions(engine)) == 1
    table = frame_with(at, "latest import")
    row = table[table["device"] == "sw-brewhouse"].iloc[0]
    assert (row["versions"], row["baseline"]) == (1, "none released")
    assert any("without a released baseline: sw-brewhouse" in w.value for w in at.warning)
    assert "sw-brewhouse has no released baseline" in "\n".join(i.value for i in at.info)

    # release the only version as the baseline
    at.button(key="cfg_release").click().run()
    assert not at.exception
    [first] = configstore.versions(engine)
    assert first.baseline
    assert configstore.devices(engine)[0].baseline.id == first.id
    assert f"Released version {first.id} of sw-brewhouse as its baseline." in [s.value for s in at.success]
    assert frame_with(at, "latest import")["baseline"].iloc[0].startswith(f"released (version {first.id}")
    assert "The latest version of sw-brewhouse is its released baseline" in "\n".join(i.value for i in at.info)
    assert not [d for d in at.dataframe if "what changed" in d.value.columns]

    # the changed configuration
    at = _upload(_fresh(at), ("sw-brewhouse-new.cfg", CURRENT))
    assert frame_with(at, "result")["result"].tolist() == ["new version"]
    latest = configstore.versions(engine)[0]
    assert latest.id != first.id and not latest.baseline
    ports = frame_with(at, "what changed")
    assert ports.values.tolist() == [["GigabitEthernet1/0/5", "access vlan", "mode access, access vlan 110",
                                      "mode access, access vlan 120"]]
    side = frame_with(at, "line (latest)")
    marked = side[side["change"].isin(["+", "-", "≠"])]
    assert marked[["baseline", "change", "latest"]].values.tolist() == [
        ["", "+", "! Last configuration change at 02:15:00 UTC Tue Mar 3 2026"],
        [" switchport access vlan 110", "≠", " switchport access vlan 120"]]
    assert marked["line (latest)"].tolist() == [1, 12]

    findings = frame_with(at, "conduit status")
    plant = db.load_plant_db(engine)[0]
    expected = crossing_findings(plant, configstore.baseline_devices(engine), configstore.current_devices(engine))
    assert findings["id"].tolist() == [f.id for f in expected]  # worst first, as crossing_findings sorts
    assert set(findings["id"]) == {"switch-zone-crossing@brewhouse->cellar", "change-window@sw-brewhouse"}
    crossing = findings.set_index("id").loc["switch-zone-crossing@brewhouse->cellar"]
    assert (crossing["zones"], crossing["conduit"], crossing["conduit status"]) == \
        ("brewhouse, cellar", "brewhouse-cellar", "bypasses_approved")
    assert crossing["worst effective"] == axes_text(expected[[f.id for f in expected].index(
        "switch-zone-crossing@brewhouse->cellar")].worst_effective) != "?/?/?"
    assert findings.set_index("id").loc["change-window@sw-brewhouse", "conduit status"] == ""

    # download the latest (the default choice) and the released baseline: exact bytes
    options = at.selectbox(key="cfg_version").options
    assert len(options) == 2 and options[0].startswith(f"#{latest.id} · ") and options[1].endswith(" · baseline")
    at.selectbox(key="cfg_version").set_value(latest.id).run()
    assert _download(stored, at, "cfg_download") == (CURRENT, "sw-brewhouse-new.cfg")
    at.selectbox(key="cfg_version").set_value(first.id).run()
    assert _download(stored, at, "cfg_download") == (BASELINE, "sw-brewhouse.cfg")
    assert _download(stored, at, "cfg_download_baseline") == (BASELINE, "sw-brewhouse.cfg")
    assert configstore.version_text(engine, latest.id) == CURRENT


def test_unparsable_upload_names_the_file_and_stores_nothing(engine):
    at = _upload(run(CONFIGS), ("sw-good.cfg", BASELINE), ("broken.cfg", b"\x00\x01binary"))
    assert "broken.cfg" in errors(at) and "Nothing was stored." in errors(at)
    assert configstore.versions(engine) == []
    assert configstore.devices(engine) == []
