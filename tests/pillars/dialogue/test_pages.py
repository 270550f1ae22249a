"""Pages under /dialogue: dashboard, timeline, detail with history, update form (CSRF), intake."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from fastapi.testclient import TestClient

from mitra.core import requests as release_requests
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.types import COMMITMENT, CONFLICT
from tests.conftest import Person, shared_file
from tests.pillars.dialogue.conftest import read_register
from tests.support.web import csrf_of, log_in


def read_updates(node: Node, person: Person, commitment: str) -> tuple[service.UpdateState, ...]:
    return read_register(node, person, date.today()).commitment(commitment).updates


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
    assert page.index("Nov 2015") < page.index("19 Aug 2024") < page.index("7 Jan 2025")
    assert "2015-11</td>" not in page  # no raw ISO dates


def _update_block(page: str, summary: str) -> str:
    """The rendered progress update whose summary is ``summary``."""
    match = re.search(r'<div class="update"[^>]*>(?:(?!<div class="update").)*?' + re.escape(summary), page, re.S)
    assert match is not None, f"no update {summary!r} on the page"
    return match.group(0)


def test_an_analyst_asking_to_share_an_update_saves_it_marked_not_shared_until_it_is_released(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["analyst"])
    form = client.get(f"/dialogue/commitments/{target}").text
    assert 'name="releasable_to" value="MYS" >' in form  # not ticked for someone who cannot release
    data = {"csrf_token": csrf_of(form), "summary": "Shared too early", "date": "2025-10-01", "releasable_to": "MYS"}
    asked = client.post(f"/dialogue/commitments/{target}/updates", data=data, follow_redirects=False)
    assert asked.status_code == 303, asked.text  # saved, never a dead end
    block = _update_block(client.get(f"/dialogue/commitments/{target}").text, "Shared too early")
    assert "not shared with MYS · release requested" in block
    with seeded.db.read() as session:
        [request] = release_requests.pending(session)
        assert seeded.store.latest_row(session, request.object_id).releasable == ()
    with seeded.db.write() as session:
        release_requests.approve(seeded.store, session, request.id, people["officer"].actor)
    block = _update_block(client.get(f"/dialogue/commitments/{target}").text, "Shared too early")
    assert "not shared" not in block


def test_an_update_releasable_to_the_partner_shows_no_marker_one_kept_home_shows_it(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["officer"])
    token = csrf_of(client.get(f"/dialogue/commitments/{target}").text)
    for summary, shared in (("Told the partner", {"releasable_to": "MYS"}), ("Kept at home", {})):
        data = {"csrf_token": token, "summary": summary, "date": "2025-10-01"} | shared
        assert (
            client.post(f"/dialogue/commitments/{target}/updates", data=data, follow_redirects=False).status_code == 303
        )
    page = client.get(f"/dialogue/commitments/{target}").text
    assert "not shared" not in _update_block(page, "Told the partner")
    assert "not shared with MYS" in _update_block(page, "Kept at home")
    assert "release requested" not in _update_block(page, "Kept at home")
    dashboard = client.get("/dialogue/").text
    assert "1 not shared with MYS" in dashboard  # the list says where the two records differ, too


def test_a_milestone_report_kept_home_is_marked_not_shared(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["officer"])
    token = csrf_of(client.get(f"/dialogue/commitments/{target}").text)
    data = {
        "csrf_token": token,
        "summary": "Dates proposed",
        "date": "2025-10-01",
        "milestone_key": "session-2",
        "milestone_status": "partiallyMet",
    }
    assert client.post(f"/dialogue/commitments/{target}/updates", data=data, follow_redirects=False).status_code == 303
    page = client.get(f"/dialogue/commitments/{target}").text
    report = re.search(r'<li data-status="partiallyMet">IND reports <strong>partially met</strong>.*?</li>', page)
    assert report is not None
    assert "not shared with MYS" in report.group(0)


def test_every_wrong_field_is_named_at_once_beside_it_and_nothing_is_stored(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["analyst"])
    form = client.get(f"/dialogue/commitments/{target}").text
    assert 'type="date" name="date"' in form
    data = {
        "csrf_token": csrf_of(form),
        "summary": "  ",
        "date": "02/13/2025",
        "milestone_key": "session-2",
        "milestone_status": "",
        "evidence": "indicator--00000000-0000-4000-8000-000000000000",
        "tlp": "purple",
    }
    response = client.post(f"/dialogue/commitments/{target}/updates", data=data)
    assert response.status_code == 422
    page = response.text
    for field in ("summary", "date", "milestone_status", "evidence", "tlp"):
        assert f'id="error-{field}"' in page, field
    assert "&#39;02/13/2025&#39; is not a date (YYYY-MM-DD)" in page
    assert 'value="02/13/2025"' in page  # what was typed is kept
    assert "indicator--00000000-0000-4000-8000-000000000000</textarea>" in page
    assert "stix2" not in page.lower()
    with seeded.db.read() as session:
        assert release_requests.pending(session) == []
    assert read_updates(seeded, people["viewer"], target) == ()


def test_the_update_form_leaves_originator_control_unticked(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    log_in(client, people["officer"])
    form = client.get(f"/dialogue/commitments/{target}").text
    assert '<input type="checkbox" name="orcon" >' in form
    data = {"csrf_token": csrf_of(form), "summary": "No ORCON asked", "date": "2025-10-01"}
    assert client.post(f"/dialogue/commitments/{target}/updates", data=data, follow_redirects=False).status_code == 303
    [update] = read_updates(seeded, people["viewer"], target)
    with seeded.db.read() as session:
        assert seeded.store.latest_row(session, update.update.id).orcon is False


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
    assert "IND reports <strong>partially met</strong>" in page


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
    assert "&#39;2025-02-30&#39; is not a real date" in response.text
    assert 'id="error-date"' in response.text
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
    assert 'name="s_number" size="3" inputmode="numeric" value="2"' in page
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


def test_a_refused_intake_names_every_problem_and_keeps_every_edit_and_tick(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    log_in(client, people["analyst"])
    token = csrf_of(client.get("/dialogue/intake").text)
    readout = (
        "The 2nd India-Malaysia Security Dialogue was held in Kuala Lumpur. "
        "Both sides agreed to deepen cyber security cooperation."
    )
    page = client.post("/dialogue/intake", data={"csrf_token": token, "document": readout}).text
    texts = re.findall(r'<textarea name="c_text"[^>]*>([^<]*)</textarea>', page)
    assert texts
    form = {
        "csrf_token": token,
        "document": readout,
        "accept": ["s", "c0"],
        "s_number": "two",
        "s_date": "10/02/2026",
        "s_venue": "",
        "s_host": "MYS",
        "c_text": ["Deepen cyber cooperation (edited)", *texts[1:]],
        "c_area": [""] * len(texts),
        "c_strength": ["deepen"] * len(texts),
    }
    refused = client.post("/dialogue/intake/accept", data=form)
    assert refused.status_code == 422
    for field in ("s_number", "s_date", "s_venue", "c0"):
        assert f'id="error-{field}"' in refused.text, field
    assert "Deepen cyber cooperation (edited)</textarea>" in refused.text
    assert 'value="10/02/2026"' in refused.text
    assert 'name="accept" value="s" checked' in refused.text
    assert 'value="c0" aria-label="accept proposal 1" checked' in refused.text
    assert "<option selected>MYS</option>" in refused.text
    with seeded.db.read() as session:
        register = service.load_register(session, seeded, people["viewer"].actor, today=date(2026, 3, 1))
    assert [s.number for s in register.sessions] == [1]
