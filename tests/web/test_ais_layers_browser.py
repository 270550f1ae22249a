"""The maritime picture's AIS layers in Debian's Chromium: base stations, SAR aircraft and aids to navigation
each on a layer that toggles, markers a keyboard reaches, and the safety messages listed under the map.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mitra.bootstrap import open_node
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.pillars.maritime import ais_reports_data as data
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Person]]:
    """A seeded node that heard the test's AIS sentences, served, and a viewer of it."""
    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    ingest_file(PositionStore.for_settings(node.settings), data.write_sentences(tmp_path / "reports.nmea"))
    person = add_person(node, "vik", {Role.VIEWER}, agency="CERT-In")
    with LiveServer(node) as server:
        yield server, person
    node.close()


def _open_picture(browser: Any, server: LiveServer, person: Person) -> tuple[Any, list[str]]:
    from playwright.sync_api import expect

    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.goto(f"{server.url}/login?next=/maritime/")
    sign_in(page, person.username, person.password)
    expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=20_000)
    return page, problems


def _toggle(page: Any, layer: str) -> None:
    page.hover(".leaflet-control-layers")  # the control opens under the pointer
    page.locator(".leaflet-control-layers-overlays label", has_text=layer).locator("input").click()


def test_each_kind_of_ais_sender_is_a_layer_that_toggles(live: tuple[LiveServer, Person], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page, problems = _open_picture(browser, server, person)
        stations, aircraft, aids = page.locator(".ais-stations"), page.locator(".ais-sar"), page.locator(".ais-aids")
        expect(stations).to_have_count(2)  # the third station sent no position: listed, said, not drawn
        expect(aircraft).to_have_count(1)
        expect(aids).to_have_count(2)
        expect(page.locator("#ais-status")).to_contain_text("3 base stations, 1 without a position not drawn")
        page.screenshot(path=str(tmp_path / "layers.png"), full_page=True)
        _toggle(page, "Base stations")
        expect(stations).to_have_count(0)
        expect(aircraft).to_have_count(1)  # the other layers stay
        _toggle(page, "SAR aircraft")
        _toggle(page, "Aids to navigation")
        expect(aircraft).to_have_count(0)
        expect(aids).to_have_count(0)
        expect(page.locator("#map")).to_have_attribute("data-incidents", "5")  # not an AIS layer: still drawn
        assert page.locator(".incident-marker, .cluster-incident").count() > 0  # one by one, or clustered
        page.screenshot(path=str(tmp_path / "layers-off.png"), full_page=True)
        _toggle(page, "Base stations")
        expect(stations).to_have_count(2)
    assert problems == []
    assert (tmp_path / "layers.png").stat().st_size > 10_000


def test_a_marker_takes_the_keyboard_and_its_popup_says_what_a_watch_officer_needs(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page, problems = _open_picture(browser, server, person)
        station = page.locator('.ais-stations[aria-label^="Base station MMSI 005330001"]')
        expect(station).to_have_attribute("tabindex", "0")
        station.focus()
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("Base station MMSI 005330001")
        expect(popup).to_contain_text("1.2667° N, 103.5167° E")
        expect(popup).to_contain_text("last report: 2 Mar 2024, 10:00:00 UTC")
        expect(popup).to_contain_text("position fixing: surveyed")
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)
        page.locator(".ais-sar").first.dispatch_event("click")
        expect(popup).to_contain_text("SAR aircraft MMSI 111533001")
        expect(popup).to_contain_text("altitude: 300 m")
        page.locator('.ais-aids[aria-label*="WRECK MARK"]').dispatch_event("click")
        expect(popup.last).to_contain_text("virtual: no physical mark")  # the one before fades out
        page.screenshot(path=str(tmp_path / "popup.png"))
    assert problems == []


def test_the_safety_messages_are_listed_under_the_map_with_time_unknown_said(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page, problems = _open_picture(browser, server, person)
        rows = page.locator("#safety-messages tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(2)).to_contain_text("time unknown")
        expect(rows.nth(2)).to_contain_text(data.UNTIMED_TEXT)
        expect(page.locator("#safety-messages")).to_contain_text("533000003 OCEAN STAR")
        expect(page.locator("#safety-status")).to_contain_text("shown 3 of 3")
        page.fill("#since", "2024-03-02")
        page.click("#picture-filter button[type=submit]")
        expect(rows).to_have_count(2)
        expect(page.locator("#safety-status")).to_contain_text("1 message of unknown time not in this window")
        page.click("#safety-all")
        expect(page.locator("h1")).to_have_text("AIS safety messages")
        expect(page.locator("#safety-count")).to_contain_text("shown 2 of 2")
        body = page.locator("main").inner_text()
        page.screenshot(path=str(tmp_path / "safety.png"), full_page=True)
    assert problems == []
    assert "Traceback" not in body
    assert "undefined" not in body
