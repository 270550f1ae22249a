"""The inbox (``/inbox``), each person's notice settings, and the admins' webhook endpoints with their log.

Every notice is shown through ``core.notices.present``: whether the person may see the object a notice is about
is decided by the policy when the page is drawn, so a notice never names what the policy hides from its reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mitra.core.access import may
from mitra.core.identity import User
from mitra.core.notices import KINDS, Channels, Notice, mark_read, preferences, present, unread_count
from mitra.foundation.errors import NotFound
from mitra.foundation.words import Said
from mitra.node import Node
from mitra.notify import endpoints as endpoint_service
from mitra.notify.choices import ChoiceProblems, address_of, save_choices
from mitra.policy import Action
from mitra.web.auth import PageUser, check_csrf, node_of
from mitra.web.rendering import TEMPLATES, SignedIn, permit, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# The kinds of notice (``core.notices.KINDS``, marked there) are msgids: the templates say them with ``_()``; a
# notice's subject is said from its words (``NoticeView.words``) with ``say()``, its details' names likewise.


def inbox_unread(node: Node, user: PageUser | None) -> int:
    """The navigation's count: the signed-in person's unread notices."""
    if user is None:
        return 0
    with node.db.read() as session:
        return unread_count(session, user.user.username)


TEMPLATES.env.globals["inbox_unread"] = inbox_unread


def _inbox_query(username: str, kind: str | None, unread_only: bool) -> Any:
    query = select(Notice).where(Notice.username == username, Notice.in_app.is_(True))
    if kind:
        query = query.where(Notice.kind == kind)
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    return query


def _user_row(session: Session, user: PageUser) -> User:
    row = session.scalar(select(User).where(User.username == user.user.username))
    assert row is not None
    return row


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    user: SignedIn,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    unread: bool = False,
    before: int | None = None,
) -> Response:
    node = node_of(request)
    chosen = kind if kind in KINDS else None
    with node.db.read() as session:
        query = _inbox_query(user.user.username, chosen, unread)
        total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        page_query = query if before is None else query.where(Notice.id < before)
        newer = 0
        if before is not None:
            newer = int(
                session.scalar(select(func.count()).select_from(query.where(Notice.id >= before).subquery())) or 0
            )
        rows = list(session.scalars(page_query.order_by(Notice.id.desc()).limit(PAGE_SIZE + 1)))
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        me = _user_row(session, user)
        views = [present(session, node.store, row, me) for row in rows]
        unread_total = unread_count(session, user.user.username)
    keep = {k: v for k, v in (("kind", chosen), ("unread", "1" if unread else None)) if v}
    return render(
        request,
        "notices/inbox.html",
        user,
        notices=views,
        kinds=KINDS,
        kind=chosen,
        unread=unread,
        total=total,
        first=newer + 1,
        unread_total=unread_total,
        older=f"/inbox?{urlencode(keep | {'before': str(rows[-1].id)})}" if more else None,
        newest=f"/inbox?{urlencode(keep)}" if before is not None else None,
        query=urlencode(keep),
    )


def _back(query: str) -> RedirectResponse:
    return RedirectResponse(f"/inbox?{query}" if query else "/inbox", status_code=303)


@router.post("/inbox/read-all")
def read_all(
    request: Request,
    user: SignedIn,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(user.csrf_token, csrf_token)
    with node_of(request).db.write() as session:
        mark_read(session, username=user.user.username)
    return _back(back)


@router.post("/inbox/{notice_id}/read")
def read_one(
    request: Request,
    user: SignedIn,
    notice_id: int,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(user.csrf_token, csrf_token)
    with node_of(request).db.write() as session:
        mark_read(session, username=user.user.username, notice_id=notice_id)
    return _back(back)


@router.post("/inbox/{notice_id}/open")
def open_notice(
    request: Request, user: SignedIn, notice_id: int, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Mark the notice read and go to what it is about, if the policy lets this person see it."""
    check_csrf(user.csrf_token, csrf_token)
    node = node_of(request)
    with node.db.write() as session:
        row = session.scalar(select(Notice).where(Notice.id == notice_id, Notice.username == user.user.username))
        if row is None:
            raise NotFound(f"no notice {notice_id}")
        view = present(session, node.store, row, _user_row(session, user))
        mark_read(session, username=user.user.username, notice_id=notice_id)
    return RedirectResponse(view.link or "/inbox", status_code=303)


# ----- settings: what each person is told, and how ----------------------------------------------------------------


@router.get("/inbox/settings", response_class=HTMLResponse)
def settings_form(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        chosen = preferences(session, user.user.username)
        email = address_of(session, user.user.username) or ""
    return _settings_page(request, user, chosen, email, problems={}, saved=request.query_params.get("saved") == "1")


def _settings_page(
    request: Request,
    user: PageUser,
    chosen: dict[str, Channels],
    email: str,
    *,
    problems: Mapping[str, Said],
    saved: bool = False,
) -> Response:
    node = node_of(request)
    return render(
        request,
        "notices/settings.html",
        user,
        status=422 if problems else 200,
        kinds=KINDS,
        chosen=chosen,
        email=email,
        problems=problems,
        saved=saved,
        smtp_on=bool(node.settings.smtp_host),
    )


@router.post("/inbox/settings", response_class=HTMLResponse)
async def settings_submit(request: Request, user: SignedIn) -> Response:
    form = await request.form()
    check_csrf(user.csrf_token, str(form.get("csrf_token", "")))
    email = str(form.get("email", ""))[:400]
    chosen = {
        kind: Channels(
            in_app=form.get(f"{kind}.in_app") == "on",
            email=form.get(f"{kind}.email") == "on",
            webhook=form.get(f"{kind}.webhook") == "on",
        )
        for kind in KINDS
    }
    node = node_of(request)
    try:
        with node.db.write() as session:
            save_choices(session, username=user.user.username, email=email, chosen=chosen)
    except ChoiceProblems as exc:
        return _settings_page(request, user, chosen, email, problems=exc.by_field)
    return RedirectResponse("/inbox/settings?saved=1", status_code=303)


# ----- webhooks (admins) ---------------------------------------------------------------------------------------


@router.get("/inbox/webhooks", response_class=HTMLResponse)
def webhooks(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.MANAGE_USERS)
    return _webhooks_page(request, user, problems={}, typed={})


def _webhooks_page(
    request: Request,
    user: PageUser,
    *,
    problems: Mapping[str, Said],
    typed: dict[str, Any],
    created: tuple[int, str] | None = None,
) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        views = endpoint_service.endpoints(session, nation=node.nation, actor=user.actor)
    return render(
        request,
        "notices/webhooks.html",
        user,
        status=422 if problems else 200,
        endpoints=views,
        kinds=KINDS,
        problems=problems,
        typed=typed,
        created=created,
    )


@router.post("/inbox/webhooks", response_class=HTMLResponse)
async def webhook_add(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.MANAGE_USERS)
    form = await request.form()
    check_csrf(user.csrf_token, str(form.get("csrf_token", "")))
    url = str(form.get("url", ""))[:600]
    secret = str(form.get("secret", ""))[:300]
    kinds = [str(k) for k in form.getlist("kinds")]
    node = node_of(request)
    try:
        with node.db.write() as session:
            endpoint = endpoint_service.add_endpoint(
                session, nation=node.nation, actor=user.actor, url=url, kinds=kinds, secret=secret
            )
            created = (endpoint.id, endpoint.secret)
    except ChoiceProblems as exc:
        return _webhooks_page(request, user, problems=exc.by_field, typed={"url": url, "kinds": kinds})
    # The secret is shown once, on this answer: it is what the receiver checks the signature with.
    return _webhooks_page(request, user, problems={}, typed={}, created=created)


@router.post("/inbox/webhooks/{endpoint_id}/active")
def webhook_active(
    request: Request,
    user: SignedIn,
    endpoint_id: int,
    active: Annotated[str, Form(max_length=5)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    permit(request, user, Action.MANAGE_USERS)
    check_csrf(user.csrf_token, csrf_token)
    node = node_of(request)
    with node.db.write() as session:
        endpoint_service.set_active(
            session, nation=node.nation, actor=user.actor, endpoint_id=endpoint_id, active=active == "on"
        )
    return RedirectResponse("/inbox/webhooks", status_code=303)


def may_manage_webhooks(node: Node, user: PageUser) -> bool:
    return may(user.actor, Action.MANAGE_USERS, nation=node.nation)


TEMPLATES.env.globals["may_manage_webhooks"] = may_manage_webhooks
