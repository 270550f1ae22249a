"""The picture answers: what it holds in all beside what it sends, its own time, one vessel's panel, an area."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.maritime import service
from tests.conftest import Person
from tests.pillars.maritime.picture_data import OCEAN_STAR, SECOND, THIRD, write_vessels
from tests.support.web import bearer, log_in


def test_a_capped_layer_comes_with_its_total_and_says_it_was_cut(
    client: TestClient, maritime_node: Node, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_vessels(maritime_node)
    monkeypatch.setattr(service, "MAX_INCIDENTS", 2)
    monkeypatch.setattr(service, "MAX_VESSELS", 2)
    body = client.get("/api/v1/maritime/picture", headers=bearer(people["viewer"])).json()
    assert (len(body["incidents"]), body["incidents_total"], body["incidents_truncated"]) == (2, 5, True)
    assert (len(body["vessels"]), body["vessels_total"], body["vessels_truncated"]) == (2, 3, True)
    assert [v["mmsi"] for v in body["vessels"]] == [OCEAN_STAR, SECOND]  # the newest kept
    assert (len(body["events"]), body["events_total"], body["events_truncated"]) == (0, 0, False)


def test_an_uncapped_picture_sends_everything_and_says_nothing_was_cut(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    write_vessels(maritime_node)
    body = client.get("/api/v1/maritime/picture", headers=bearer(people["viewer"])).json()
    assert (len(body["incidents"]), body["incidents_total"], body["incidents_truncated"]) == (5, 5, False)
    assert (body["vessels_total"], body["vessels_truncated"]) == (3, False)


def test_the_picture_is_as_of_its_newest_position_not_the_clock(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    write_vessels(maritime_node)
    log_in(client, people["viewer"])
    body = client.get("/maritime/picture.json").json()
    assert (body["as_of"], body["as_of_basis"]) == ("2024-03-02T10:02:00Z", "newest position held")
    earlier = client.get("/maritime/picture.json?until=2024-03-02T09:30:00Z").json()
    assert earlier["as_of"] == "2024-03-02T09:00:00Z"


def test_without_positions_the_picture_is_as_of_its_newest_incident(
    client: TestClient, people: dict[str, Person]
) -> None:
    log_in(client, people["viewer"])
    body = client.get("/maritime/picture.json").json()
    assert body["as_of"].startswith("2022-05-28")
    assert body["as_of_basis"] == "newest incident report"


def test_a_box_narrows_every_layer_and_the_totals(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    write_vessels(maritime_node)
    log_in(client, people["viewer"])
    body = client.get("/maritime/picture.json?box=0.5,103,1.5,104.5").json()  # the Singapore Strait
    assert [v["mmsi"] for v in body["vessels"]] == [OCEAN_STAR]
    assert body["vessels_total"] == 1
    assert body["incidents_total"] == 4  # the fifth is off Sumatra
    assert body["box"] == [0.5, 103.0, 1.5, 104.5]
    wrong = client.get("/api/v1/maritime/picture?box=north", headers=bearer(people["viewer"]))
    assert wrong.status_code == 422
    assert "south,west,north,east" in wrong.json()["detail"]


def test_a_vessels_panel_has_its_identity_history_last_fix_destination_and_nearby_incidents(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    write_vessels(maritime_node)
    body = client.get(f"/api/v1/maritime/vessels/{OCEAN_STAR}", headers=bearer(people["viewer"])).json()
    assert (body["name"], body["callsign"], body["imo"], body["ship_type_name"]) == (
        "OCEAN STAR",
        "9V9999",
        9123456,
        "tanker",
    )
    assert [(i["callsign"], i["first_seen"]) for i in body["identities"]] == [
        ("9V1234", "2024-03-02T09:30:00Z"),
        ("9V9999", "2024-03-02T10:01:30Z"),
    ]
    fix = body["last_fix"]
    assert (fix["at"], fix["lat"], fix["sog"], fix["cog"], fix["status_name"]) == (
        "2024-03-02T10:02:00Z",
        1.22,
        11.0,
        92.5,
        "under way using engine",
    )
    assert (body["destination"], body["positions"]) == ("SINGAPORE", 3)
    nearby = body["nearby_incidents"]
    assert body["nearby_total"] == len(nearby) == 4  # the four in the Strait are within 50 km; Sumatra is not
    assert [i["km"] for i in nearby] == sorted(i["km"] for i in nearby)
    assert all(i["km"] <= 50 for i in nearby)


def test_a_vessel_of_which_nothing_is_held_is_not_found(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get(f"/api/v1/maritime/vessels/{THIRD}", headers=bearer(people["viewer"]))
    assert response.status_code == 404


def test_the_vessel_panel_is_for_those_who_may_read_measurements(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    write_vessels(maritime_node)
    assert client.get(f"/maritime/vessel.json?mmsi={OCEAN_STAR}").status_code == 401
    refused = client.get(f"/api/v1/maritime/vessels/{OCEAN_STAR}", headers=bearer(people["partner"]))
    assert refused.status_code == 403
