"""A few AIS reports of every kind beside vessel positions, made with pyais's encoder: base stations, a SAR
aircraft, aids to navigation, safety messages, in the Singapore Strait and the Andaman Sea.

Line 1 is a safety broadcast heard before any clock (its time is unknown); the first base station's
sentence carries a receiver time (NMEA 4 tag block) and times the reports after it by its clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyais.encode import encode_dict

HEARD_AT = "2024-03-02T10:00:00Z"
_EPOCH = 1709373600  # HEARD_AT

STATION_PIAI = 5330001  # 005330001: a Malaysian base station (MID 533)
STATION_PORT_BLAIR = 4190002  # 004190002: an Indian base station (MID 419), its own clock not available
STATION_NO_FIX = 5330099  # reports without a position
SAR_AIRCRAFT = 111533001
AID_LIGHT = 995331234
AID_VIRTUAL = 995339999
SENDER = 533000003
ADDRESSEE = 533000004
BROADCASTER = 533000002
UNTIMED_BROADCASTER = 533000009

UNTIMED_TEXT = "SECURITE DRIFTING CONTAINER"
BROADCAST_TEXT = "MAYDAY RELAY VESSEL AGROUND"
ADDRESSED_TEXT = "KEEP CLEAR OF MY PORT SIDE"


def _tagged(sentence: str, epoch: int) -> str:
    """``sentence`` with an NMEA 4 tag block giving its receiver time."""
    body = f"c:{epoch}"
    check = 0
    for byte in body.encode("ascii"):
        check ^= byte
    return f"\\{body}*{check:02X}\\{sentence}"


def _station(mmsi: int, lat: float, lon: float, *, clock: bool = True) -> dict[str, Any]:
    when = {"year": 2024, "month": 3, "day": 2, "hour": 10, "minute": 0, "second": 0} if clock else {"year": 0}
    return {"msg_type": 4, "mmsi": mmsi, "lat": lat, "lon": lon, "epfd": 7, **when}


def sentences() -> list[str]:
    """The NMEA lines, in the order a receiver heard them."""
    lines = encode_dict({"msg_type": 14, "mmsi": UNTIMED_BROADCASTER, "text": UNTIMED_TEXT})
    lines.append(_tagged(encode_dict(_station(STATION_PIAI, 1.2667, 103.5167))[0], _EPOCH))
    lines += encode_dict(_station(STATION_PORT_BLAIR, 11.6667, 92.7333, clock=False))
    lines += encode_dict(_station(STATION_NO_FIX, 91.0, 181.0))
    lines += encode_dict(
        {"msg_type": 9, "mmsi": SAR_AIRCRAFT, "alt": 300, "speed": 140, "course": 45.0, "lat": 1.5, "lon": 104.1}
    )
    lines += encode_dict(
        {"msg_type": 21, "mmsi": AID_LIGHT, "aid_type": 5, "name": "RAFFLES LIGHTHOUSE", "lat": 1.16, "lon": 103.74}
        | {"second": 5, "epfd": 7}
    )
    lines += encode_dict(
        {"msg_type": 21, "mmsi": AID_VIRTUAL, "aid_type": 4, "name": "WRECK MARK", "lat": 1.22, "lon": 103.9}
        | {"second": 5, "virtual_aid": True, "off_position": False}
    )
    lines += encode_dict({"msg_type": 5, "mmsi": SENDER, "shipname": "OCEAN STAR", "imo": 9123456})
    lines += encode_dict({"msg_type": 14, "mmsi": BROADCASTER, "text": BROADCAST_TEXT})
    lines += encode_dict({"msg_type": 12, "mmsi": SENDER, "dest_mmsi": ADDRESSEE, "seqno": 1, "text": ADDRESSED_TEXT})
    return lines


def write_sentences(path: Path) -> Path:
    path.write_text("\n".join(sentences()) + "\n", encoding="ascii")
    return path
