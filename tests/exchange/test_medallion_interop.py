"""Mitra's sync client pulls from a real ``medallion`` TAXII 2.1 server loaded with OASIS examples."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from taxii2client.v21 import Collection

from mitra.core.objects import StixObject
from mitra.exchange.models import SyncState
from mitra.exchange.partners import set_partner
from mitra.exchange.sync import pull_from_partner
from mitra.exchange.transport import HttpTransport
from mitra.node import Node
from mitra.policy import Actor, Role, View, decide
from tests.conftest import shared_file
from tests.support.live import free_port

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
USER, PASSWORD = "mitra", "medallion-test-password"
EXAMPLES = [
    "intel/stix21-examples/json-schemas/threat-reports_apt1.json",
    "intel/stix21-examples/json-schemas/threat-reports_poisonivy.json",
    "intel/stix21-examples/json-schemas/indicators-for-C2-with-COA.json",
    "intel/stix21-examples/cti-documentation/sighting-of-an-indicator.json",
]


def medallion_config(port: int) -> dict[str, Any]:
    return {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": None},
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 50},
        "data": None,
    }


def medallion_data(port: int) -> dict[str, Any]:
    root = f"http://127.0.0.1:{port}/trustgroup1/"
    return {
        "/discovery": {"title": "medallion", "description": "test", "default": root, "api_roots": [root]},
        "trustgroup1": {
            "information": {
                "title": "Trust group 1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 9765625,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "Shared with Mitra",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }


@pytest.fixture
def medallion(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps(medallion_data(port)))
    config = medallion_config(port)
    config["backend"]["filename"] = str(data_file)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    log = (tmp_path / "medallion.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "medallion.scripts.run", "--host", "127.0.0.1", "--port", str(port), str(config_file)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/trustgroup1/"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(
                url, auth=(USER, PASSWORD), headers={"Accept": "application/taxii+json;version=2.1"}, timeout=2
            )
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(f"medallion did not start: {(tmp_path / 'medallion.log').read_text()}") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


def load_examples(url: str) -> set[tuple[str, str]]:
    """POST the OASIS example bundles into medallion with taxii2-client; return their (id, version)s."""
    collection = Collection(f"{url}collections/{COLLECTION}/", user=USER, password=PASSWORD)
    expected = set()
    for relative in EXAMPLES:
        objects = json.loads(shared_file(relative).read_text())["objects"]
        status = collection.add_objects({"objects": objects})
        assert status.failure_count == 0
        expected |= {(o["id"], o.get("modified", o["created"])) for o in objects}
    return expected


def test_mitra_pulls_everything_from_medallion_once(medallion: str, sqlite_node: Node) -> None:
    expected = load_examples(medallion)
    with sqlite_node.db.write() as session:
        set_partner(
            session,
            nation="MYS",
            name="medallion",
            api_root_url=medallion,
            token=None,
            public_key=None,
            require_signature=False,
            collection_id=COLLECTION,
            default_tlp="green",
        )
    transport = HttpTransport(medallion, basic=(USER, PASSWORD))
    report = pull_from_partner(sqlite_node, "MYS", transport, page_size=20)
    assert report.finished
    assert report.pages > 1
    with sqlite_node.db.read() as session:
        rows = list(session.scalars(select(StixObject).where(StixObject.received_from == "MYS")))
    stored = {(r.id, r.as_stix().get("modified", r.as_stix()["created"])) for r in rows}
    assert stored == expected
    assert len(rows) == len(expected)
    assert all(r.originator_nation == "MYS" and r.source == "partner" for r in rows)

    again = pull_from_partner(sqlite_node, "MYS", transport, page_size=20)
    assert again.received.received == 0
    with sqlite_node.db.read() as session:
        assert session.get(SyncState, "MYS") is not None
        count = len(list(session.scalars(select(StixObject.seq).where(StixObject.received_from == "MYS"))))
    assert count == len(expected)
    transport.close()


def test_what_comes_from_a_plain_taxii_peer_is_visible_to_analysts_under_its_tlp(
    medallion: str, sqlite_node: Node
) -> None:
    load_examples(medallion)
    with sqlite_node.db.write() as session:
        set_partner(
            session,
            nation="MYS",
            name="medallion",
            api_root_url=medallion,
            token=None,
            public_key=None,
            require_signature=False,
            collection_id=COLLECTION,
            default_tlp="amber",
        )
    transport = HttpTransport(medallion, basic=(USER, PASSWORD))
    pull_from_partner(sqlite_node, "MYS", transport)
    transport.close()
    analyst = Actor("IND", "NSCS", "asha", frozenset({Role.ANALYST}))
    with sqlite_node.db.read() as session:
        rows = list(session.scalars(select(StixObject).where(StixObject.received_from == "MYS")))
    assert {r.tlp for r in rows} == {"amber"}
    assert all(decide(analyst, r.handling(held_by="IND"), View()).allowed for r in rows)


def test_a_signed_partner_that_does_not_sign_is_refused(medallion: str, sqlite_node: Node) -> None:
    from mitra.core.keys import public_key_text

    load_examples(medallion)
    with sqlite_node.db.write() as session:
        set_partner(
            session,
            nation="MYS",
            name="medallion",
            api_root_url=medallion,
            token=None,
            public_key=public_key_text(sqlite_node.signing_key),
            require_signature=True,
            collection_id=COLLECTION,
        )
    transport = HttpTransport(medallion, basic=(USER, PASSWORD))
    report = pull_from_partner(sqlite_node, "MYS", transport)
    transport.close()
    assert report.received.received == 0
    assert report.received.refused > 0
    assert all("unsigned" in reason for reason in report.received.refusals)
