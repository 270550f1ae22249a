"""Server-rendered shell: login, home, objects by pillar, audit; one object's page is in ``object_pages``."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from mitra.audit import views as audit_views
from mitra.audit.service import AuditEvent, head, record, verify
from mitra.audit.views import AuditFilter
from mitra.core.identity import login, logout
from mitra.core.records import actor_label
from mitra.exchange.overview import PLUMBING_TYPES, overview
from mitra.foundation.errors import InvalidInput, MitraError, TooManyAttempts, Unauthorized
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.node import NATION_NAMES
from mitra.policy import Action
from mitra.web import i18n, object_pages
from mitra.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, check_csrf, node_of, page_user
from mitra.web.rendering import SignedIn, permit, render

router = APIRouter(include_in_schema=False)
router.include_router(object_pages.router)  # /objects/{id}: the object's own page and its actions


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
    system: bool = False,
    cursor: int | None = None,
) -> Response:
    node = node_of(request)
    chosen = next((p for p in node.pillars if p.name == pillar), None)
    types: tuple[str, ...] = (type,) if type else (chosen.object_types if chosen else ())
    # The exchange's own records (audit heads and witnesses, retractions, schemas) are listed when asked for.
    hidden = () if system or types else PLUMBING_TYPES
    with node.db.read() as session:
        rows, nxt = node.store.search(
            session,
            actor=user.actor,
            types=types,
            exclude_types=hidden,
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
            "system": "1" if system else "",
        },
    )


AUDIT_PAGE_SIZE = 50


def _audit_filter(request: Request) -> AuditFilter:
    """The audit filters from the query string (a bad one raises, naming its field)."""
    q = request.query_params
    return AuditFilter.parse(
        who=q.get("who"),
        actor=q.get("actor"),
        action=q.get("action"),
        object=q.get("object"),
        partner=q.get("partner"),
        since=q.get("since"),
        until=q.get("until"),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: SignedIn) -> Response:
    """The chain's verification, and its entries filtered and paged, newest first (admins of this node)."""
    node = node_of(request)
    permit(request, user, Action.READ_AUDIT)  # a refusal is the error page
    error: str | None = None
    try:
        flt = _audit_filter(request)
        before = audit_views.read_before(request.query_params.get("before"))
    except InvalidInput as exc:  # shown beside the form, which keeps what was typed
        flt, before, error = AuditFilter(), None, str(exc)
    with node.db.read() as session:
        report = verify(session)
        page = (
            audit_views.AuditPage([], None)
            if error
            else audit_views.search(session, flt, before=before, limit=AUDIT_PAGE_SIZE)
        )
        matching = 0 if error else audit_views.count(session, flt)
        actions = audit_views.actions(session)
    typed = {
        name: request.query_params.get(name, "") for name in ("actor", "action", "object", "partner", "since", "until")
    }
    typed["who"] = request.query_params.get("who", "") or "all"
    return render(
        request,
        "audit.html",
        user,
        status=422 if error else 200,
        report=report,
        page=page,
        matching=matching,
        first_page=before is None,
        error=error,
        filters=typed,
        query=urlencode(flt.query_items()),
        others=urlencode([(k, v) for k, v in flt.query_items() if k != "who"]),
        actions=actions,
        partners=[(p, NATION_NAMES.get(p, p)) for p in node.partners],
        kind_of=audit_views.actor_kind,
        # The labels in the page's language, where the template shows them (gettext: a label is never a format).
        actor_label=lambda actor, action: i18n.gettext(audit_views.actor_label(actor, action, nations=NATION_NAMES)),
        action_label=lambda action: i18n.gettext(audit_views.action_label(action)),
        detail_summary=audit_views.detail_summary,
        when_label=audit_views.when_label,
        object_label=audit_views.object_label,
    )


@router.get("/audit.csv")
def audit_csv(request: Request, user: SignedIn) -> Response:
    """The filtered entries as CSV, oldest first, streamed in batches; the download is itself an audit entry."""
    node = node_of(request)
    permit(request, user, Action.READ_AUDIT)
    flt = _audit_filter(request)  # a bad filter is the error page, before anything is recorded
    with node.db.write() as session:
        record(session, AuditEvent(actor_label(user.actor), "export_audit", None, {"filters": dict(flt.query_items())}))
        upto, _ = head(session)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(audit_views.CSV_COLUMNS)
        after = 0
        while True:
            with node.db.read() as session:  # one short read a batch: a slow download holds no transaction open
                batch = audit_views.batch_after(session, flt, after=after, upto=upto)
                writer.writerows(audit_views.csv_row(entry) for entry in batch)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if not batch:
                return
            after = batch[-1].seq

    stamp = format_timestamp(now_utc()).replace(":", "").replace("-", "")[:15]
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{node.nation}-{stamp}.csv"'},
    )
