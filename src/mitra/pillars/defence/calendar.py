"""The joint exercise calendar as iCalendar (RFC 5545), built with the ``icalendar`` package.

An edition whose days are known is one all-day VEVENT on those days (X-MITRA-DATE-PRECISION ``day``, or
``start-day`` when only its first day is known); an edition whose year is itself uncertain is STATUS:TENTATIVE.

An edition known only by its year is *not* an event. A calendar shows an event on the days it covers, so a
year-long (or a 1 January) event would tell the reader something nobody knows and would sit across every day of
their year. Calendar users expect a feed to hold what happens on a day; so these editions stay out of the
events, and the calendar says which they are, in its own description (RFC 7986 ``DESCRIPTION`` and the widely
read ``X-WR-CALDESC``): "Known only by year, not shown as events: Harimau Shakti 2012, ...". The exercise
calendar page lists every edition, dated or not. Nothing is guessed and nothing is dropped without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import icalendar

from mitra.pillars.defence.models import Edition, ExerciseView
from mitra.pillars.defence.vocabulary import SERVICES

PRODID = "-//Mitra//Defence exercise calendar//EN"


def edition_uid(exercise: ExerciseView, edition: Edition) -> str:
    return f"{exercise.id}-{edition.year}@mitra"


def edition_summary(exercise: ExerciseView, edition: Edition) -> str:
    summary = f"{exercise.name} {edition.year_text}"
    if edition.start is None:
        summary += " (dates unknown)"
    return summary


def _span(edition: Edition) -> tuple[date, date, str] | None:
    """Start, exclusive end, and the precision of what is known; None when only the year is known."""
    if edition.start is None:
        return None
    start = date.fromisoformat(edition.start)
    last = date.fromisoformat(edition.end) if edition.end else start
    return start, last + timedelta(days=1), "day" if edition.end else "start-day"


def year_only(exercises: Iterable[ExerciseView]) -> list[str]:
    """The editions known only by their year, as a person names them ("Udara Shakti 2018?")."""
    return [f"{x.name} {e.year_text}" for x in exercises for e in x.editions if _span(e) is None]


def calendar_note(exercises: Iterable[ExerciseView]) -> str:
    """What the calendar says of the editions it does not show as events."""
    undated = year_only(exercises)
    if not undated:
        return "Joint exercises of the partnership; every edition with known dates."
    return (
        "Joint exercises of the partnership, on the days known. "
        f"Known only by year, not shown as events ({len(undated)}): {', '.join(undated)}."
    )


def _description(exercise: ExerciseView, edition: Edition) -> str:
    lines = [
        f"Service: {SERVICES.get(exercise.service, exercise.service)}",
        f"Host: {edition.host or 'unknown'}",
        f"Venue: {edition.venue or 'unknown'}",
        f"Dates: {edition.start or 'unknown'}" + (f" to {edition.end}" if edition.end else ""),
    ]
    if exercise.aliases:
        lines.append(f"Also known as: {', '.join(exercise.aliases)}")
    if edition.year_uncertain:
        lines.append("The year of this edition is uncertain.")
    if edition.note:
        lines.append(edition.note)
    return "\n".join(lines)


def build_calendar(exercises: Iterable[ExerciseView], *, stamp: datetime | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Joint exercises")
    listed = list(exercises)
    note = calendar_note(listed)
    calendar.add("description", note)
    calendar.add("x-wr-caldesc", note)
    moment = stamp or datetime.now(UTC)
    for exercise in listed:
        for edition in exercise.editions:
            span = _span(edition)
            if span is None:
                continue  # known only by year: named in the calendar's description (see the module's docstring)
            start, end, precision = span
            event = icalendar.Event()
            event.add("uid", edition_uid(exercise, edition))
            event.add("dtstamp", moment)
            event.add("summary", edition_summary(exercise, edition))
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("description", _description(exercise, edition))
            event.add("categories", [SERVICES.get(exercise.service, exercise.service)])
            event.add("status", "TENTATIVE" if edition.year_uncertain else "CONFIRMED")
            event.add("transp", "TRANSPARENT")
            event.add("x-mitra-date-precision", precision)
            event.add("x-mitra-object-id", exercise.id)
            if edition.venue:
                event.add("location", edition.venue)
            calendar.add_component(event)
    return calendar


def calendar_bytes(exercises: Iterable[ExerciseView], *, stamp: datetime | None = None) -> bytes:
    data: bytes = build_calendar(exercises, stamp=stamp).to_ical()
    return data
