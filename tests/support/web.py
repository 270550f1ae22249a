"""Signing in to a node's web app from a test client: bearer headers, the login form and its CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import Person

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def bearer(person: Person) -> dict[str, str]:
    """The header that authenticates ``person``'s API token."""
    return {"Authorization": f"Bearer {person.token}"}


def csrf_of(page: str) -> str:
    """The CSRF token a rendered page carries in its forms."""
    match = _CSRF.search(page)
    assert match is not None, "the page has no csrf_token field"
    return match.group(1)


def log_in(client: TestClient, person: Person) -> str:
    """Sign ``person`` in through the login form; returns the signed-in session's CSRF token."""
    response = client.post(
        "/login",
        data={
            "username": person.username,
            "password": person.password,
            "csrf_token": csrf_of(client.get("/login").text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)
