"""Who is asking: API tokens (Bearer) for the API, session cookies with CSRF for pages."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from mitra.core.access import permit
from mitra.core.identity import User, session_user, user_for_token
from mitra.foundation.errors import Forbidden, Unauthorized
from mitra.node import Node
from mitra.policy import Action, Actor

SESSION_COOKIE = "mitra_session"
LOGIN_CSRF_COOKIE = "mitra_login_csrf"


def node_of(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def api_actor(request: Request) -> Actor:
    """FastAPI dependency: the actor behind the request's Bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>' (create one with `mitra token create`)")
    with node_of(request).db.read() as session:
        return user_for_token(session, token.strip()).actor()


def data_reader(request: Request, actor: Annotated[Actor, Depends(api_actor)]) -> Actor:
    """FastAPI dependency: an actor who may read the pillars' views and analytics (``READ_DATA``).

    People of this node may; a partner node's account may not: partners read through TAXII,
    where the policy engine decides object by object.
    """
    permit(actor, Action.READ_DATA, nation=node_of(request).nation)
    return actor


# An API route's reader of pillar data: ``def route(actor: DataReader)``.
DataReader = Annotated[Actor, Depends(data_reader)]


@dataclass(frozen=True)
class PageUser:
    user: User
    actor: Actor
    csrf_token: str


def page_user(request: Request) -> PageUser | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    with node_of(request).db.read() as session:
        try:
            user, csrf = session_user(session, session_id)
        except Unauthorized:
            return None
        return PageUser(user=user, actor=user.actor(), csrf_token=csrf)


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected, given):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page")


async def posted_form(request: Request, user: PageUser) -> list[tuple[str, str]]:
    """A page form's submitted text fields in order (a name may repeat), once the session's CSRF token is checked
    (a wrong one is the 403 page)."""
    async with request.form() as form:
        items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    check_csrf(user.csrf_token, dict(items).get("csrf_token", ""))
    return items
