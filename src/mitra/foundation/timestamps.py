"""The one place timestamps and dates are made, written and read (STIX form: UTC, millisecond precision, ``Z``).

Every parser names ``where`` in its :class:`InvalidInput`, so a person learns which field or line is wrong.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stix2.utils import parse_into_datetime

from mitra.foundation.errors import InvalidInput


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """STIX timestamp with millisecond precision, always UTC ``Z``."""
    m = moment.astimezone(UTC)  # by hand: strftime's %Y does not pad years before 1000 on every platform
    day = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
    return f"{day}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond // 1000:03d}Z"


_PLAIN_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$")


def parse_timestamp(value: str, *, where: str) -> datetime:
    if isinstance(value, str) and _PLAIN_TIMESTAMP.match(value):  # the usual form: the fast, exact parser
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass  # e.g. month 13: stix2's parser words the error
    try:
        parsed = parse_into_datetime(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{where}: {value!r} is not a STIX timestamp ({exc})") from None
    moment: datetime = parsed.astimezone(UTC)
    return moment


def next_modified(previous: datetime) -> datetime:
    """A modified time later than ``previous`` at millisecond precision, and not in the past."""
    candidate = now_utc()
    floor = previous + timedelta(milliseconds=1)
    return candidate if candidate >= floor else floor


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$")


def parse_date(value: Any, *, where: str) -> date:
    """A full ISO date ``YYYY-MM-DD`` (a ``date`` passes through)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DAY.match(value.strip()):
        raise InvalidInput(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a real date") from None


def parse_partial_date(value: Any, *, where: str) -> date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (announcements are often known to the month): the first day meant."""
    match = _PARTIAL_DATE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(f"{where}: {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a real date") from None


def parse_day_or_timestamp(value: str | None, *, where: str, end: bool = False) -> datetime | None:
    """A query's bound: ``YYYY-MM-DD`` (the start, or with ``end`` the last second, of that UTC day) or a
    STIX timestamp; ``None`` if blank."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _DAY.match(text):
        day = datetime.combine(parse_date(text, where=where), datetime.min.time(), tzinfo=UTC)
        return day.replace(hour=23, minute=59, second=59) if end else day
    return parse_timestamp(text, where=where)


def parse_form_time(value: str, *, where: str) -> datetime:
    """What an HTML form gives: ``datetime-local`` (``YYYY-MM-DDTHH:MM[:SS]``, which the form labels UTC),
    a date, or a full timestamp."""
    text = value.strip()
    if _LOCAL_TIME.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            raise InvalidInput(f"{where}: {value!r} is not a real date and time") from None
    if _DAY.match(text):
        return datetime.combine(parse_date(text, where=where), datetime.min.time(), tzinfo=UTC)
    try:
        return parse_timestamp(text, where=where)
    except InvalidInput:
        raise InvalidInput(f"{where}: {value!r} is not a date and time (YYYY-MM-DDTHH:MM, UTC)") from None


def timestamp_or_none(value: Any, *, where: str) -> datetime | None:
    """``value`` as a timestamp, or ``None`` if missing or not one (a partner's object may carry anything)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value, where=where)
    except InvalidInput:
        return None
