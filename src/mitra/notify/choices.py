"""What each person chooses to be told and how (per kind: inbox, e-mail, webhook), and their e-mail address.

Kept in Mitra's own tables keyed by username (``notice_preferences``, ``notice_addresses``); ``users`` is
identity's. Every check answers with every problem at once, by field, in plain words; nothing is stored
unless all of it is right. The problems are words to be said in the person's language (``foundation.words``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import delete
from sqlalchemy.orm import Session

from mitra.core.notices import KINDS, Channels, NoticeAddress, NoticePreference, preferences
from mitra.foundation.errors import InvalidInput
from mitra.foundation.words import N_, Said

_ADDRESS = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class ChoiceProblems(InvalidInput):
    """Wrong values on the settings form: field -> what is wrong with it, all of them.

    ``by_field`` holds each as words to be said in the reader's language, ``problems`` their English.
    """

    def __init__(self, problems: Mapping[str, Said]) -> None:
        english = {field: said.english() for field, said in problems.items()}
        super().__init__("; ".join(f"{field}: {text}" for field, text in english.items()))
        self.by_field = dict(problems)
        self.problems = english


def check_address(value: str) -> str | None:
    """The address as stored (None for none given), or the problem raised in plain words."""
    value = value.strip()
    if not value:
        return None
    if len(value) > 320 or not _ADDRESS.match(value):
        raise ChoiceProblems(
            {"email": Said(N_("“%(value)s” is not an e-mail address; write it as name@example.org"), {"value": value})}
        )
    return value


def save_choices(session: Session, *, username: str, email: str, chosen: Mapping[str, Channels]) -> dict[str, Channels]:
    """Replace ``username``'s choices and address; every kind not in ``chosen`` goes to no channel at all."""
    problems: dict[str, Said] = {}
    try:
        address = check_address(email)
    except ChoiceProblems as exc:
        problems |= exc.by_field
        address = None
    unknown = sorted(set(chosen) - set(KINDS))
    if unknown:
        problems["kinds"] = Said(
            N_("%(kinds)s is not a kind of notice (%(known)s)"),
            {"kinds": ", ".join(unknown), "known": ", ".join(KINDS)},
        )
    if address is None and not problems.get("email") and any(c.email for c in chosen.values()):
        problems["email"] = Said(N_("e-mail is ticked for some notices: give the address to send them to"))
    if problems:
        raise ChoiceProblems(problems)
    session.execute(delete(NoticePreference).where(NoticePreference.username == username))
    for kind in KINDS:
        channels = chosen.get(kind, Channels(False, False, False))
        session.add(
            NoticePreference(
                username=username, kind=kind, in_app=channels.in_app, email=channels.email, webhook=channels.webhook
            )
        )
    row = session.get(NoticeAddress, username)
    if address is None and row is not None:
        session.delete(row)
    elif address is not None and row is None:
        session.add(NoticeAddress(username=username, email=address))
    elif address is not None and row is not None:
        row.email = address
    session.flush()
    return preferences(session, username)


def address_of(session: Session, username: str) -> str | None:
    row = session.get(NoticeAddress, username)
    return row.email if row else None


__all__ = ["ChoiceProblems", "address_of", "check_address", "save_choices"]
