"""The live maritime picture in Chromium on a real pair: a vessel moves without a reload at home, and an event
India releases appears on Malaysia's open map within seconds, said to be from India; its new version replaces
its marker and its revocation removes it, on both maps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mitra.bootstrap import open_node
from mitra.core.stix import HandlingInput
from mitra.exchange.partners import pair
from mitra.pillars.maritime import live
from mitra.pillars.maritime.types import MARITIME_EVENT
from mitra.policy import Role
from tests.conftest import add_person, make_settings
from tests.support.browser import VIEWPORT, assert_usable, chromium, needs_chromium, sign_in
from tests.support.live import LiveServer, free_port

pytestmark = needs_chromium

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "live"


def test_a_vessel_moves_live_and_a_released_event_reaches_the_partners_open_map(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ports = {"IND": free_port(), "MYS": free_port()}
    nodes = {n: open_node(make_settings(tmp_path, nation=n, sync_interval_seconds=1)) for n in ports}
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    watch = add_person(nodes["IND"], "nair", {Role.ANALYST}, agency="NSCS")
    officer = add_person(nodes["IND"], "rao", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS")
    partner_watch = add_person(nodes["MYS"], "hafiz", {Role.ANALYST}, agency="NSC")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    try:
        with (
            LiveServer(nodes["IND"], ports["IND"]) as india,
            LiveServer(nodes["MYS"], ports["MYS"]) as malaysia,
            chromium() as browser,
        ):
            home = browser.new_page(viewport=VIEWPORT)
            home.goto(f"{india.url}/login?next=/maritime/")
            sign_in(home, watch.username, watch.password)
            expect(home.locator("#map")).to_have_attribute("data-live", "live", timeout=20_000)
            away = browser.new_page(viewport=VIEWPORT)
            away.goto(f"{malaysia.url}/login?next=/maritime/")
            sign_in(away, partner_watch.username, partner_watch.password)
            expect(away.locator("#map")).to_have_attribute("data-live", "live", timeout=20_000)

            bus = live.bus_for(nodes["IND"])
            bus.positions([{"mmsi": 533000001, "ts": now, "lat": 5.40, "lon": 100.30, "sog": 9.5}])
            expect(home.locator("#map")).to_have_attribute("data-live-fixes", "1", timeout=10_000)
            start = home.locator(".vessel-marker").first.bounding_box()
            bus.positions([{"mmsi": 533000001, "ts": now + timedelta(seconds=30), "lat": 5.52, "lon": 100.45}])
            expect(home.locator("#map")).to_have_attribute("data-live-fixes", "2", timeout=10_000)
            moved = home.locator(".vessel-marker").first.bounding_box()
            assert start is not None
            assert moved is not None
            assert (moved["x"], moved["y"]) != (start["x"], start["y"])  # the same marker, somewhere else
            expect(home.locator("#picture-as-of")).to_contain_text("live feed")

            with nodes["IND"].db.write() as session:
                event = nodes["IND"].store.create(
                    session,
                    obj={
                        "type": MARITIME_EVENT.name,
                        "id": nodes["IND"].seed_id(MARITIME_EVENT.name, "loitering:533000001"),
                        "name": "loitering 533000001",
                        "event_type": "loitering",
                        "mmsi": 533000001,
                        "start": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "status": "open",
                        "lat": 5.52,
                        "lon": 100.45,
                        "details": {"hours": 2.5},
                        "definition": "all:loitering",
                    },
                    handling=HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)),
                    actor=officer.actor,
                )
                event_id = event.id
            expect(home.locator("#live-alerts li")).to_have_count(1, timeout=10_000)
            expect(away.locator("#live-alerts li")).to_have_count(1, timeout=30_000)  # pulled, then pushed live
            expect(away.locator("#live-alerts")).to_contain_text(re.compile(r"Loitering.*\(from IND\)"))
            expect(home.locator("#live-alerts")).not_to_contain_text("(from")
            assert away.locator(".event-marker, .cluster-event").count() == 1
            assert_usable(away)
            with nodes["IND"].db.write() as session:  # closed: its marker is replaced, not doubled
                nodes["IND"].store.new_version(
                    session,
                    object_id=event_id,
                    changes={"status": "closed", "end": (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")},
                    actor=officer.actor,
                )
            expect(away.locator("#live-alerts li")).to_have_count(2, timeout=30_000)
            assert away.locator(".event-marker, .cluster-event").count() == 1
            with nodes["IND"].db.write() as session:  # revoked: its marker goes at home and at the partner
                nodes["IND"].store.revoke(session, object_id=event_id, actor=officer.actor)
            expect(away.locator(".event-marker, .cluster-event")).to_have_count(0, timeout=30_000)
            expect(home.locator(".event-marker, .cluster-event")).to_have_count(0, timeout=10_000)
            away.screenshot(path=str(ARTIFACTS / "partner-live-map.png"), full_page=True)
            home.screenshot(path=str(ARTIFACTS / "home-live-map.png"), full_page=True)
    finally:
        for node in nodes.values():
            node.close()


def test_a_picture_of_a_past_window_says_live_updates_are_paused(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    node = open_node(make_settings(tmp_path))
    node.init()
    watch = add_person(node, "nair", {Role.VIEWER}, agency="NSCS")
    try:
        with LiveServer(node) as server, chromium() as browser:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{server.url}/login?next=/maritime/%3Funtil%3D2012-01-31")
            sign_in(page, watch.username, watch.password)
            expect(page.locator("#map")).to_have_attribute("data-live", "paused", timeout=20_000)
            expect(page.locator("#picture-live")).to_contain_text("Clear “To” to follow the feed")
    finally:
        node.close()
