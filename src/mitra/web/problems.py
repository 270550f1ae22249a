"""RFC 9457 problem details for every error the HTTP edge returns, and the body-size limit."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mitra.foundation.errors import MitraError

PROBLEM_TYPE = "application/problem+json"
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

# The error responses every API route declares in OpenAPI.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request", **_PROBLEM},
    401: {"description": "No or bad token", **_PROBLEM},
    403: {"description": "Policy denies it", **_PROBLEM},
    404: {"description": "Not found or not visible", **_PROBLEM},
    409: {"description": "Conflict", **_PROBLEM},
    413: {"description": "Body too large", **_PROBLEM},
    422: {"description": "Invalid input", **_PROBLEM},
}


def problem(status: int, title: str, detail: str, *, instance: str = "", **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


# Paths whose clients are programs: their errors are problem+json; every other path is a page for a person.
MACHINE_PATHS = ("/api/", "/taxii2/")


def for_people(request: Request) -> bool:
    """Whether the path is a page for a person (its errors are pages in the shell), not a program's."""
    return not request.url.path.startswith(MACHINE_PATHS)


class PageProblem(MitraError):
    """An error the framework raised on a page route (no such page, wrong method, a bad query value), as a page."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title


def _given(error: Mapping[str, Any]) -> str:
    value = error.get("input")
    return f" (given {value!r})" if isinstance(value, str | int | float) else ""


def install_problem_handlers(app: FastAPI, *, page_error: Callable[[Request, MitraError], Response]) -> None:
    """Problem+json for the API and TAXII; ``page_error`` answers an error on a page route."""

    @app.exception_handler(MitraError)
    async def _mitra_error(request: Request, exc: MitraError) -> Response:
        if for_people(request):
            return page_error(request, exc)
        return problem(exc.status, exc.title, str(exc), instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if for_people(request):  # a query or form value a page does not take: which, what was given, what is expected
            said = "; ".join(f"{_where(e['loc'])}: {e['msg']}{_given(e)}" for e in errors)
            return page_error(request, PageProblem(422, "Invalid input", said))
        for error in errors:
            if error.get("type") == "json_invalid":
                ctx = error.get("ctx", {})
                return problem(
                    400,
                    "Malformed JSON",
                    f"request body is not valid JSON at position {error['loc'][-1]}: {ctx.get('error', '')}",
                    instance=request.url.path,
                )
        detail = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors)
        return problem(
            422,
            "Invalid input",
            detail,
            instance=request.url.path,
            errors=[{"where": _where(e["loc"]), "message": e["msg"]} for e in errors],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}.get(exc.status_code, "Error")
        if for_people(request):
            detail = {
                404: f"there is no page at {request.url.path}",
                405: f"{request.url.path} does not take a {request.method}",
            }.get(exc.status_code, str(exc.detail))
            response = page_error(request, PageProblem(exc.status_code, title, detail))
        else:
            response = problem(exc.status_code, title, str(exc.detail), instance=request.url.path)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route serves at this path (Starlette names only the first route's).

    Each method is asked of the app's routes as a whole (FastAPI nests included routers, so their routes are
    not listed in ``app.routes``; each route still answers ``matches``)."""
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.routes)
    ]


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "Payload too large",
            f"request body is over the limit of {self.max_bytes} bytes (MITRA_MAX_BODY_BYTES)",
            instance=str(scope.get("path", "")),
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


SECURITY_HEADERS = (
    # Everything a page needs is served by the node itself: no CDN, no inline script.
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Add the node's content security policy and related headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
