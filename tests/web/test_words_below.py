"""What the layers below the pages word (notices, policy reasons, pillar labels, words with a context) reaches
Malay and Hindi pages, e-mails and webhooks in the reader's language; what was stored in English still shows."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from mitra.core.identity import User
from mitra.core.notices import Notice, post, present
from mitra.foundation.words import N_, Said
from mitra.node import Node
from mitra.notify.compose import compose
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.support.web import log_in


def _speak(node: Node, username: str, language: str) -> None:
    with node.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.language = language


def _refused(node: Node, *recipients: str) -> None:
    """A refusal notice worded as the release queue words it (``core.requests``)."""
    with node.db.write() as session:
        post(
            session,
            kind="release_refused",
            recipients=list(recipients),
            object_id=None,
            words=Said(
                N_("Your request to release to %(nation)s was refused by %(person)s: %(reason)s"),
                {"nation": "MYS", "person": "rao", "reason": "tunggu semakan"},
            ),
            link="/releases?view=mine",
            detail={"to": "MYS", "decided_by": "rao", "reason": "tunggu semakan"},
            key="refused:1",
        )


def test_a_notice_is_worded_in_the_readers_language_in_the_inbox(client: TestClient, web_node: Node) -> None:
    person = add_person(web_node, "penganalisis", {Role.ANALYST}, agency="NSCS")
    _refused(web_node, person.username)
    csrf = log_in(client, person)
    english = client.get("/inbox").text
    assert "Your request to release to MYS was refused by rao: tunggu semakan" in english
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    page = client.get("/inbox").text
    assert "Permohonan anda untuk melepaskan kepada MYS telah ditolak oleh rao: tunggu semakan" in page
    assert "Diputuskan oleh: rao" in page  # the details' names too
    assert "Pelepasan ditolak" in page or "pelepasan ditolak" in page.lower()  # the kind
    assert "Your request to release" not in page
    assert "Decided by" not in page


def test_a_notice_e_mail_and_webhook_body_are_worded_in_each_recipients_language(web_node: Node) -> None:
    add_person(web_node, "mel", {Role.ANALYST}, agency="NSCS")
    add_person(web_node, "hindi", {Role.ANALYST}, agency="NSCS")
    add_person(web_node, "english", {Role.ANALYST}, agency="NSCS")
    _speak(web_node, "mel", "ms")
    _speak(web_node, "hindi", "hi")
    _refused(web_node, "mel", "hindi", "english")
    with web_node.db.read() as session:
        said = {
            n.username: c
            for n in session.scalars(select(Notice))
            if (c := compose(session, web_node.store, n, link_base="https://mitra.example")) is not None
        }
    assert said["mel"].subject == (
        "[Mitra IND] Permohonan anda untuk melepaskan kepada MYS telah ditolak oleh rao: tunggu semakan"
    )
    assert "Sebab: tunggu semakan" in said["mel"].text
    assert "reason: tunggu semakan" not in said["mel"].text
    assert said["hindi"].subject == "[Mitra IND] MYS को रिलीज़ करने का आपका अनुरोध rao ने अस्वीकार किया: tunggu semakan"
    assert said["english"].subject == "[Mitra IND] Your request to release to MYS was refused by rao: tunggu semakan"
    body = said["mel"].payload("IND")
    assert body["language"] == "ms"
    assert body["subject"].startswith("Permohonan anda")
    assert body["kind"] == "release_refused"
    assert body["kind_label"] == "pelepasan ditolak"


def test_a_count_of_received_objects_is_written_with_the_readers_numbers_and_words(web_node: Node) -> None:
    add_person(web_node, "kiraan", {Role.ANALYST}, agency="NSCS")
    _speak(web_node, "kiraan", "hi")
    with web_node.db.write() as session:
        post(
            session,
            kind="received",
            recipients=["kiraan"],
            object_id=None,
            words=Said(N_("%(count)s objects received from %(partner)s"), {"partner": "MYS"}, count=1234),
        )
    with web_node.db.read() as session:
        notice = session.scalars(select(Notice).where(Notice.username == "kiraan")).one()
        composed = compose(session, web_node.store, notice, link_base="https://mitra.example")
    assert notice.subject == "1,234 objects received from MYS"  # the English, kept beside the words
    assert composed is not None
    assert composed.subject == "[Mitra IND] MYS से 1,234 वस्तुएँ प्राप्त हुईं"


def test_a_notice_stored_with_an_english_subject_only_still_shows_it(client: TestClient, web_node: Node) -> None:
    person = add_person(web_node, "lama", {Role.ANALYST}, agency="NSCS")
    with web_node.db.write() as session:  # as the maritime alerts post today, and every row before 0010
        post(session, kind="alert", recipients=[person.username], object_id=None, subject="Vessel 123 entered Area A")
        row = session.scalars(select(Notice).where(Notice.username == person.username)).one()
        assert row.words is None
        user = session.scalar(select(User).where(User.username == person.username))
        assert user is not None
        assert present(session, web_node.store, row, user).worded(translator=_NoTranslation()) == row.subject
    csrf = log_in(client, person)
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    assert "Vessel 123 entered Area A" in client.get("/inbox").text


class _NoTranslation:
    def gettext(self, message: str, /) -> str:
        return "WRONG"

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return "WRONG"

    def pgettext(self, context: str, message: str, /) -> str:
        return "WRONG"

    def npgettext(self, context: str, singular: str, plural: str, n: int, /) -> str:
        return "WRONG"


def test_a_notice_with_neither_words_nor_subject_is_refused(web_node: Node) -> None:
    import pytest

    from mitra.foundation.errors import InvalidInput

    with web_node.db.write() as session, pytest.raises(InvalidInput, match="needs a subject"):
        post(session, kind="overdue", recipients=["x"], object_id=None)


def test_a_policy_refusal_on_the_error_page_is_said_in_malay(client: TestClient, people: dict[str, Person]) -> None:
    csrf = log_in(client, people["viewer"])
    english = client.get("/inbox/webhooks")
    assert english.status_code == 403
    assert "manage_users needs one of the roles: admin" in english.text
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    page = client.get("/inbox/webhooks")
    assert page.status_code == 403
    assert "manage_users memerlukan salah satu peranan: admin" in page.text
    assert "needs one of the roles" not in page.text


def test_why_an_object_is_not_releasable_is_said_in_malay_on_its_page(
    client: TestClient, web_node: Node, people: dict[str, Person]
) -> None:
    from tests.support.web import bearer

    made = client.post(
        "/api/v1/objects",
        headers=bearer(people["analyst"]),
        json={
            "object": {
                "type": "indicator",
                "name": "Strict kit host",
                "pattern": "[domain-name:value = 'strict.example.org']",
                "pattern_type": "stix",
                "valid_from": "2026-11-30T00:00:00Z",
            },
            "handling": {"tlp": "amber+strict"},
        },
    )
    assert made.status_code == 201, made.text
    csrf = log_in(client, people["officer"])
    english = client.get(f"/objects/{made.json()['id']}").text
    assert "TLP:AMBER+STRICT never leaves the originating organisation" in english
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    page = client.get(f"/objects/{made.json()['id']}").text
    assert "TLP:AMBER+STRICT tidak pernah meninggalkan organisasi pemula" in page
    assert "never leaves the originating organisation" not in page


def test_the_economy_tables_titles_and_columns_are_said_in_hindi(client: TestClient, people: dict[str, Person]) -> None:
    csrf = log_in(client, people["viewer"])
    english = client.get("/economy/").text
    assert "India-side trade with Malaysia, fiscal years (USD million)" in english
    assert ">Fiscal year<" in english
    client.post("/account", data={"language": "hi", "csrf_token": csrf})
    page = client.get("/economy/").text
    assert "मलेशिया के साथ भारत-पक्ष का व्यापार, वित्तीय वर्ष (मिलियन USD)" in page
    assert ">वित्तीय वर्ष<" in page
    assert "India-side trade with Malaysia" not in page


def test_the_two_areas_have_their_own_malay_words(client: TestClient, people: dict[str, Person]) -> None:
    csrf = log_in(client, people["viewer"])
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    dialogue = client.get("/dialogue/").text
    sea = client.get("/maritime/areas").text
    assert "<th>Bidang</th>" in dialogue  # a Dialogue subject area
    assert "Keselamatan maritim" in dialogue  # a standing area's name
    assert '<th scope="col">Kawasan</th>' in sea  # a sea area
    assert '<th scope="col">Bidang</th>' not in sea


def test_said_words_keep_their_values_through_storage() -> None:
    said = Said(N_("%(name)s revoked by %(partner)s"), {"name": Said(N_("Trade")), "partner": "MYS"}, count=3)
    back = Said.from_json(json.loads(json.dumps(said.to_json())))
    assert back == said
    assert back.english() == "Trade revoked by MYS"


def test_a_wrong_notice_setting_is_said_beside_its_field_in_malay(
    client: TestClient, people: dict[str, Person]
) -> None:
    csrf = log_in(client, people["analyst"])
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    page = client.post("/inbox/settings", data={"csrf_token": csrf, "email": "bukan-alamat", "overdue.email": "on"})
    assert page.status_code == 422
    assert "“bukan-alamat” bukan alamat e-mel; tulis seperti nama@example.org" in page.text
    assert "is not an e-mail address" not in page.text


def test_what_is_wrong_on_the_incident_form_is_said_beside_its_field_in_malay(
    client: TestClient, people: dict[str, Person]
) -> None:
    csrf = log_in(client, people["analyst"])
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    form = {
        "csrf_token": csrf,
        "name": " ",
        "category": "piracy",
        "occurred_at": "2024-03-02T10:00",
        "latitude": "2.5",
        "longitude": "101.2",
        "vessel_imo": "12",
        "tlp": "green",
    }
    page = client.post("/maritime/incidents", data=form)
    assert page.status_code == 422, page.text[:300]
    assert "tidak boleh kosong" in page.text
    assert "&#39;12&#39; bukan nombor IMO 7 digit" in page.text
    assert "must not be empty" not in page.text
    assert "is not a 7-digit IMO number" not in page.text
