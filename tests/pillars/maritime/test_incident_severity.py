"""ReCAAP severity: shown where a source gave it, "not graded" where none did, never a made-up grade."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.maritime.incident_csv import import_incidents
from mitra.pillars.maritime.incident_formats import RECAAP
from tests.conftest import Person
from tests.pillars.maritime.test_incident_import import RECAAP_ATTEMPT, RECAAP_HEADER, RECAAP_THEFT
from tests.support.web import bearer, log_in

_ROW = re.compile(
    r"<tr><td>(?:<time[^>]*>)?[^<]*(?:</time>)?</td><td><a href=\"(/maritime/incidents/[^\"]+)\">([^<]*)</a>.*?"
    r"<td class=\"severity\">([^<]*)</td>",
    re.S,
)


def _import_recaap(node: Node, person: Person, tmp_path: Path) -> None:
    path = tmp_path / "recaap.csv"
    path.write_text(RECAAP_HEADER + RECAAP_THEFT + RECAAP_ATTEMPT, encoding="utf-8")
    handling = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS")
    report = import_incidents(node, path=path, fmt=RECAAP, actor=person.actor, handling=handling)
    assert report.added == 2


def test_the_api_gives_the_recaap_grade_and_null_for_not_graded(
    client: TestClient, maritime_node: Node, people: dict[str, Person], tmp_path: Path
) -> None:
    _import_recaap(maritime_node, people["analyst"], tmp_path)
    listed = client.get("/api/v1/maritime/incidents", headers=bearer(people["viewer"])).json()
    severities = {item["name"].split(":")[0]: item["severity"] for item in listed["items"]}
    assert severities["ReCAAP IC-2024-099"] == "CAT 3"
    assert severities["ReCAAP IC-2024-090"] is None  # an attempt: ReCAAP does not grade it
    asam = [severity for name, severity in severities.items() if name.startswith("ASAM")]
    assert len(asam) == 5  # the seeded NGA ASAM incidents: ASAM carries no grade
    assert set(asam) == {None}
    assert all("severity" in item for item in listed["items"])  # said, not left out


def test_the_openapi_schema_documents_null_as_not_graded(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["IncidentRead"]
    severity = schema["properties"]["severity"]
    assert "null: not graded" in severity["description"]
    assert {"type": "null"} in severity["anyOf"]
    assert "severity" in schema["required"]


def test_the_list_and_the_detail_page_say_not_graded_where_no_grade_was_given(
    client: TestClient, maritime_node: Node, people: dict[str, Person], tmp_path: Path
) -> None:
    _import_recaap(maritime_node, people["analyst"], tmp_path)
    log_in(client, people["viewer"])
    rows = {
        name.split(":")[0]: (link, severity)
        for link, name, severity in _ROW.findall(client.get("/maritime/incidents").text)
    }
    assert rows["ReCAAP IC-2024-099"][1] == "CAT 3"
    assert rows["ReCAAP IC-2024-090"][1] == "not graded"
    assert rows["ASAM 2022-148"][1] == "not graded"
    graded = client.get(rows["ReCAAP IC-2024-099"][0])
    assert graded.status_code == 200
    assert '<dd class="severity">CAT 3</dd>' in graded.text
    assert "<dd>ReCAAP ISC, IC-2024-099</dd>" in graded.text
    ungraded = client.get(rows["ASAM 2022-148"][0]).text
    assert '<dd class="severity">not graded</dd>' in ungraded
    assert "ASAM 2022-148" in ungraded


def test_the_detail_page_shows_only_incidents_the_viewer_may_see(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    log_in(client, people["viewer"])
    assert (
        client.get("/maritime/incidents/x-mitra-maritime-incident--00000000-0000-4000-8000-000000000000").status_code
        == 404
    )
    areas = client.get("/api/v1/maritime/areas", headers=bearer(people["viewer"])).json()["items"]
    assert client.get(f"/maritime/incidents/{areas[0]['id']}").status_code == 404  # an area is no incident
