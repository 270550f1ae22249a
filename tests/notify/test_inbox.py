"""The inbox: one notice per person, idempotent by key, shown through the policy, read and unread, paged."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from mitra.core import notices
from mitra.core.identity import User
from mitra.core.notices import Notice
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person
from tests.notify.conftest import green, red_for_nscs
from tests.support.web import log_in


def _post(node: Node, **kwargs: object) -> int:
    with node.db.write() as session:
        return notices.post(session, **kwargs)  # type: ignore[arg-type]


def _inbox(node: Node, username: str) -> list[Notice]:
    with node.db.read() as session:
        return list(session.scalars(select(Notice).where(Notice.username == username).order_by(Notice.id)))


def test_a_post_adds_one_notice_per_active_person_and_skips_the_unknown_and_disabled(
    notice_node: Node, people: dict[str, Person]
) -> None:
    with notice_node.db.write() as session:
        session.scalars(select(User).where(User.username == "vik")).one().active = False
    added = _post(
        notice_node, kind="overdue", recipients=["asha", "rao", "vik", "nobody", "asha"], object_id=None, subject="s"
    )
    assert added == 2
    assert [n.username for n in _inbox(notice_node, "asha")] == ["asha"]
    assert _inbox(notice_node, "vik") == []


def test_the_same_key_twice_adds_nothing_the_second_time(notice_node: Node, people: dict[str, Person]) -> None:
    first = _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="s", key="k1")
    again = _post(notice_node, kind="overdue", recipients=["asha", "rao"], object_id=None, subject="s", key="k1")
    assert (first, again) == (1, 1)  # only rao is new
    assert len(_inbox(notice_node, "asha")) == 1


def test_people_with_a_role_are_found_by_agency(notice_node: Node, people: dict[str, Person]) -> None:
    with notice_node.db.read() as session:
        assert notices.people_with_role(session, Role.RELEASE_OFFICER) == ["rao"]
        assert notices.people_with_role(session, Role.VIEWER, agency="NSCS") == []
        assert notices.people_with_role(session, Role.VIEWER, agency="CERT-In") == ["vik"]


def test_a_notice_about_a_red_object_names_it_only_to_whom_the_policy_shows_it(
    notice_node: Node, people: dict[str, Person]
) -> None:
    object_id = red_for_nscs(notice_node, "Operation Kestrel source list")
    _post(
        notice_node,
        kind="release_requested",
        recipients=["asha", "vik"],
        object_id=object_id,
        subject="Operation Kestrel source list is waiting for release",
        link=f"/objects/{object_id}",
    )
    with notice_node.db.read() as session:
        shown = {}
        for username in ("asha", "vik"):
            user = session.scalars(select(User).where(User.username == username)).one()
            row = session.scalars(select(Notice).where(Notice.username == username)).one()
            shown[username] = notices.present(session, notice_node.store, row, user)
    assert shown["asha"].subject.startswith("Operation Kestrel")
    assert shown["asha"].link == f"/objects/{object_id}"
    assert shown["vik"].hidden
    assert shown["vik"].subject == "An object you cannot see was waiting for release"
    assert shown["vik"].link is None


def test_the_inbox_page_hides_the_red_object_from_the_unnamed_viewer(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    object_id = red_for_nscs(notice_node, "Operation Kestrel source list")
    _post(
        notice_node,
        kind="narrowed",
        recipients=["vik"],
        object_id=object_id,
        subject="Operation Kestrel source list narrowed",
        link=f"/objects/{object_id}",
    )
    log_in(client, people["viewer"])
    page = client.get("/inbox").text
    assert "An object you cannot see was narrowed by a partner" in page
    assert "Kestrel" not in page
    assert object_id not in page


def test_the_nav_counts_unread_and_marking_read_lowers_it(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    object_id = green(notice_node, "Phishing kit domain")
    for i in range(3):
        _post(notice_node, kind="received", recipients=["asha"], object_id=object_id, subject=f"batch {i}", key=f"b{i}")
    csrf = log_in(client, people["analyst"])
    assert "Inbox (3 unread)" in client.get("/").text
    first = _inbox(notice_node, "asha")[0]
    client.post(f"/inbox/{first.id}/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert "Inbox (2 unread)" in client.get("/inbox").text
    client.post("/inbox/read-all", data={"csrf_token": csrf}, follow_redirects=False)
    page = client.get("/inbox").text
    assert 'href="/inbox">Inbox</a>' in page  # nothing unread: no count to read
    assert "unread)" not in page


def test_opening_a_notice_marks_it_read_and_goes_to_its_object(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    object_id = green(notice_node, "Phishing kit domain")
    _post(
        notice_node,
        kind="received",
        recipients=["asha"],
        object_id=object_id,
        subject="s",
        link=f"/objects/{object_id}",
    )
    csrf = log_in(client, people["analyst"])
    notice = _inbox(notice_node, "asha")[0]
    answer = client.post(f"/inbox/{notice.id}/open", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/objects/{object_id}"
    assert _inbox(notice_node, "asha")[0].read_at is not None


def test_no_one_marks_or_opens_another_persons_notice(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="s")
    notice = _inbox(notice_node, "asha")[0]
    csrf = log_in(client, people["viewer"])
    answer = client.post(f"/inbox/{notice.id}/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert _inbox(notice_node, "asha")[0].read_at is None


def test_the_inbox_pages_by_fifty_newest_first_and_filters_by_kind(
    notice_node: Node, people: dict[str, Person], client: TestClient
) -> None:
    for i in range(120):
        _post(notice_node, kind="received", recipients=["asha"], object_id=None, subject=f"Batch number {i:03}")
    _post(notice_node, kind="overdue", recipients=["asha"], object_id=None, subject="Milestone late")
    log_in(client, people["analyst"])
    first = client.get("/inbox").text
    subjects = re.findall(r"(Batch number \d+|Milestone late)", first)
    assert len(subjects) == 50
    assert subjects[0] == "Milestone late"
    assert subjects[1] == "Batch number 119"
    assert "121 notices; showing 1 to 50" in first
    older = re.search(r'href="(/inbox\?before=\d+)"', first)
    assert older is not None
    second = client.get(older.group(1)).text
    assert re.findall(r"Batch number \d+", second)[0] == "Batch number 070"
    assert "showing 51 to 100" in second
    only = client.get("/inbox?kind=overdue").text
    assert "Milestone late" in only
    assert "Batch number" not in only
