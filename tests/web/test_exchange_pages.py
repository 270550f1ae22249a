"""The exchange pages: counts over the whole store (not the newest few rows), withheld grouped by the policy's
reason, and nothing a person may not see, in a list or in a count; people only, errors as pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.core.stix import HandlingInput
from mitra.exchange import overview as exchange
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.support.pair import Pair, given, paired_nodes
from tests.support.web import log_in

SEEDED = 60  # more than the 40 newest rows the home panel used to count


def _clear_unreleased(node: Node, n: int) -> None:
    """TLP:CLEAR public records held for this node alone (as the SIPRI register is): withheld, not released."""
    for i in range(n):
        given(
            node,
            {
                "type": "indicator",
                "name": f"public record {i}",
                "pattern_type": "stix",
                "pattern": f"[ipv4-addr:value = '45.83.64.{i % 250}']",
                "valid_from": "2025-01-01T00:00:00Z",
            },
            HandlingInput(
                tlp="clear", originator_nation="IND", originator_agency="NSCS", releasable_to=(), orcon=False
            ),
        )


def _released(node: Node, name: str, tlp: str = "green", **extra: object) -> str:
    return given(
        node,
        {
            "type": "indicator",
            "name": name,
            "pattern_type": "stix",
            "pattern": "[domain-name:value = 'x.example']",
            "valid_from": "2025-01-01T00:00:00Z",
        },
        HandlingInput(tlp=tlp, originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",), **extra),  # type: ignore[arg-type]
    )


@pytest.fixture
def pair(tmp_path: Path, database_url: str) -> Iterator[Pair]:
    with paired_nodes(tmp_path, database_url) as nodes:
        yield nodes


def _summary(node: Node, person: Person, partner: str) -> exchange.PartnerSummary:
    with node.db.read() as session:
        return next(o for o in exchange.overview(session, node, viewer=person.actor) if o.partner.nation == partner)


def test_counts_are_over_the_whole_store_not_the_newest_rows(pair: Pair) -> None:
    released = [_released(pair.ind, f"real release {i}") for i in range(3)]
    _clear_unreleased(pair.ind, SEEDED)  # newer than the releases: they crowded them out
    summary = _summary(pair.ind, pair.ind_people["admin"], "MYS")
    assert summary.released == 3
    assert summary.withheld_total == SEEDED
    with pair.ind.db.read() as session:
        listing = exchange.released_rows(session, pair.ind, "MYS", viewer=pair.ind_people["admin"].actor)
    assert sorted(r.id for r in listing.rows) == sorted(released)
    pair.pull(pair.mys)
    assert _summary(pair.mys, pair.mys_people["admin"], "IND").received == 3


def test_withheld_is_grouped_by_the_policys_reason_and_releasable_clear_rows_are_released(pair: Pair) -> None:
    _clear_unreleased(pair.ind, 45)
    _released(pair.ind, "clear and releasable", tlp="clear")
    given(
        pair.ind,
        {
            "type": "indicator",
            "name": "strict",
            "pattern_type": "stix",
            "pattern": "[domain-name:value = 's.example']",
            "valid_from": "2025-01-01T00:00:00Z",
        },
        HandlingInput(tlp="amber+strict", originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",)),
    )
    summary = _summary(pair.ind, pair.ind_people["officer"], "MYS")
    assert summary.released == 1
    assert summary.withheld is not None
    by_reason = {r.reason: r.count for r in summary.withheld}
    assert by_reason == {"not releasable to MYS": 45, "TLP:AMBER+STRICT never leaves the originating organisation": 1}
    with pair.ind.db.read() as session:
        page = exchange.withheld_rows(
            session, pair.ind, "MYS", viewer=pair.ind_people["officer"].actor, reason="not releasable to MYS", limit=20
        )
        assert (len(page.rows), page.total, page.first) == (20, 45, 1)
        second = exchange.withheld_rows(
            session,
            pair.ind,
            "MYS",
            viewer=pair.ind_people["officer"].actor,
            reason="not releasable to MYS",
            limit=20,
            before=page.next_before,
        )
    assert (len(second.rows), second.first) == (20, 21)
    assert not {r.id for r in page.rows} & {r.id for r in second.rows}
    assert all(r.tlp == "clear" and not r.releasable_to for r in page.rows + second.rows)


def test_a_viewer_learns_of_no_red_object_through_a_count_or_a_list(pair: Pair) -> None:
    _released(pair.ind, "open release")
    hidden = _released(pair.ind, "red for named people", tlp="red", red_recipients=("IND:NSCS", "MYS:NSC"))
    viewer, officer = pair.ind_people["viewer"], pair.ind_people["officer"]  # viewer: CERT-In, not named
    assert _summary(pair.ind, officer, "MYS").released == 2
    as_viewer = _summary(pair.ind, viewer, "MYS")
    assert as_viewer.released == 1
    assert as_viewer.withheld is None
    assert as_viewer.refused is None
    with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:
        log_in(client, viewer)
        for path in ("/", "/exchange", "/exchange/MYS", "/exchange/MYS?show=withheld", "/exchange/MYS?show=released"):
            page = client.get(path)
            assert page.status_code == 200, (path, page.text)
            assert hidden not in page.text
            assert "red for named people" not in page.text
        assert re.search(r"Released to MYS: <b>1</b>", client.get("/exchange/MYS").text)
        client.cookies.clear()
        log_in(client, officer)
        page = client.get("/exchange/MYS?show=released")
        assert "Released to MYS: <b>2</b>" in page.text
        assert hidden in page.text
        assert "red for named people" not in page.text


@pytest.mark.parametrize("path", ["/exchange", "/exchange/MYS", "/exchange/MYS?show=withheld"])
def test_nobody_signed_in_is_sent_to_the_login_form(pair: Pair, path: str) -> None:
    with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:
        response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/exchange", "/exchange/MYS"])
def test_a_partner_token_gets_a_refusal_page(pair: Pair, path: str) -> None:
    partner = add_person(pair.ind, "mys-node", {Role.PARTNER}, nation="MYS")
    with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:
        response = client.get(path, headers={"Authorization": f"Bearer {partner.token}"}, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "taxii2" in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/exchange/XYZ", 404), ("/exchange/MYS?show=secrets", 422), ("/exchange/MYS?before=abc", 422)],
)
def test_errors_are_pages_not_json(pair: Pair, path: str, status: int) -> None:
    with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:
        log_in(client, pair.ind_people["admin"])
        response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text


def test_every_list_of_the_partner_page_opens_for_an_admin(pair: Pair) -> None:
    _released(pair.ind, "open release")
    _clear_unreleased(pair.ind, 3)
    pair.pull(pair.mys)
    pair.pull(pair.ind)
    with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:
        log_in(client, pair.ind_people["admin"])
        for show in exchange_sections():
            page = client.get(f"/exchange/MYS?show={show}")
            assert page.status_code == 200, (show, page.text)
            assert "Shown" in page.text or "None." in page.text or "for release officers" in page.text
        home = client.get("/")
        assert 'href="/exchange/MYS"' in home.text
        assert 'href="/exchange"' in home.text


def exchange_sections() -> list[str]:
    from mitra.web.exchange_pages import SECTIONS

    return list(SECTIONS)
