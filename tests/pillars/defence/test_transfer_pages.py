"""The arms-transfer register a page at a time: the database filters, merges copies, orders and cuts the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from mitra.app import create_app
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.sipri import parse_sipri
from mitra.pillars.defence.transfers import TransferFilter, page_transfers, transfer_choices, transfers_after
from mitra.policy import Role
from tests.conftest import Person, add_person, shared_file
from tests.pillars.defence.test_sipri import _extract
from tests.support.pair import paired_nodes
from tests.support.web import log_in

EXTRACT = "economy/sipri_trade_register_india_malaysia.csv"


@pytest.fixture
def imported(node: Node) -> Node:
    officer = add_person(node, "rao", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS").actor
    parsed = parse_sipri(shared_file(EXTRACT).read_text(encoding="utf-8"))
    with node.db.write() as session:
        service.import_sipri(session, store=node.store, parsed=parsed, actor=officer)
    return node


def _viewer(node: Node) -> object:
    return add_person(node, "vik", {Role.VIEWER}, agency="CERT-In").actor


def test_a_page_holds_only_its_rows_and_the_total_counts_every_match(imported: Node) -> None:
    actor = _viewer(imported)
    with imported.db.read() as session:
        everything = service.list_transfers(session, store=imported.store, actor=actor)  # type: ignore[arg-type]
        pages = [
            page_transfers(
                session,
                store=imported.store,
                actor=actor,  # type: ignore[arg-type]
                where=TransferFilter(),
                offset=offset,
                per_page=50,
            )
            for offset in range(0, 1200, 50)
        ]
    second = pages[1]
    assert second.total == len(everything) == 1176
    assert len(second.rows) == 50
    assert (second.first, second.last, second.number, second.pages) == (51, 100, 2, 24)
    assert len(pages[-1].rows) == 26
    walked = [r.id for p in pages for r in p.rows]
    assert len(walked) == len(set(walked)) == 1176  # every deal once, none skipped
    assert set(walked) == {r.id for r in everything}
    years = [r.year_of_order for p in pages for r in p.rows]
    known = [y for y in years if y is not None]
    assert known == sorted(known)
    assert years[: len(known)] == known


def test_the_database_cuts_the_page_python_reads_only_its_rows(imported: Node) -> None:
    actor = _viewer(imported)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = imported.db.reader
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with imported.db.read() as session:
            page = page_transfers(
                session,
                store=imported.store,
                actor=actor,  # type: ignore[arg-type]
                where=TransferFilter(),
                offset=100,
                per_page=25,
            )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(page.rows) == 25
    assert any("LIMIT" in s.upper() and "OFFSET" in s.upper() for s in statements)
    bodies = [s for s in statements if "stix_objects.body" in s and "json" not in s.lower()]
    assert bodies
    assert all(" IN (" in s.upper() for s in bodies)


def test_filters_narrow_in_sql_and_the_total_follows(imported: Node) -> None:
    actor = _viewer(imported)
    with imported.db.read() as session:
        everything = service.list_transfers(session, store=imported.store, actor=actor)  # type: ignore[arg-type]
        page = page_transfers(
            session,
            store=imported.store,
            actor=actor,  # type: ignore[arg-type]
            where=TransferFilter(recipient="malaysia", supplier="Russia", year_from=1990, year_to=2010, text="su-30"),
            per_page=10,
        )
        kinds = page_transfers(
            session,
            store=imported.store,
            actor=actor,  # type: ignore[arg-type]
            where=TransferFilter(weapon_type="FGA aircraft"),
            per_page=200,
        )
        choices = transfer_choices(session, store=imported.store, actor=actor)  # type: ignore[arg-type]
    expected = [
        t
        for t in everything
        if t.recipient == "Malaysia"
        and t.supplier == "Russia"
        and t.year_of_order is not None
        and 1990 <= t.year_of_order <= 2010
        and "su-30" in f"{t.weapon_designation} {t.weapon_description} {t.comments}".lower()
    ]
    assert expected
    assert [r.id for r in page.rows] == [r.id for r in expected]
    assert page.total == len(expected)
    fga = [t for t in everything if t.weapon_description == "FGA aircraft"]
    assert kinds.total == len(fga) > 0
    assert {"India", "Malaysia"} <= set(choices.recipients)
    assert "Russia" in choices.suppliers
    assert "FGA aircraft" in choices.weapon_types
    assert choices.years is not None
    assert choices.years[0] < choices.years[1]


def test_newest_first_puts_the_latest_order_year_on_top(imported: Node) -> None:
    actor = _viewer(imported)
    with imported.db.read() as session:
        page = page_transfers(
            session,
            store=imported.store,
            actor=actor,  # type: ignore[arg-type]
            where=TransferFilter(),
            order="-year",
            per_page=30,
        )
    years = [r.year_of_order for r in page.rows]
    assert years == sorted(years, reverse=True)  # type: ignore[type-var]
    assert years[0] == max(y for y in years if y is not None)


def test_a_wrong_year_range_is_refused_in_plain_words(imported: Node) -> None:
    actor = _viewer(imported)
    with imported.db.read() as session, pytest.raises(InvalidInput, match="year_to: 1990 is before year_from 2000"):
        page_transfers(
            session,
            store=imported.store,
            actor=actor,  # type: ignore[arg-type]
            where=TransferFilter(year_from=2000, year_to=1990),
        )


def test_a_deal_both_nodes_hold_is_one_row_on_the_page_held_by_both(tmp_path: Path) -> None:
    parsed = parse_sipri(_extract())
    with paired_nodes(tmp_path) as pair:
        for node, people in ((pair.ind, pair.ind_people), (pair.mys, pair.mys_people)):
            partner = tuple(n for n in ("IND", "MYS") if n != node.nation)
            with node.db.write() as session:
                service.import_sipri(
                    session, store=node.store, parsed=parsed, actor=people["officer"].actor, releasable_to=partner
                )
        pair.pull(into=pair.mys, page_size=1000)
        viewer = pair.mys_people["viewer"].actor
        with pair.mys.db.read() as session:
            listed = service.list_transfers(session, store=pair.mys.store, actor=viewer)
            page = page_transfers(
                session, store=pair.mys.store, actor=viewer, where=TransferFilter(), per_page=len(parsed.rows)
            )
    assert page.total == len(listed) == len(parsed.rows)
    assert all(r.held_by == ("MYS", "IND") for r in page.rows)
    assert all(r.id.startswith("x-mitra-arms-transfer--") for r in page.rows)
    assert {r.id for r in page.rows} == {r.id for r in listed}  # this node's copy stands for each deal


# ----- the page ----------------------------------------------------------------------------------


@pytest.fixture
def page_client(imported: Node) -> Iterator[tuple[TestClient, Person]]:
    viewer = add_person(imported, "vic", {Role.VIEWER}, agency="CERT-In")
    with TestClient(create_app(imported.settings, node=imported)) as client:
        log_in(client, viewer)
        yield client, viewer


def _rows(html: str) -> list[str]:
    body = html.split('<table id="transfers">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>", body)


def test_the_page_shows_fifty_deals_says_which_and_links_the_next_pages(
    page_client: tuple[TestClient, Person],
) -> None:
    client, _ = page_client
    html = client.get("/defence/transfers?page=2").text
    assert len(_rows(html)) == 50
    assert "51–100 of 1,176 transfers" in html
    assert "page 2 of 24" in html
    assert 'href="/defence/transfers?page=3"' in html
    assert 'href="/defence/transfers?page=24"' in html
    assert "2,0" not in re.sub(r"<[^>]+>", " ", html.split('<table id="transfers">', 1)[1])  # years, not 2,012


def test_the_filters_are_kept_in_the_page_links_and_shown_selected(page_client: tuple[TestClient, Person]) -> None:
    client, _ = page_client
    html = client.get("/defence/transfers?recipient=Malaysia&supplier=Russia&sort=-year").text
    assert "<option selected>Malaysia</option>" in html
    assert "<option selected>Russia</option>" in html
    assert "of 1,176" not in html
    assert "transfers" in html
    counted = re.search(r"1–(\d+) of (\d+) transfers", html)
    assert counted is not None
    assert int(counted.group(1)) == int(counted.group(2)) == len(_rows(html))
    assert 'href="/defence/transfers?recipient=Malaysia&amp;supplier=Russia&amp;sort=year"' in html


def test_a_year_that_is_not_a_year_is_named_beside_its_field_and_kept(page_client: tuple[TestClient, Person]) -> None:
    client, _ = page_client
    response = client.get("/defence/transfers?from=20x0&to=1990&q=Su-30")
    assert response.status_code == 422
    assert "“20x0” is not a year" in response.text
    assert 'value="20x0"' in response.text
    assert 'value="Su-30"' in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_the_rest_list_walks_every_deal_once_by_keyset_cursors(imported: Node) -> None:
    actor = _viewer(imported)
    walked: list[str] = []
    cursor: str | None = None
    with imported.db.read() as session:
        for _ in range(100):
            page = transfers_after(
                session,
                store=imported.store,
                actor=actor,  # type: ignore[arg-type]
                where=TransferFilter(),
                cursor=cursor,
                limit=97,
            )
            assert len(page.items) <= 97
            walked += [r.id for r in page.items]
            cursor = page.next
            if cursor is None:
                break
        ordered = page_transfers(
            session,
            store=imported.store,
            actor=actor,  # type: ignore[arg-type]
            where=TransferFilter(),
            per_page=2000,
        )
    assert walked == [r.id for r in ordered.rows]
    assert len(set(walked)) == 1176


def test_a_cursor_that_is_not_one_is_refused_in_plain_words(imported: Node) -> None:
    actor = _viewer(imported)
    with imported.db.read() as session, pytest.raises(InvalidInput, match="not a cursor from a previous page"):
        transfers_after(
            session,
            store=imported.store,
            actor=actor,  # type: ignore[arg-type]
            where=TransferFilter(),
            cursor="bm90LWEta2V5",
            limit=10,
        )
