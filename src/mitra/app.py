"""``create_app(settings)``: the node's ASGI app, with the core API, pages and every pillar's routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from mitra import __version__
from mitra.bootstrap import open_node
from mitra.exchange import taxii_api
from mitra.exchange.live import Notifier, Syncer
from mitra.node import Node
from mitra.notify.deliverer import Deliverer
from mitra.settings import Settings
from mitra.web import account_pages, api, exchange_api, exchange_pages, notice_pages, pages, release_pages
from mitra.web.problems import BodyLimit, SecurityHeaders, install_problem_handlers
from mitra.web.rendering import SignInRequired, login_redirect, page_error


async def _to_login(request: Request, exc: Exception) -> Response:
    return login_redirect(request)


def create_app(settings: Settings, *, node: Node | None = None) -> FastAPI:
    """Build the app for an initialised node (``mitra node init``)."""
    node = node or open_node(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deliverer = None
        if settings.notify_interval_seconds > 0:  # notices by e-mail and webhook, sent after commit
            deliverer = app.state.deliverer = Deliverer(node, settings.notify_interval_seconds)
            deliverer.start()
        workers = app.state.workers = {  # each pillar's background work (the live AIS feeds: docs/ais-feed.md)
            name: worker for p in node.pillars if p.workers is not None for name, worker in p.workers(node).items()
        }
        for worker in workers.values():
            worker.start()
        try:
            if settings.sync_interval_seconds <= 0:
                yield
                return
            syncer, notifier = Syncer(node, settings.sync_interval_seconds), Notifier(node)
            app.state.syncer = syncer
            syncer.start()
            notifier.install()
            try:
                yield
            finally:
                notifier.uninstall()
                syncer.stop()
        finally:
            for worker in workers.values():
                worker.stop()
            if deliverer is not None:
                deliverer.stop()

    app = FastAPI(
        lifespan=lifespan,
        title=f"Mitra node {settings.nation}",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the spec is at /api/openapi.json
        redoc_url=None,
    )
    app.state.node = node
    install_problem_handlers(app, page_error=page_error)
    app.add_exception_handler(SignInRequired, _to_login)
    app.include_router(api.router)
    app.include_router(taxii_api.router)
    app.include_router(exchange_api.router)
    for pillar in node.pillars:
        if pillar.router is not None:
            app.include_router(pillar.router)
        if pillar.pages is not None:
            app.include_router(pillar.pages)
    app.include_router(exchange_pages.router)
    app.include_router(notice_pages.router)
    app.include_router(release_pages.router)
    app.include_router(account_pages.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
