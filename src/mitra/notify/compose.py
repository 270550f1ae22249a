"""What one person is told of one notice, by e-mail or webhook: composed at send time, through the policy.

The notice's words (its subject, the names of its details, its kind) are said in the recipient's chosen
language (``users.language``, else English), from the pages' catalogues (``notify.words``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.identity import User
from mitra.core.notices import Notice, NoticeView, present
from mitra.core.objects import ObjectStore
from mitra.foundation.timestamps import format_timestamp
from mitra.notify.words import N_, say, say_said


@dataclass(frozen=True, slots=True)
class Composed:
    """A notice's words for one recipient: nothing of an object the policy hides from them."""

    view: NoticeView
    username: str
    subject: str
    text: str
    link: str | None
    language: str = "en"
    said: str = ""  # the notice's own subject in ``language`` (``subject`` is the e-mail's, with its prefix)
    kind_label: str = ""

    def payload(self, nation: str) -> dict[str, Any]:
        """The webhook body: the same facts as the e-mail, as JSON (the words in the recipient's language)."""
        return {
            "node": nation,
            "notice": self.view.id,
            "recipient": self.username,
            "language": self.language,
            "kind": self.view.kind,
            "kind_label": self.kind_label,
            "subject": self.said or self.view.subject,
            "link": self.link,
            "detail": self.view.detail,
            "created_at": format_timestamp(self.view.created_at),
        }


def compose(session: Session, store: ObjectStore, notice: Notice, *, link_base: str) -> Composed | None:
    """The message for the notice's person, its fixed words in their language (``users.language``); None if that
    person is gone or disabled (nothing is sent)."""
    user = session.scalar(select(User).where(User.username == notice.username))
    if user is None or not user.active:
        return None
    view = present(session, store, notice, user)
    link = f"{link_base}{view.link}" if view.link and view.link.startswith("/") else view.link
    language = user.language
    subject = say_said(language, view.words) if view.words is not None else view.subject
    lines = [subject, ""]
    for key, value in sorted(view.detail.items()):
        label = view.detail_label(key)
        lines.append(f"{say_said(language, label) if label else key.replace('_', ' ')}: {value}")
    if link:
        lines += ["", say(language, N_("Open it: {link}")).format(link=link)]
    lines += [
        "",
        say(language, N_("Your inbox: {link}")).format(link=f"{link_base}/inbox"),
        say(language, N_("Choose what you are told: {link}")).format(link=f"{link_base}/inbox/settings"),
    ]
    return Composed(
        view,
        user.username,
        f"[Mitra {store.nation}] {subject}",
        "\n".join(lines) + "\n",
        link,
        language or "en",
        subject,
        say(language, view.kind_label),
    )
