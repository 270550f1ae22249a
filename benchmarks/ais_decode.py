"""AIS: Mitra's file -> decoded -> stored (Parquet) rate vs pyais FileReaderStream + decode, same file, same run.

    .venv/bin/python benchmarks/ais_decode.py [SENTENCES]   (default 1,000,000)

Input: the AISHub capture (3 minutes of a live feed, 85,174 sentences) and time-shifted copies of it
until SENTENCES: copy k gives every vessel and station an MMSI of its own (distinct from every MMSI of
the capture and of the other copies; an auxiliary craft's stays one) and moves every base-station clock
(types 4 and 11, which time the other reports) k days on. Checksums are recomputed. So the copies hold
no report twice and the store path keeps them all; what it drops as duplicates are the capture's own
(one report heard by several stations).

Both sides decode the same messages: the types Mitra decodes (1-5, 9, 11, 12, 14, 18, 19, 21, 24, 27);
pyais skips the others (6, 8, 10, 16, 17, 20, 22 here), counted and reported, and like Mitra skips a
sentence whose checksum is wrong. Mitra also stores what it decodes; pyais only decodes. Each side runs
three times, alternating which goes first, Mitra into a new store each time; the medians are the figures.

Then, untimed, over the whole file: every message both decode is compared field by field (every field
Mitra decodes, with pyais's names; pyais's enumerations compared by their codes), matched by the line
of its first sentence; a message only one side decodes fails the run. And every stored position is
compared with pyais's decode of its line (MMSI, type, position, speed, course, heading, status, with the
documented not-available values as NULL); every position pyais decodes is stored, or its line was not
kept and an earlier stored line holds the same report.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from pyais.constants import EpfdType, ManeuverIndicator, NavAid, NavigationStatus, ShipType
from pyais.stream import FileReaderStream, IterMessages

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average, median
from mitra.pillars.maritime.ais.decode import POSITION_TYPES, SUPPORTED_TYPES, decode_buffer
from mitra.pillars.maritime.ais.ingest import BATCH_LINES, ingest_file
from mitra.pillars.maritime.ais.nmea import FragmentAssembler, IngestCounts, frame_lines
from mitra.pillars.maritime.ais.store import PositionStore

SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/maritime/ais_nmea/gpsd_aishub_ais-nmea-sample.log"
RUNS = 3
MMSI_STEP = 1_000_003  # copy k moves an MMSI about k million on (then to the next free one)
# pyais folds reserved codes of these enumerations into categories; Mitra keeps the raw code.
ENUMS: dict[str, Any] = {
    "ship_type": ShipType,
    "status": NavigationStatus,
    "maneuver": ManeuverIndicator,
    "epfd": EpfdType,
    "aid_type": NavAid,
}


# ----- the input: time-shifted copies with MMSIs of their own ------------------------------------


def _six(c: int) -> int:
    v = c - 48
    return v - 8 if v > 40 else v


def _armour(v: int) -> int:
    return v + 48 if v < 40 else v + 56


def _is_aux(mmsi: int) -> bool:
    return 980_000_000 <= mmsi <= 989_999_999


class Payload:
    """The first characters of an armoured payload as one integer, to read and rewrite fields in place."""

    def __init__(self, payload: bytes, chars: int) -> None:
        self.head, self.rest = payload[:chars], payload[chars:]
        self.bits = 6 * len(self.head)
        self.value = 0
        for c in self.head:
            self.value = (self.value << 6) | _six(c)

    def get(self, offset: int, width: int) -> int:
        return (self.value >> (self.bits - offset - width)) & ((1 << width) - 1)

    def put(self, offset: int, width: int, field: int) -> None:
        shift = self.bits - offset - width
        self.value = (self.value & ~(((1 << width) - 1) << shift)) | (field << shift)

    def armoured(self) -> bytes:
        count = len(self.head)
        return bytes(_armour((self.value >> (6 * (count - 1 - i))) & 63) for i in range(count)) + self.rest


def _first_fragment(line: bytes) -> list[bytes] | None:
    """The fields of a sentence that starts a message (MMSI and type are in it), else None."""
    parts = line.split(b",")
    if len(parts) < 7 or parts[2] != b"1" or len(parts[5]) < 7:
        return None
    return parts


def _mmsi_maps(lines: list[bytes], copies: int) -> list[dict[int, int]]:
    """For each copy after the first: every MMSI of the capture to one no other copy (nor the capture) has."""
    originals = set()
    for line in lines:
        if (parts := _first_fragment(line)) is not None:
            originals.add(Payload(parts[5], 7).get(8, 30))
    used = set(originals)
    maps: list[dict[int, int]] = [{m: m for m in originals}]
    for k in range(1, copies):
        mapping = {}
        for mmsi in sorted(originals):
            if _is_aux(mmsi):  # an auxiliary craft's MMSI stays one (it decides type 24's layout)
                candidate = 980_000_000 + (mmsi - 980_000_000 + k * MMSI_STEP) % 10_000_000
            else:
                candidate = (mmsi + k * MMSI_STEP) % (1 << 30)
            while candidate in used or _is_aux(candidate) != _is_aux(mmsi):
                candidate = (candidate + 1) % (1 << 30)
            used.add(candidate)
            mapping[mmsi] = candidate
        maps.append(mapping)
    return maps


def _shift_clock(payload: Payload, days: int) -> None:
    """A base station's UTC (types 4 and 11) ``days`` later, when it is a date at all."""
    year, month, day = payload.get(38, 14), payload.get(52, 4), payload.get(56, 5)
    hour, minute, second = payload.get(61, 5), payload.get(66, 6), payload.get(72, 6)
    try:
        moment = datetime(year, month, day, hour, minute, second) + timedelta(days=days)
    except ValueError:
        return  # "not available" or no date: nothing to shift
    payload.put(38, 14, moment.year)
    payload.put(52, 4, moment.month)
    payload.put(56, 5, moment.day)


def copy_of(line: bytes, k: int, mapping: dict[int, int]) -> bytes:
    parts = _first_fragment(line)
    if parts is None or k == 0:
        return line
    payload = Payload(parts[5], 13)
    if payload.bits < 38:
        return line
    payload.put(8, 30, mapping[payload.get(8, 30)])
    if payload.get(0, 6) in (4, 11) and payload.bits >= 78:
        _shift_clock(payload, k)
    new = payload.armoured()
    star = parts[6].find(b"*")
    old_sum = int(parts[6][star + 1 : star + 3], 16)
    for a, b in zip(parts[5][:13], new[:13], strict=True):  # XOR checksum: only the rewritten characters change
        old_sum ^= a ^ b
    parts[5] = new
    parts[6] = parts[6][: star + 1] + b"%02X" % old_sum + parts[6][star + 3 :]
    return b",".join(parts)


def build(path: Path, wanted: int) -> tuple[int, int]:
    """Write the input; return (sentences, copies)."""
    body = [line for line in SAMPLE.read_bytes().split(b"\n") if line.startswith(b"!")]
    if wanted < len(body):
        body = body[:wanted]
    copies = max(1, -(-wanted // len(body)))
    maps = _mmsi_maps(body, copies)
    with path.open("wb") as out:
        for k in range(copies):
            out.write(b"\n".join(copy_of(line, k, maps[k]) for line in body) + b"\n")
    return len(body) * copies, copies


# ----- the two sides, timed --------------------------------------------------------------------


def peer_decode(path: Path) -> tuple[int, int, int]:
    """pyais: (decoded, skipped as of a type Mitra does not decode, raised); checksum failures skipped."""
    decoded = other = failed = 0
    for message in FileReaderStream(str(path)):
        if not message.is_valid:
            continue
        if message.ais_id not in SUPPORTED_TYPES:
            other += 1
            continue
        try:
            message.decode()
            decoded += 1
        except Exception:
            failed += 1
    return decoded, other, failed


# ----- the comparison, untimed ------------------------------------------------------------------


def _mitra_batches(path: Path) -> Iterator[tuple[int, dict[int, dict[str, Any]]]]:
    """Mitra's framing and decoder over the file, batch by batch as the ingest runs them: (last line, by line)."""
    lines = path.read_bytes().split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    assembler, counts = FragmentAssembler(), IngestCounts()
    for offset in range(0, len(lines), BATCH_LINES):
        framed = frame_lines(
            lines[offset : offset + BATCH_LINES], first_line=offset + 1, assembler=assembler, counts=counts
        )
        buffer, starts, lengths, fills, numbers, _ = framed.combined()
        out: dict[int, dict[str, Any]] = {}
        for group in decode_buffer(buffer, starts, lengths, fills):
            names = list(group.columns)
            values = [c.values if isinstance(c.values, list) else c.values.tolist() for c in group.columns.values()]
            presents = [c.present.tolist() for c in group.columns.values()]
            for row, line in enumerate(numbers[group.index].tolist()):
                out[line] = {n: (values[i][row] if presents[i][row] else None) for i, n in enumerate(names)}
        yield min(offset + BATCH_LINES, len(lines)), out


def _pyais_by_line(path: Path) -> Iterator[tuple[int, int, Any]]:
    """pyais's messages with (line of the first sentence, line of the last, message), in pyais's order."""
    first_of: dict[tuple[bytes, ...], int] = {}
    state = {"line": 0, "key": ()}

    def lines() -> Iterator[bytes]:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                parts = raw.split(b",", 5)
                key = (parts[0], parts[1], parts[3], parts[4]) if len(parts) > 5 else ()
                if len(parts) > 5 and parts[2] == b"1":
                    first_of[key] = number
                state["line"], state["key"] = number, key
                yield raw

    for message in IterMessages(lines()):
        last = int(state["line"])
        first = first_of.get(state["key"], last) if message.frag_cnt > 1 else last  # type: ignore[arg-type]
        yield first, last, message


def _same(field: str, mine: Any, ref: Any) -> bool:
    if field in ENUMS and mine is not None and isinstance(ref, Enum):
        return bool(ENUMS[field].from_value(mine) == ref)
    return bool(mine == ref)


def _stored_position(ref: dict[str, Any]) -> tuple[Any, ...] | None:
    """What the store keeps of a position report pyais decoded (None: no position, so not kept)."""
    lat, lon = ref.get("lat"), ref.get("lon")
    if lat is None or lon is None or lat == 91.0 or lon == 181.0 or abs(lat) > 90.0 or abs(lon) > 180.0:
        return None
    long_range = ref["msg_type"] == 27
    speed, course = ref.get("speed"), ref.get("course")
    sog = None if speed is None or speed == (63.0 if long_range else 102.3) else float(speed)
    cog = None if course is None or course == (511.0 if long_range else 360.0) else float(course)
    heading = None if long_range or ref.get("heading") in (None, 511) else int(ref["heading"])
    status = int(ref["status"]) if ref.get("status") is not None else 15
    return (ref["mmsi"], ref["msg_type"], float(lat), float(lon), sog, cog, heading, status)


def compare(path: Path, store: PositionStore) -> dict[str, Any]:
    """Mitra's decode vs pyais's, message by message over the whole file; the stored positions vs pyais."""
    mitra = _mitra_batches(path)
    pending: dict[int, dict[str, Any]] = {}
    upto = 0
    compared: Counter[int] = Counter()
    skipped: Counter[str] = Counter()
    not_compared: dict[int, set[str]] = {}
    wrong: list[str] = []
    positions: list[tuple[Any, ...]] = []
    for first, last, message in _pyais_by_line(path):
        while upto < last:
            upto, batch = next(mitra)
            pending |= batch
        if not message.is_valid:
            skipped["checksum wrong (Mitra rejects it)"] += 1
            continue
        if message.ais_id not in SUPPORTED_TYPES:
            skipped[f"type {message.ais_id:>2}, not decoded by Mitra"] += 1
            continue
        mine = pending.pop(first, None)
        try:
            ref = message.decode().asdict()
        except Exception as exc:
            skipped[f"pyais raised {type(exc).__name__}"] += 1
            if mine is not None:
                wrong.append(f"line {first}: Mitra decoded it, pyais raised {exc!r}")
            continue
        if mine is None:
            if message.ais_id == 24 and ref.get("partno") in (2, 3):
                skipped["type 24 part 2 or 3 (reserved), not decoded by Mitra"] += 1
                continue
            wrong.append(f"line {first}: pyais decoded type {message.ais_id}, Mitra did not")
            continue
        differing = {k: (v, ref.get(k)) for k, v in mine.items() if not _same(k, v, ref.get(k))}
        if differing:
            wrong.append(f"line {first}: {differing}")
        compared[mine["msg_type"]] += 1
        not_compared.setdefault(mine["msg_type"], set()).update(set(ref) - set(mine))
        if mine["msg_type"] in POSITION_TYPES and (row := _stored_position(ref)) is not None:
            positions.append((first, *row))
    for _, batch in mitra:
        pending |= batch
    wrong += [f"line {line}: Mitra decoded type {d['msg_type']}, pyais did not" for line, d in sorted(pending.items())]
    assert not wrong, f"{len(wrong)} messages differ; first: {wrong[:5]}"
    return {
        "compared": compared,
        "skipped": skipped,
        "not_compared": not_compared,
        "positions": _compare_positions(store, positions),
    }


def _compare_positions(store: PositionStore, expected: list[tuple[Any, ...]]) -> tuple[int, int]:
    """Every stored position is pyais's at its line; every other is the same report as an earlier stored line."""
    names = ("line", "mmsi", "msg_type", "lat", "lon", "sog", "cog", "heading", "status")
    columns = list(zip(*expected, strict=True)) if expected else [[] for _ in names]
    table = {
        n: np.asarray(c, dtype=object if n in ("sog", "cog", "heading") else None)
        for n, c in zip(names, columns, strict=True)
    }
    same = " AND ".join(f"s.{n} IS NOT DISTINCT FROM p.{n}" for n in names[1:])
    with store.reading() as con:
        con.register("peer_view", table)
        con.execute(
            "CREATE TEMP TABLE peer AS SELECT line::BIGINT AS line, mmsi::BIGINT AS mmsi,"
            " msg_type::INTEGER AS msg_type, lat::DOUBLE AS lat, lon::DOUBLE AS lon, sog::DOUBLE AS sog,"
            " cog::DOUBLE AS cog,"
            " heading::INTEGER AS heading, status::INTEGER AS status FROM peer_view"
        )
        stored = _count(con, "SELECT count(*) FROM all_positions")
        unlike = _count(
            con, f"SELECT count(*) FROM all_positions s LEFT JOIN peer p ON p.line = s.line WHERE NOT ({same})"
        )
        dropped = "SELECT * FROM peer p WHERE p.line NOT IN (SELECT line FROM all_positions)"
        unexplained = _count(
            con,
            f"SELECT count(*) FROM ({dropped}) p WHERE NOT EXISTS "
            f"(SELECT 1 FROM all_positions s WHERE s.line < p.line AND {same})",
        )
        dropped_count = _count(con, f"SELECT count(*) FROM ({dropped})")
    assert unlike == 0, f"{unlike} stored positions differ from pyais's decode of their line"
    assert unexplained == 0, f"{unexplained} positions pyais decodes are neither stored nor a stored report's copy"
    return stored, dropped_count


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def main(wanted: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        path = tmp / "copies.nmea"
        sentences, copies = build(path, wanted)
        load_start = load_average()
        peer_runs, mitra_runs = [], []
        peer_counts = (0, 0, 0)
        result = None
        for run in range(RUNS):  # alternating, so neither side always runs on a warmer machine
            for side in ("peer", "mitra") if run % 2 == 0 else ("mitra", "peer"):
                if side == "peer":
                    started = time.perf_counter()
                    peer_counts = peer_decode(path)
                    peer_runs.append(time.perf_counter() - started)
                else:
                    store = PositionStore(tmp / f"maritime-{run}")
                    started = time.perf_counter()
                    result = ingest_file(store, path)
                    mitra_runs.append(time.perf_counter() - started)
        load_end = load_average()
        assert result is not None
        checked = compare(path, PositionStore(tmp / f"maritime-{RUNS - 1}"))

    decoded, other, failed = peer_counts
    mitra_decoded = sum(n for t, n in result.counts.by_type.items() if t in SUPPORTED_TYPES)
    mitra_seconds, peer_seconds = median(mitra_runs), median(peer_runs)
    mitra_rate, peer_rate = mitra_decoded / mitra_seconds, decoded / peer_seconds
    compared: Counter[int] = checked["compared"]
    stored, dropped = checked["positions"]
    print(f"sentences: {sentences:,} ({copies} copies of the capture, each with MMSIs of its own, k days on)")
    print(f"load average at start {load_start}, at end {load_end}; median of {RUNS} runs each, alternating")
    print(
        f"mitra: {mitra_decoded:,} messages of the types it decodes, decoded and stored "
        f"({result.stored_positions:,} positions; stored in all {sum(result.stored.values()):,}; "
        f"{result.duplicates:,} duplicates dropped) in {mitra_seconds:.2f} s; "
        f"runs {', '.join(f'{t:.2f}' for t in mitra_runs)} s"
    )
    print(
        f"pyais: {decoded:,} messages of the same types decoded (not stored; {failed:,} raised; {other:,} of other "
        f"types skipped) in {peer_seconds:.2f} s; runs {', '.join(f'{t:.2f}' for t in peer_runs)} s"
    )
    print(
        f"same decode, field by field, every message both decode: {sum(compared.values()):,} "
        f"({', '.join(f'type {t} {n:,}' for t, n in sorted(compared.items()))}); not compared: "
        + ", ".join(f"{why} {n:,}" for why, n in sorted(checked["skipped"].items()))
    )
    extra = sorted({f for names in checked["not_compared"].values() for f in names})
    print(f"pyais fields Mitra does not decode (not compared): {', '.join(extra) or 'none'}")
    print(
        f"stored positions: {stored:,}, each equal to pyais's decode of its line; {dropped:,} position reports "
        "pyais decodes are not stored, each the same report as an earlier stored line"
    )
    print(
        f"RESULT name=ais_decode mitra={mitra_rate:.0f} peer={peer_rate:.0f} unit=msgs/s "
        f"ratio={mitra_rate / peer_rate:.2f} load_start={load_start} load_end={load_end}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
