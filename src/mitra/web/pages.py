"""Server-rendered shell: login, home, objects by pillar, object detail, audit. Thin over services."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mitra.audit.service import recent, verify
from mitra.core.identity import login, logout
from mitra.exchange.overview import PLUMBING_TYPES, overview
from mitra.exchange.retraction import acknowledgements
from mitra.foundation.errors import MitraError, TooManyAttempts, Unauthorized
from mitra.policy import Action
from mitra.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, check_csrf, node_of, page_user
from mitra.web.rendering import SignedIn, permit, render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, csrf_token=token, next=next, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=node_of(request).settings.secure_cookies,
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    node = node_of(request)
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token)
    address = request.client.host if request.client else "unknown"
    error: MitraError | None = None
    with node.db.write() as session:  # failures are committed too: they are audited and counted
        try:
            result = login(
                session,
                username=username,
                password=password,
                address=address,
                max_failures=node.settings.login_max_failures,
                window=timedelta(seconds=node.settings.login_window_seconds),
            )
        except (Unauthorized, TooManyAttempts) as exc:
            error = exc
    if error is not None:
        return render(
            request,
            "login.html",
            None,
            status=error.status,
            csrf_token=csrf_token,
            next=next,
            error=str(error),
        )
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_id,
        httponly=True,
        samesite="strict",
        secure=node.settings.secure_cookies,
        max_age=8 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout_submit(request: Request, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    user = page_user(request)
    if user is not None:
        check_csrf(user.csrf_token, csrf_token)
        with node_of(request).db.write() as session:
            logout(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        counts = node.store.counts_by_type(session, actor=user.actor)
        received, _ = node.store.search(
            session, actor=user.actor, received=True, exclude_types=PLUMBING_TYPES, limit=20
        )
        partners = overview(session, node, viewer=user.actor)
    per_pillar = {p.name: sum(counts.get(t, 0) for t in p.object_types) for p in node.pillars}
    return render(request, "home.html", user, per_pillar=per_pillar, received=received, partners=partners)


@router.get("/objects", response_class=HTMLResponse)
def object_list(
    request: Request,
    user: SignedIn,
    pillar: str | None = None,
    type: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tlp: str | None = None,
    originator: str | None = None,
    cursor: int | None = None,
) -> Response:
    node = node_of(request)
    chosen = next((p for p in node.pillars if p.name == pillar), None)
    types: tuple[str, ...] = (type,) if type else (chosen.object_types if chosen else ())
    with node.db.read() as session:
        rows, nxt = node.store.search(
            session,
            actor=user.actor,
            types=types,
            text=q or None,
            tlp=tlp or None,
            originator=originator or None,
            after_seq=cursor,
            limit=50,
        )
    return render(
        request,
        "objects.html",
        user,
        rows=rows,
        next_cursor=nxt,
        pillar=chosen,
        filters={
            "pillar": pillar or "",
            "type": type or "",
            "q": q or "",
            "tlp": tlp or "",
            "originator": originator or "",
        },
    )


@router.get("/objects/{object_id}", response_class=HTMLResponse)
def object_detail(request: Request, user: SignedIn, object_id: str) -> Response:
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        row = node.store.get(session, object_id=object_id, actor=user.actor)
        versions = node.store.versions(session, object_id=object_id, actor=user.actor)
        acks = acknowledgements(session, object_id)
    return render(
        request,
        "object.html",
        user,
        row=row,
        obj=row.as_stix(),
        versions=versions,
        acks=acks,
        red=json.loads(row.red_recipients),
        body=json.dumps(row.as_stix(), indent=2, ensure_ascii=False),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    permit(request, user, Action.READ_AUDIT)  # a refusal is the error page
    with node.db.read() as session:
        report = verify(session)
        entries = recent(session, limit=100)
    return render(request, "audit.html", user, report=report, entries=entries)
