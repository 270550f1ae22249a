"""Compliance scores (G20 Research Group method), percentages and lags."""

from __future__ import annotations

from datetime import date

from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.compliance import DueItem, as_percentage, measure_lag, score_year
from mitra.pillars.dialogue.types import COMMITMENT
from tests.conftest import Person
from tests.pillars.dialogue.conftest import post_update, read_register


def test_all_due_items_met_scores_plus_one() -> None:
    assert (
        score_year(due=[DueItem("a", True), DueItem("b", True)], updates_in_year=1, evidenced_updates_in_year=0).value
        == 1
    )


def test_some_due_items_met_scores_zero() -> None:
    assert (
        score_year(due=[DueItem("a", True), DueItem("b", False)], updates_in_year=1, evidenced_updates_in_year=0).value
        == 0
    )


def test_no_update_and_nothing_met_scores_minus_one() -> None:
    assert score_year(due=[DueItem("a", False)], updates_in_year=0, evidenced_updates_in_year=0).value == -1


def test_reported_not_met_scores_minus_one_even_with_updates() -> None:
    due = [DueItem("a", False, reported_not_met=True)]
    assert score_year(due=due, updates_in_year=2, evidenced_updates_in_year=1).value == -1


def test_with_nothing_due_evidence_earns_full_compliance() -> None:
    assert score_year(due=[], updates_in_year=1, evidenced_updates_in_year=1).value == 1
    assert score_year(due=[], updates_in_year=1, evidenced_updates_in_year=0).value == 0
    assert score_year(due=[], updates_in_year=0, evidenced_updates_in_year=0).value == -1


def test_percentage_follows_the_g20_conversion() -> None:
    assert as_percentage([1, 0]) == 75.0
    assert as_percentage([-1, -1]) == 0.0
    assert as_percentage([]) is None


def test_su30_forum_lag_from_announcement_to_terms_of_reference() -> None:
    lag = measure_lag(
        announced=date(2015, 11, 1), terms_of_reference=date(2025, 2, 19), delivered=None, today=date(2025, 6, 1)
    )
    assert lag.to_terms_months == 111
    assert lag.open_months == 115


def test_seeded_su30_forum_shows_its_lag(seeded: Node, people: dict[str, Person]) -> None:
    reg = read_register(seeded, people["viewer"], date(2025, 6, 1))
    state = reg.commitment(seeded.seed_id(COMMITMENT, "midcom:su30-forum"))
    assert (state.lag.announced, state.lag.terms_of_reference) == (date(2015, 11, 1), date(2025, 2, 19))


def test_an_evidenced_update_raises_a_nation_score(seeded: Node, people: dict[str, Person]) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:cyber-security")
    today = date(2025, 6, 1)
    post_update(
        seeded,
        people["analyst"],
        service.UpdateInput(
            target,
            "Indicator set shared with NACSA",
            "2025-04-01",
            evidence=(service.EvidenceInput(seeded.seed_id("report", "security-dialogue-1")),),
        ),
        today,
    )
    reg = read_register(seeded, people["viewer"], today)
    row = next(r for r in service.compliance(reg, years=[2025]) if r.state.commitment.id == target)
    assert (row.percentage("IND"), row.percentage("MYS")) == (100.0, 0.0)
