"""How this node reaches a partner's TAXII API: over HTTP, or in-process (the same service, no socket)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from mitra.foundation.errors import MitraError

TAXII_ACCEPT = "application/taxii+json;version=2.1"
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class TransportError(MitraError):
    """The partner could not be reached, or answered something that is not TAXII 2.1."""

    status = 502
    title = "Partner exchange failed"


@dataclass(frozen=True)
class JsonText:
    """A response body already encoded as JSON (pages of stored objects are served as stored)."""

    text: str


@dataclass(frozen=True)
class TaxiiResponse:
    status: int
    headers: Mapping[str, str]
    body: Any


class PartnerTransport(Protocol):
    """GET and POST relative to the partner's API root; raise :class:`TransportError` on failure."""

    def get(self, path: str, params: Sequence[tuple[str, str]]) -> TaxiiResponse: ...

    def post(self, path: str, body: Any) -> TaxiiResponse: ...


class HttpTransport:
    """TAXII 2.1 over HTTP(S) with a Bearer token (Mitra) or basic auth (other servers)."""

    def __init__(
        self,
        api_root_url: str,
        *,
        token: str | None = None,
        basic: tuple[str, str] | None = None,
        timeout: float = 30.0,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        headers = {"Accept": TAXII_ACCEPT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.api_root_url = api_root_url.rstrip("/") + "/"
        self.max_bytes = max_bytes
        self.client = httpx.Client(
            base_url=self.api_root_url, headers=headers, timeout=timeout, auth=basic, follow_redirects=False
        )

    def get(self, path: str, params: Sequence[tuple[str, str]]) -> TaxiiResponse:
        return self._send("GET", path, params=list(params))

    def post(self, path: str, body: Any) -> TaxiiResponse:
        return self._send("POST", path, json_body=body)

    def _send(self, method: str, path: str, *, params: Any = None, json_body: Any = None) -> TaxiiResponse:
        url = self.api_root_url + path.lstrip("/")
        try:
            with self.client.stream(
                method,
                url,
                params=params,
                json=json_body,
                headers={"Content-Type": TAXII_ACCEPT} if json_body is not None else None,
            ) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TransportError(f"{url}: response over {self.max_bytes} bytes; refused")
                    chunks.append(chunk)
                content = b"".join(chunks)
        except httpx.HTTPError as exc:
            raise TransportError(f"{url}: {type(exc).__name__}: {exc}") from None
        media = response.headers.get("content-type", "")
        if not media.startswith("application/taxii+json"):
            raise TransportError(f"{url}: answered {response.status_code} with media type {media!r}, not TAXII 2.1")
        try:
            body = httpx.Response(200, content=content).json()
        except ValueError as exc:
            raise TransportError(f"{url}: body is not JSON ({exc})") from None
        if response.status_code >= 400:
            detail = body.get("description") or body.get("title") if isinstance(body, dict) else body
            raise TransportError(f"{url}: HTTP {response.status_code}: {detail}")
        return TaxiiResponse(response.status_code, dict(response.headers), body)

    def close(self) -> None:
        self.client.close()
