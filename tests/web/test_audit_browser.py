"""Issue 14 in Debian's Chromium: among a served pair's sync bookkeeping, an admin filters the audit to human logins."""

from __future__ import annotations

import time
from pathlib import Path

from mitra.bootstrap import open_node
from mitra.exchange.live import Syncer
from mitra.exchange.partners import pair
from mitra.policy import Role
from tests.conftest import add_person, make_settings
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer, free_port

pytestmark = needs_chromium


def test_an_admin_filters_the_audit_to_human_logins(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ports = {"IND": free_port(), "MYS": free_port()}
    nodes = {n: open_node(make_settings(tmp_path, nation=n)) for n in ports}
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    people = {
        n: [
            add_person(nodes[n], f"{n.lower()}-{role.value}", {role}, agency=nodes[n].settings.agencies[0])
            for role in (Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN)
        ]
        for n in ports
    }
    syncers = [Syncer(node, interval=0.2, witness_every=0) for node in nodes.values()]
    try:
        with LiveServer(nodes["IND"], ports["IND"]) as india, LiveServer(nodes["MYS"], ports["MYS"]) as malaysia:
            for syncer in syncers:
                syncer.start()
            time.sleep(2)  # heads out, countersignatures back: the machines' entries
            with chromium() as browser:
                for server, (analyst, officer, admin) in ((india, people["IND"]), (malaysia, people["MYS"])):
                    for person in (analyst, officer):
                        page = browser.new_page()
                        page.goto(f"{server.url}/login")
                        sign_in(page, person.username, person.password)
                        expect(page.locator("h1").first).to_be_visible()
                        page.close()
                    page = browser.new_page(viewport={"width": 1366, "height": 900})
                    page.goto(f"{server.url}/login")
                    sign_in(page, admin.username, admin.password)
                    page.click("nav >> text=Audit")
                    expect(page.locator("p.chain")).to_contain_text("Intact")
                    expect(page.locator("tr.kind-row-partner").first).to_be_visible()  # the bookkeeping is there
                    page.click(".who-tabs >> text=People")
                    page.select_option("select[name=action]", "login")
                    page.click("form.audit-filters button[type=submit]")
                    rows = page.locator("table.audit tbody tr.entry")
                    expect(rows).to_have_count(3)
                    for index, person in enumerate((admin, officer, analyst)):  # newest first
                        expect(rows.nth(index)).to_contain_text(person.username)
                        expect(rows.nth(index)).to_contain_text("Signed in")
                    expect(page.locator("tr.kind-row-partner")).to_have_count(0)
                    expect(page.locator("p.count")).to_contain_text("3 entries match")
                    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
                    shot = tmp_path / f"audit-{server.port}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    assert shot.stat().st_size > 10_000
                    page.close()
            for syncer in syncers:
                syncer.stop()
    finally:
        for node in nodes.values():
            node.close()
