"""Each role's day on a live pair in Chromium, asserting what happened on both nodes.

India and Malaysia serve on loopback and sync on their own (a round a second, notify-then-pull); India sends
notice e-mails to a real SMTP server (aiosmtpd) started here. Every page a journey visits must pass axe-core
(no serious or critical violation) and fit a 1,366 px viewport; each journey's last page is saved to
``test-artifacts/journeys/<role>.png``. The journeys run in order, each on what the one before left.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mitra.bootstrap import open_node
from mitra.core import requests as release_requests
from mitra.core.objects import StixObject
from mitra.exchange.partners import pair
from mitra.node import Node
from mitra.pillars.dialogue.types import COMMITMENT
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.policy import Role
from tests.conftest import Person, _database_url, add_person, make_settings, shared_file
from tests.notify.receivers import Mailbox, smtp_server
from tests.support.browser import VIEWPORT, assert_usable, chromium, needs_chromium, sign_in
from tests.support.live import LiveServer, free_port

pytestmark = [*needs_chromium, pytest.mark.slow]  # steps of one day: tests/conftest.py keeps them on one worker

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journeys"
WAIT = 40.0
INDICATOR_NAME = "Phishing relay for port community logins"
UPDATE_TEXT = "Joint working group met in Putrajaya; terms of reference agreed"
AIS_SAMPLE = "maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"


@dataclass
class Day:
    ind: Node
    mys: Node
    urls: dict[str, str]
    people: dict[str, Person]
    mailbox: Mailbox
    browser: Any
    annual: str
    kind: str  # India's database: sqlite or postgres


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {WAIT:.0f} s: {what}")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def day(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    """India on SQLite, then on PostgreSQL (Malaysia on SQLite both times): the whole day runs on each."""
    tmp = tmp_path_factory.mktemp("journeys")
    with _database_url(request.param, tmp, migrated=True) as url:
        yield from _day(tmp, url, request.param)


def _day(tmp: Path, india_url: str, kind: str) -> Iterator[Day]:
    ports = {"IND": free_port(), "MYS": free_port()}
    smtp_port = free_port()
    mail = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_tls": "none",
        "smtp_sender": "mitra@ind.example",
        "notify_interval_seconds": 1,
    }
    nodes = {
        n: open_node(
            make_settings(
                tmp,
                india_url if n == "IND" else "",
                nation=n,
                sync_interval_seconds=1,
                **(mail if n == "IND" else {}),
            )
        )
        for n in ports
    }
    for node in nodes.values():
        node.init()
        node.seed()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    people = {
        "analyst": add_person(nodes["IND"], "asha", {Role.ANALYST}, agency="NSCS"),
        "officer": add_person(nodes["IND"], "rao", {Role.RELEASE_OFFICER}, agency="NSCS"),
        "viewer": add_person(nodes["IND"], "vik", {Role.VIEWER}, agency="CERT-In"),
        "admin": add_person(nodes["IND"], "root", {Role.ADMIN}, agency="NSCS"),
        "watch": add_person(nodes["IND"], "kiran", {Role.VIEWER}, agency="NSCS"),
        "secretariat": add_person(nodes["MYS"], "aziz", {Role.ANALYST}, agency="NSC"),
    }
    annual = nodes["IND"].seed_id(COMMITMENT, "sd1:annual")
    ingest_file(PositionStore.for_settings(nodes["IND"].settings), shared_file(AIS_SAMPLE))  # the watch's picture
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        smtp_server(smtp_port) as mailbox,
        LiveServer(nodes["IND"], ports["IND"]) as ind_server,
        LiveServer(nodes["MYS"], ports["MYS"]) as mys_server,
        chromium() as browser,
    ):
        yield Day(
            nodes["IND"],
            nodes["MYS"],
            {"IND": ind_server.url, "MYS": mys_server.url},
            people,
            mailbox,
            browser,
            annual,
            kind,
        )
    for node in nodes.values():
        node.close()


class Visit:
    """One person's browser tab: every page it reaches is checked with axe and for its width."""

    def __init__(self, day: Day, nation: str, person: Person) -> None:
        self.base = day.urls[nation]
        self.kind = day.kind
        self.page = day.browser.new_page(viewport=VIEWPORT, locale="en-IN")  # dates as people there read them
        self.page.goto(self.base + "/login")
        sign_in(self.page, person.username, person.password)
        self.page.wait_for_url(lambda url: "/login" not in url)
        assert_usable(self.page)

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        assert_usable(self.page)
        return self.page

    def after(self, action: Callable[[], None]) -> Any:
        """Do something that loads a new page (a click that submits), then check the page it lands on."""
        with self.page.expect_navigation():
            action()
        assert_usable(self.page)
        return self.page

    def snap(self, name: str) -> None:
        """Keep the page as it is now (the docs' screenshots are taken from these)."""
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{self.kind}.png"), full_page=True)

    def finish(self, role: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{role}-{self.kind}.png"), full_page=True)
        self.page.close()


def _latest(node: Node, object_id: str) -> StixObject | None:
    with node.db.read() as session:
        return session.scalars(
            select(StixObject).where(StixObject.id == object_id, StixObject.is_latest.is_(True))
        ).first()


def _held_by_name(node: Node, name_part: str) -> str | None:
    with node.db.read() as session:
        for row in session.scalars(select(StixObject).where(StixObject.is_latest.is_(True))):
            if name_part in row.search_text:
                return row.id
    return None


def test_1_the_analyst_records_an_indicator_and_an_update_and_asks_to_share(day: Day) -> None:
    tab = Visit(day, "IND", day.people["analyst"])
    settings = tab.go("/inbox/settings")
    settings.fill("input[name=email]", "asha@nscs.example")
    for kind in ("release_approved", "release_refused"):
        settings.check(f"input[name='{kind}.email']")
    tab.after(lambda: settings.click("main form button[type=submit]"))

    form = tab.go("/intel/new/indicator")
    assert "New indicator" in form.content()
    form.fill("input[name=name]", INDICATOR_NAME)
    form.fill("input[name=pattern]", "[domain-name:value = 'pcs-login.example.net']")
    form.fill("input[name=valid_from]", "2026-12-01T08:00")
    form.select_option("select[name=tlp]", "green")
    form.check("input[name=releasable_to][value=MYS]")
    tab.after(lambda: form.click("form.intel-form button[type=submit]"))

    commitment = tab.go(f"/dialogue/commitments/{day.annual}")
    commitment.fill("textarea[name=summary]", UPDATE_TEXT)
    commitment.fill("input[name=date]", "2026-12-04")
    commitment.select_option("select[name=tlp]", "green")
    commitment.check("input[name=releasable_to][value=MYS]")
    page = tab.after(lambda: commitment.click("form.update-form button[type=submit]"))
    assert "not shared with MYS" in page.content()  # saved here, not yet across
    assert "release requested" in page.content()

    indicator = _held_by_name(day.ind, INDICATOR_NAME.lower())
    update = _held_by_name(day.ind, UPDATE_TEXT.lower())
    assert indicator
    assert update
    with day.ind.db.read() as session:
        asked = {r.object_id: r.status for r in release_requests.pending(session)}
    assert asked == {indicator: "pending", update: "pending"}
    for object_id in (indicator, update):
        row = _latest(day.ind, object_id)
        assert row is not None
        assert row.releasable == ()
    assert _latest(day.mys, update) is None  # nothing crossed
    tab.go("/releases?view=mine")
    tab.finish("analyst-asks")


def test_2_the_release_officer_approves_one_and_refuses_one_with_a_reason(day: Day) -> None:
    tab = Visit(day, "IND", day.people["officer"])
    assert "Releases (2 waiting)" in tab.page.content()
    queue = tab.go("/releases")
    rows = queue.locator("table.requests tbody tr")
    assert rows.count() == 2
    tab.snap("release-queue")
    update_row = queue.locator("tr", has_text=UPDATE_TEXT[:30])
    tab.after(lambda: update_row.get_by_role("button", name=re.compile("Approve")).click())
    indicator_row = tab.page.locator("tr", has_text=INDICATOR_NAME)
    indicator_row.get_by_label("Reason for refusing").fill("Source not yet cleared by CERT-In")
    page = tab.after(lambda: indicator_row.get_by_role("button", name="Refuse").click())
    assert "Nothing waits for you" in page.content()
    tab.finish("release-officer")
    update = _held_by_name(day.ind, UPDATE_TEXT.lower())
    indicator = _held_by_name(day.ind, INDICATOR_NAME.lower())
    assert update
    assert indicator
    _until(lambda: _latest(day.mys, update) is not None, "Malaysia receives the approved update")
    assert _latest(day.mys, indicator) is None  # the refused one never crosses


def test_3_the_analyst_reads_both_decisions_in_the_inbox_and_by_email(day: Day) -> None:
    tab = Visit(day, "IND", day.people["analyst"])
    inbox = tab.go("/inbox")
    text = inbox.content()
    assert "approved" in text
    assert "refused" in text
    assert "Source not yet cleared by CERT-In" in text

    def mailed() -> bool:
        subjects = [str(m["Subject"]) for rcpt, m in day.mailbox.messages if "asha@nscs.example" in rcpt]
        return any("approved" in s for s in subjects) and any("refused" in s for s in subjects)

    _until(mailed, "both decisions reach asha@nscs.example")
    tab.snap("analyst-inbox")
    account = tab.go("/account")  # the analyst reads the pages in Malay for a while, then in English again
    account.check("input[name=language][value=ms]")
    tab.after(lambda: account.click("main form button[type=submit]"))
    home = tab.go("/")
    assert '<html lang="ms">' in home.content()
    assert "Semua objek" in home.content()
    tab.snap("home-in-malay")
    account = tab.go("/account")
    account.check("input[name=language][value=en]")
    tab.after(lambda: account.click("main form button[type=submit]"))
    assert "All objects" in tab.go("/").content()
    tab.finish("analyst-inbox")


def test_4_the_partners_secretariat_sees_the_shared_update_and_the_marker_is_gone_at_home(day: Day) -> None:
    tab = Visit(day, "MYS", day.people["secretariat"])
    page = tab.go(f"/dialogue/commitments/{day.annual}")
    assert UPDATE_TEXT in page.content()
    assert "not shared with" not in page.content()
    tab.finish("partner-secretariat")
    home = Visit(day, "IND", day.people["viewer"])
    update = _held_by_name(day.ind, UPDATE_TEXT.lower())
    at_home = home.go(f"/dialogue/commitments/{day.annual}")
    block = at_home.locator(f"div.update[data-id='{update}']")
    assert UPDATE_TEXT in block.inner_text()
    assert block.locator(".not-shared").count() == 0  # the marker the analyst saw is gone: both sides hold it
    home.page.close()


def test_5_a_viewer_is_offered_no_action_it_may_not_take(day: Day) -> None:
    tab = Visit(day, "IND", day.people["viewer"])
    update = _held_by_name(day.ind, UPDATE_TEXT.lower())
    for path in ("/", "/intel", "/dialogue", "/maritime", "/defence", "/economy", "/objects", f"/objects/{update}"):
        page = tab.go(path)
        offered = page.evaluate(
            "[...document.querySelectorAll('main a, main button')].map(e => e.textContent.trim())"
            ".filter(t => /^(New|Import|Add|Create|Edit|Release|Revoke|Narrow|Ask for release|Record|Upload)\\b/"
            ".test(t))"
        )
        assert offered == [], f"{path} offers a viewer {offered}"
        assert 'href="/releases"' not in page.content()
    tab.finish("viewer")


def test_6_the_admin_filters_the_audit_to_human_logins(day: Day) -> None:
    tab = Visit(day, "IND", day.people["admin"])
    exchange = tab.go("/exchange/MYS")
    assert "Malaysia" in exchange.content()
    tab.snap("exchange-page")
    tab.go("/audit")
    people = tab.after(lambda: tab.page.click("nav.who-tabs >> text=People"))
    people.select_option("select[name=action]", "login")
    page = tab.after(lambda: people.click("form.audit-filters button[type=submit]"))
    cells = page.locator("table.audit tbody tr td:nth-child(3)")
    actors = {cells.nth(i).get_attribute("title") for i in range(cells.count())}
    kinds = set(page.locator("table.audit tbody tr td:nth-child(3) .kind").all_inner_texts())
    assert {"asha", "rao", "root", "vik"} <= actors
    assert kinds == {"person"}  # no sync bookkeeping, no partner account among the people's logins
    tab.finish("admin-audit")


def test_7_the_watch_officer_finds_a_vessel_and_reads_its_panel(day: Day) -> None:
    from playwright.sync_api import expect

    tab = Visit(day, "IND", day.people["watch"])
    page = tab.go("/maritime/")
    expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=30_000)
    expect(page.locator("#picture-as-of")).to_contain_text("Picture as of")  # the sample's own time, not now
    vessels = int(page.locator("#map").get_attribute("data-vessels") or 0)
    assert vessels > 100
    named = page.evaluate("[...document.querySelectorAll('#vessel-names option')].map(o => o.value)")
    assert named, "the finder offers the vessels of the picture"
    page.fill("#vessel-find", named[0])
    page.press("#vessel-find", "Enter")
    expect(page.locator("#map")).to_have_attribute("data-panel", "open", timeout=15_000)
    panel = page.locator("#vessel-panel")
    expect(panel).to_contain_text("UTC")  # the last fix and its time
    expect(page.locator("#map")).to_have_attribute("data-track-points", re.compile(r"^[1-9][0-9]*$"), timeout=15_000)
    assert_usable(page)
    tab.finish("watch-officer")


def _tab_to(page: Any, selector: str, *, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus: it must be reachable by keyboard alone."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab on {page.url}")


def test_8_the_main_journey_by_keyboard_alone(day: Day) -> None:
    """An analyst records an indicator and asks to share it, and the officer approves it, with no mouse."""
    name = "Keyboard-recorded beacon"
    analyst = Visit(day, "IND", day.people["analyst"])
    page = analyst.go("/intel/new/indicator")
    for selector, text in (
        ("input[name=name]", name),
        ("input[name=pattern]", "[ipv4-addr:value = '185.220.101.9']"),
    ):
        _tab_to(page, selector)
        page.keyboard.type(text)
    _tab_to(page, "input[name=valid_from]")
    # Headless Chromium's field reads mm/dd/yyyy, then hh:mm:ss AM (to the second: STIX times are).
    for key in [*"12012026", "ArrowRight", *"080000A"]:
        page.keyboard.press(key)
    assert page.input_value("input[name=valid_from]") in ("2026-12-01T08:00", "2026-12-01T08:00:00")
    _tab_to(page, "input[name=releasable_to][value=MYS]")
    page.keyboard.press("Space")
    _tab_to(page, "form.intel-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_usable(page)
    object_id = _held_by_name(day.ind, name.lower())
    assert object_id is not None, page.locator("main").inner_text()[:1500]
    analyst.page.close()

    officer = Visit(day, "IND", day.people["officer"])
    queue = officer.go("/releases")
    with day.ind.db.read() as session:
        (asked,) = [r for r in release_requests.pending(session) if r.object_id == object_id]
    _tab_to(queue, f"#request-{asked.id} form[action$='/approve'] button")
    with queue.expect_navigation():
        queue.keyboard.press("Enter")
    assert "Released to MYS" in queue.content()
    row = _latest(day.ind, object_id)
    assert row is not None
    assert row.releasable == ("MYS",)
    officer.finish("keyboard-only")
