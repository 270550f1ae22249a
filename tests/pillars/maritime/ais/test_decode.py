"""The decoder equals pyais on every shipped NMEA file and gpsd's annotated values; framing never crashes."""

from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Any

import pyais
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.constants import EpfdType, ManeuverIndicator, NavAid, NavigationStatus, ShipType

from mitra.pillars.maritime.ais.decode import decode_buffer, decode_to_dicts
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, IngestCounts, frame_lines
from tests.conftest import SHARED_DATA, shared_file

# pyais folds reserved codes of these enumerations into categories; Mitra keeps the raw code.
_ENUMS = {
    "ship_type": ShipType,
    "status": NavigationStatus,
    "maneuver": ManeuverIndicator,
    "epfd": EpfdType,
    "aid_type": NavAid,
}
NMEA_FILES = sorted((SHARED_DATA / "maritime" / "ais_nmea").glob("*")) if SHARED_DATA.exists() else []


def _sentence(payload: bytes, fill: int) -> bytes:
    body = b"AIVDM,1,1,,A," + payload + b"," + str(fill).encode()
    return b"!" + body + b"*%02X" % functools.reduce(operator.xor, body, 0)


def _frame(path: Path) -> tuple[list[bytes], list[int], list[int], IngestCounts]:
    lines = path.read_bytes().split(b"\n")
    counts = IngestCounts()
    assembler = FragmentAssembler()
    framed = frame_lines(lines, first_line=1, assembler=assembler, counts=counts)
    assembler.flush(counts)
    buffer, starts, lengths, fills, numbers, _ = framed.combined()
    payloads = [bytes(buffer[s : s + n]) for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
    return payloads, fills.tolist(), numbers.tolist(), counts


def _same(field: str, mine: Any, ref: Any) -> bool:
    if field in _ENUMS and mine is not None and isinstance(ref, Enum):
        return bool(_ENUMS[field].from_value(mine) == ref)
    return bool(mine == ref)


def _compare_with_pyais(path: Path) -> Counter[int]:
    """Decode every message of the file with both; assert they agree field by field; count those compared by type."""
    payloads, fills, numbers, _ = _frame(path)
    compared: Counter[int] = Counter()
    for payload, fill, mine, line in zip(payloads, fills, decode_to_dicts(payloads, fills), numbers, strict=True):
        if mine is None:
            continue
        try:
            reference = pyais.decode(_sentence(payload, fill)).asdict()
        except Exception:
            continue
        differing = {k: (v, reference.get(k)) for k, v in mine.items() if not _same(k, v, reference.get(k))}
        assert not differing, f"{path.name} line {line}: {differing}"
        compared[mine["msg_type"]] += 1
    return compared


@pytest.mark.parametrize("path", NMEA_FILES, ids=lambda p: p.name)
def test_every_message_both_decode_equals_pyais_field_by_field(path: Path) -> None:
    compared = _compare_with_pyais(path)
    assert compared or not _frame(path)[0]


def test_base_station_sar_aid_and_safety_messages_are_decoded_as_pyais_decodes_them() -> None:
    compared: Counter[int] = Counter()
    for name in ("libais_test.aivdm", "gpsd_sample.aivdm", "gpsd_aishub_ais-nmea-sample.log"):
        compared += _compare_with_pyais(shared_file(f"maritime/ais_nmea/{name}"))
    # as many as pyais itself decodes of these types in the three files (its FileReaderStream)
    assert {t: compared[t] for t in (4, 9, 11, 12, 14, 21)} == {4: 4050, 9: 35, 11: 36, 12: 17, 14: 15, 21: 390}


def test_the_aishub_sample_decodes_as_many_messages_as_pyais_reports() -> None:
    payloads, _, _, counts = _frame(shared_file("maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"))
    assert len(payloads) == 82744  # the MANIFEST's figure measured with pyais
    assert counts.report.reasons("rejected")["orphan fragment"] == 2


def _gpsd_annotations(path: Path) -> list[tuple[bytes, dict[str, str]]]:
    """Pairs of (sentence, {annotated field: value}) from gpsd's sample.aivdm."""
    out: list[tuple[bytes, dict[str, str]]] = []
    current: bytes | None = None
    for line in path.read_bytes().split(b"\n"):
        if line.startswith(b"!AIVDM,1,1"):
            current = line.strip()
            out.append((current, {}))
        elif current is not None and (match := re.match(rb"#\s+(\w+):\s+(\S+)", line)):
            out[-1][1][match.group(1).decode()] = match.group(2).decode()
        elif not line.startswith(b"#"):
            current = None
    return [(s, a) for s, a in out if a]


# gpsd's annotation names and the decoder's, beyond position and identity: course, heading, status, rate of
# turn, the base station's clock (types 4 and 11), and static data (names, call signs, dimensions, ship type).
_GPSD_FIELDS = (
    ("COG", "course"),
    ("TrueHeading", "heading"),
    ("NavigationStatus", "status"),
    ("ROT", "turn"),
    ("Time_year", "year"),
    ("Time_month", "month"),
    ("Time_day", "day"),
    ("Time_hour", "hour"),
    ("Time_min", "minute"),
    ("Time_sec", "second"),
    ("name", "shipname"),
    ("callsign", "callsign"),
    ("shipandcargo", "ship_type"),
    ("dimA", "to_bow"),
    ("dimB", "to_stern"),
    ("dimC", "to_port"),
    ("dimD", "to_starboard"),
)


def test_decoded_values_match_gpsd_annotations() -> None:
    path = shared_file("maritime/ais_nmea/gpsd_sample.aivdm")
    checked = 0
    for sentence, notes in _gpsd_annotations(path):
        payloads, fills, _, _ = _frame_bytes(sentence)
        if not payloads:
            continue
        decoded = decode_to_dicts(payloads, fills)[0]
        if decoded is None:
            continue
        if "UserID" in notes:
            assert decoded["mmsi"] == int(notes["UserID"]), sentence
            checked += 1
        for key, name in (("longitude", "lon"), ("latitude", "lat")):
            if key in notes and decoded.get(name) is not None:
                assert decoded[name] == pytest.approx(float(notes[key]), abs=1e-4), sentence
                checked += 1
        if "SOG" in notes and decoded["msg_type"] in (1, 2, 3):
            assert decoded["speed"] == pytest.approx(float(notes["SOG"])), sentence
            checked += 1
        for note, name in _GPSD_FIELDS:
            if note in notes and name in decoded:
                expected = notes[note]
                actual = decoded[name]
                if isinstance(actual, str):
                    assert actual.strip() == expected.strip("@ "), (sentence, note)
                else:  # gpsd writes some numbers with a trailing mark ("60|")
                    number = re.match(r"-?\d+(?:\.\d+)?", expected)
                    assert number is not None, (sentence, note, expected)
                    assert actual == pytest.approx(float(number.group()), abs=0.05), (sentence, note)
                checked += 1
    assert checked >= 70  # 76 annotated values across types 1, 2, 3, 4, 11, 18, 19 and 24


def _frame_bytes(sentence: bytes) -> tuple[list[bytes], list[int], list[int], IngestCounts]:
    counts = IngestCounts()
    framed = frame_lines([sentence], first_line=1, assembler=FragmentAssembler(), counts=counts)
    buffer, starts, lengths, fills, numbers, _ = framed.combined()
    payloads = [bytes(buffer[s : s + n]) for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
    return payloads, fills.tolist(), numbers.tolist(), counts


def test_a_tag_block_receiver_time_is_read() -> None:
    counts = IngestCounts()
    framed = frame_lines(
        [rb"\s:rORBCOMM104,q:u,c:1418172113,T:2014-12-10 00.41.53*55\!AIVDM,1,1,,B,13F?Vv700<DJuLEtvep`iToV0<00,0*78"],
        first_line=1,
        assembler=FragmentAssembler(),
        counts=counts,
    )
    assert framed.times == [1418172113.0]


def test_a_wrong_checksum_is_rejected_with_its_line_number() -> None:
    counts = IngestCounts()
    good = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
    bad = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B"
    framed = frame_lines([good, bad, b"$GPGGA,1*00"], first_line=10, assembler=FragmentAssembler(), counts=counts)
    assert len(framed) == 1
    assert counts.report.reasons("rejected") == {"checksum": 1}
    assert counts.report.positions("rejected", "checksum") == [11]
    assert counts.skipped == 1


def test_orphan_fragments_expire_so_pending_stays_bounded() -> None:
    counts = IngestCounts()
    assembler = FragmentAssembler(max_pending=8, max_age_lines=50)
    lines = []
    for k in range(200):
        body = f"AIVDM,2,1,{k % 10},A,55DTsr01rEv?<E5;801<D604pDlu<0000000001?21J7:5cde>C0H1kmC1E5,0".encode()
        lines.append(b"!" + body + b"*%02X" % functools.reduce(operator.xor, body, 0))
    frame_lines(lines, first_line=1, assembler=assembler, counts=counts)
    assert len(assembler.pending) <= 8
    assert counts.report.reasons("rejected")["orphan fragment"] >= 190


_REAL = [
    b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
    b"!AIVDM,2,1,4,A,56@4OP02=uKT5DEH000l4h5HUT61ALDqAT00001;1@v884o@0:kRT`4RAh00,0*58",
    rb"\s:rORBCOMM104,q:u,c:1418172113*55\!AIVDM,1,1,,B,13F?Vv700<DJuLEtvep`iToV0<00,0*78",
]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    base = bytearray(draw(st.sampled_from(_REAL)))
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(base) - 1))
        base[position] = draw(st.integers(0, 255))
    return bytes(base[: draw(st.integers(0, len(base)))])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=90), _mutated()), max_size=20))
def test_framing_and_decoding_any_bytes_never_crash_and_account_for_every_line(lines: list[bytes]) -> None:
    lines = [line.replace(b"\n", b"") for line in lines]
    counts = IngestCounts()
    assembler = FragmentAssembler()
    framed = frame_lines(lines, first_line=1, assembler=assembler, counts=counts)
    assembler.flush(counts)
    buffer, starts, lengths, fills, _, _ = framed.combined()
    decode_buffer(buffer, starts, lengths, fills)
    assert counts.lines == len(lines)
    assert counts.sentences + counts.skipped + counts.report.rejected_count >= len(lines) - len(assembler.pending)
