"""The one place timestamps are made, written and read (STIX form: UTC, millisecond precision, ``Z``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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
