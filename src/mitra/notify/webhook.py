"""Signed webhook POSTs: ``X-Mitra-Signature: sha256=<hex HMAC-SHA256 of the exact body>``."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

SIGNATURE_HEADER = "X-Mitra-Signature"


def signature(body: bytes, secret: str) -> str:
    """The header's value for ``body``: what a receiver recomputes with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """One POST: the receiver's status code, or why there was none."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post_webhook(url: str, secret: str, payload: dict[str, Any], *, timeout: float) -> SendOutcome:
    """POST ``payload`` signed; never raises for the receiver's failures (they are the outcome)."""
    body = encode(payload)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(body, secret)}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        return SendOutcome(None, f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return SendOutcome(None, f"could not connect: {exc}")
    if 200 <= response.status_code < 300:
        return SendOutcome(response.status_code, None)
    return SendOutcome(response.status_code, f"answered {response.status_code}")
