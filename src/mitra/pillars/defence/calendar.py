"""The joint exercise calendar as iCalendar (RFC 5545), built with the ``icalendar`` package.

Each edition is one all-day VEVENT. Known dates are used as they are; where only the year is
known the event spans the whole year and says "dates unknown" (X-MITRA-DATE-PRECISION:year),
and an edition whose year is itself uncertain is STATUS:TENTATIVE. Nothing is guessed.
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


def _span(edition: Edition) -> tuple[date, date, str]:
    """Start, exclusive end, and the precision of what is known."""
    if edition.start is not None:
        start = date.fromisoformat(edition.start)
        last = date.fromisoformat(edition.end) if edition.end else start
        return start, last + timedelta(days=1), "day" if edition.end else "start-day"
    return date(edition.year, 1, 1), date(edition.year + 1, 1, 1), "year"


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
    moment = stamp or datetime.now(UTC)
    for exercise in exercises:
        for edition in exercise.editions:
            start, end, precision = _span(edition)
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
