"""The one marking input of every page form: TLP, the nations it is releasable to, ORCON, TLP:RED recipients.

Every pillar's form renders it with ``marking_fields`` (``_marking.html``) and reads it here, so every
pillar offers the same markings and checks them the same way: through ``core.schemas.HandlingIn``, the
body the REST API takes. A mistake names its field; the form comes back as it was filled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form
from pydantic import ValidationError

from mitra.core.schemas import HandlingIn
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput
from mitra.policy import Actor

FIELDS = ("tlp", "releasable_to", "orcon", "red_recipients")


def _items(text: str) -> tuple[str, ...]:
    """Nations or recipients typed one a line or separated by commas, without repeats, in the order given."""
    parts = (p.strip() for p in text.replace(";", ",").replace(",", "\n").splitlines())
    return tuple(dict.fromkeys(p for p in parts if p))


class FieldInvalid(InvalidInput):
    """A form field's value is wrong: the field, the value and what is expected, to show beside the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class MarkingForm:
    """What a person chose in the marking fields; :meth:`handling` checks it."""

    tlp: str = "green"
    releasable_to: tuple[str, ...] = ()
    orcon: bool = True
    red_recipients: tuple[str, ...] = ()

    def choice(self) -> HandlingIn:
        """The marking as the API's body; :class:`FieldInvalid` naming the first field that is wrong."""
        try:
            return HandlingIn.model_validate(
                {
                    "tlp": self.tlp,
                    "releasable_to": list(self.releasable_to),
                    "orcon": self.orcon,
                    "red_recipients": list(self.red_recipients),
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "marking"
            given = first.get("input")
            raise FieldInvalid(field, f"{given!r} is not valid ({first['msg']})") from None

    def handling(self, actor: Actor) -> HandlingInput:
        """The handling of what ``actor`` records: its originator is the actor's nation and agency."""
        return self.choice().for_actor(actor)

    def values(self) -> dict[str, Any]:
        """What ``marking_fields`` shows: the choice as made, to fill the form again."""
        return {
            "tlp": self.tlp,
            "releasable_to": list(self.releasable_to),
            "orcon": self.orcon,
            "red_recipients": "\n".join(self.red_recipients),
        }

    @classmethod
    def of(cls, handling: HandlingInput) -> MarkingForm:
        """An object's current marking, for an edit form."""
        return cls(handling.tlp, tuple(handling.releasable_to), handling.orcon, tuple(handling.red_recipients))

    @classmethod
    def read(cls, items: Iterable[tuple[str, Any]]) -> MarkingForm:
        """From a submitted form's (name, value) pairs; ``releasable_to`` may repeat (one checkbox a nation)."""
        fields: dict[str, list[str]] = {}
        for name, value in items:
            if name in FIELDS and isinstance(value, str):
                fields.setdefault(name, []).append(value)
        nations = _items("\n".join(fields.get("releasable_to", [])).upper())
        return cls(
            tlp=(fields.get("tlp") or ["green"])[-1].strip(),
            releasable_to=nations,
            orcon=(fields.get("orcon") or [""])[-1] in ("on", "true", "1", "yes"),
            red_recipients=_items("\n".join(fields.get("red_recipients", []))),
        )


def _marking_form(
    tlp: Annotated[str, Form(max_length=20)] = "green",
    releasable_to: Annotated[list[str] | None, Form(max_length=200)] = None,
    orcon: Annotated[str | None, Form(max_length=5)] = None,
    red_recipients: Annotated[str, Form(max_length=2000)] = "",
) -> MarkingForm:
    pairs: list[tuple[str, str]] = [("tlp", tlp), ("red_recipients", red_recipients)]
    pairs += [("releasable_to", n) for n in releasable_to or []]
    if orcon is not None:
        pairs.append(("orcon", orcon))
    return MarkingForm.read(pairs)


# A page's marking fields: ``async def save(request: Request, user: SignedIn, marking: Marking)``.
Marking = Annotated[MarkingForm, Depends(_marking_form)]
