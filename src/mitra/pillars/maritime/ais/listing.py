"""Base stations, SAR aircraft, aids to navigation and safety messages as a watch officer reads them.

Each stored report (see :mod:`mitra.pillars.maritime.ais.store`) becomes a listed item: what it says, in
words where AIS gives a code (ITU-R M.1371-5), a time of None said as "time unknown", and the order a list
of it pages in. Nothing is filled in: a field AIS sent as "not available" stays None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

ReportKind = Literal["stations", "sar", "aids", "safety"]
KIND_WORDS: dict[str, str] = {
    "stations": "base stations",
    "sar": "SAR aircraft",
    "aids": "aids to navigation",
    "safety": "safety messages",
}

# ITU-R M.1371-5, table 74: the type of an aid to navigation (message 21, 5 bits).
AID_TYPES: dict[int, str] = {
    0: "type not specified",
    1: "reference point",
    2: "RACON",
    3: "fixed structure off shore",
    4: "emergency wreck marking buoy",
    5: "light, without sectors",
    6: "light, with sectors",
    7: "leading light front",
    8: "leading light rear",
    9: "beacon, cardinal N",
    10: "beacon, cardinal E",
    11: "beacon, cardinal S",
    12: "beacon, cardinal W",
    13: "beacon, port hand",
    14: "beacon, starboard hand",
    15: "beacon, preferred channel port hand",
    16: "beacon, preferred channel starboard hand",
    17: "beacon, isolated danger",
    18: "beacon, safe water",
    19: "beacon, special mark",
    20: "cardinal mark N",
    21: "cardinal mark E",
    22: "cardinal mark S",
    23: "cardinal mark W",
    24: "port hand mark",
    25: "starboard hand mark",
    26: "preferred channel port hand",
    27: "preferred channel starboard hand",
    28: "isolated danger",
    29: "safe water",
    30: "special mark",
    31: "light vessel, LANBY or rig",
}
# ITU-R M.1371-5, table 50: the electronic position-fixing device (4 bits; 9-14 not used).
EPFD_TYPES: dict[int, str] = {
    0: "not said",
    1: "GPS",
    2: "GLONASS",
    3: "GPS and GLONASS",
    4: "Loran-C",
    5: "Chayka",
    6: "integrated navigation system",
    7: "surveyed",
    8: "Galileo",
    15: "internal GNSS",
}
# What a stored time rests on (``time_basis`` of the ingest), in words.
TIME_BASES: dict[str, str] = {
    "message": "the receiver's time of the message",
    "base-station clock": "the clock of the latest base station heard before it",
    "assumed": "a start time the operator gave",
    "file-mtime": "the time the file was last changed",
    "received": "the time it arrived",
    "unknown": "time unknown",
}
ALTITUDE_CAPPED = 4094  # metres: "4094 m or more" (message 9)
SPEED_CAPPED = 1022  # knots: "1022 kn or more" (message 9)


def time_basis_words(basis: str | None, ts: str | None) -> str:
    """What a report's time rests on, for a person: "time unknown" when it has none."""
    if ts is None:
        return TIME_BASES["unknown"]
    if not basis:
        return "not recorded (ingested before reports said)"
    return TIME_BASES.get(basis, basis)


def _epfd(code: int | None) -> str:
    if code is None:
        return "not said"
    return EPFD_TYPES.get(code, f"code {code} (not assigned)")


def _located(row: dict[str, Any]) -> tuple[float | None, float | None]:
    lat, lon = row.get("lat"), row.get("lon")
    return (lat, lon) if lat is not None and lon is not None else (None, None)


def station_item(row: dict[str, Any]) -> dict[str, Any]:
    """A base station as listed: its latest report (type 4 or 11) in the window."""
    lat, lon = _located(row)
    return {
        "mmsi": int(row["mmsi"]),
        "name": row.get("static_name"),
        "lat": lat,
        "lon": lon,
        "at": row["ts"],
        "time_basis": time_basis_words(row.get("time_basis"), row["ts"]),
        "station_time": row.get("station_time"),
        "msg_type": row["msg_type"],
        "epfd": _epfd(row.get("epfd")),
        "reports": int(row["reports"]),
        "first_at": row.get("first_ts"),
    }


def sar_item(row: dict[str, Any]) -> dict[str, Any]:
    """A SAR aircraft as listed: its latest position report (type 9) in the window."""
    lat, lon = _located(row)
    alt, sog = row.get("alt"), row.get("sog")
    return {
        "mmsi": int(row["mmsi"]),
        "name": row.get("static_name"),
        "lat": lat,
        "lon": lon,
        "altitude_m": alt,
        "altitude_capped": alt is not None and alt >= ALTITUDE_CAPPED,
        "speed_kn": sog,
        "speed_capped": sog is not None and sog >= SPEED_CAPPED,
        "course": row.get("cog"),
        "at": row["ts"],
        "time_basis": time_basis_words(row.get("time_basis"), row["ts"]),
        "reports": int(row["reports"]),
        "first_at": row.get("first_ts"),
    }


def aid_item(row: dict[str, Any]) -> dict[str, Any]:
    """An aid to navigation as listed: its latest report (type 21) in the window.

    ``off_position`` is None when the report cannot say it: the flag holds only when the report's UTC
    second is 0-59 (60-63 mean the time or the positioning system was not available).
    """
    lat, lon = _located(row)
    second, code = row.get("second"), row.get("aid_type")
    off = row.get("off_position")
    return {
        "mmsi": int(row["mmsi"]),
        "name": row.get("name") or row.get("static_name"),
        "aid_type": code,
        "aid_type_name": AID_TYPES.get(code, "not said") if code is not None else "not said",
        "virtual": row.get("virtual_aid"),
        "off_position": off if second is not None and second <= 59 else None,
        "lat": lat,
        "lon": lon,
        "at": row["ts"],
        "time_basis": time_basis_words(row.get("time_basis"), row["ts"]),
        "reports": int(row["reports"]),
        "first_at": row.get("first_ts"),
    }


def safety_item(row: dict[str, Any]) -> dict[str, Any]:
    """A safety message as listed: its text, who sent it, to whom (addressed, type 12) or to all (14)."""
    return {
        "mmsi": int(row["mmsi"]),
        "sender_name": row.get("sender_name"),
        "addressed": bool(row.get("addressed")),
        "dest_mmsi": row.get("dest_mmsi"),
        "dest_name": row.get("dest_name"),
        "text": row.get("text") or "",
        "at": row["ts"],
        "time_basis": time_basis_words(row.get("time_basis"), row["ts"]),
        "msg_type": row["msg_type"],
        "seqno": row.get("seqno"),
        "retransmit": row.get("retransmit"),
        "source": row.get("source"),
        "line": row.get("line"),
    }


def by_mmsi(item: dict[str, Any]) -> tuple[int]:
    """The order of a list of senders: by MMSI, which never changes as reports arrive."""
    return (int(item["mmsi"]),)


def newest_first(item: dict[str, Any]) -> tuple[int, float, str, int]:
    """The order of a list of messages: newest first, those of unknown time after every timed one."""
    at = item["at"]
    when = -datetime.fromisoformat(at).timestamp() if at else 0.0
    return (0 if at else 1, when, str(item.get("source") or ""), int(item.get("line") or 0))
