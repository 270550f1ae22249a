"""The joint exercise calendar: seeded editions with uncertainty, lessons tied to commitments, iCalendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from mitra.core.schemas import HandlingIn
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.calendar import calendar_bytes
from mitra.pillars.defence.schemas import EditionIn, LessonCreate
from mitra.pillars.dialogue import service as dialogue
from mitra.policy import Actor, Role
from tests.conftest import add_person

EXPECTED = {
    "Harimau Shakti": ("army", [2012, 2018, 2022, 2023, 2024]),
    "Samudra Laksamana": ("navy", [2019, 2022, 2024]),
    "Udara Shakti": ("air-force", [2018, 2022, 2024]),
}


def _exercises(node: Node) -> dict[str, service.ExerciseView]:
    viewer = Actor(nation="IND", agency="CERT-In", username="vik", roles=frozenset({Role.VIEWER}))
    with node.db.read() as session:
        return {x.name: x for x in service.list_exercises(session, store=node.store, actor=viewer)}


def test_the_seeded_calendar_has_the_three_exercises_and_their_years(seeded: Node) -> None:
    exercises = _exercises(seeded)
    assert {name: (x.service, [e.year for e in x.editions]) for name, x in exercises.items()} == EXPECTED


def test_only_udara_shakti_2018_is_uncertain_and_nothing_unknown_is_invented(seeded: Node) -> None:
    exercises = _exercises(seeded).values()
    uncertain = [(x.name, e.year) for x in exercises for e in x.editions if e.year_uncertain]
    assert uncertain == [("Udara Shakti", 2018)]
    assert all(e.host is None and e.venue is None and e.start is None for x in exercises for e in x.editions)


def test_an_edition_known_only_by_its_year_is_no_calendar_event_and_the_calendar_names_it(seeded: Node) -> None:
    calendar = icalendar.Calendar.from_ical(calendar_bytes(_exercises(seeded).values()))
    assert list(calendar.walk("VEVENT")) == []  # every seeded edition is known by its year alone: no year-long events
    note = str(calendar["DESCRIPTION"])
    assert str(calendar["X-WR-CALDESC"]) == note
    assert f"Known only by year, not shown as events ({sum(len(y) for _, y in EXPECTED.values())})" in note
    assert "Harimau Shakti 2012" in note
    assert "Udara Shakti 2018?" in note  # the uncertain year keeps its question mark


def test_a_dated_edition_is_an_event_beside_the_year_only_ones(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    exercise = _exercises(seeded)["Harimau Shakti"]
    edition = EditionIn(year=2026, host="IND", start=date(2026, 2, 2))
    with seeded.db.write() as session:
        service.add_edition(session, store=seeded.store, exercise_id=exercise.id, edition=edition, actor=analyst)
    calendar = icalendar.Calendar.from_ical(calendar_bytes(_exercises(seeded).values()))
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Harimau Shakti 2026"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (date(2026, 2, 2), date(2026, 2, 3))
    assert str(event["X-MITRA-DATE-PRECISION"]) == "start-day"
    assert "Harimau Shakti 2026" not in str(calendar["DESCRIPTION"])


def test_an_edition_with_known_dates_becomes_an_event_on_those_days(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    exercise = _exercises(seeded)["Samudra Laksamana"]
    edition = EditionIn(year=2025, host="MYS", venue="Lumut", start=date(2025, 3, 3), end=date(2025, 3, 6))
    with seeded.db.write() as session:
        service.add_edition(session, store=seeded.store, exercise_id=exercise.id, edition=edition, actor=analyst)
    calendar = icalendar.Calendar.from_ical(calendar_bytes(_exercises(seeded).values()))
    event = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Samudra Laksamana 2025")
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (date(2025, 3, 3), date(2025, 3, 7))
    assert str(event["LOCATION"]) == "Lumut"


def test_an_edition_ending_before_it_starts_is_refused(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    exercise = _exercises(seeded)["Harimau Shakti"]
    edition = EditionIn(year=2025, start=date(2025, 5, 9), end=date(2025, 5, 1))
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="before start"):
        service.add_edition(session, store=seeded.store, exercise_id=exercise.id, edition=edition, actor=analyst)


def _commitment(node: Node, tlp: str, agency: str) -> str:
    """A Dialogue commitment recorded by ``agency`` under ``tlp``."""
    author = add_person(node, f"author-{agency.lower()}", {Role.ANALYST}, agency=agency).actor
    data = dialogue.CommitmentInput(
        area="defence-industry",
        text="agree to hold joint exercises annually",
        strength="agree to",
        handling=HandlingIn(tlp=tlp),
    )
    with node.db.write() as session:
        return dialogue.add_commitment(session=session, node=node, actor=author, data=data).id


def test_a_lesson_links_a_visible_commitment_by_id(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    commitment = _commitment(seeded, "green", "NSCS")
    exercise = _exercises(seeded)["Harimau Shakti"]
    data = LessonCreate(
        exercise_ref=exercise.id,
        edition_year=2024,
        kind="follow-up",
        statement="Plan 2025",
        commitment_refs=[commitment],
    )
    with seeded.db.write() as session:
        lesson = service.create_lesson(session, store=seeded.store, data=data, actor=analyst)
    with seeded.db.read() as session:
        lessons = service.list_lessons(session, store=seeded.store, actor=analyst, exercise_id=exercise.id)
    assert [(x.id, x.commitment_refs) for x in lessons] == [(lesson.id, (commitment,))]


def test_a_lesson_cannot_cite_a_commitment_that_does_not_exist(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    exercise = _exercises(seeded)["Harimau Shakti"]
    missing = "note--00000000-0000-4000-8000-000000000000"
    data = LessonCreate(exercise_ref=exercise.id, kind="lesson", statement="x", commitment_refs=[missing])
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="commitment_refs"):
        service.create_lesson(session, store=seeded.store, data=data, actor=analyst)


def test_a_lesson_cites_dialogue_commitments_not_other_objects(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    exercise = _exercises(seeded)["Harimau Shakti"]
    data = LessonCreate(exercise_ref=exercise.id, kind="lesson", statement="x", commitment_refs=[exercise.id])
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="expected x-mitra-commitment"):
        service.create_lesson(session, store=seeded.store, data=data, actor=analyst)


def test_a_lesson_cannot_cite_a_commitment_its_author_may_not_see(seeded: Node) -> None:
    analyst = add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS").actor
    hidden = _commitment(seeded, "amber+strict", "CERT-In")
    exercise = _exercises(seeded)["Harimau Shakti"]
    data = LessonCreate(exercise_ref=exercise.id, kind="lesson", statement="x", commitment_refs=[hidden])
    with seeded.db.write() as session, pytest.raises(InvalidInput, match="may see"):
        service.create_lesson(session, store=seeded.store, data=data, actor=analyst)


def test_cli_calendar_writes_an_ics_that_parses_back(
    seeded: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mitra.cli import app

    for key, value in {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(seeded.settings.data_dir),
        "MITRA_DATABASE_URL": seeded.settings.effective_database_url,
    }.items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "exercises.ics"
    result = CliRunner().invoke(app, ["defence", "calendar", "--ics", str(target)])
    assert result.exit_code == 0, result.output
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    assert list(calendar.walk("VEVENT")) == []
    assert all(name in str(calendar["DESCRIPTION"]) for name in EXPECTED)
    assert "known only by year are not calendar events" in " ".join(result.output.split())
