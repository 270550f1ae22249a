"""The pages' words in the person's language: gettext catalogues read with Babel, one per language.

Templates mark text with ``{{ _("...") }}`` or ``{% trans %}...{% endtrans %}``, and a word whose sense
depends on the page with ``{{ pgettext("subject area", "Area") }}`` (its context); Python code that words a
page's message marks it with :func:`_` (or :func:`pgettext`). What lower layers hand up to be said — a notice's
subject, a policy refusal, a pillar's label — is a ``foundation.words.Said`` (marked there with ``N_``/``NN_``/
``NP_``), worded here by :func:`say`; a policy ``Decision`` is worded by :func:`reason`. The catalogues are
``src/mitra/locale/<lang>/LC_MESSAGES/messages.po`` (read as they are: no compiled file to keep in step);
``tests/web/test_catalogues.py`` extracts every marked string and fails on one a catalogue lacks or keeps after
it is gone. English is the source language.

The language is the one the person chose (``users.language``), else the ``mitra_lang`` cookie of the login
page, else the browser's ``Accept-Language``, else English. It is set for the duration of one render.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from mitra.foundation.words import Said, SaidText, said_of
from mitra.policy import Decision
from mitra.web.formatting import DEFAULT_LANGUAGE, LANGUAGES, number

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGE_COOKIE = "mitra_lang"
_current: ContextVar[str] = ContextVar("mitra_language", default=DEFAULT_LANGUAGE)


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> NullTranslations:
    """The language's catalogue (English, the source, has none: its words are the msgids)."""
    path = catalogue_path(language)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LANGUAGES[language])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def chosen(stored: str | None, cookie: str | None, accept: str | None) -> str:
    """The language a request is answered in."""
    for candidate in (stored, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render in ``language`` for the length of the block."""
    token = _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the sense ``context`` gives it (in Malay a dialogue's "Area" is "Bidang", a sea's "Kawasan")."""
    return translations(_current.get()).upgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).unpgettext(context, singular, plural, n)


def say(said: Said) -> str:
    """Words a lower layer kept (``foundation.words.Said``), in the language of the render under way."""
    language = _current.get()
    return said.say(translations(language), lambda value: number(value, language))


def words(value: object) -> str:
    """A lower layer's text in the page's language where it kept its words (``SaidText``, ``Said``); else as it is."""
    if isinstance(value, SaidText):
        return say(value.said)
    if isinstance(value, Said):
        return say(value)
    return str(value)


def reason(decision: Decision) -> str:
    """The policy's reason for ``decision``, in the page's language (its English ``reason`` stays for the logs)."""
    return say(said_of(decision))


def _(message: str) -> str:  # the marker extraction looks for in Python code
    return gettext(message)


def N_(message: str) -> str:  # noqa: N802 — gettext's name: marks a literal translated where it is shown
    """Mark a literal for the catalogues without translating it here (a pillar's title, shown by a template)."""
    return message
