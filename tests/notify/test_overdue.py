"""The daily overdue check: milestones past due and not met, told once to the commitment's owners."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from mitra.core.notices import Notice
from mitra.core.stix import HandlingInput, new_id
from mitra.node import Node
from mitra.notify.deliverer import Deliverer
from mitra.notify.overdue import check_overdue
from mitra.pillars.dialogue.service import load_register
from mitra.pillars.dialogue.types import COMMITMENT, UPDATE
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.support.pair import given

TODAY = date(2026, 12, 7)
NSCS_GREEN = HandlingInput("green", "IND", "NSCS", ())


def _commitment(node: Node, name: str, milestones: list[dict[str, Any]], owners: dict[str, str] | None = None) -> str:
    body = {
        "type": COMMITMENT,
        "id": new_id(COMMITMENT),
        "name": name,
        "area": "cyber-security",
        "text": f"{name}, verbatim.",
        "strength": "deepen",
        "owners": owners if owners is not None else {"IND": "NSCS", "MYS": "NSC"},
        "milestones": milestones,
    }
    return given(node, body, NSCS_GREEN)


def _milestone(key: str, due: str | None, status: str = "scheduled") -> dict[str, Any]:
    return {"key": key, "title": f"Milestone {key}", "due_date": due, "status": status, "party": "both"}


def _report(node: Node, commitment: str, key: str, status: str, nation: str = "IND", day: str = "2026-11-01") -> None:
    body = {
        "type": UPDATE,
        "name": f"Update on {key}",
        "commitment_ref": commitment,
        "date": day,
        "nation": nation,
        "summary": "Reported.",
        "milestone_key": key,
        "milestone_status": status,
    }
    given(node, body, NSCS_GREEN)


def _overdue(node: Node, username: str) -> list[Notice]:
    with node.db.read() as session:
        query = select(Notice).where(Notice.username == username, Notice.kind == "overdue").order_by(Notice.id)
        return list(session.scalars(query))


def test_a_milestone_past_due_and_not_met_is_told_to_the_owning_agency_once(
    notice_node: Node, people: dict[str, Person]
) -> None:
    commitment = _commitment(
        notice_node,
        "Joint CERT exercise",
        [_milestone("drill", "2026-10-01"), _milestone("later", "2027-03-01"), _milestone("undated", None)],
    )
    assert check_overdue(notice_node, today=TODAY) == 3  # asha, rao and root are NSCS; vik (CERT-In) is not
    [notice] = _overdue(notice_node, "asha")
    assert notice.object_id == commitment
    assert notice.subject == "Milestone “Milestone drill” of “Joint CERT exercise” is overdue"
    assert notice.details == {"due_date": "2026-10-01", "days_overdue": "67", "status": "scheduled"}
    assert _overdue(notice_node, "vik") == []
    assert check_overdue(notice_node, today=TODAY) == 0
    assert check_overdue(notice_node, today=date(2026, 12, 8)) == 0  # the next day: still one notice


def test_a_milestone_reported_met_or_in_conflict_is_not_overdue(notice_node: Node, people: dict[str, Person]) -> None:
    met = _commitment(notice_node, "Met one", [_milestone("m", "2026-10-01")])
    _report(notice_node, met, "m", "met")
    conflict = _commitment(notice_node, "Disputed one", [_milestone("m", "2026-10-01")])
    _report(notice_node, conflict, "m", "met", nation="IND")
    _report(notice_node, conflict, "m", "notMet", nation="MYS")
    reported_late = _commitment(notice_node, "Reported not met", [_milestone("m", "2026-10-01")])
    _report(notice_node, reported_late, "m", "notMet")
    check_overdue(notice_node, today=TODAY)
    assert [n.object_id for n in _overdue(notice_node, "asha")] == [reported_late]


def test_the_owner_is_the_agency_named_for_this_nation(notice_node: Node, people: dict[str, Person]) -> None:
    _commitment(notice_node, "CERT-In owns it", [_milestone("m", "2026-10-01")], owners={"IND": "CERT-In"})
    check_overdue(notice_node, today=TODAY)
    assert len(_overdue(notice_node, "vik")) == 1
    assert _overdue(notice_node, "asha") == []


def test_no_one_is_told_of_a_commitment_they_may_not_see(notice_node: Node, people: dict[str, Person]) -> None:
    body = {
        "type": COMMITMENT,
        "name": "Kept within NSCS",
        "area": "cyber-security",
        "text": "Verbatim.",
        "strength": "deepen",
        "owners": {"IND": "CERT-In"},
        "milestones": [_milestone("m", "2026-10-01")],
    }
    given(notice_node, body, HandlingInput("amber+strict", "IND", "NSCS", ()))
    assert check_overdue(notice_node, today=TODAY) == 0  # CERT-In owns it but AMBER+STRICT keeps it in NSCS


def test_the_check_agrees_with_the_dialogue_register_on_the_seeded_record(notice_node: Node) -> None:
    notice_node.seed()
    owner = add_person(notice_node, "secretariat", {Role.ANALYST}, agency="NSCS")
    check_overdue(notice_node, today=TODAY)
    told = {(n.object_id, n.details["due_date"]) for n in _overdue(notice_node, "secretariat")}
    with notice_node.db.read() as session:
        register = load_register(session, notice_node, owner.actor, today=TODAY)
    expected = {
        (state.commitment.id, m.due_date)
        for state in register.commitments
        for m in state.milestones
        if m.overdue and (state.commitment.owners.get("IND") or "NSCS") == "NSCS"
    }
    assert told == expected
    assert told  # the seeded record has milestones past due on this day


def test_the_deliverer_runs_the_check_once_a_day(notice_node: Node, people: dict[str, Person]) -> None:
    _commitment(notice_node, "Joint CERT exercise", [_milestone("drill", "2026-10-01")])
    deliverer = Deliverer(notice_node, 3600)
    deliverer.run_once(today=TODAY)
    assert len(_overdue(notice_node, "asha")) == 1
    _commitment(notice_node, "Another", [_milestone("drill", "2026-10-01")])
    deliverer.run_once(today=TODAY)  # checked today already
    assert len(_overdue(notice_node, "asha")) == 1
    deliverer.run_once(today=date(2026, 12, 8))
    assert len(_overdue(notice_node, "asha")) == 2
