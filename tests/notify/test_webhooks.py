"""Signed webhooks to real receivers on loopback: retried with backoff, logged, and never in anyone's way."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mitra.core import notices
from mitra.core.notices import Channels, DeliveryAttempt, NoticeDelivery
from mitra.foundation.errors import Forbidden
from mitra.node import Node
from mitra.notify.choices import ChoiceProblems, save_choices
from mitra.notify.deliver import deliver_due, retry_delay
from mitra.notify.deliverer import Deliverer
from mitra.notify.endpoints import add_endpoint
from tests.conftest import Person
from tests.notify.conftest import red_for_nscs
from tests.notify.receivers import Hook, webhook_receiver
from tests.support.web import csrf_of, log_in

SECRET = "a-shared-secret-of-some-length"


@pytest.fixture
def node_settings() -> dict[str, object]:
    return {"webhook_timeout_seconds": 0.5, "webhook_max_attempts": 3}


def _endpoint(node: Node, admin: Person, url: str, kinds: tuple[str, ...] = ("overdue",)) -> int:
    with node.db.write() as session:
        return add_endpoint(session, nation=node.nation, actor=admin.actor, url=url, kinds=kinds, secret=SECRET).id


def _wants_webhook(node: Node, username: str, kind: str = "overdue") -> None:
    with node.db.write() as session:
        save_choices(session, username=username, email="", chosen={kind: Channels(True, False, True)})


def _post(node: Node, **kwargs: object) -> int:
    with node.db.write() as session:
        return notices.post(session, **kwargs)  # type: ignore[arg-type]


def _verify(body: bytes, header: str) -> None:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(header, expected)


def test_a_500_is_tried_again_after_the_backoff_then_delivered_signed(
    notice_node: Node, people: dict[str, Person]
) -> None:
    hook = Hook(answers=[500, 200])
    with webhook_receiver(hook) as url:
        _endpoint(notice_node, people["admin"], url)
        _wants_webhook(notice_node, "asha")
        _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
        first = deliver_due(notice_node)
        assert (first.sent, first.retrying) == (0, 1)
        assert deliver_due(notice_node).sent == 0  # the retry is not due yet
        with notice_node.db.read() as session:
            due_at = session.scalars(select(NoticeDelivery)).one().due_at
        second = deliver_due(notice_node, now=due_at)
    assert second.sent == 1
    assert len(hook.bodies) == 2
    for body, header in zip(hook.bodies, hook.signatures, strict=True):
        _verify(body, header)
    payload = json.loads(hook.bodies[-1])
    assert payload["recipient"] == "asha"
    assert payload["kind"] == "overdue"
    assert payload["subject"] == "Milestone late"
    with notice_node.db.read() as session:
        log = [(a.attempt, a.status_code, a.error) for a in session.scalars(select(DeliveryAttempt))]
    assert log == [(1, 500, "answered 500"), (2, 200, None)]


def test_the_backoff_doubles() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_receiver_failing_every_time_is_given_up_after_the_last_try(
    notice_node: Node, people: dict[str, Person]
) -> None:
    hook = Hook(answers=[500])
    with webhook_receiver(hook) as url:
        _endpoint(notice_node, people["admin"], url)
        _wants_webhook(notice_node, "asha")
        _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
        for _ in range(5):
            with notice_node.db.read() as session:
                due_at = session.scalars(select(NoticeDelivery)).one().due_at
            deliver_due(notice_node, now=due_at)
    with notice_node.db.read() as session:
        delivery = session.scalars(select(NoticeDelivery)).one()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 3, "answered 500")
    assert len(hook.bodies) == 3


def test_a_receiver_that_hangs_delays_no_other_delivery(notice_node: Node, people: dict[str, Person]) -> None:
    hanging, good = Hook(answers=[200], hang=30), Hook(answers=[200])
    with webhook_receiver(hanging) as slow_url, webhook_receiver(good) as good_url:
        _endpoint(notice_node, people["admin"], slow_url)
        _endpoint(notice_node, people["admin"], good_url)
        _wants_webhook(notice_node, "asha")
        for i in range(3):
            _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject=f"Milestone {i}")
        started = time.monotonic()
        report = deliver_due(notice_node)
        took = time.monotonic() - started
    assert (report.sent, report.retrying) == (3, 3)
    assert len(good.bodies) == 3
    assert took < 5  # three hanging posts of 0.5 s each, side by side with the good ones: not 30 s
    assert all(e.endswith("no answer within 0.5 s") for e in report.errors)


def test_a_web_request_is_not_held_up_by_a_hanging_receiver(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    hanging = Hook(answers=[200], hang=30)
    with webhook_receiver(hanging) as url:
        _endpoint(notice_node, people["admin"], url)
        _wants_webhook(notice_node, "asha")
        _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
        deliverer = Deliverer(notice_node, 0.05)
        deliverer.start()
        try:
            log_in(client, people["analyst"])
            started = time.monotonic()
            page = client.get("/inbox")
            took = time.monotonic() - started
        finally:
            deliverer.stop()
    assert page.status_code == 200
    assert "Milestone late" in page.text
    assert took < 2
    assert deliverer.rounds >= 1


def test_the_webhook_body_about_a_red_object_names_nothing_to_someone_not_named(
    notice_node: Node, people: dict[str, Person]
) -> None:
    object_id = red_for_nscs(notice_node, "Operation Kestrel source list")
    hook = Hook(answers=[200])
    with webhook_receiver(hook) as url:
        _endpoint(notice_node, people["admin"], url, kinds=("retracted",))
        _wants_webhook(notice_node, "vik", "retracted")
        _post(
            notice_node,
            kind="retracted",
            recipients=["vik"],
            object_id=object_id,
            subject="Operation Kestrel source list revoked",
            link=f"/objects/{object_id}",
        )
        deliver_due(notice_node)
    [body] = hook.bodies
    assert b"Kestrel" not in body
    assert object_id.encode() not in body
    assert json.loads(body)["link"] is None


def test_only_admins_add_endpoints_and_bad_values_are_all_named(notice_node: Node, people: dict[str, Person]) -> None:
    with pytest.raises(Forbidden), notice_node.db.write() as session:
        add_endpoint(session, nation="IND", actor=people["analyst"].actor, url="https://x.example/h", kinds=["overdue"])
    with pytest.raises(ChoiceProblems) as caught, notice_node.db.write() as session:
        add_endpoint(session, nation="IND", actor=people["admin"].actor, url="ftp:/nowhere", kinds=[], secret="short")
    assert set(caught.value.problems) == {"url", "kinds", "secret"}


def test_the_webhooks_page_is_for_admins_and_shows_the_delivery_log(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    log_in(client, people["analyst"])
    refused = client.get("/inbox/webhooks")
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    client.cookies.clear()
    hook = Hook(answers=[503])
    with webhook_receiver(hook) as url:
        log_in(client, people["admin"])
        form = client.get("/inbox/webhooks").text
        added = client.post(
            "/inbox/webhooks", data={"csrf_token": csrf_of(form), "url": url, "kinds": ["overdue"], "secret": ""}
        )
        assert added.status_code == 200
        assert "shown only now" in added.text
        _wants_webhook(notice_node, "asha")
        _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
        deliver_due(notice_node)
    page = client.get("/inbox/webhooks").text
    assert "answered 503" in page
    assert "to be tried again" in page
    assert "1 waiting or to be tried again" in page


def test_a_wrong_endpoint_form_keeps_what_was_typed_and_names_each_problem(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    log_in(client, people["admin"])
    form = client.get("/inbox/webhooks").text
    answer = client.post("/inbox/webhooks", data={"csrf_token": csrf_of(form), "url": "not a url", "secret": "short"})
    assert answer.status_code == 422
    assert "“not a url” is not a web address" in answer.text
    assert "tick at least one kind" in answer.text
    assert "at least 16" in answer.text
    assert 'value="not a url"' in answer.text
