"""Views over the chain: whose act an entry is, filters, keyset pages and CSV rows, on every database."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mitra.audit.service import AuditEntry, AuditEvent, record_many
from mitra.audit.views import (
    CSV_COLUMNS,
    ActorKind,
    AuditFilter,
    Who,
    actor_kind,
    actor_kind_column,
    actor_label,
    batch_after,
    count,
    csv_row,
    detail_summary,
    object_label,
    read_before,
    search,
    when_label,
)
from mitra.foundation.errors import InvalidInput
from mitra.node import Node

# What an idle pair and a morning's work leave: two people sign in among the machines' entries.
INDICATOR = "indicator--11111111-1111-4111-8111-111111111111"
HEAD = "x-mitra-audit-head--1"
DAY = [
    ("IND:system", "create", HEAD, {}, "2025-01-07T08:00:00.000Z"),
    ("partner:MYS", "export", None, {"objects": 1, "versions": [f"{HEAD}|x"]}, "2025-01-07T08:00:05.000Z"),
    ("partner:MYS", "sync_page", None, {"received": 1, "refused": 0}, "2025-01-07T08:00:10.000Z"),
    ("asha", "login", None, {"address": "10.0.0.5"}, "2025-01-07T09:15:00.000Z"),
    ("IND:NSCS:asha", "create", INDICATOR, {}, "2025-01-07T09:20:00.000Z"),
    ("IND:NSCS:rao", "release", INDICATOR, {"to": "MYS"}, "2025-01-07T09:30:00.000Z"),
    ("partner:MYS", "export", None, {"objects": 1}, "2025-01-07T09:30:05.000Z"),
    ("rao", "login", None, {"address": "10.0.0.6"}, "2025-01-07T10:00:00.000Z"),
    ("IND:NSCS:demo:loader", "import", None, {"objects": 40}, "2025-01-07T11:00:00.000Z"),
    ("MYS:-:partner-mys", "create", "sighting--22222222-2222-4222-8222-222222222222", {}, "2025-01-08T00:00:00.000Z"),
]


@pytest.fixture
def day(node: Node) -> dict[str, int]:
    """The day's entries appended after the node's own start-up entries; action+actor -> seq."""
    from datetime import datetime

    seqs: dict[str, int] = {}
    for actor, action, object_id, detail, at in DAY:
        with node.db.write() as session:
            record_many(session, [AuditEvent(actor, action, object_id, detail)], at=datetime.fromisoformat(at))
            seqs[f"{actor} {action}"] = int(session.scalar(select(func.max(AuditEntry.seq))) or 0)
    return seqs


def shown(node: Node, flt: AuditFilter, *, after: int = 0) -> list[tuple[str, str]]:
    with node.db.read() as session:
        page = search(session, flt, limit=1000)
    return [(e.actor, e.action) for e in reversed(page.entries) if e.seq > after]


@pytest.mark.parametrize(
    ("actor", "action", "kind"),
    [
        ("IND:NSCS:asha", "create", ActorKind.PERSON),
        ("asha", "login", ActorKind.PERSON),
        ("partner:MYS", "login_failed", ActorKind.PERSON),  # a name typed at the sign-in form, not MYS's node
        ("cli:root", "user_add", ActorKind.PERSON),
        ("cli", "user_add", ActorKind.PERSON),
        ("IND:NSCS:cli:root", "import", ActorKind.PERSON),
        ("IND:NSCS:system", "create", ActorKind.PERSON),  # a person whose username is 'system'
        ("IND:system", "publish_head", ActorKind.SYSTEM),
        ("IND:system:seed", "create", ActorKind.SYSTEM),
        ("system", "token_create", ActorKind.SYSTEM),
        ("pairing", "user_add", ActorKind.SYSTEM),
        ("demo", "user_add", ActorKind.SYSTEM),
        ("IND:NSCS:demo:loader", "create", ActorKind.SYSTEM),
        ("partner:MYS", "export", ActorKind.PARTNER),
        ("MYS:-:partner-mys", "create", ActorKind.PARTNER),
    ],
)
def test_each_spelling_of_an_actor_is_a_person_the_node_or_a_partner(actor: str, action: str, kind: ActorKind) -> None:
    assert actor_kind(actor, action) is kind


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    actors=st.lists(
        st.text(alphabet="aAcClLiImnprRsStTyYeEND:-_%.0", min_size=0, max_size=16)
        | st.sampled_from(
            ["partner:MYS", "Partner:MYS", "IND:system:seed", "IND:SYSTEM", "CLI:x", "IND:A:Cli:x", "a:b:-:x"]
        ),
        min_size=1,
        max_size=30,
    ),
    action=st.sampled_from(["create", "login", "export"]),
)
def test_the_database_sorts_every_actor_as_python_does(node: Node, actors: list[str], action: str) -> None:
    with node.db.write() as session:
        start = int(session.scalar(select(func.max(AuditEntry.seq))) or 0)
        record_many(session, [AuditEvent(actor, action) for actor in actors])
    with node.db.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, actor_kind_column()).where(AuditEntry.seq > start)
        ).all()
    assert [kind for _, _, kind in rows] == [actor_kind(actor, act).value for actor, act, _ in rows]


def test_people_are_their_sign_ins_and_acts_and_nothing_of_the_machines(node: Node, day: dict[str, int]) -> None:
    start = day["IND:system create"] - 1
    assert shown(node, AuditFilter(who=Who.PEOPLE), after=start) == [
        ("asha", "login"),
        ("IND:NSCS:asha", "create"),
        ("IND:NSCS:rao", "release"),
        ("rao", "login"),
    ]
    machines = shown(node, AuditFilter(who=Who.MACHINES), after=start)
    assert ("IND:NSCS:demo:loader", "import") in machines
    assert ("MYS:-:partner-mys", "create") in machines
    assert len(machines) == len(DAY) - 4


def test_human_logins_are_found_among_the_bookkeeping(node: Node, day: dict[str, int]) -> None:
    flt = AuditFilter.parse(who="people", action="login")
    assert shown(node, flt) == [("asha", "login"), ("rao", "login")]


def test_actor_matches_any_part_in_any_case(node: Node, day: dict[str, int]) -> None:
    assert shown(node, AuditFilter(actor="RAO")) == [("IND:NSCS:rao", "release"), ("rao", "login")]
    assert shown(node, AuditFilter(actor="%")) == []  # a LIKE wildcard is a character here


def test_object_is_an_id_or_a_type(node: Node, day: dict[str, int]) -> None:
    by_id = AuditFilter(object="indicator--11111111-1111-4111-8111-111111111111")
    assert shown(node, by_id) == [("IND:NSCS:asha", "create"), ("IND:NSCS:rao", "release")]
    assert shown(node, AuditFilter(object="sighting")) == [("MYS:-:partner-mys", "create")]
    assert shown(node, AuditFilter(object="indicator--1111")) == []  # an id is matched whole


def test_partner_is_its_nodes_acts_here_and_releases_to_it(node: Node, day: dict[str, int]) -> None:
    assert shown(node, AuditFilter(partner="MYS")) == [
        ("partner:MYS", "export"),
        ("partner:MYS", "sync_page"),
        ("IND:NSCS:rao", "release"),
        ("partner:MYS", "export"),
        ("MYS:-:partner-mys", "create"),
    ]
    assert shown(node, AuditFilter(partner="SGP")) == []


def test_time_range_is_inclusive_to_the_end_of_what_was_written(node: Node, day: dict[str, int]) -> None:
    morning = AuditFilter.parse(since="2025-01-07T09:15", until="2025-01-07T10:00")
    assert shown(node, morning) == [
        ("asha", "login"),
        ("IND:NSCS:asha", "create"),
        ("IND:NSCS:rao", "release"),
        ("partner:MYS", "export"),
        ("rao", "login"),
    ]
    assert shown(node, AuditFilter.parse(since="2025-01-08", until="2025-01-08")) == [("MYS:-:partner-mys", "create")]


def test_filters_combine(node: Node, day: dict[str, int]) -> None:
    flt = AuditFilter.parse(who="people", partner="MYS", since="2025-01-07")
    assert shown(node, flt) == [("IND:NSCS:rao", "release")]
    with node.db.read() as session:
        assert count(session, flt) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("who", "robots"),
        ("action", "DROP TABLE"),
        ("object", "not an id!"),
        ("partner", "Malaysia"),
        ("since", "yesterday"),
        ("until", "2025-13-01"),
    ],
)
def test_a_bad_filter_names_its_field(field: str, value: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^{field}:"):
        AuditFilter.parse(**{field: value})


def test_pages_follow_each_other_newest_first_without_gap_or_overlap(node: Node, day: dict[str, int]) -> None:
    with node.db.read() as session:
        total = count(session, AuditFilter())
        seen: list[int] = []
        before = None
        while True:
            page = search(session, AuditFilter(), before=before, limit=4)
            seen.extend(e.seq for e in page.entries)
            if page.next is None:
                break
            before = read_before(page.next)
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == total
    assert seen[-1] == 1


def test_a_cursor_is_a_whole_number() -> None:
    with pytest.raises(InvalidInput, match=r"^before:"):
        read_before("1 OR 1=1")


def test_an_export_batch_is_oldest_first_and_stops_at_its_end(node: Node, day: dict[str, int]) -> None:
    upto = day["rao login"]
    with node.db.read() as session:
        batch = batch_after(session, AuditFilter(who=Who.PEOPLE), after=0, upto=upto)
    assert [(e.actor, e.action) for e in batch][-4:] == [
        ("asha", "login"),
        ("IND:NSCS:asha", "create"),
        ("IND:NSCS:rao", "release"),
        ("rao", "login"),
    ]
    assert all(e.seq <= upto for e in batch)


def test_a_csv_row_is_the_entry_as_stored_with_its_kind_and_never_a_formula(node: Node) -> None:
    with node.db.write() as session:
        record_many(session, [AuditEvent('=HYPERLINK("http://x")', "login_failed", None, {"address": "1.2.3.4"})])
    with node.db.read() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    row = dict(zip(CSV_COLUMNS, csv_row(entry), strict=True))
    assert row["actor"] == '\'=HYPERLINK("http://x")'
    assert row["kind"] == "person"
    assert json.loads(row["detail"]) == {"address": "1.2.3.4"}
    assert (row["seq"], row["hash"], row["prev_hash"]) == (str(entry.seq), entry.hash, entry.prev_hash)


def test_people_read_who_what_and_when_in_words() -> None:
    names = {"MYS": "Malaysia"}
    assert actor_label("IND:NSCS:asha", "create") == "asha (NSCS)"
    assert actor_label("partner:MYS", "export", nations=names) == "Malaysia's node"
    assert actor_label("IND:system", "publish_head") == "this node"
    assert actor_label("IND:NSCS:cli:root", "import") == "root at the console (NSCS)"
    assert detail_summary("export", json.dumps({"objects": 12, "versions": ["a"] * 12})) == "12 objects"
    assert detail_summary("release", json.dumps({"to": "MYS"})) == "to MYS"
    stored = {"modified": "2025-01-07T09:15:00.000Z", "seq": 3, "tlp": "green", "source": "partner"}
    assert detail_summary("receive", json.dumps(stored)) == "version 2025-01-07 09:15:00 UTC; TLP:GREEN"
    assert object_label(INDICATOR) == "indicator--11111111…"
    assert when_label("2025-01-07T09:15:00.000Z") == "2025-01-07 09:15:00 UTC"
