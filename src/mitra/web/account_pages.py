"""The person's own settings, ``/account``: the language the pages speak. ``/language`` sets it before sign-in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mitra.core.identity import User
from mitra.web import i18n
from mitra.web.auth import node_of, posted_form
from mitra.web.formatting import LANGUAGE_NAMES
from mitra.web.rendering import SignedIn, language_of, render

router = APIRouter(include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: SignedIn) -> Response:
    return render(request, "account.html", user)


@router.post("/account", response_class=HTMLResponse)
async def account_save(request: Request, user: SignedIn) -> Response:
    fields = dict(await posted_form(request, user))
    language = fields.get("language", "")
    if language not in LANGUAGE_NAMES:
        choices = ", ".join(f"{code} ({name})" for code, name in LANGUAGE_NAMES.items())
        with i18n.speaking(language_of(request, user)):  # built before the render: said in the page's language
            error = i18n._("Language: {value!r} is not offered; choose one of: {choices}").format(
                value=language, choices=choices
            )
        return render(request, "account.html", user, status=422, error=error)
    node = node_of(request)
    with node.db.write() as session:
        row = session.get(User, user.user.id)
        assert row is not None
        row.language = language
    user.user.language = language
    with i18n.speaking(language):  # the choice is said in the language just chosen
        done = i18n._("Saved.")
    return render(request, "account.html", user, done=done)


@router.get("/language/{language}")
def pick_language(request: Request, language: str, next: str = "/") -> Response:
    """Before signing in: the login page's language links set a cookie (a signed-in person's choice wins)."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if language in LANGUAGE_NAMES:
        response.set_cookie(i18n.LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
