"""Each person chooses, per kind, inbox / e-mail / webhook, and gives the address: all errors at once, kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mitra.core import notices
from mitra.core.notices import Notice, NoticeDelivery
from mitra.node import Node
from mitra.settings import SettingsError, load_settings
from tests.conftest import Person
from tests.support.web import csrf_of, log_in


def test_choices_are_saved_and_shown_again(notice_node: Node, people: dict[str, Person], client: TestClient) -> None:
    log_in(client, people["analyst"])
    csrf = csrf_of(client.get("/inbox/settings").text)
    answer = client.post(
        "/inbox/settings",
        data={"csrf_token": csrf, "email": "asha@nscs.example", "overdue.in_app": "on", "overdue.email": "on"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Saved." in page
    assert 'value="asha@nscs.example"' in page
    assert 'name="overdue.email" aria-label="Overdue: by e-mail" checked' in page
    assert 'name="received.in_app" aria-label="Received from a partner: in the inbox" >' in page  # unticked now
    with notice_node.db.write() as session:
        notices.post(session, kind="received", recipients=["asha"], object_id=None, subject="r")
        notices.post(session, kind="overdue", recipients=["asha"], object_id=None, subject="o")
    with notice_node.db.read() as session:
        shown = [n.kind for n in session.scalars(select(Notice).where(Notice.in_app.is_(True)))]
        mailed = session.scalars(select(NoticeDelivery.channel)).all()
    assert shown == ["overdue"]
    assert mailed == ["email"]
    assert "Inbox (1 unread)" in client.get("/inbox").text


def test_a_wrong_address_is_named_kept_and_nothing_is_saved(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    log_in(client, people["analyst"])
    csrf = csrf_of(client.get("/inbox/settings").text)
    answer = client.post(
        "/inbox/settings",
        data={"csrf_token": csrf, "email": "asha at nscs", "overdue.email": "on"},
    )
    assert answer.status_code == 422
    assert "“asha at nscs” is not an e-mail address" in answer.text
    assert 'value="asha at nscs"' in answer.text
    assert 'name="overdue.email" aria-label="Overdue: by e-mail" checked' in answer.text
    assert "Nothing was saved" in answer.text
    with notice_node.db.read() as session:
        assert notices.preferences(session, "asha")["overdue"] == notices.Channels(True, False, False)


def test_e_mail_ticked_without_an_address_is_named(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    log_in(client, people["analyst"])
    csrf = csrf_of(client.get("/inbox/settings").text)
    answer = client.post("/inbox/settings", data={"csrf_token": csrf, "email": "", "received.email": "on"})
    assert answer.status_code == 422
    assert "give the address to send them to" in answer.text


def test_the_pages_need_a_signed_in_person(client: TestClient) -> None:
    for path in ("/inbox", "/inbox/settings", "/inbox/webhooks"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"smtp_host": "mail.example", "smtp_sender": ""}, "MITRA_SMTP_SENDER"),
        ({"smtp_tls": "ssl"}, "MITRA_SMTP_TLS"),
        ({"smtp_port": 0}, "MITRA_SMTP_PORT"),
        ({"public_url": "mitra.example"}, "MITRA_PUBLIC_URL"),
    ],
)
def test_a_bad_mail_setting_stops_start_up_naming_it(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(**overrides)
