"""The maritime REST API and the map's JSON: who may do what, and what each viewer sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.maritime.ais.store import POSITION_COLUMNS, PositionStore
from tests.conftest import Person
from tests.support.web import bearer, csrf_of, log_in

SQUARE = {"type": "Polygon", "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]]}


def _incident(tlp: str = "green", **extra: Any) -> dict[str, Any]:
    return {
        "name": "Robbery at Phillip Channel",
        "category": "armed-robbery",
        "severity": "CAT 3",
        "attempted": False,
        "occurred_at": "2024-03-02T20:15:00Z",
        "latitude": 1.2,
        "longitude": 103.8,
        "vessel_name": "OCEAN STAR",
        "vessel_imo": "9123456",
        "handling": {"tlp": tlp, "releasable_to": ["MYS"]},
    } | extra


def test_an_analyst_records_an_incident_and_its_area_is_computed(client: TestClient, people: dict[str, Person]) -> None:
    local = _incident() | {"handling": {"tlp": "green"}}
    response = client.post("/api/v1/maritime/incidents", json=local, headers=bearer(people["analyst"]))
    assert response.status_code == 201, response.text
    listed = client.get("/api/v1/maritime/incidents?since=2024-03-01", headers=bearer(people["viewer"])).json()
    assert [(i["name"], i["area"], i["severity"]) for i in listed["items"]] == [
        ("Robbery at Phillip Channel", "Singapore Strait", "CAT 3")
    ]


def test_only_a_release_officer_records_an_incident_releasable_to_the_partner(
    client: TestClient, people: dict[str, Person]
) -> None:
    asked = client.post("/api/v1/maritime/incidents", json=_incident(), headers=bearer(people["analyst"]))
    assert asked.status_code == 201, asked.text  # saved, not released: a request waits for a release officer
    assert asked.json()["handling"]["releasable_to"] == []
    assert asked.json()["release_requested"] == ["MYS"]
    created = client.post("/api/v1/maritime/incidents", json=_incident(), headers=bearer(people["officer"]))
    assert created.status_code == 201, created.text
    assert created.json()["handling"]["releasable_to"] == ["MYS"]


def test_without_a_token_the_api_answers_401(client: TestClient) -> None:
    assert client.post("/api/v1/maritime/incidents", json=_incident()).status_code == 401
    assert client.get("/api/v1/maritime/picture").status_code == 401


def test_a_viewer_may_not_record_incidents_or_areas(client: TestClient, people: dict[str, Person]) -> None:
    viewer = bearer(people["viewer"])
    assert client.post("/api/v1/maritime/incidents", json=_incident(), headers=viewer).status_code == 403
    area = {"geojson": SQUARE, "name": "Box", "handling": {"tlp": "green"}}
    assert client.post("/api/v1/maritime/areas", json=area, headers=viewer).status_code == 403


def test_a_partner_account_may_neither_write_nor_read_the_picture(
    client: TestClient, people: dict[str, Person]
) -> None:
    partner = bearer(people["partner"])
    assert client.post("/api/v1/maritime/incidents", json=_incident(), headers=partner).status_code == 403
    assert client.get("/api/v1/maritime/picture", headers=partner).status_code == 403
    assert client.get("/api/v1/maritime/incidents/stats", headers=partner).status_code == 403


def test_a_bad_severity_or_category_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    analyst = bearer(people["analyst"])
    assert (
        client.post("/api/v1/maritime/incidents", json=_incident(severity="CAT 9"), headers=analyst).status_code == 422
    )
    assert (
        client.post("/api/v1/maritime/incidents", json=_incident(category="mutiny"), headers=analyst).status_code == 422
    )


def test_a_red_incident_of_another_agency_is_not_on_the_viewers_map(
    client: TestClient, people: dict[str, Person]
) -> None:
    secret = _incident("red", name="Covert boarding", handling={"tlp": "red"})
    assert client.post("/api/v1/maritime/incidents", json=secret, headers=bearer(people["analyst"])).status_code == 201
    log_in(client, people["cert"])  # CERT-In, not the NSCS that recorded it
    names = [i["name"] for i in client.get("/maritime/picture.json").json()["incidents"]]
    assert "Covert boarding" not in names
    assert len(names) == 5  # the seeded ASAM incidents


def test_the_originating_agency_sees_its_red_incident_on_the_map(client: TestClient, people: dict[str, Person]) -> None:
    secret = _incident("red", name="Covert boarding", handling={"tlp": "red"})
    client.post("/api/v1/maritime/incidents", json=secret, headers=bearer(people["analyst"]))
    log_in(client, people["analyst"])
    names = [i["name"] for i in client.get("/maritime/picture.json").json()["incidents"]]
    assert "Covert boarding" in names


def test_the_map_json_needs_a_session(client: TestClient) -> None:
    assert client.get("/maritime/picture.json").status_code == 401


def test_the_picture_filters_incidents_by_time(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    body = client.get("/maritime/picture.json?since=2022-05-20&until=2022-05-31").json()
    assert sorted(i["occurred_at"][:10] for i in body["incidents"]) == ["2022-05-27", "2022-05-28"]
    assert client.get("/maritime/picture.json?since=2022-06-01&until=2022-05-01").status_code == 422


def test_the_picture_shows_latest_positions_and_a_track_to_those_who_may_read_data(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    _write_positions(PositionStore.for_settings(maritime_node.settings).positions_dir / "date=2024-03-02")
    log_in(client, people["viewer"])
    body = client.get("/maritime/picture.json").json()
    assert [(v["mmsi"], v["lat"]) for v in body["vessels"]] == [(533000001, 1.22)]
    track = client.get("/maritime/track.json?mmsi=533000001").json()["positions"]
    assert [p["lat"] for p in track] == [1.2, 1.21, 1.22]


def _write_positions(folder: Path) -> None:
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE p ({POSITION_COLUMNS})")
        for minute, lat in enumerate((1.2, 1.21, 1.22)):
            con.execute(
                "INSERT INTO p (mmsi, ts, lat, lon, sog, cog, msg_type) VALUES (533000001, ?, ?, 103.8, 10, 90, 1)",
                [f"2024-03-02 10:0{minute}:00", lat],
            )
        con.execute(f"COPY p TO '{folder / 'test.parquet'}' (FORMAT parquet)")


def test_areas_upload_refuses_invalid_geojson_with_problem_json(client: TestClient, people: dict[str, Person]) -> None:
    bad = {
        "geojson": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        "name": "bow",
        "handling": {"tlp": "green"},
    }
    response = client.post("/api/v1/maritime/areas", json=bad, headers=bearer(people["analyst"]))
    assert response.status_code == 422
    assert "invalid polygon" in response.json()["detail"]


def test_an_uploaded_area_is_listed_and_counted_in_the_statistics(
    client: TestClient, people: dict[str, Person]
) -> None:
    analyst = bearer(people["analyst"])
    area = {"geojson": SQUARE, "name": "Box", "handling": {"tlp": "green"}}
    assert client.post("/api/v1/maritime/areas", json=area, headers=analyst).status_code == 201
    names = [a["name"] for a in client.get("/api/v1/maritime/areas", headers=analyst).json()["items"]]
    assert "Box" in names
    assert "Strait of Malacca" in names
    boxed = _incident(latitude=0.5, longitude=100.5) | {"handling": {"tlp": "green"}}
    assert client.post("/api/v1/maritime/incidents", json=boxed, headers=analyst).status_code == 201
    stats = client.get("/api/v1/maritime/incidents/stats?year=2024", headers=analyst).json()
    assert {"grouping": "area", "name": "Box", "year": 2024, "count": 1} in stats["rows"]


def test_statistics_come_as_csv(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get("/api/v1/maritime/incidents/stats.csv", headers=bearer(people["viewer"]))
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "grouping,name,year,count"
    assert "area,Singapore Strait,2022,4" in lines
    assert "area,Strait of Malacca,2022,1" in lines


def test_pages_render_for_a_viewer_without_the_forms(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    for path in ("/maritime/", "/maritime/incidents", "/maritime/incidents/stats", "/maritime/areas"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "Report an incident" not in client.get("/maritime/incidents").text


def test_a_release_officer_records_a_released_incident_with_the_form(
    client: TestClient, people: dict[str, Person]
) -> None:
    log_in(client, people["officer"])
    page = client.get("/maritime/incidents").text
    csrf = csrf_of(page)
    form = {
        "csrf_token": csrf,
        "name": "Suspicious approach off Tanjung Piai",
        "category": "maritime-incident",
        "attempted": "on",
        "occurred_at": "2024-04-01T03:30",
        "latitude": "1.25",
        "longitude": "103.5",
        "tlp": "amber",
        "releasable_to": "MYS",
    }
    response = client.post("/maritime/incidents", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert "x-mitra-maritime-incident--" in response.headers["location"]
    bad = client.post("/maritime/incidents", data=form | {"csrf_token": "wrong"}, follow_redirects=False)
    assert bad.status_code == 403


def test_an_area_is_uploaded_as_a_geojson_file_on_the_page(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    csrf = csrf_of(client.get("/maritime/areas").text)
    files = {"file": ("box.geojson", b'{"type": "Polygon", "coordinates": [[[100,0],[101,0],[101,1],[100,0]]]}')}
    response = client.post(
        "/maritime/areas", data={"csrf_token": csrf, "name": "Triangle"}, files=files, follow_redirects=False
    )
    assert response.status_code == 303
    assert "Triangle" in client.get("/maritime/areas").text
    broken = client.post("/maritime/areas", data={"csrf_token": csrf}, files={"file": ("x.json", b"nope")})
    assert broken.status_code == 422
    assert "not GeoJSON" in broken.text
