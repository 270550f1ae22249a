"""Notice e-mails go through a real SMTP server (aiosmtpd, started here) in each TLS mode, composed per person."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from mitra.core import notices
from mitra.core.notices import Channels, DeliveryAttempt, NoticeDelivery
from mitra.node import Node
from mitra.notify.choices import save_choices
from mitra.notify.deliver import deliver_due
from mitra.notify.email import SmtpMailer
from tests.conftest import Person
from tests.notify.conftest import green, red_for_nscs
from tests.notify.receivers import free_port, self_signed, smtp_server

PORT = free_port()


@pytest.fixture
def node_settings() -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "smtp_port": PORT, "smtp_tls": "none", "smtp_sender": "mitra@ind.example"}


def _wants_email(node: Node, username: str, address: str, kind: str) -> None:
    with node.db.write() as session:
        save_choices(session, username=username, email=address, chosen={kind: Channels(True, True, False)})


def _post(node: Node, **kwargs: object) -> int:
    with node.db.write() as session:
        return notices.post(session, **kwargs)  # type: ignore[arg-type]


def test_a_notice_is_mailed_with_its_subject_recipient_and_link(notice_node: Node, people: dict[str, Person]) -> None:
    object_id = green(notice_node, "Phishing kit domain")
    _wants_email(notice_node, "asha", "asha@nscs.example", "release_approved")
    _post(
        notice_node,
        kind="release_approved",
        recipients=["asha"],
        object_id=object_id,
        subject="Phishing kit domain released to MYS",
        link=f"/objects/{object_id}",
    )
    with smtp_server(PORT) as mailbox:
        report = deliver_due(notice_node)
    assert report.sent == 1
    [(envelope_to, message)] = mailbox.messages
    assert envelope_to == ["asha@nscs.example"]
    assert message["To"] == "asha@nscs.example"
    assert message["From"] == "mitra@ind.example"
    assert message["Subject"] == "[Mitra IND] Phishing kit domain released to MYS"
    body = message.get_payload(decode=True).decode()
    assert f"https://mitra.ind.example/objects/{object_id}" in body


def test_the_mail_about_a_red_object_names_nothing_to_someone_not_named(
    notice_node: Node, people: dict[str, Person]
) -> None:
    object_id = red_for_nscs(notice_node, "Operation Kestrel source list")
    _wants_email(notice_node, "vik", "vik@cert-in.example", "retracted")
    _post(
        notice_node,
        kind="retracted",
        recipients=["vik"],
        object_id=object_id,
        subject="Operation Kestrel source list revoked",
        link=f"/objects/{object_id}",
    )
    with smtp_server(PORT) as mailbox:
        deliver_due(notice_node)
    [(_, message)] = mailbox.messages
    text = message.as_string()
    assert "Kestrel" not in text
    assert object_id not in text
    assert message["Subject"] == "[Mitra IND] An object you cannot see was retracted by a partner"


def test_no_mail_for_a_kind_not_chosen_and_none_without_an_address(
    notice_node: Node, people: dict[str, Person]
) -> None:
    _wants_email(notice_node, "asha", "asha@nscs.example", "overdue")
    _post(notice_node, kind="received", recipients=["asha", "rao"], object_id=None, subject="3 objects received")
    with notice_node.db.read() as session:
        assert session.scalars(select(NoticeDelivery)).all() == []


def test_a_server_that_is_down_is_tried_again_and_logged(notice_node: Node, people: dict[str, Person]) -> None:
    _wants_email(notice_node, "asha", "asha@nscs.example", "overdue")
    _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
    first = deliver_due(notice_node)  # nothing listens on PORT yet
    assert (first.sent, first.retrying) == (0, 1)
    with notice_node.db.read() as session:
        [attempt] = session.scalars(select(DeliveryAttempt)).all()
        [delivery] = session.scalars(select(NoticeDelivery)).all()
    assert attempt.error is not None
    assert attempt.error.startswith("SMTP: ConnectionRefusedError")
    assert delivery.state == "pending"
    assert delivery.due_at > attempt.at
    with smtp_server(PORT) as mailbox:
        assert deliver_due(notice_node).sent == 0  # not due yet: 30 s after the first failure
        assert deliver_due(notice_node, now=delivery.due_at).sent == 1
    assert len(mailbox.messages) == 1


# aiosmtpd warns that AUTH without STARTTLS is unsafe: it does not count implicit TLS, which this connection is.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_tls_modes_reach_a_server_that_requires_them_with_a_login(
    notice_node: Node, people: dict[str, Person], tmp_path: Path, mode: str
) -> None:
    cert = self_signed(tmp_path)
    settings = notice_node.settings.model_copy(
        update={"smtp_tls": mode, "smtp_username": "mitra", "smtp_password": SecretStr("s3cret-pass")}
    )
    trusting = ssl.create_default_context(cafile=str(cert[0]))
    _wants_email(notice_node, "asha", "asha@nscs.example", "overdue")
    _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
    with smtp_server(PORT, tls=mode, cert=cert, login=("mitra", "s3cret-pass")) as mailbox:
        report = deliver_due(notice_node, mailer=SmtpMailer(settings, context=trusting))
    assert report.sent == 1, report.errors
    assert mailbox.logins == ["mitra"]
    assert mailbox.messages[0][1]["Subject"] == "[Mitra IND] Milestone late"


def test_starttls_is_refused_rather_than_sent_in_the_clear(notice_node: Node, people: dict[str, Person]) -> None:
    settings = notice_node.settings.model_copy(update={"smtp_tls": "starttls"})
    _wants_email(notice_node, "asha", "asha@nscs.example", "overdue")
    _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
    with smtp_server(PORT) as mailbox:  # offers no STARTTLS
        report = deliver_due(notice_node, mailer=SmtpMailer(settings))
    assert report.sent == 0
    assert "STARTTLS" in report.errors[0]
    assert mailbox.messages == []
