"""The one real-browser test: the real server, Debian's chromium, the pages as people see them.

Run alone with ``pytest -m browser``. It starts ``streamlit run app.py`` on a free
127.0.0.1 port against a temporary SQLite database seeded with the demo plant plus an
asset whose name is an XSS probe, then checks with Playwright that

* a page opened directly by its URL on the freshly started server renders fully
  (sidebar and content), before anyone visited the entry page;
* the network map's canvas really draws;
* the probe's name stays text (no dialog, no ``onerror`` element, tooltip shows it verbatim);
* no request leaves 127.0.0.1 (plant laptops are often offline).

``OTRISK_SCREENSHOT=1`` also saves ``docs/screenshot-overview.png`` for the README.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import need
from otrisk import db
from otrisk.models import Asset

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PROBE_ID = "xss-probe"
PROBE_NAME = "<img src=x onerror=alert(1)> href"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(url: str) -> str:
    """Demo plant plus the probe asset (in a zone, so the map shows it); returns the site name."""
    engine = db.make_engine(url)
    try:
        db.init_db(engine, seed_demo=True)
        plant, revision = db.load_plant_db(engine)
        zone = sorted(z.id for z in plant.zones)[0]
        probe = Asset(id=PROBE_ID, name=PROBE_NAME, type="other", zone=zone, owner="probe owner href")
        db.save_plant_db(engine, plant.model_copy(update={"assets": [*plant.assets, probe]}),
                         expected_revision=revision, who="browser-test")
        return plant.site.name
    finally:
        engine.dispose()


def _wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not become healthy in {timeout_s} s:\n{log.read_text(errors='replace')}")


def _outside(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error", ""):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


def _canvas_paint(frame) -> dict:
    return frame.evaluate("""() => {
        const c = document.querySelector('#mynetwork canvas');
        if (!c || !c.width || !c.height) return {width: 0, height: 0, painted: 0};
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
        return {width: c.width, height: c.height, painted: painted};
    }""")


def test_pages_in_a_real_browser(tmp_path):
    need(CHROMIUM.exists(), f"{CHROMIUM} is absent (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    site = _seed(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OTRISK_DATABASE_URL": url}
    env.pop("OTRISK_USER_HEADER", None)
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    pw = browser = None
    try:
        _wait_healthy(base, proc, log)
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        requests: list[str] = []
        dialogs: list[str] = []
        page_errors: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: page_errors.append(str(e)))

        # 1. The first visitor of the fresh server opens a page directly by its URL.
        page.goto(f"{base}/Network_map")
        expect(page.get_by_role("heading", name="Network map")).to_be_visible()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text(site)
        expect(sidebar).to_contain_text("Revision 2")
        expect(sidebar).to_contain_text("SQLite file")
        for label in ("Overview", "Systems and dependencies", "Impact", "Network map", "Program map",
                      "Strengthen first", "NIS2", "Evidence", "Progress", "Zones and conduits", "Findings", "Switch configs",
                      "Unknown device", "Workshop", "Import and export"):
            expect(sidebar.get_by_role("link", name=label)).to_be_visible()

        # 2. The map draws: a canvas of real size with non-blank pixels.
        iframe = page.locator('iframe[title="Network map"]')
        expect(iframe).to_be_visible()
        frame = iframe.element_handle().content_frame()
        frame.wait_for_selector("#mynetwork canvas", state="attached")
        deadline = time.monotonic() + 30
        paint = _canvas_paint(frame)
        while paint["painted"] < 500 and time.monotonic() < deadline:
            time.sleep(0.25)
            paint = _canvas_paint(frame)
        assert paint["width"] > 100 and paint["height"] > 100, paint
        assert paint["painted"] >= 500, paint

        # 3. The probe stays text: hover it so vis-network shows its tooltip.
        frame.wait_for_function("() => typeof network !== 'undefined' && network !== null")
        deadline = time.monotonic() + 30
        while frame.evaluate("() => !network.physics.stabilized && network.physics.options.enabled") \
                and time.monotonic() < deadline:
            time.sleep(0.25)
        frame.evaluate(f"() => network.focus('{PROBE_ID}', {{scale: 1.0, animation: false}})")
        spot = frame.evaluate(f"() => network.canvasToDOM(network.getPositions(['{PROBE_ID}'])['{PROBE_ID}'])")
        box = frame.locator("#mynetwork").bounding_box()
        page.mouse.move(box["x"] + spot["x"], box["y"] + spot["y"])
        # vis-network's own tooltip (innerText), or pyvis' link popup (innerHTML) if it ever triggers.
        frame.wait_for_function(
            "() => [...document.querySelectorAll('.vis-tooltip, div.popup')].some(e => {"
            " const s = getComputedStyle(e); return s.display !== 'none' && s.visibility !== 'hidden'; })",
            timeout=10_000)
        page.wait_for_timeout(500)  # time for an injected onerror to fire
        assert dialogs == [], dialogs
        for f in page.frames:
            assert f.evaluate("() => document.querySelectorAll('[onerror]').length") == 0, f.url
        assert frame.evaluate("() => document.querySelectorAll('img').length") == 0
        tooltip = frame.locator(".vis-tooltip")
        expect(tooltip).to_be_visible()
        shown = tooltip.inner_text()
        assert PROBE_NAME in shown.replace("\u200b", "")  # verbatim, as text
        assert "href" not in shown.lower()  # pyvis' innerHTML switch never triggers

        # 3b. The zone view draws too.
        page.goto(f"{base}/Network_map")
        page.get_by_role("radiogroup", name="Draw").get_by_text("Zones", exact=True).click()
        zone_iframe = page.locator('iframe[title="Zone map"]')
        expect(zone_iframe).to_be_visible()
        zone_frame = zone_iframe.element_handle().content_frame()
        zone_frame.wait_for_selector("#mynetwork canvas", state="attached")
        deadline = time.monotonic() + 30
        paint = _canvas_paint(zone_frame)
        while paint["painted"] < 500 and time.monotonic() < deadline:
            time.sleep(0.25)
            paint = _canvas_paint(zone_frame)
        assert paint["painted"] >= 500, paint

        # 4. The entry page.
        page.goto(f"{base}/")
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        expect(page.get_by_role("heading", name="Top 10 assets by priority")).to_be_visible()
        page.wait_for_load_state("networkidle")
        if os.environ.get("OTRISK_SCREENSHOT") == "1":
            target = ROOT / "docs" / "screenshot-overview.png"
            target.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(target), full_page=True)

        # 5. The program pages, reached through the menu, render without an exception.
        for label, heading, text in (
                ("Program map", "Program map", "most urgent part"),
                ("Strengthen first", "Strengthen first", "score"),
                ("NIS2", "NIS2", "Art. 23"),
                ("Evidence", "Evidence", "Derived from the model"),
                ("Progress", "Progress", "Record"),
                ("Zones and conduits", "Zones and conduits", "exposure"),
                ("Findings", "Findings", "reaches an external network"),
                ("Switch configs", "Switch configs", "otrisk configs import"),
                ("Import and export", "Import and export", "Audit evidence pack"),
        ):
            page.get_by_test_id("stSidebar").get_by_role("link", name=label, exact=True).click()
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            expect(page.get_by_test_id("stMain")).to_contain_text(text)
            expect(page.get_by_test_id("stException")).to_have_count(0)

        # 6. Floor incident: an unknown device on a demo port; the answer and the highlighted zone map.
        page.get_by_test_id("stSidebar").get_by_role("link", name="Unknown device", exact=True).click()
        expect(page.get_by_role("heading", name="Unknown device", exact=True)).to_be_visible()
        box = page.get_by_role("textbox", name="Switch port, IP address or MAC address")
        box.fill("sw-filling:Gi1/0/5")
        box.press("Enter")
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("Danger to people")
        expect(main).to_contain_text("Packaging engineering")
        expect(main).to_contain_text("Incident note: unknown device")
        triage_frame = page.locator("iframe").last.element_handle().content_frame()
        triage_frame.wait_for_selector("#mynetwork canvas", state="attached")
        assert "DEVICE HERE" in triage_frame.content()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        # 7. The workshop on a projector: 1280×720, sidebar closed, the key panels on the first screen.
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{base}/workshop")
        expect(page.get_by_role("heading", name="Workshop", exact=True)).to_be_visible()
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("Quick rating")
        for panel in ("Risk matrix", "Program elements", "Strengthen first", "Open actions", "Since the last workshop"):
            expect(main.get_by_text(panel, exact=True).first).to_be_in_viewport()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        assert dialogs == [], dialogs
        assert page_errors == [], page_errors
        outside = sorted({u for u in requests if _outside(u)})
        assert outside == [], outside
        assert any(urlsplit(u).hostname == "127.0.0.1" for u in requests)
    finally:
        if browser is not None:
            browser.close()
        if pw is not None:
            pw.stop()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
