"""The exchange pages: every partner's link at a glance (``/exchange``), and one partner's in full.

Thin over ``exchange.overview``, which counts over the whole store and asks the policy engine what leaves and
what the person may see. Pages are for people signed in to this node: a token (a partner node's too) is
refused with a page that says where tokens go; every error here is a page, never problem JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from mitra.core.objects import StixObject
from mitra.core.paging import read_cursor
from mitra.exchange import overview as exchange
from mitra.foundation.errors import Forbidden, InvalidInput
from mitra.foundation.timestamps import now_utc
from mitra.node import NATION_NAMES, Node
from mitra.policy import Action, named_in_lists
from mitra.web.auth import PageUser, node_of, page_user
from mitra.web.i18n import _
from mitra.web.rendering import TEMPLATES, SignInRequired, permit, render

router = APIRouter(include_in_schema=False)

SECTIONS = {
    "released": "Released",
    "withheld": "Withheld",
    "received": "Received",
    "retracted": "Retracted",
    "refused": "Refused",
}


def exchange_person(request: Request) -> PageUser:
    """The person an exchange page is for: signed in to this node, and not a partner node's account."""
    user = page_user(request)
    if user is None:
        if request.headers.get("authorization"):
            raise Forbidden(
                "the exchange pages are for people signed in to this node; "
                "a token (a partner node's too) is for /api/ and /taxii2/"
            )
        raise SignInRequired
    permit(request, user, Action.READ_DATA)  # a partner node's account reads only through TAXII
    return user


Person = Annotated[PageUser, Depends(exchange_person)]


def when(moment: datetime | None) -> str:
    """A time as a person reads it: '2025-01-07 10:30 UTC (3 hours ago)'; 'never' when there is none."""
    if moment is None:
        return _("never")
    seconds = int((now_utc() - moment).total_seconds())
    if seconds < 0:
        ago = _("in the future: check this node's clock")
    elif seconds < 60:
        ago = _("just now")
    elif seconds < 3600:
        ago = _("{count} min ago").format(count=seconds // 60)
    elif seconds < 86400:
        ago = _("{count} h ago").format(count=seconds // 3600)
    else:
        ago = _("{count} days ago").format(count=seconds // 86400)
    return f"{moment:%Y-%m-%d %H:%M} UTC ({ago})"


def type_label(type_name: str) -> str:
    """An object type as a person says it: 'x-mitra-arms-transfer' -> 'arms transfer'."""
    return type_name.removeprefix("x-mitra-").replace("-", " ")


def nation_label(nation: str) -> str:
    return f"{NATION_NAMES.get(nation, nation)} ({nation})"


# Every page may say times, types and nations so (the home page's exchange panel does).
TEMPLATES.env.globals.update(when=when, type_label=type_label, nation_label=nation_label)


def _named(node: Node) -> Callable[[StixObject], bool]:
    """Whether a list may name a row (a TLP:RED object is named only on its own page, where reading is audited)."""

    def named(row: StixObject) -> bool:
        return named_in_lists(row.handling(held_by=node.nation))

    return named


@router.get("/exchange", response_class=HTMLResponse)
def exchange_index(request: Request, user: Person) -> Response:
    """Every partner's link: health, what went and came, withdrawals, witnesses."""
    node = node_of(request)
    with node.db.read() as session:
        partners = exchange.overview(session, node, viewer=user.actor)
    return render(
        request,
        "exchange/index.html",
        user,
        partners=partners,
        sees_withheld=exchange.sees_withheld(node, user.actor),
        named=_named(node),
    )


@router.get("/exchange/{partner}", response_class=HTMLResponse)
def exchange_partner(request: Request, user: Person, partner: str) -> Response:
    """One partner: health and witnesses, and one list (released, withheld by reason, received, ...), paged."""
    node = node_of(request)
    q = request.query_params
    show = q.get("show") or "released"
    if show not in SECTIONS:
        raise InvalidInput(f"show: {show[:20]!r} is not one of {', '.join(SECTIONS)}")
    before = read_cursor(q.get("before"), where="before")
    reason, type_name = q.get("reason") or None, q.get("type") or None
    sees_withheld = exchange.sees_withheld(node, user.actor)
    listing: exchange.Listing | None = None
    sent: list[exchange.SentRetraction] = []
    retracted: tuple[int, int, int | None] = (0, 1, None)
    refused: tuple[list[object], int, int, int | None] = ([], 0, 1, None)
    with node.db.read() as session:
        chosen = exchange.partner_of(session, partner)
        summary = exchange.summarise(session, node, chosen, viewer=user.actor)
        nation = chosen.nation
        if show == "released":
            listing = exchange.released_rows(session, node, nation, viewer=user.actor, before=before)
        elif show == "received":
            listing = exchange.received_rows(session, node, nation, viewer=user.actor, before=before)
        elif show == "withheld" and sees_withheld:
            listing = exchange.withheld_rows(
                session, node, nation, viewer=user.actor, reason=reason, type_name=type_name, before=before
            )
        elif show == "retracted":
            every = exchange.retractions(session, node, nation, viewer=user.actor)
            shown_before = sum(1 for r in every if before is not None and r.notice.seq >= before)
            sent = [r for r in every if before is None or r.notice.seq < before]
            more = len(sent) > exchange.PAGE_SIZE
            sent = sent[: exchange.PAGE_SIZE]
            retracted = (len(every), shown_before + 1, sent[-1].notice.seq if more else None)
        elif show == "refused" and sees_withheld:
            rows, total, first, nxt = exchange.refusals(session, nation, before=before)
            refused = (list(rows), total, first, nxt)
        reasons = {r.seq: exchange.decision_of(node, nation, r) for r in listing.rows} if listing else {}
    return render(
        request,
        "exchange/partner.html",
        user,
        o=summary,
        show=show,
        sections=SECTIONS,
        listing=listing,
        reasons=reasons,
        sent=sent,
        retracted=retracted,
        refused=refused,
        reason=reason or "",
        type_name=type_name or "",
        sees_withheld=sees_withheld,
        named=_named(node),
    )
