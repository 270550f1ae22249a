"""Seed intelligence under each marking, so the node shows what policy releases and withholds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput

if TYPE_CHECKING:
    from mitra.node import Node

# Documentation-range addresses and reserved names only (RFC 5737, RFC 2606).
_SAMPLES = {
    "IND": [
        (
            "green",
            True,
            "Phishing domain impersonating a port authority",
            "[domain-name:value = 'portauthority-login.example']",
        ),
        (
            "amber",
            True,
            "C2 server of a campaign against maritime logistics",
            "[ipv4-addr:value = '198.51.100.23']",
        ),
        ("amber+strict", False, "Source-sensitive C2 address", "[ipv4-addr:value = '203.0.113.77']"),
        ("red", True, "Handler address from a live investigation", "[ipv4-addr:value = '192.0.2.45']"),
        ("amber", False, "Internal-only sinkhole address", "[ipv4-addr:value = '198.51.100.99']"),
    ],
    "MYS": [
        (
            "green",
            True,
            "Malware download URL seen against government mail",
            "[url:value = 'http://update-check.example/dl.exe']",
        ),
        (
            "amber",
            True,
            "Radicalising-content distribution channel",
            "[domain-name:value = 'channel-mirror.example']",
        ),
        ("amber", False, "Address under domestic investigation", "[ipv4-addr:value = '203.0.113.200']"),
    ],
}


def seed(node: Node) -> int:
    (partner,) = node.partners
    agency = node.settings.agencies[0]
    items: list[tuple[dict[str, Any], HandlingInput]] = []
    for index, (tlp, release, name, pattern) in enumerate(_SAMPLES.get(node.nation, [])):
        red = (f"{partner}:{'NSC' if partner == 'MYS' else 'NSCS'}",) if tlp == "red" else ()
        handling = HandlingInput(
            tlp=tlp,
            originator_nation=node.nation,
            originator_agency=agency,
            releasable_to=(partner,) if release else (),
            orcon=True,
            red_recipients=red,
        )
        items.append(
            (
                {
                    "type": "indicator",
                    "id": node.seed_id("indicator", f"sample-{index}"),
                    "name": name,
                    "pattern": pattern,
                    "pattern_type": "stix",
                    "valid_from": "2025-01-07T00:00:00Z",
                    "indicator_types": ["malicious-activity"],
                },
                handling,
            )
        )
    return node.seed_objects(items)
