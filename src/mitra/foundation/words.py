"""Words said later, in the reader's language: an English message marked for the catalogues, with its values.

The layers below the web (core, notify, the pillars' domain) may not import ``mitra.web.i18n``, so they mark their
literals with the no-op markers here — ``N_(message)``, ``NN_(singular, plural)`` and ``NP_(context, message)``,
which ``babel.cfg`` names as extraction keywords — and hand up a :class:`Said`: the English msgid (``%(name)s``
placeholders), the values to put in it (plain text, a number, or another ``Said`` to be translated too), and for a
count the plural and the number. The web words it in the page's language, ``mitra.notify`` in the recipient's;
:meth:`Said.english` is the source text, for logs, the audit and what was stored before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mitra.policy import REASONS, Decision


class Translator(Protocol):
    """What :meth:`Said.say` needs of a catalogue (``gettext.NullTranslations`` and Babel's have it)."""

    # Babel types what its catalogues answer loosely (``str | object``): Said.say makes it text.
    def gettext(self, message: str, /) -> object: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> object: ...

    def pgettext(self, context: str, message: str, /) -> object: ...

    def npgettext(self, context: str, singular: str, plural: str, n: int, /) -> object: ...


class _English:
    """The source language: every message is its own msgid."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str, /) -> str:
        return message

    def npgettext(self, context: str, singular: str, plural: str, n: int, /) -> str:
        return singular if n == 1 else plural


ENGLISH: Translator = _English()


@dataclass(frozen=True, slots=True)
class Said:
    """A message to be worded for its reader: ``Said(N_("%(name)s is overdue"), {"name": "C-1"})``.

    ``count`` picks the plural form (and is ``%(count)s`` in the message unless ``values`` gives it); a value that
    is itself a ``Said`` is translated in the same language before it is put in.
    """

    message: str
    values: Mapping[str, str | int | Said] = field(default_factory=dict, hash=False)
    plural: str | None = None
    count: int | None = None
    context: str | None = None

    def say(self, translator: Translator, number: Callable[[int], str] = str) -> str:
        """The message in ``translator``'s language, its numbers written by ``number``."""
        answer: object
        if self.plural is not None:
            n = self.count or 0
            if self.context is not None:
                answer = translator.npgettext(self.context, self.message, self.plural, n)
            else:
                answer = translator.ngettext(self.message, self.plural, n)
        elif self.context is not None:
            answer = translator.pgettext(self.context, self.message)
        else:
            answer = translator.gettext(self.message)
        text = str(answer)
        values: dict[str, str] = {}
        if self.count is not None:
            values["count"] = number(self.count)
        for key, value in self.values.items():
            if isinstance(value, Said):
                values[key] = value.say(translator, number)
            elif isinstance(value, int) and not isinstance(value, bool):
                values[key] = number(value)
            else:
                values[key] = str(value)
        if not values:
            return text
        try:
            return text % values
        except (KeyError, ValueError, TypeError):  # a catalogue's placeholder gone wrong: the English still says it
            return self.say(ENGLISH, number) if translator is not ENGLISH else text

    def english(self) -> str:
        """The source text (for logs, the audit, and the ``subject`` kept beside a stored message)."""
        return self.say(ENGLISH, lambda n: f"{n:,}")

    def to_json(self) -> dict[str, Any]:
        """A plain mapping to store (``Said.from_json`` reads it back)."""
        body: dict[str, Any] = {"message": self.message}
        if self.values:
            body["values"] = {k: v.to_json() if isinstance(v, Said) else v for k, v in self.values.items()}
        for name in ("plural", "count", "context"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        return body

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Said:
        values: dict[str, str | int | Said] = {}
        for key, value in dict(body.get("values") or {}).items():
            if isinstance(value, dict):
                values[str(key)] = cls.from_json(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                values[str(key)] = value
            else:
                values[str(key)] = str(value)
        count = body.get("count")
        return cls(
            message=str(body["message"]),
            values=values,
            plural=str(body["plural"]) if body.get("plural") is not None else None,
            count=int(count) if count is not None else None,
            context=str(body["context"]) if body.get("context") is not None else None,
        )


class SaidText(str):
    """English text that still knows its words: where a lower layer must answer ``str`` (a form's problems by
    field), it answers this, equal to the English, and a page says ``.said`` in the reader's language."""

    __slots__ = ("said",)
    said: Said

    def __new__(cls, said: Said) -> SaidText:
        text = super().__new__(cls, said.english())
        text.said = said
        return text


def said_of(decision: Decision) -> Said:
    """The policy's reason for ``decision`` as words to be said (its English ``reason`` where it has no code)."""
    message = REASONS.get(decision.code)
    if message is None:
        return Said(decision.reason)
    return Said(message, dict(decision.params))


def N_(message: str) -> str:  # noqa: N802 — gettext's name: marks a literal for the catalogues, translated where shown
    return message


def NN_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 — marks a plural pair (babel.cfg: NN_:1,2)
    return singular, plural


def NP_(context: str, message: str) -> str:  # noqa: N802 — marks a literal with its context (babel.cfg: NP_:1c,2)
    return message
