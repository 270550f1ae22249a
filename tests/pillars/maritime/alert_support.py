"""Constructed events, positions and static reports for the watch-rule and alert tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.maritime.ais.store import STATIC_COLUMNS, PositionStore
from mitra.pillars.maritime.types import MARITIME_EVENT
from mitra.policy import Actor
from tests.pillars.maritime.ais.helpers import write_positions

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MALACCA = (3.0, 100.6)  # inside the Strait of Malacca (a default area of interest)
ADEN = (12.5, 45.5)  # in no area of interest


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_body(
    node: Node,
    *,
    event_type: str,
    mmsi: int,
    details: dict[str, Any],
    where: tuple[float, float] = MALACCA,
    start: datetime = START,
    status: str = "open",
) -> dict[str, Any]:
    return {
        "type": MARITIME_EVENT.name,
        "id": node.seed_id(MARITIME_EVENT.name, f"{event_type}:{mmsi}:{start.isoformat()}:{where}"),
        "name": f"{event_type} {mmsi}",
        "event_type": event_type,
        "mmsi": mmsi,
        "start": stamp(start),
        "status": status,
        "lat": where[0],
        "lon": where[1],
        "details": details,
        "definition": f"all:{event_type}",
    }


def store_event(node: Node, actor: Actor, body: dict[str, Any], *, tlp: str = "green") -> dict[str, Any]:
    """The event stored as detection stores it (created by ``actor``); its stored body."""
    with node.db.write() as session:
        row: StixObject = node.store.create(
            session, obj=body, handling=HandlingInput(tlp, node.nation, actor.agency or ""), actor=actor
        )
        return row.as_stix()


def write_track(
    node: Node, mmsi: int, *, start: datetime, count: int, every: timedelta, where: tuple[float, float] = MALACCA
) -> None:
    """``count`` positions of ``mmsi`` from ``start``, one every ``every``, moving slowly east."""
    rows = [(mmsi, (start + every * k).replace(tzinfo=None), where[0], where[1] + 0.001 * k, 8.0) for k in range(count)]
    write_positions(PositionStore.for_settings(node.settings), rows)


def write_identity(node: Node, mmsi: int, *, imo: int, name: str, at: datetime = START) -> None:
    """One AIS static report (type 5) naming the vessel."""
    store = PositionStore.for_settings(node.settings)
    folder = store.static_dir / f"date={at.date().isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"identity-{mmsi}.parquet"
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE s ({STATIC_COLUMNS})")
        con.execute(
            "INSERT INTO s (mmsi, ts, msg_type, imo, name, callsign, ship_type, destination) "
            "VALUES (?, ?, 5, ?, ?, 'CALL', 70, 'SINGAPORE')",
            [mmsi, at.replace(tzinfo=None), imo, name],
        )
        con.execute(f"COPY s TO '{path}' (FORMAT parquet)")
    store.record_files([path], how="written by a test")
