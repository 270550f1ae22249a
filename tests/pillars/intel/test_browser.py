"""In Debian's Chromium: an analyst signs in, creates an indicator, finds it in the list and opens it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.core.stix import HandlingInput
from mitra.node import Node
from tests.conftest import Person
from tests.pillars.intel.conftest import indicator
from tests.support.browser import chromium, needs_chromium, sign_in
from tests.support.live import LiveServer

pytestmark = needs_chromium


@pytest.fixture
def served(intel_node: Node) -> Iterator[tuple[LiveServer, Node]]:
    with LiveServer(intel_node) as server:
        yield server, intel_node


@pytest.fixture
def live(served: tuple[LiveServer, Node], people: dict[str, Person]) -> tuple[LiveServer, Person]:
    return served[0], people["analyst"]


def test_an_analyst_creates_an_indicator_in_the_browser_and_finds_it(
    live: tuple[LiveServer, Person], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, person = live
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/intel/new/indicator")
        sign_in(page, person.username, person.password)
        expect(page.locator("h1")).to_have_text("New indicator")
        expect(page.locator("input[name=orcon]")).not_to_be_checked()  # ORCON only when chosen
        page.fill("input[name=pattern]", "[ipv4-addr:value = ]")
        page.select_option("select[name=tlp]", "green")
        page.click("form.intel-form button[type=submit]")  # every problem at once, beside its field
        expect(page.locator("#error-name")).to_contain_text("Name is required")
        expect(page.locator("#error-pattern")).to_contain_text("is not a STIX 2.1 pattern")
        expect(page.locator("#error-valid_from")).to_contain_text("Valid from is required")
        expect(page.locator("input[name=pattern]")).to_have_value("[ipv4-addr:value = ]")  # what was typed is kept
        expect(page.locator("select[name=tlp]")).to_have_value("green")
        page.fill("input[name=name]", "Beacon to exfiltration relay")
        page.fill("input[name=pattern]", "[ipv4-addr:value = '185.220.101.7']")
        page.fill("input[name=valid_from]", "2025-01-07T00:00")
        page.check("input[name=releasable_to][value=MYS]")  # an analyst asks: saved, and a release officer decides
        page.click("form.intel-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Beacon to exfiltration relay")
        expect(page.locator("h1 .tlp")).to_have_text("TLP:GREEN")
        page.goto(f"{server.url}/intel/objects?type=indicator&q=exfiltration")
        page.click("text=Beacon to exfiltration relay")
        expect(page.locator(".provenance")).to_contain_text("IND / NSCS")
        expect(page.locator(".graph")).to_contain_text("Relationships")
        page.screenshot(path=str(tmp_path / "indicator.png"), full_page=True)
    assert (tmp_path / "indicator.png").stat().st_size > 10_000


def test_a_release_officer_releases_a_warninglisted_indicator_only_after_confirming(
    served: tuple[LiveServer, Node], people: dict[str, Person]
) -> None:
    from playwright.sync_api import expect

    server, node = served
    analyst, officer = people["analyst"], people["officer"]
    with node.db.write() as session:
        row = node.store.create(
            session,
            obj=indicator("[ipv4-addr:value = '8.8.8.8']", "Resolver seen in a beacon"),
            handling=HandlingInput("green", "IND", "NSCS"),
            actor=analyst.actor,
        )
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/intel/objects/{row.id}")
        sign_in(page, officer.username, officer.password)
        page.click("a.release")
        expect(page.locator(".warninglist-hits")).to_contain_text("8.8.8.8")
        release = "form[action$='/release'] button[type=submit]"
        page.click(release)  # without the confirmation: refused, the reason shown
        expect(page.locator("p.error")).to_contain_text("needs confirming first")
        page.check("input[name=confirm]")
        page.click(release)
        expect(page.locator("h1")).to_contain_text("Resolver seen in a beacon")
        expect(page.locator("body")).to_contain_text("MYS")
    with node.db.read() as session:
        assert node.store.latest_row(session, row.id).releasable == ("MYS",)
