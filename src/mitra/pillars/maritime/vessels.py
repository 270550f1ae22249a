"""One vessel as the picture's side panel reads it: identity history, last fix, destination, and the words for
AIS codes (ship type, navigational status). Read from the AIS store (pillar measurements)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from mitra.pillars.maritime.ais.store import PositionStore

# ITU-R M.1371 navigational status (message types 1-3); 15 is "not defined", the default.
NAV_STATUS: dict[int, str] = {
    0: "under way using engine",
    1: "at anchor",
    2: "not under command",
    3: "restricted manoeuvrability",
    4: "constrained by her draught",
    5: "moored",
    6: "aground",
    7: "engaged in fishing",
    8: "under way sailing",
    11: "power-driven vessel towing astern",
    12: "power-driven vessel pushing ahead or towing alongside",
    14: "AIS-SART, MOB-AIS or EPIRB-AIS active",
}
_SHIP_TYPE_EXACT: dict[int, str] = {
    30: "fishing",
    31: "towing",
    32: "towing (large)",
    33: "dredging or underwater operations",
    34: "diving operations",
    35: "military operations",
    36: "sailing",
    37: "pleasure craft",
    50: "pilot vessel",
    51: "search and rescue vessel",
    52: "tug",
    53: "port tender",
    54: "anti-pollution equipment",
    55: "law enforcement",
    58: "medical transport",
    59: "noncombatant ship",
}
_SHIP_TYPE_DECADE: dict[int, str] = {
    2: "wing in ground",
    4: "high-speed craft",
    6: "passenger",
    7: "cargo",
    8: "tanker",
    9: "other type",
}
EARTH_KM = 6371.0088


def ship_type_name(code: int | None) -> str | None:
    """The ITU ship-and-cargo type in words; None when not given (0) or unknown."""
    if code is None or code == 0:
        return None
    if code in _SHIP_TYPE_EXACT:
        return _SHIP_TYPE_EXACT[code]
    decade = _SHIP_TYPE_DECADE.get(code // 10)
    return decade if decade else f"type {code}"


def nav_status_name(code: int | None) -> str | None:
    """The navigational status in words; None when not defined (15) or not given."""
    return None if code is None else NAV_STATUS.get(code)


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None or value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def read_vessel(
    store: PositionStore, mmsi: int, *, since: datetime | None, until: datetime | None
) -> dict[str, Any] | None:
    """What the store holds on ``mmsi`` in the window: last fix, positions counted, identity history (oldest
    first, each name/call sign/IMO/type with when it was first and last heard) and the latest destination.
    None when the store holds neither a position nor a static report of it."""
    window = [mmsi, _naive(since), _naive(until)]
    in_window = "mmsi = $1 AND ($2::TIMESTAMP IS NULL OR ts >= $2) AND ($3::TIMESTAMP IS NULL OR ts <= $3)"
    with store.reading(datasets=("positions", "static")) as con:
        fix = con.execute(
            f"""
            SELECT count(*), arg_max(lat, ts), arg_max(lon, ts), arg_max(sog, ts), arg_max(cog, ts),
                   arg_max(heading, ts), arg_max(status, ts), max(ts), min(ts)
            FROM positions WHERE {in_window}
            """,  # noqa: S608 - a fixed condition, values bound
            window,
        ).fetchone()
        identities = con.execute(
            f"""
            SELECT imo, name, callsign, ship_type, min(ts), max(ts), count(*) FROM (
                SELECT nullif(imo, 0) AS imo, nullif(trim(name), '') AS name, nullif(trim(callsign), '') AS callsign,
                       nullif(ship_type, 0) AS ship_type, ts
                FROM static WHERE {in_window}
            ) WHERE coalesce(CAST(imo AS VARCHAR), name, callsign, CAST(ship_type AS VARCHAR)) IS NOT NULL
            GROUP BY ALL ORDER BY min(ts)
            """,  # noqa: S608 - a fixed condition, values bound
            window,
        ).fetchall()
        destination = con.execute(
            f"""
            SELECT arg_max(trim(destination), ts), max(ts) FROM static
            WHERE {in_window} AND nullif(trim(destination), '') IS NOT NULL
            """,  # noqa: S608 - a fixed condition, values bound
            window,
        ).fetchone()
    count = int(fix[0]) if fix else 0
    if count == 0 and not identities:
        return None
    history = [
        {
            "imo": imo,
            "name": name,
            "callsign": callsign,
            "ship_type": ship_type,
            "ship_type_name": ship_type_name(ship_type),
            "first_seen": _iso(first),
            "last_seen": _iso(last),
            "reports": int(reports),
        }
        for imo, name, callsign, ship_type, first, last, reports in identities
    ]
    latest = history[-1] if history else {}
    last_fix = None
    if fix and count:
        _, lat, lon, sog, cog, heading, status, newest, _oldest = fix
        last_fix = {
            "lat": lat,
            "lon": lon,
            "sog": sog,
            "cog": cog,
            "heading": None if heading in (None, 511) else heading,  # 511: not available
            "status": status,
            "status_name": nav_status_name(status),
            "at": _iso(newest),
        }
    return {
        "mmsi": mmsi,
        "name": latest.get("name"),
        "callsign": latest.get("callsign"),
        "imo": latest.get("imo"),
        "ship_type_name": latest.get("ship_type_name"),
        "identities": history,
        "positions": count,
        "first_fix_at": _iso(fix[8]) if fix and count else None,
        "last_fix": last_fix,
        "destination": destination[0] if destination and destination[0] else None,
        "destination_at": _iso(destination[1]) if destination and destination[0] else None,
    }


Box = tuple[float, float, float, float]  # south, west, north, east (degrees)


def in_box(box: Box | None, lat: float, lon: float) -> bool:
    """Whether a point lies in the box (a box whose west is east of its east crosses the antimeridian)."""
    if box is None:
        return True
    south, west, north, east = box
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


def latest_fixes(
    store: PositionStore, *, since: datetime | None, until: datetime | None, box: Box | None, limit: int
) -> tuple[list[dict[str, Any]], int, str | None]:
    """The last position of each vessel in the window (and box), newest first, at most ``limit`` of them; how many
    vessels there are in all; and the time of the newest position (the picture's "as of"), None when none."""
    south, west, north, east = box if box is not None else (None, None, None, None)
    params = [_naive(since), _naive(until), south, north, west, east]
    with store.reading(datasets=("positions", "static")) as con:
        con.execute(
            """
            CREATE TEMP TABLE latest_fix AS
            SELECT mmsi, arg_max(lat, ts) AS lat, arg_max(lon, ts) AS lon, arg_max(sog, ts) AS sog,
                   arg_max(cog, ts) AS cog, max(ts) AS seen_at
            FROM positions
            WHERE ($1::TIMESTAMP IS NULL OR ts >= $1) AND ($2::TIMESTAMP IS NULL OR ts <= $2)
              AND ($3::DOUBLE IS NULL OR (lat BETWEEN $3 AND $4 AND CASE WHEN $5 <= $6 THEN lon BETWEEN $5 AND $6
                                                                        ELSE lon >= $5 OR lon <= $6 END))
            GROUP BY mmsi
            """,
            params,
        )
        total_row = con.execute("SELECT count(*), max(seen_at) FROM latest_fix").fetchone()
        rows = con.execute(
            """
            WITH names AS (
                SELECT mmsi, arg_max(name, ts) AS name FROM static
                WHERE name IS NOT NULL AND trim(name) <> '' AND mmsi IN (SELECT mmsi FROM latest_fix)
                GROUP BY mmsi
            )
            SELECT latest_fix.mmsi, names.name, lat, lon, sog, cog, seen_at
            FROM latest_fix LEFT JOIN names USING (mmsi)
            ORDER BY seen_at DESC, latest_fix.mmsi LIMIT $1
            """,
            [limit],
        ).fetchall()
    total = int(total_row[0]) if total_row else 0
    newest = _iso(total_row[1]) if total_row and total_row[1] is not None else None
    items = [
        {"mmsi": int(m), "name": n, "lat": la, "lon": lo, "sog": s, "cog": c, "at": _iso(at)}
        for m, n, la, lo, s, c, at in rows
    ]
    return items, total, newest
