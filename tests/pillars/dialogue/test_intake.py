"""Document intake: the seed article's areas, people and the date that contradicts the register."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.pillars.dialogue.intake import RegisterFacts, find_dates, propose
from tests.conftest import shared_file

VISIT = {
    "id": "x-mitra-partnership-event--00000000-0000-4000-8000-000000000001",
    "kind": "visit",
    "name": "Prime Minister Anwar Ibrahim's visit to India",
    "people": ["Anwar Ibrahim"],
    "start_date": "2024-08-19",
    "end_date": "2024-08-21",
}


def article() -> str:
    return shared_file("../seed/000_d1984914421980d1.txt").read_text()


def test_intake_finds_the_areas_of_the_seed_article() -> None:
    keys = {a.key for a in propose(article()).areas}
    assert {
        "counter-terrorism",
        "cyber-security",
        "maritime-security",
        "defence-industry",
        "critical-minerals",
        "trade",
    } <= keys


def test_intake_flags_the_visit_date_that_conflicts_with_the_register() -> None:
    [conflict] = propose(article(), RegisterFacts(events=[VISIT])).conflicts
    assert (conflict.source_says, conflict.register_says) == ("August 2023", "19-21 August 2024")
    assert VISIT["id"] in conflict.refs


def test_a_visit_date_that_matches_the_register_is_no_conflict() -> None:
    text = "Prime Minister Anwar Ibrahim's visit to India on 20 August 2024 raised ties."
    assert propose(text, RegisterFacts(events=[VISIT])).conflicts == ()


def test_intake_proposes_the_session_and_its_co_chairs() -> None:
    session = propose(article()).session
    assert (session.number, session.venue) == (1, "New Delhi")
    assert [(p.name, p.nation) for p in session.co_chairs] == [
        ("Ajit Doval", "IND"),
        ("Raja Dato Nushirwan Bin Zainal Abidin", "MYS"),
    ]


def test_intake_proposes_commitments_with_their_strength() -> None:
    found = {(c.strength, c.area) for c in propose(article()).commitments}
    assert ("explore", "critical-minerals") in found
    assert ("institutionalise", "institutional") in found
    assert ("deepen", "maritime-security") in found


def test_date_forms_are_read_and_impossible_dates_ignored() -> None:
    found = find_dates("Held on 7 January 2025, then 19–21 August 2024, then 31 February 2025, then 2025-02-19.")
    assert [(d.start, d.end) for d in found] == [
        (date(2025, 1, 7), date(2025, 1, 7)),
        (date(2024, 8, 19), date(2024, 8, 21)),
        (date(2025, 2, 19), date(2025, 2, 19)),
    ]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600))
def test_arbitrary_text_never_crashes_the_intake(text: str) -> None:
    result = propose(text, RegisterFacts(events=[VISIT]))
    assert result.characters == len(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "agreed to",
                "explore",
                "Prime Minister",
                "Anwar Ibrahim",
                "visit",
                "August",
                "2023",
                "31",
                "–",
                "dialogue",
                "first",
                "New Delhi",
                "co-chaired",
                "Director-General",
                "bin",
                ".",
                "\n",
                " ",
                "1.",
            ]
        ),
        max_size=40,
    )
)
def test_keyword_soup_never_crashes_the_intake(words: list[str]) -> None:
    propose(" ".join(words), RegisterFacts(events=[VISIT]))
