"""The page ``/maritime/feeds``: each live AIS source's health, with the latest bad lines, for a watch officer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mitra.pillars.maritime.feed_api import running_feeds, running_follower
from mitra.policy import Action
from mitra.web.rendering import SignedIn, permit, render

pages = APIRouter()


@pages.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, user: SignedIn) -> Response:
    """Who may read the node's AIS data (``READ_DATA``) may see how its sources are doing."""
    permit(request, user, Action.READ_DATA)
    feeds = running_feeds(request)
    return render(
        request,
        "maritime/feeds.html",
        user,
        running=feeds is not None,
        feeds=feeds.health() if feeds is not None else [],
        detection=follower.totals if (follower := running_follower(request)) is not None else None,
    )
