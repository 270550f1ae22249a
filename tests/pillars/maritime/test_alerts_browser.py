"""The watch floor in Chromium on a real pair: an Indian watch officer sets a rule with the form, its hit is an
alert she acknowledges on its page; released, it reaches Malaysia's open map live (said to be from India) and
its page there is read-only; closed at home, it leaves the partner's map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mitra.bootstrap import open_node
from mitra.exchange.partners import pair
from mitra.pillars.maritime import alerts
from mitra.policy import Role
from tests.conftest import add_person, make_settings
from tests.pillars.maritime.alert_support import event_body, store_event, write_track
from tests.support.browser import VIEWPORT, assert_usable, chromium, needs_chromium, sign_in
from tests.support.live import LiveServer, free_port

pytestmark = needs_chromium

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "alerts"
MMSI = 533000001


def test_a_rule_set_in_the_browser_raises_an_alert_that_reaches_the_partners_map(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ports = {"IND": free_port(), "MYS": free_port()}
    nodes = {n: open_node(make_settings(tmp_path, nation=n, sync_interval_seconds=1)) for n in ports}
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    ind = nodes["IND"]
    watch = add_person(ind, "nair", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS")
    partner_watch = add_person(nodes["MYS"], "hafiz", {Role.ANALYST}, agency="NSC")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with (
            LiveServer(ind, ports["IND"]) as india,
            LiveServer(nodes["MYS"], ports["MYS"]) as malaysia,
            chromium() as browser,
        ):
            home = browser.new_page(viewport=VIEWPORT)
            home.goto(f"{india.url}/login?next=/maritime/watch-rules")
            sign_in(home, watch.username, watch.password)
            home.get_by_label("Name", exact=True).fill("Malacca gaps")
            home.get_by_label("MMSI numbers, separated by commas").fill("533000001, nine")
            home.locator('input[name="event_type"][value="ais_gap"]').check()
            home.locator('input[name="th_ais_gap_min_hours"]').fill("6")
            home.get_by_role("button", name="Create the rule").click()
            expect(home.locator("#error-vessel_mmsis")).to_contain_text("“nine” is not a number")
            expect(home.locator('input[name="th_ais_gap_min_hours"]')).to_have_value("6")  # kept as typed
            assert_usable(home)
            home.get_by_label("MMSI numbers, separated by commas").fill("533000001")
            home.get_by_role("button", name="Create the rule").click()
            expect(home.locator("#rule-table")).to_contain_text("Malacca gaps")
            assert_usable(home)

            away = browser.new_page(viewport=VIEWPORT)
            away.goto(f"{malaysia.url}/login?next=/maritime/")
            sign_in(away, partner_watch.username, partner_watch.password)
            expect(away.locator("#map")).to_have_attribute("data-live", "live", timeout=20_000)

            write_track(ind, MMSI, start=now - timedelta(hours=1), count=12, every=timedelta(minutes=10))
            event = store_event(
                ind,
                watch.actor,
                event_body(ind, event_type="ais_gap", mmsi=MMSI, details={"hours": 7.5}, start=now),
            )
            (alert_id,) = alerts.raise_alerts(ind, watch.actor, events=[event])

            home.goto(f"{india.url}/maritime/alerts")
            expect(home.locator("#alert-count")).to_contain_text("1–1 of 1 alerts")
            home.get_by_role("link", name="Malacca gaps: ais gap, MMSI 533000001", exact=False).click()
            expect(home.locator("#evidence-table tbody tr")).to_have_count(12)
            assert_usable(home)
            home.locator("#acknowledge-form textarea").fill("looking at it")
            home.get_by_role("button", name="Acknowledge").click()
            expect(home.locator("#alert-status")).to_have_text("acknowledged")
            expect(home.locator("#alert-history")).to_contain_text("looking at it")

            with ind.db.write() as session:  # the release door is the object page's (tested with it)
                ind.store.release(session, object_id=alert_id, to="MYS", actor=watch.actor)
            expect(away.locator("#live-alerts")).to_contain_text("Alert", timeout=30_000)
            expect(away.locator("#live-alerts")).to_contain_text("(from IND)")
            expect(away.locator(".alert-marker, .cluster-event")).to_have_count(1, timeout=10_000)
            away.screenshot(path=str(ARTIFACTS / "partner-map-alert.png"), full_page=True)

            reader = browser.new_page(viewport=VIEWPORT)
            reader.goto(f"{malaysia.url}/login?next=/maritime/alerts/{alert_id}")
            sign_in(reader, partner_watch.username, partner_watch.password)
            expect(reader.locator("#alert-read-only")).to_contain_text("read-only here")
            assert reader.locator("#close-form").count() == 0
            expect(reader.locator("#evidence-table tbody tr")).to_have_count(12)
            assert_usable(reader)

            home.locator("#close-form textarea").fill("a fishing vessel, known")
            home.get_by_role("button", name="Close the alert").click()
            expect(home.locator("#alert-status")).to_have_text("closed")
            expect(away.locator(".alert-marker, .cluster-event")).to_have_count(0, timeout=30_000)
            home.screenshot(path=str(ARTIFACTS / "alert-page.png"), full_page=True)
    finally:
        for node in nodes.values():
            node.close()
