"""The shared maritime picture in Debian's Chromium: layers drawn over the offline basemap, a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from mitra.bootstrap import open_node
from mitra.pillars.maritime import service
from mitra.pillars.maritime.ais.events import detect_and_record
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.policy import Role
from tests.conftest import add_person, make_settings, shared_file
from tests.pillars.maritime.picture_data import write_vessels
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium


def test_the_map_shows_seeded_incidents_and_areas_and_is_not_blank(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    person = add_person(node, "asha", {Role.VIEWER}, agency="NSCS")
    shot = tmp_path / "map.png"
    try:
        with LiveServer(node) as server, chromium() as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{server.url}/login?next=/maritime/")
            sign_in(page, person.username, person.password)
            expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=20_000)
            expect(page.locator("#map")).to_have_attribute("data-incidents", "5")
            assert page.locator(".incident-marker, .cluster-incident").count() > 0  # clustered where they crowd
            expect(page.locator("path.area-shape")).to_have_count(5)
            assert page.locator("path.basemap-country").count() > 100
            page.fill("#since", "2022-05-20")
            page.click("#picture-filter button[type=submit]")
            expect(page.locator("#map")).to_have_attribute("data-incidents", "2")
            page.screenshot(path=str(shot), full_page=True)
    finally:
        node.close()
    with Image.open(shot) as image:
        colours = image.convert("RGB").resize((120, 90)).getcolors(maxcolors=120 * 90)
    assert colours is not None
    assert len(colours) > 20  # land, sea, areas, markers: far from a blank page


def test_the_map_draws_vessels_events_and_a_clicked_vessels_track(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    node = open_node(make_settings(tmp_path))
    node.init()
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    positions = PositionStore.for_settings(node.settings)
    ingest_file(positions, shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"))
    found = detect_and_record(node, analyst.actor).found
    assert found > 0
    try:
        with LiveServer(node) as server, chromium() as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{server.url}/login?next=/maritime/")
            sign_in(page, analyst.username, analyst.password)
            expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=20_000)
            vessels = int(page.locator("#map").get_attribute("data-vessels") or 0)
            assert vessels > 100
            assert page.locator(".vessel-marker, .cluster-vessel").count() > 0
            assert int(page.locator("#map").get_attribute("data-events") or 0) > 0
            assert page.locator(".event-marker, .cluster-event").count() > 0
            page.locator(".vessel-marker").first.dispatch_event("click")
            expect(page.locator("#map")).to_have_attribute("data-track-points", re.compile(r"^\d+$"), timeout=10_000)
            page.screenshot(path=str(tmp_path / "vessels.png"), full_page=True)
    finally:
        node.close()
    assert (tmp_path / "vessels.png").stat().st_size > 10_000


def test_a_clicked_vessel_opens_its_panel_and_the_page_says_its_time_and_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr(service, "MAX_VESSELS", 2)  # three vessels held: the page must say it shows two
    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    write_vessels(node)
    person = add_person(node, "asha", {Role.VIEWER}, agency="NSCS")
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        with LiveServer(node) as server, chromium() as browser:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{server.url}/login?next=/maritime/")
            sign_in(page, person.username, person.password)
            expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=20_000)
            expect(page.locator("#picture-as-of")).to_contain_text(
                "Picture as of 2 Mar 2024, 10:02 UTC — newest position held"
            )
            expect(page.locator("#picture-shown")).to_contain_text("Showing 2 of 3 vessels")
            page.locator('.vessel-marker[aria-label^="OCEAN STAR"]').click()
            expect(page.locator("#map")).to_have_attribute("data-panel", "open", timeout=10_000)
            panel = page.locator("#vessel-panel")
            expect(panel).to_contain_text("OCEAN STAR")
            expect(panel).to_contain_text("9V1234")  # its identity history: the earlier call sign
            expect(panel).to_contain_text("2 Mar 2024, 10:02:00 UTC")  # the last fix, in UTC
            expect(panel).to_contain_text("SINGAPORE")
            expect(page.locator("#map")).to_have_attribute("data-track-points", "3", timeout=10_000)
            expect(page.locator("#replay-slider")).to_have_attribute("max", "2")
            page.locator("#replay-slider").fill("0")
            expect(page.locator("#replay-time")).to_contain_text("2 Mar 2024, 10:00:00 UTC")
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            page.screenshot(path=str(shots / "vessel-panel.png"), full_page=True)
            page.keyboard.press("Escape")
            expect(panel).to_be_hidden()
            marker = page.locator('.vessel-marker[aria-label^="OCEAN STAR"]')  # the keyboard's way in
            marker.focus()
            page.keyboard.press("Enter")
            expect(panel).to_be_visible()
            expect(page.locator("#map")).to_have_attribute("data-panel", "open", timeout=10_000)
    finally:
        node.close()
