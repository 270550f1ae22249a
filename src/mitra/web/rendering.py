"""Shared page machinery for the core pages and every pillar's pages: templates, rendering, sign-in gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context

from mitra.core.access import permit as core_permit
from mitra.foundation.errors import MitraError
from mitra.foundation.timestamps import format_timestamp
from mitra.policy import Action
from mitra.web import formatting, i18n
from mitra.web.auth import PageUser, node_of, page_user

# Pillar templates live in ``templates/<pillar>/`` and extend ``base.html``.
# A pillar's own ``templates/`` folder is searched before the shared one (found by place, not by import: the web
# layer knows no pillar), so a pillar keeps its pages beside its code and still extends ``base.html``.
_PILLAR_TEMPLATES = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "pillars").glob("*/templates"))
_ENV = Environment(
    loader=FileSystemLoader([*_PILLAR_TEMPLATES, str(Path(__file__).parent / "templates")]),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
# The pages' words through the catalogues, in the language of the render under way (``web.i18n``).
_ENV.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
)
TEMPLATES = Jinja2Templates(env=_ENV)
# What lower layers hand up to be said (``foundation.words.Said``) and the policy's reasons, in the page's language.
TEMPLATES.env.globals.update(say=i18n.say, words=i18n.words, policy_reason=i18n.reason)
TEMPLATES.env.filters["ts"] = lambda value: format_timestamp(value) if value else ""


def _language(context: Context) -> str | None:
    language = context.get("language")
    return language if isinstance(language, str) else None


# Numbers, dates and times through Babel in the page's language (``mitra.web.formatting``).
TEMPLATES.env.filters["num"] = pass_context(lambda c, v, digits=None: formatting.number(v, _language(c), digits=digits))
TEMPLATES.env.filters["year"] = formatting.year
TEMPLATES.env.filters["when"] = pass_context(lambda c, v: formatting.when(v, _language(c)))
TEMPLATES.env.filters["day"] = pass_context(lambda c, v: formatting.day(v, _language(c)))
TEMPLATES.env.filters["ago"] = pass_context(lambda c, v: formatting.ago(v, _language(c)))
TEMPLATES.env.filters["human"] = formatting.human


def label(obj: dict[str, Any]) -> str:
    """What a person calls an object in a list."""
    for key in ("name", "abstract", "value"):
        if isinstance(obj.get(key), str):
            return str(obj[key])
    if obj.get("type") == "relationship":
        return f"{obj.get('source_ref', '?')} {obj.get('relationship_type', '')} {obj.get('target_ref', '?')}"
    return str(obj.get("id"))


TEMPLATES.env.globals["label"] = label


def render(request: Request, name: str, user: PageUser | None, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``name`` with the signed-in user, the node and the pillars for the navigation."""
    node = node_of(request)
    language = language_of(request, user)
    context |= {
        "user": user,
        "node": node,
        "pillars": node.pillars,
        "language": language,
        "languages": formatting.LANGUAGE_NAMES,
    }
    with i18n.speaking(language):  # the template is rendered here, in the person's language
        response: HTMLResponse = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    return response


def language_of(request: Request, user: PageUser | None) -> str:
    """The person's chosen language, else the login page's choice, else the browser's, else English."""
    return i18n.chosen(
        user.user.language if user is not None else None,
        request.cookies.get(i18n.LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def error_page(request: Request, user: PageUser | None, exc: MitraError) -> HTMLResponse:
    """The page that says what went wrong, with the status the error carries."""
    language = language_of(request, user)
    with i18n.speaking(language):  # a message the raiser kept as words is said in the person's language
        detail = i18n.say(exc.said) if exc.said is not None else str(exc)
    return render(request, "error.html", user, status=exc.status, title=exc.title, detail=detail)


def page_error(request: Request, exc: MitraError) -> HTMLResponse:
    """The answer to an error a page route did not handle itself: the error page, never a JSON problem."""
    return error_page(request, page_user(request), exc)


def permit(request: Request, user: PageUser, action: Action) -> None:
    """Go on only if the policy lets ``user`` take ``action`` on this node; its refusal becomes the error page."""
    core_permit(user.actor, action, nation=node_of(request).nation)


class SignInRequired(Exception):  # a condition the app answers, not an error
    """A page was asked for without a session: the app answers with the login form."""


def signed_in(request: Request) -> PageUser:
    """The person a page is for; raises :class:`SignInRequired` when nobody is signed in."""
    user = page_user(request)
    if user is None:
        raise SignInRequired
    return user


# A page's signed-in person: ``def page(request: Request, user: SignedIn)``.
SignedIn = Annotated[PageUser, Depends(signed_in)]


def login_redirect(request: Request) -> RedirectResponse:
    """Where a page sends someone who is not signed in: the login form, coming back here after."""
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
