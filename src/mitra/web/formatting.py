"""How numbers, dates and times read on every page: Babel, in the person's language, times always in UTC.

The templates use these as filters: ``{{ n|num }}``, ``{{ year|year }}``, ``{{ stamp|when }}`` (a STIX
timestamp or a datetime, with "UTC"), ``{{ stamp|day }}``, ``{{ stamp|ago }}`` ("3 hours ago"),
``{{ column|human }}`` ("first_seen" reads "First seen"). A value that is missing reads "—", never a made-up
date; a value that is not a time is shown as it is rather than hidden.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal

# The languages a person may choose, by the tag stored with the account, and the Babel locale each reads in.
LANGUAGES: dict[str, str] = {"en": "en_GB", "ms": "ms_MY", "hi": "hi_IN"}
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "ms": "Bahasa Melayu", "hi": "हिन्दी"}
DEFAULT_LANGUAGE = "en"
MISSING = "—"


def locale_of(language: str | None) -> Locale:
    return Locale.parse(LANGUAGES.get(language or DEFAULT_LANGUAGE, LANGUAGES[DEFAULT_LANGUAGE]))


def _moment(value: Any) -> datetime | date | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def number(value: Any, language: str | None = None, *, digits: int | None = None) -> str:
    """A count or a measure with the language's grouping ("8,645"); ``digits`` fixes the decimals."""
    if value is None or value == "":
        return MISSING
    if not isinstance(value, int | float):
        return str(value)
    pattern = None if digits is None else ("#,##0." + "0" * digits if digits else "#,##0")
    return format_decimal(value, format=pattern, locale=locale_of(language))


def year(value: Any) -> str:
    """A year is a name, not a quantity: "2012", never "2,012"."""
    if value is None or value == "":
        return MISSING
    return str(int(value)) if isinstance(value, int | float) else str(value)


def when(value: Any, language: str | None = None) -> str:
    """Date and time in UTC, said so: "7 Dec 2026, 14:22 UTC"."""
    moment = _moment(value)
    if moment is None:
        return MISSING if value in (None, "") else str(value)
    if not isinstance(moment, datetime):
        return day(moment, language)
    text = format_datetime(moment.astimezone(UTC), "medium", tzinfo=UTC, locale=locale_of(language))
    return f"{text} UTC"


def day(value: Any, language: str | None = None) -> str:
    """A calendar day: "7 Dec 2026"."""
    moment = _moment(value)
    if moment is None:
        return MISSING if value in (None, "") else str(value)
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return format_date(moment, "medium", locale=locale_of(language))


def ago(value: Any, language: str | None = None, *, now: datetime | None = None) -> str:
    """How long ago (or how far ahead), in words: "3 hours ago", "in 2 days"."""
    moment = _moment(value)
    if moment is None:
        return MISSING if value in (None, "") else str(value)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    delta = moment - (now or datetime.now(UTC))
    return format_timedelta(delta, add_direction=True, locale=locale_of(language))


_WORDS = {"id": "ID", "ids": "IDs", "imo": "IMO", "mmsi": "MMSI", "tlp": "TLP", "url": "URL", "ip": "IP", "utc": "UTC"}


def human(name: Any) -> str:
    """A column, field or type name as a person reads it: "first_seen" → "First seen", "mmsi" → "MMSI",
    "x-mitra-progress-update" → "Progress update" (a custom type's prefix is no word)."""
    text = str(name)
    for prefix in ("x-mitra-", "x-"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    words = text.replace("-", "_").split("_")
    shown = [_WORDS.get(w.lower(), w) for w in words if w]
    if not shown:
        return str(name)
    first = shown[0]
    return " ".join([first[:1].upper() + first[1:], *shown[1:]])
