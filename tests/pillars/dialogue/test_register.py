"""The register: seeded facts of the 1st Dialogue, overdue sessions, updates as new objects, bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mitra.bootstrap import open_node
from mitra.foundation.errors import Forbidden, InvalidInput
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.types import COMMITMENT, EVENT, SESSION
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.pillars.dialogue.conftest import post_update, read_register

TODAY = date(2025, 6, 1)


def commitment_id(node: Node, key: str) -> str:
    return node.seed_id(COMMITMENT, key)


def test_seed_reproduces_the_first_dialogue(seeded: Node, people: dict[str, Person]) -> None:
    reg = read_register(seeded, people["viewer"], TODAY)
    [first] = reg.sessions
    assert (first.number, first.date, first.venue, first.host_nation) == (1, "2025-01-07", "New Delhi", "IND")
    assert [c["name"] for c in first.co_chairs] == ["Ajit Doval", "Raja Dato Nushirwan bin Zainal Abidin"]
    assert len(first.readout["sha256"]) == 64
    strengths = {s.commitment.area: s.commitment.strength for s in reg.commitments if s.commitment.session_ref}
    assert strengths == {
        "counter-terrorism": "deepen",
        "cyber-security": "deepen",
        "defence-industry": "deepen",
        "maritime-security": "deepen",
        "critical-minerals": "explore",
        "institutional": "institutionalise",
    }
    visit = next(e for e in reg.events if e["kind"] == "visit")
    assert (visit["start_date"], visit["end_date"]) == ("2024-08-19", "2024-08-21")


def test_seeding_twice_adds_nothing(seeded: Node) -> None:
    assert seeded.seed()["dialogue"] == 0


def test_seeded_register_is_green_and_releasable_to_malaysia(seeded: Node, people: dict[str, Person]) -> None:
    with seeded.db.read() as session:
        row = seeded.store.get(
            session, object_id=seeded.seed_id(SESSION, "security-dialogue-1"), actor=people["viewer"].actor
        )
    assert (row.tlp, row.releasable, row.originator_nation) == ("green", ("MYS",), "IND")


def test_next_session_is_flagged_overdue_after_its_due_date(seeded: Node, people: dict[str, Person]) -> None:
    nxt = read_register(seeded, people["viewer"], date(2026, 1, 8)).next_session
    assert nxt is not None
    assert (nxt.number, nxt.due, nxt.host_nation, nxt.overdue, nxt.days_overdue) == (
        2,
        date(2026, 1, 7),
        "MYS",
        True,
        1,
    )


def test_next_session_is_not_overdue_on_its_due_date(seeded: Node, people: dict[str, Person]) -> None:
    nxt = read_register(seeded, people["viewer"], date(2026, 1, 7)).next_session
    assert nxt is not None
    assert not nxt.overdue


def test_recording_the_next_session_clears_the_overdue_flag(seeded: Node, people: dict[str, Person]) -> None:
    with seeded.db.write() as session:
        service.add_session(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            data=service.SessionInput(number=2, date="2026-02-10", venue="Kuala Lumpur", host_nation="MYS"),
        )
    nxt = read_register(seeded, people["viewer"], date(2026, 3, 1)).next_session
    assert nxt is not None
    assert (nxt.number, nxt.due, nxt.overdue) == (3, date(2027, 2, 10), False)


def test_the_annual_milestone_is_overdue_when_not_met(seeded: Node, people: dict[str, Person]) -> None:
    state = read_register(seeded, people["viewer"], date(2026, 2, 1)).commitment(commitment_id(seeded, "sd1:annual"))
    assert state.status == "overdue"
    assert state.milestones[0].overdue


def test_an_update_is_a_new_object_and_the_commitment_keeps_its_versions(
    seeded: Node, people: dict[str, Person]
) -> None:
    target = commitment_id(seeded, "sd1:annual")
    with seeded.db.write() as session:
        service.add_update(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            data=service.UpdateInput(target, "Dates proposed to Malaysia", "2025-05-02", "session-2", "partiallyMet"),
            today=TODAY,
        )
        service.revise_commitment(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            object_id=target,
            changes={"text": "agreed to hold the India-Malaysia Security Dialogue annually"},
        )
    state = read_register(seeded, people["viewer"], TODAY).commitment(target)
    assert [u.update.summary for u in state.updates] == ["Dates proposed to Malaysia"]
    assert state.milestones[0].status == "partiallyMet"
    with seeded.db.read() as session:
        versions = service.commitment_versions(session, seeded, people["viewer"].actor, target)
    assert [v.as_stix()["text"] for v in versions] == [
        "agreed to hold the Security Dialogue annually",
        "agreed to hold the India-Malaysia Security Dialogue annually",
    ]


def test_evidence_that_says_so_counts_into_the_indicator(seeded: Node, people: dict[str, Person]) -> None:
    evidence = seeded.seed_id(EVENT, "anwar-visit-2024")
    target = commitment_id(seeded, "sd1:counter-terrorism")
    post_update(
        seeded,
        people["analyst"],
        service.UpdateInput(
            target,
            "Two reports shared",
            "2025-03-01",
            indicator_values=(("ct-reports-shared", 1.0),),
            evidence=(
                service.EvidenceInput(evidence, counts_toward="ct-reports-shared"),
                service.EvidenceInput(seeded.seed_id(EVENT, "csp-2024")),
            ),
        ),
        TODAY,
    )
    [indicator] = read_register(seeded, people["viewer"], TODAY).commitment(target).indicators
    assert indicator.actuals == {2025: 2.0}  # 1 stated + 1 counted evidence; the other link only supports


@pytest.mark.parametrize(
    ("date_text", "field_hint"),
    [("2025-02-30", "date: '2025-02-30' is not a real date"), ("7 Jan 2025", "date: '7 Jan 2025' is not a date")],
)
def test_an_impossible_date_is_refused_naming_the_field(
    seeded: Node, people: dict[str, Person], date_text: str, field_hint: str
) -> None:
    with pytest.raises(InvalidInput, match=field_hint):
        post_update(
            seeded, people["analyst"], service.UpdateInput(commitment_id(seeded, "sd1:annual"), "x", date_text), TODAY
        )


def test_a_future_update_is_refused(seeded: Node, people: dict[str, Person]) -> None:
    with pytest.raises(InvalidInput, match="date: 2025-06-02 is in the future"):
        post_update(
            seeded,
            people["analyst"],
            service.UpdateInput(commitment_id(seeded, "sd1:annual"), "x", "2025-06-02"),
            TODAY,
        )


def test_evidence_linking_to_an_unknown_object_is_refused(seeded: Node, people: dict[str, Person]) -> None:
    bogus = "indicator--00000000-0000-4000-8000-000000000000"
    data = service.UpdateInput(
        commitment_id(seeded, "sd1:annual"), "x", "2025-05-01", evidence=(service.EvidenceInput(bogus),)
    )
    with pytest.raises(InvalidInput, match=r"evidence\[0\]\.ref"):
        post_update(seeded, people["analyst"], data, TODAY)
    assert read_register(seeded, people["viewer"], TODAY).commitment(commitment_id(seeded, "sd1:annual")).updates == ()


def test_a_commitment_in_an_unknown_area_is_refused(seeded: Node, people: dict[str, Person]) -> None:
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="area: 'space' is not a known area"):
        service.add_commitment(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            data=service.CommitmentInput(area="space", text="explore space cooperation", strength="explore"),
        )


def test_a_user_added_area_takes_commitments(seeded: Node, people: dict[str, Person]) -> None:
    with seeded.db.write() as session:
        service.add_area(session=session, node=seeded, actor=people["analyst"].actor, key="space", name="Space")
        service.add_commitment(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            data=service.CommitmentInput(area="space", text="explore space cooperation", strength="explore"),
        )
    reg = read_register(seeded, people["viewer"], TODAY)
    assert ("space", "Space") in [(k, n) for k, n, _ in reg.by_area()]


def test_a_viewer_cannot_post_an_update(seeded: Node, people: dict[str, Person]) -> None:
    with pytest.raises(Forbidden):
        post_update(
            seeded, people["viewer"], service.UpdateInput(commitment_id(seeded, "sd1:annual"), "x", "2025-05-01"), TODAY
        )


def test_a_partner_account_cannot_read_the_register(seeded: Node, people: dict[str, Person]) -> None:
    with pytest.raises(Forbidden):
        read_register(seeded, people["partner"], TODAY)


def test_a_session_hosted_outside_the_partnership_is_refused(seeded: Node, people: dict[str, Person]) -> None:
    with (
        seeded.db.write() as session,
        pytest.raises(InvalidInput, match=r"host_nation: 'SGP' is not one of \['IND', 'MYS'\]"),
    ):
        service.add_session(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            data=service.SessionInput(number=2, date="2026-02-10", venue="Singapore", host_nation="SGP"),
        )


def test_a_node_of_another_pair_starts_empty_and_reports_its_own_nations(tmp_path: Path) -> None:
    node = open_node(make_settings(tmp_path, nation="IND", partnership="SGP,IND"))
    node.init()
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    try:
        assert node.seed() == {}  # the seed is the India-Malaysia facts
        register = read_register(node, analyst, TODAY)
        assert register.nations == ("IND", "SGP")
        assert register.series == []
        assert node.partners == ("SGP",)
    finally:
        node.close()


@pytest.mark.parametrize(
    ("milestones", "indicators", "refusal"),
    [
        ([{"key": "m1", "due_date": "2026-02-30"}], [], r"milestones\[0\]\.due_date"),
        ([{"key": "m1", "party": "SGP"}], [], r"milestones\[0\]\.party: 'SGP' is not IND, MYS or both"),
        ([{"key": "m1"}, {"key": "m1"}], [], "milestones: keys must be unique"),
        ([{"key": "m1", "status": "done"}], [], r"milestones\[0\]\.status: 'done'"),
        ("m1", [], "milestones: a list"),
        ([], [{"key": "i1", "targets": {"next year": 3}}], r"indicators\[0\]\.targets: 'next year' is not a year"),
        ([], [{"key": "i1", "baseline": "none"}], r"indicators\[0\]\.baseline: 'none' is not a number"),
        ([], [{"key": ""}], r"indicators\[0\]\.key: empty"),
    ],
)
def test_a_revision_with_bad_milestones_or_indicators_is_refused_and_the_register_still_loads(
    seeded: Node, people: dict[str, Person], milestones: object, indicators: object, refusal: str
) -> None:
    target = commitment_id(seeded, "sd1:annual")
    changes = {"milestones": milestones} if milestones != [] else {"indicators": indicators}
    with seeded.db.write() as session, pytest.raises(InvalidInput, match=refusal):
        service.revise_commitment(
            session=session, node=seeded, actor=people["analyst"].actor, object_id=target, changes=changes
        )
    state = read_register(seeded, people["viewer"], TODAY).commitment(target)
    assert [m.key for m in state.milestones] == ["session-2"]


def test_a_new_commitment_checks_its_milestones_as_a_revision_does(seeded: Node, people: dict[str, Person]) -> None:
    data = service.CommitmentInput(
        area="maritime-security",
        text="agree to a joint patrol calendar",
        strength="agree to",
        milestones=(service.MilestoneInput("calendar", "Calendar agreed", "2026-13-01"),),
    )
    with seeded.db.write() as session, pytest.raises(InvalidInput, match=r"milestones\[0\]\.due_date"):
        service.add_commitment(session=session, node=seeded, actor=people["analyst"].actor, data=data)


def test_terms_of_reference_before_the_announcement_are_refused(seeded: Node, people: dict[str, Person]) -> None:
    target = commitment_id(seeded, "sd1:annual")
    changes = {"announced": "2015-11", "terms_of_reference": "2014-02"}
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="terms_of_reference: 2014-02 is before"):
        service.revise_commitment(
            session=session, node=seeded, actor=people["analyst"].actor, object_id=target, changes=changes
        )
    with seeded.db.write() as session:  # the Su-30 Forum's real order is fine
        service.revise_commitment(
            session=session,
            node=seeded,
            actor=people["analyst"].actor,
            object_id=target,
            changes={"announced": "2015-11", "terms_of_reference": "2025-02"},
        )
