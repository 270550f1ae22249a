"""A node served for real on a loopback port, in a thread, for interop and browser tests."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import requests
import uvicorn

from mitra.app import create_app
from mitra.node import Node


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Bearer(requests.auth.AuthBase):
    """A bearer token on every request (for taxii2-client, which takes a requests auth)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class LiveServer:
    """Uvicorn serving ``node`` on 127.0.0.1 until the ``with`` block ends."""

    def __init__(self, node: Node, port: int | None = None) -> None:
        self.node = node
        self.port = port or free_port()
        config = uvicorn.Config(
            create_app(node.settings, node=node), host="127.0.0.1", port=self.port, log_level="error"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
