"""The fixed words of a notice's e-mail in its recipient's language, from the pages' catalogues (``mitra/locale``).

``mitra.notify`` sits below ``mitra.web`` in the import-linter layers, so it reads the same ``.po`` files with
Babel here rather than through ``mitra.web.i18n``; ``tests/web/test_catalogues.py`` checks every marked word is
translated. English is the source language: its words are the msgids.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from mitra.foundation.words import Said

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@cache
def _catalogue(language: str) -> NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not language.isalpha() or not path.exists():  # English, or a language without a catalogue
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def say(language: str | None, message: str) -> str:
    """``message`` in ``language`` (the person's ``users.language``); English when none is chosen or held."""
    return _catalogue(language or "en").ugettext(message)


def catalogue(language: str | None) -> NullTranslations:
    """The catalogue a message for a person of ``language`` is worded from (English: none)."""
    return _catalogue(language or "en")


def number(language: str | None, value: int) -> str:
    """A count as the person's language writes it (Babel's CLDR data): 1,234 / 1,234 / १,२३४ as the locale says."""
    try:
        return format_decimal(value, locale=language or "en")
    except ValueError:  # a language Babel does not know: as English writes it
        return f"{value:,}"


def say_said(language: str | None, said: Said) -> str:
    """Words kept by a lower layer (``foundation.words.Said``), said in ``language``."""
    return said.say(catalogue(language), lambda value: number(language, value))


def N_(message: str) -> str:  # noqa: N802 — gettext's name: marks a literal for the catalogues (`make catalogues`)
    return message
