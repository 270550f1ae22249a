"""Shared by the benchmarks: generated STIX objects, servers in subprocesses, timing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

TAXII = "application/taxii+json;version=2.1"


def indicators(count: int, *, malware_every: int = 5, start: int = 0) -> list[dict[str, Any]]:
    """Deterministic objects: indicators, and one malware in every ``malware_every``; numbered from ``start``
    (so a large set can be made a slice at a time)."""
    objects = []
    for i in range(start, start + count):
        stamp = f"2025-01-01T00:{(i // 60) % 60:02d}:{i % 60:02d}.000Z"
        if i % malware_every == 0:
            objects.append(
                {
                    "type": "malware",
                    "spec_version": "2.1",
                    "id": f"malware--00000000-0000-4000-8000-{i:012d}",
                    "created": stamp,
                    "modified": stamp,
                    "name": f"family {i}",
                    "is_family": True,
                }
            )
        else:
            objects.append(
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": f"indicator--00000000-0000-4000-8000-{i:012d}",
                    "created": stamp,
                    "modified": stamp,
                    "name": f"indicator {i}",
                    "pattern_type": "stix",
                    "valid_from": stamp,
                    "pattern": f"[ipv4-addr:value = '10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}']",
                }
            )
    return objects


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    command: list[str],
    env: dict[str, str],
    probe: str,
    log: Path,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(probe, timeout=2, headers={"Accept": TAXII, **(headers or {})}, auth=auth)
            return process
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)


def timed(action: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        action()
        samples.append(time.perf_counter() - begin)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def read_all(
    url: str, params: dict[str, str], *, headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None
) -> int:
    """Follow ``more``/``next`` to the end; return the number of objects read."""
    return len(read_objects(url, params, headers=headers, auth=auth))


def read_objects(
    url: str, params: dict[str, str], *, headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    """Follow ``more``/``next`` to the end; return every object read, in order."""
    objects: list[dict[str, Any]] = []
    nxt = None
    session = requests.Session()
    while True:
        query = dict(params)
        if nxt:
            query["next"] = nxt
        response = session.get(url, params=query, headers={"Accept": TAXII, **(headers or {})}, timeout=600, auth=auth)
        response.raise_for_status()
        body = response.json()
        objects.extend(body.get("objects", []))
        if not body.get("more"):
            return objects
        nxt = body["next"]


class Bearer(requests.auth.AuthBase):
    """A bearer token on every request (taxii2-client takes a requests auth)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def python() -> str:
    return sys.executable


def dump(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value))


def load_average() -> str:
    """The machine's 1/5/15-minute load, printed beside every result (a busy machine slows both sides)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"
