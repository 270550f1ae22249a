"""Pages under /dialogue: dashboard, timeline, detail with history, update form (CSRF), intake."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.types import COMMITMENT, CONFLICT
from tests.conftest import Person, shared_file
from tests.support.web import csrf_of, log_in


def test_pages_need_a_session(client: TestClient) -> None:
    response = client.get("/dialogue/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_dashboard_lists_commitments_by_area_and_the_overdue_session(
    client: TestClient, people: dict[str, Person]
) -> None:
    log_in(client, people["viewer"])
    page = client.get("/dialogue/").text
    assert "7 January 2025, New Delhi" in page
    assert "Critical minerals and rare earths" in page
    assert 'id="overdue"' in page  # today is after 2026-01-07 and no 2nd session is recorded
    assert page.count('data-status="') == 7


def test_the_timeline_orders_sessions_and_announcements(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/dialogue/timeline").text
    assert page.index("2015-11") < page.index("2024-08-19") < page.index("2025-01-07")


def test_an_analyst_may_not_share_an_update_a_release_officer_may(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["analyst"])
    form = client.get(f"/dialogue/commitments/{target}").text
    assert 'name="releasable_to" value="MYS" >' in form  # not ticked for someone who cannot release
    data = {
        "csrf_token": csrf_of(form),
        "summary": "Shared too early",
        "date": "2025-10-01",
        "releasable_to": "MYS",
        "orcon": "on",
    }
    refused = client.post(f"/dialogue/commitments/{target}/updates", data=data, follow_redirects=False)
    assert refused.status_code == 403
    assert "release needs the release officer role" in refused.text
    # No dead end: the form comes back as filled, with the reason, so the text can be saved unshared.
    assert "Shared too early</textarea>" in refused.text
    assert 'name="releasable_to" value="MYS" checked>' in refused.text
    assert "Shared too early" not in client.get(f"/dialogue/commitments/{target}").text
    data.pop("releasable_to")
    kept = client.post(f"/dialogue/commitments/{target}/updates", data=data, follow_redirects=False)
    assert kept.status_code == 303
    assert "Shared too early" in client.get(f"/dialogue/commitments/{target}").text


def test_a_person_adds_an_update_through_the_form(client: TestClient, people: dict[str, Person], seeded: Node) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["officer"])
    form = client.get(f"/dialogue/commitments/{target}").text
    assert 'name="releasable_to" value="MYS" checked>' in form
    response = client.post(
        f"/dialogue/commitments/{target}/updates",
        data={
            "csrf_token": csrf_of(form),
            "summary": "Malaysia proposed dates",
            "date": "2025-10-01",
            "milestone_key": "session-2",
            "milestone_status": "partiallyMet",
            "releasable_to": "MYS",
            "orcon": "on",
            "tlp": "green",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/dialogue/commitments/{target}").text
    assert "Malaysia proposed dates" in page
    assert "IND reports <strong>partiallyMet</strong>" in page


def test_a_forged_form_is_refused(client: TestClient, people: dict[str, Person], seeded: Node) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["analyst"])
    response = client.post(
        f"/dialogue/commitments/{target}/updates", data={"csrf_token": "forged", "summary": "x", "date": "2025-10-01"}
    )
    assert response.status_code == 403


def test_a_bad_date_in_the_form_keeps_what_was_typed(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["analyst"])
    form = client.get(f"/dialogue/commitments/{target}").text
    response = client.post(
        f"/dialogue/commitments/{target}/updates",
        data={"csrf_token": csrf_of(form), "summary": "A long note worth keeping", "date": "2025-02-30"},
    )
    assert response.status_code == 422
    assert "date: &#39;2025-02-30&#39; is not a real date" in response.text
    assert "A long note worth keeping" in response.text


def test_a_viewer_sees_no_update_form(client: TestClient, people: dict[str, Person], seeded: Node) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["viewer"])
    page = client.get(f"/dialogue/commitments/{target}").text
    assert "History (versions)" in page
    assert "Record update" not in page


def test_intake_page_proposes_and_accepting_creates_the_objects(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    log_in(client, people["analyst"])
    token = csrf_of(client.get("/dialogue/intake").text)
    article = shared_file("../seed/000_d1984914421980d1.txt").read_text()
    page = client.post("/dialogue/intake", data={"csrf_token": token, "document": article}).text
    assert "Cyber security" in page
    assert "August 2023" in page
    assert "19-21 August 2024" in page
    texts = re.findall(r'<textarea name="c_text"[^>]*>([^<]*)</textarea>', page)
    explore = next(i for i, t in enumerate(texts) if "explore" in t)
    areas = ["critical-minerals" if i == explore else "" for i in range(len(texts))]
    response = client.post(
        "/dialogue/intake/accept",
        data={
            "csrf_token": token,
            "document": article,
            "source": "seed article",
            "accept": [f"c{explore}", "k0"],
            "c_text": ["Agreed to explore minerals (edited)" if i == explore else t for i, t in enumerate(texts)],
            "c_area": areas,
            "c_strength": ["explore"] * len(texts),
            "k_subject": ["date of the visit"],
            "k_source_says": ["August 2023"],
            "k_register_says": ["19-21 August 2024"],
            "k_refs": [""],
        },
    )
    assert response.status_code == 200, response.text
    assert response.text.count("<li><a href=") == 2
    dashboard = client.get("/dialogue/").text
    assert "Agreed to explore minerals (edited)" in dashboard
    assert "the source (seed article) says August 2023" in dashboard
    with seeded.db.read() as session:
        rows, _ = seeded.store.search(session, actor=people["analyst"].actor, types=[CONFLICT])
    assert len(rows) == 1


def test_intake_records_the_proposed_session_as_edited_with_the_document_as_its_readout(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    log_in(client, people["analyst"])
    token = csrf_of(client.get("/dialogue/intake").text)
    readout = (
        "The 2nd India-Malaysia Security Dialogue was held in Kuala Lumpur. "
        "Both sides agreed to deepen cyber security cooperation."
    )
    page = client.post("/dialogue/intake", data={"csrf_token": token, "document": readout}).text
    assert 'name="s_number" size="3" value="2"' in page
    assert 'value="Kuala Lumpur"' in page
    form = {"csrf_token": token, "document": readout, "source": "https://www.mfa.gov.my/readout", "accept": ["s"]}
    edited = form | {"s_number": "2", "s_date": "2026-02-10", "s_venue": "Kuala Lumpur", "s_host": "MYS"}
    refused = client.post("/dialogue/intake/accept", data=edited | {"s_date": "2026-02-30"})
    assert refused.status_code == 422
    assert "2026-02-30" in refused.text
    accepted = client.post("/dialogue/intake/accept", data=edited)
    assert accepted.status_code == 200, accepted.text
    with seeded.db.read() as session:
        register = service.load_register(session, seeded, people["viewer"].actor, today=date(2026, 3, 1))
    second = next(s for s in register.sessions if s.number == 2)
    assert (second.date, second.venue, second.host_nation) == ("2026-02-10", "Kuala Lumpur", "MYS")
    with seeded.db.read() as session:
        body = seeded.store.get(session, object_id=second.id, actor=people["viewer"].actor).as_stix()
    assert body["readout"]["source_url"] == "https://www.mfa.gov.my/readout"
    assert body["readout"]["sha256"] == hashlib.sha256(readout.encode()).hexdigest()
    assert register.next_session is not None
    assert register.next_session.number == 3


def test_report_pages_serve_html_and_pdf(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/dialogue/report?year=2025").text
    assert "Draft agenda: session 2" in page
    pdf = client.get("/dialogue/report.pdf?year=2025")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "Compliance" in client.get("/dialogue/compliance").text
