"""The release queue, ``/releases``: what waits for a release officer, and what a requester asked for.

A release officer sees the pending requests the policy lets them decide (the same ``Release`` decision the
store asks when they approve), oldest first, and approves or refuses each with a reason. A requester sees
their own requests and what became of them, and may withdraw one still pending.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mitra.core import requests
from mitra.core.access import may
from mitra.core.objects import StixObject
from mitra.foundation.errors import Forbidden, MitraError, NotFound
from mitra.node import Node
from mitra.policy import Action, authorize, named_in_lists
from mitra.web import i18n
from mitra.web.auth import PageUser, node_of, posted_form
from mitra.web.i18n import _
from mitra.web.rendering import TEMPLATES, SignedIn, error_page, label, language_of, render

router = APIRouter(include_in_schema=False)

PAGE = 50
REASON_LENGTH = requests.REASON_LIMIT


def queue_count(node: Node, user: PageUser) -> int | None:
    """How many requests wait for this person (the navigation's count); None for whoever may not ask either."""
    if not may(user.actor, Action.CREATE, nation=node.nation):
        return None
    with node.db.read() as session:
        return len(requests.queue(node.store, session, user.actor))


TEMPLATES.env.globals["release_queue_count"] = queue_count


def _shown(session: Session, node: Node, user: PageUser, row: requests.ReleaseRequest) -> dict[str, object]:
    """A request as this person may read it: the object's name only if the policy lets them see and list it."""
    try:
        obj: StixObject | None = node.store.latest_row(session, row.object_id)
    except NotFound:
        obj = None
    name = None
    if obj is not None and node.store.decide_view(obj, user.actor).allowed:
        unnamed = _("a TLP:{tlp} {type}").format(tlp=obj.tlp.upper(), type=obj.type)
        name = label(obj.as_stix()) if named_in_lists(obj.handling(held_by=node.nation)) else unnamed
    return {
        "request": row,
        "name": name,
        "type": obj.type if obj is not None and name else None,
        "tlp": obj.tlp if obj is not None and name else None,
        # what the approver is to confirm first (the store refuses the release otherwise), shown to who may see it
        "cautions": node.store.cautions_of(obj.as_stix()) if obj is not None and name else [],
    }


def _page(
    request: Request,
    user: PageUser,
    *,
    view: str,
    offset: int = 0,
    done: str | None = None,
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    status: int = 200,
) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        if view == "mine":
            rows, total = requests.mine(session, user.actor, offset=offset, limit=PAGE)
        else:
            waiting = requests.queue(node.store, session, user.actor)
            total, rows = len(waiting), waiting[offset : offset + PAGE]
        with i18n.speaking(language_of(request, user)):  # an object it may not name, said in their language
            shown = [_shown(session, node, user, r) for r in rows]
    return render(
        request,
        "releases/queue.html",
        user,
        status=status,
        view=view,
        items=shown,
        total=total,
        offset=offset,
        page=PAGE,
        done=done,
        errors=errors or {},
        typed=typed or {},
        may_ask=may(user.actor, Action.CREATE, nation=node.nation),
    )


@router.get("/releases", response_class=HTMLResponse)
def release_queue(
    request: Request,
    user: SignedIn,
    view: Annotated[str | None, Query(pattern="^(queue|mine)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    node = node_of(request)
    if not may(user.actor, Action.CREATE, nation=node.nation):
        return error_page(request, user, _refusal(node, user))
    if view is None:  # what waits for this person first; someone who decides nothing sees what they asked
        view = "queue" if queue_count(node, user) else "mine"
    return _page(request, user, view=view, offset=offset)


def _refusal(node: Node, user: PageUser) -> MitraError:
    return Forbidden(authorize(user.actor, Action.CREATE, node_nation=node.nation).reason)


async def _fields(request: Request, user: PageUser) -> dict[str, str]:
    return dict(await posted_form(request, user))


@router.post("/releases/{request_id}/approve", response_class=HTMLResponse)
async def approve(request: Request, user: SignedIn, request_id: int) -> Response:
    fields = await _fields(request, user)
    node = node_of(request)
    try:
        with node.db.write() as session:
            row = requests.get(session, request_id)
            nation = row.nation
            requests.approve(
                node.store, session, request_id, user.actor, confirm_cautions=fields.get("confirm") == "on"
            )
    except MitraError as exc:
        return _page(request, user, view="queue", errors={request_id: str(exc)}, status=exc.status)
    with i18n.speaking(language_of(request, user)):
        done = _("Released to {nation}; the requester is told.").format(nation=nation)
    return _page(request, user, view="queue", done=done)


@router.post("/releases/{request_id}/refuse", response_class=HTMLResponse)
async def refuse(request: Request, user: SignedIn, request_id: int) -> Response:
    fields = await _fields(request, user)
    reason = fields.get("reason", "")
    node = node_of(request)
    try:
        with node.db.write() as session:
            row = requests.refuse(node.store, session, request_id, user.actor, reason=reason)
            nation = row.nation
    except MitraError as exc:
        return _page(
            request, user, view="queue", errors={request_id: str(exc)}, typed={request_id: reason}, status=exc.status
        )
    with i18n.speaking(language_of(request, user)):
        done = _("Refused the release to {nation}; the requester reads why.").format(nation=nation)
    return _page(request, user, view="queue", done=done)


@router.post("/releases/{request_id}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, user: SignedIn, request_id: int) -> Response:
    await _fields(request, user)
    node = node_of(request)
    try:
        with node.db.write() as session:
            requests.withdraw(session, request_id, user.actor)
    except MitraError as exc:
        return _page(request, user, view="mine", errors={request_id: str(exc)}, status=exc.status)
    with i18n.speaking(language_of(request, user)):
        done = _("Withdrawn: nothing is released.")
    return _page(request, user, view="mine", done=done)
