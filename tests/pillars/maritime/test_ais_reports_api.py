"""Base stations, SAR aircraft, aids to navigation and safety messages on the REST API and the map's JSON.

The reports are NMEA sentences this test encodes and ingests (``ais_reports_data``); who may read them is
who may read AIS positions: a person of this node with ``READ_DATA``, never a partner's account.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyais.constants import EpfdType, NavAid

from mitra.node import Node
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.listing import AID_TYPES, EPFD_TYPES, aid_item
from mitra.pillars.maritime.ais.store import PositionStore
from tests.conftest import Person
from tests.pillars.maritime import ais_reports_data as data
from tests.support.web import bearer, log_in

LISTS = (
    "/api/v1/maritime/base-stations",
    "/api/v1/maritime/sar-aircraft",
    "/api/v1/maritime/aids-to-navigation",
    "/api/v1/maritime/safety-messages",
)


@pytest.fixture
def heard(maritime_node: Node, tmp_path: Path) -> PositionStore:
    """The node's AIS store after ingesting the test's sentences."""
    store = PositionStore.for_settings(maritime_node.settings)
    ingest_file(store, data.write_sentences(tmp_path / "reports.nmea"))
    return store


def _get(client: TestClient, person: Person, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params=params, headers=bearer(person))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _by_mmsi(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {item["mmsi"]: item for item in body["items"]}


def test_base_stations_are_listed_with_position_time_and_their_own_clock(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    body = _get(client, people["viewer"], "/api/v1/maritime/base-stations")
    stations = _by_mmsi(body)
    assert list(stations) == [data.STATION_PORT_BLAIR, data.STATION_PIAI, data.STATION_NO_FIX]  # by MMSI
    piai = stations[data.STATION_PIAI]
    assert (piai["lat"], piai["lon"]) == (pytest.approx(1.2667, abs=1e-4), pytest.approx(103.5167, abs=1e-4))
    assert piai["at"] == piai["station_time"] == data.HEARD_AT
    assert piai["time_basis"] == "the receiver's time of the message"
    assert (piai["epfd"], piai["msg_type"], piai["reports"], piai["name"]) == ("surveyed", 4, 1, None)
    assert stations[data.STATION_PORT_BLAIR]["station_time"] is None  # its clock said "not available"
    assert stations[data.STATION_NO_FIX]["lat"] is None  # listed, with no position made up
    assert (body["total"], body["next"]) == (3, None)


def test_a_sar_aircraft_is_listed_on_its_own_and_never_among_the_vessels(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    aircraft = _get(client, people["viewer"], "/api/v1/maritime/sar-aircraft")["items"]
    assert [(a["mmsi"], a["altitude_m"], a["speed_kn"], a["course"]) for a in aircraft] == [
        (data.SAR_AIRCRAFT, 300, 140.0, 45.0)
    ]
    assert aircraft[0]["altitude_capped"] is False
    assert aircraft[0]["time_basis"] == "the clock of the latest base station heard before it"
    picture = _get(client, people["viewer"], "/api/v1/maritime/picture")
    assert data.SAR_AIRCRAFT not in {v["mmsi"] for v in picture["vessels"]}
    assert [a["mmsi"] for a in picture["sar_aircraft"]["items"]] == [data.SAR_AIRCRAFT]


def test_aids_to_navigation_say_their_name_type_and_whether_virtual(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    aids = _by_mmsi(_get(client, people["viewer"], "/api/v1/maritime/aids-to-navigation"))
    light, wreck = aids[data.AID_LIGHT], aids[data.AID_VIRTUAL]
    assert (light["name"], light["aid_type_name"], light["virtual"]) == (
        "RAFFLES LIGHTHOUSE",
        "light, without sectors",
        False,
    )
    assert (wreck["name"], wreck["aid_type_name"], wreck["virtual"]) == (
        "WRECK MARK",
        "emergency wreck marking buoy",
        True,
    )
    assert light["off_position"] is False  # its UTC second (5) lets the flag speak


def test_an_aid_whose_second_is_not_available_does_not_say_whether_it_is_off_position() -> None:
    row = {"mmsi": 995331234, "ts": None, "aid_type": 5, "off_position": False, "second": 61, "reports": 1}
    item = aid_item(row)
    assert item["off_position"] is None
    assert item["time_basis"] == "time unknown"


def test_safety_messages_come_newest_first_with_sender_addressee_and_text_the_untimed_last(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    body = _get(client, people["viewer"], "/api/v1/maritime/safety-messages")
    listed = [(m["text"], m["mmsi"], m["addressed"], m["dest_mmsi"], m["at"]) for m in body["items"]]
    assert sorted(listed[:2]) == sorted(
        [
            (data.BROADCAST_TEXT, data.BROADCASTER, False, None, data.HEARD_AT),
            (data.ADDRESSED_TEXT, data.SENDER, True, data.ADDRESSEE, data.HEARD_AT),
        ]
    )
    assert listed[2] == (data.UNTIMED_TEXT, data.UNTIMED_BROADCASTER, False, None, None)  # never given a time
    assert body["items"][2]["time_basis"] == "time unknown"
    addressed = next(m for m in body["items"] if m["addressed"])
    assert (addressed["sender_name"], addressed["dest_name"]) == ("OCEAN STAR", None)  # its static report
    assert (body["total"], body["unknown_time_held"], body["unknown_time_listed"]) == (3, 1, True)


def test_a_time_window_leaves_out_reports_of_unknown_time_and_says_how_many_are_held(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    body = _get(client, people["viewer"], "/api/v1/maritime/safety-messages", since="2024-03-02")
    assert data.UNTIMED_TEXT not in [m["text"] for m in body["items"]]
    assert (body["total"], body["unknown_time_held"], body["unknown_time_listed"]) == (2, 1, False)
    before = _get(client, people["viewer"], "/api/v1/maritime/base-stations", until="2024-03-01")
    assert (before["items"], before["total"]) == ([], 0)


def test_every_page_says_how_many_there_are_and_the_pages_walk_to_the_whole_list(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    for url in LISTS:
        whole = _get(client, people["viewer"], url)["items"]
        walked: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(10):
            page = _get(client, people["viewer"], url, limit=1, **({"cursor": cursor} if cursor else {}))
            assert page["total"] == len(whole)
            assert len(page["items"]) <= 1
            walked += page["items"]
            cursor = page["next"]
            if cursor is None:
                break
        assert walked == whole, url


def test_a_bad_window_or_cursor_is_refused_saying_why(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    viewer = bearer(people["viewer"])
    backwards = client.get(LISTS[0], params={"since": "2024-03-02", "until": "2024-03-01"}, headers=viewer)
    assert backwards.status_code == 422
    assert "since" in backwards.json()["detail"]
    assert client.get(LISTS[3], params={"cursor": "12345"}, headers=viewer).status_code == 422
    assert client.get(LISTS[1], params={"limit": 0}, headers=viewer).status_code == 422


@pytest.mark.parametrize("url", LISTS)
def test_without_a_token_or_with_a_wrong_one_an_ais_list_answers_401(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401


@pytest.mark.parametrize("url", LISTS)
def test_a_partner_account_may_not_read_an_ais_list(
    client: TestClient, people: dict[str, Person], heard: PositionStore, url: str
) -> None:
    response = client.get(url, headers=bearer(people["partner"]))
    assert response.status_code == 403
    assert "partner accounts cannot read_data" in response.json()["detail"]


@pytest.mark.parametrize("role", ["viewer", "analyst", "officer"])
def test_every_person_of_the_node_who_may_read_positions_reads_the_ais_lists(
    client: TestClient, people: dict[str, Person], heard: PositionStore, role: str
) -> None:
    for url in LISTS:
        assert client.get(url, headers=bearer(people[role])).status_code == 200, url


def test_the_maps_json_carries_each_kind_with_its_counts(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    log_in(client, people["viewer"])
    body = client.get("/maritime/picture.json").json()
    assert [s["mmsi"] for s in body["base_stations"]["items"]] == [
        data.STATION_PORT_BLAIR,
        data.STATION_PIAI,
        data.STATION_NO_FIX,
    ]
    assert (body["base_stations"]["total"], body["base_stations"]["truncated"]) == (3, False)
    assert len(body["aids_to_navigation"]["items"]) == 2
    assert body["safety_messages"]["total"] == 3
    assert body["safety_messages"]["unknown_time_held"] == 1


def test_the_safety_messages_page_lists_them_and_says_time_unknown(
    client: TestClient, people: dict[str, Person], heard: PositionStore
) -> None:
    assert client.get("/maritime/safety-messages", follow_redirects=False).status_code in (302, 303, 307)
    log_in(client, people["viewer"])
    page = client.get("/maritime/safety-messages").text
    assert "shown 3 of 3" in page
    assert "time unknown" in page
    assert "005330001" not in page  # stations are not safety messages
    assert "533000004" in page  # the addressee, as a watch officer reads an MMSI
    windowed = client.get("/maritime/safety-messages?since=2024-03-02").text
    assert "shown 2 of 2" in windowed
    assert "1 of unknown time are not listed" in windowed


def test_the_words_for_ais_codes_cover_every_code_pyais_knows() -> None:
    assert set(AID_TYPES) == set(range(32))  # five bits; pyais's codes above 31 come from a newer table
    assert [NavAid(code).value for code in range(32)] == list(AID_TYPES)  # the same 32 codes, in order
    assert {e.value for e in EpfdType} == set(EPFD_TYPES)


def test_the_safety_messages_page_is_cut_into_numbered_pages_on_the_server(
    client: TestClient, people: dict[str, Person], heard: PositionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importlib.import_module("mitra.pillars.maritime.pages"), "SAFETY_PER_PAGE", 2)
    log_in(client, people["viewer"])
    first, second = (client.get(f"/maritime/safety-messages?page={n}").text for n in (1, 2))
    rows = [p.split('id="safety-table"')[1].split("</table>")[0].count("<tr><td>") for p in (first, second)]
    assert rows == [2, 1]
    assert "shown 2 of 3 (1–2 on this page)" in first
    assert "shown 1 of 3 (3–3 on this page)" in second
    assert 'href="/maritime/safety-messages?page=2" rel="next"' in first
    wrong = client.get("/maritime/safety-messages?since=someday&page=0")
    assert wrong.status_code == 422
    assert "“someday” is not a date" in wrong.text
    assert "“0” is not a page number" in wrong.text
