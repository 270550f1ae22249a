"""Issue 14 in Debian's Chromium: what Malaysia received from India is in each person's inbox, as the policy says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mitra.core.stix import HandlingInput
from tests.notify.conftest import indicator
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer
from tests.support.pair import given, paired_nodes

pytestmark = needs_chromium


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def test_the_partners_objects_reach_each_inbox_and_a_red_one_only_its_recipients(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with paired_nodes(tmp_path) as nodes:
        for i in range(3):
            given(
                nodes.ind,
                indicator(f"Shared {i}", ip=f"45.83.64.{i}"),
                HandlingInput("green", "IND", "NSCS", ("MYS",)),
            )
        given(
            nodes.ind,
            indicator("Operation Kestrel", ip="45.83.65.7"),
            HandlingInput("red", "IND", "NSCS", ("MYS",), red_recipients=("MYS:NSC",)),
        )
        nodes.pull(nodes.mys)
        with LiveServer(nodes.mys) as server, chromium() as browser:
            for person, count in ((nodes.mys_people["analyst"], "4"), (nodes.mys_people["viewer"], "3")):
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                page.goto(f"{server.url}/login")
                sign_in(page, person.username, person.password)
                page.click("nav >> text=Inbox (1 unread)")
                notice = page.locator("ol.notices li").first
                expect(notice).to_contain_text(f"{count} objects received from IND")
                expect(page.locator("main")).not_to_contain_text("Kestrel")
                assert page.evaluate("document.documentElement.scrollWidth") <= 1366
                assert _serious(page) == []
                page.screenshot(path=str(tmp_path / f"inbox-{person.username}.png"), full_page=True)
                notice.locator("button.as-link").click()
                expect(page).to_have_url(f"{server.url}/objects?originator=IND")
                expect(page.locator("header nav a[href='/inbox']")).to_have_text("Inbox")  # nothing unread now
                page.goto(f"{server.url}/inbox/settings")
                assert _serious(page) == []
                page.close()
