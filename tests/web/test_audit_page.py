"""The audit page: filters, pages and CSV for the node's admins, and for nobody else."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from mitra.audit.service import AuditEntry, AuditEvent, record_many
from mitra.node import Node
from tests.conftest import Person
from tests.support.web import log_in


def bookkeeping(node: Node, entries: int) -> None:
    """What hours of partner sync used to leave: entries of the node and its partner, none a person's."""
    with node.db.write() as session:
        record_many(
            session,
            [
                AuditEvent("partner:MYS" if i % 2 else "IND:system", "sync_page" if i % 2 else "publish_head")
                for i in range(entries)
            ],
        )


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="entry kind-row-(\w+)">', page)


def test_an_admin_finds_the_human_logins_among_the_bookkeeping(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    log_in(client, people["analyst"])
    bookkeeping(web_node, 300)
    client.cookies.clear()
    log_in(client, people["admin"])
    page = client.get("/audit", params={"who": "people", "action": "login"})
    assert page.status_code == 200
    assert rows(page.text) == ["person", "person"]
    assert "2 entries match" in page.text
    assert "asha" in page.text
    assert "root" in page.text
    assert "Signed in" in page.text
    assert "Intact:" in page.text  # the chain's verification stays on the page


def test_machines_are_the_node_and_its_partners(client: TestClient, people: dict[str, Person], web_node: Node) -> None:
    bookkeeping(web_node, 10)
    log_in(client, people["admin"])
    page = client.get("/audit", params={"who": "machines", "partner": "MYS"})
    assert set(rows(page.text)) == {"partner"}
    assert "Pulled a page from a partner" in page.text
    assert "Malaysia&#39;s node" in page.text


def test_the_page_is_fifty_entries_and_the_next_starts_below_it(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    bookkeeping(web_node, 120)
    log_in(client, people["admin"])
    first = client.get("/audit", params={"who": "machines"})
    seqs = [int(s) for s in re.findall(r'<tr class="entry[^"]*"><td>(\d+)</td>', first.text)]
    assert len(seqs) == 50
    older = re.search(r'href="/audit\?(who=machines&amp;before=\d+)">Older', first.text)
    assert older is not None
    second = client.get("/audit?" + older.group(1).replace("&amp;", "&"))
    following = [int(s) for s in re.findall(r'<tr class="entry[^"]*"><td>(\d+)</td>', second.text)]
    assert len(following) == 50
    assert max(following) < min(seqs)
    assert "← Newest" in second.text


def test_a_bad_filter_is_said_beside_the_form(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["admin"])
    page = client.get("/audit", params={"since": "yesterday", "actor": "asha"})
    assert page.status_code == 422
    assert "since: &#39;yesterday&#39; is not a UTC day or time" in page.text
    assert 'value="asha"' in page.text  # what was typed is kept
    assert "Traceback" not in page.text


def test_the_csv_is_the_filtered_entries_oldest_first_and_its_download_is_audited(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    log_in(client, people["analyst"])
    bookkeeping(web_node, 30)
    client.cookies.clear()
    log_in(client, people["admin"])
    response = client.get("/audit.csv", params={"who": "people", "action": "login"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["actor"], r["action"], r["kind"]) for r in table] == [
        ("asha", "login", "person"),
        ("root", "login", "person"),
    ]
    assert int(table[0]["seq"]) < int(table[1]["seq"])
    with web_node.db.read() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (last.actor, last.action) == ("IND:NSCS:root", "export_audit")
    assert '"action": "login"' in last.detail


def test_the_csv_streams_more_than_one_batch(client: TestClient, people: dict[str, Person], web_node: Node) -> None:
    bookkeeping(web_node, 4500)
    log_in(client, people["admin"])
    response = client.get("/audit.csv")
    with web_node.db.read() as session:
        total = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert len(table) == total  # every entry up to the download's own
    assert [int(r["seq"]) for r in table] == list(range(1, total + 1))


@pytest.mark.parametrize("who", ["analyst", "viewer", "officer"])
@pytest.mark.parametrize("path", ["/audit", "/audit.csv", "/audit?who=people&action=login"])
def test_only_admins_see_the_audit(
    client: TestClient, people: dict[str, Person], web_node: Node, who: str, path: str
) -> None:
    log_in(client, people["admin"])  # an admin's sign-in is in the chain, to be sure nothing of it leaks
    client.cookies.clear()
    log_in(client, people[who])
    response = client.get(path)
    assert response.status_code == 403
    assert "text/csv" not in response.headers["content-type"]
    assert "root" not in response.text.replace(people[who].username, "")
    assert "Signed in" not in response.text
    with web_node.db.read() as session:
        assert session.scalar(select(AuditEntry.seq).where(AuditEntry.action == "export_audit")) is None


@pytest.mark.parametrize("path", ["/audit", "/audit.csv"])
def test_nobody_signed_in_is_sent_to_the_login_form(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_partner_token_opens_no_audit_page(client: TestClient, people: dict[str, Person]) -> None:
    bearer = {"Authorization": f"Bearer {people['partner'].token}"}
    response = client.get("/audit.csv", headers=bearer, follow_redirects=False)
    assert response.status_code == 303  # pages take a signed-in session, never a token


def test_the_page_says_broken_when_an_entry_was_edited(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    log_in(client, people["admin"])
    with web_node.db.writer.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'IND:NSCS:mallory' WHERE seq = 2"))
    page = client.get("/audit")
    assert page.status_code == 200
    assert "BROKEN at entry 2" in page.text
