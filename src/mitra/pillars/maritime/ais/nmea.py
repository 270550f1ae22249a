"""NMEA 0183 framing of AIVDM/AIVDO: checksums, NMEA 4 tag blocks, receiver times, multi-sentence reassembly.

Framing works on batches of lines. Checksums of a whole batch are computed at once with a prefix XOR
over the batch's bytes (numpy), so the per-line Python work is one ``split``. Every line that is not an
AIS message is counted: non-AIS NMEA and comments as *skipped*, broken AIS sentences as *rejects* with a
reason and a line number.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mitra.foundation.reports import ImportReport

_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i


@dataclass
class IngestCounts:
    """What one ingest saw: lines, skipped non-AIS lines, messages by type, and the report of each record.

    A record is a whole message (its first line is its position) or a line that could not become one;
    every record is in ``report``: stored, a duplicate, held already or rejected with its reason.
    """

    lines: int = 0
    sentences: int = 0
    skipped: int = 0
    messages: int = 0
    by_type: Counter[int] = field(default_factory=Counter)
    report: ImportReport = field(default_factory=ImportReport)

    def reject(self, reason: str, line: int) -> None:
        """A line that does not become a message (or a message not kept): one record, rejected."""
        self.report.read += 1
        self.report.reject(reason, line)

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "sentences": self.sentences,
            "skipped": self.skipped,
            "messages": self.messages,
            "by_type": {str(k): v for k, v in sorted(self.by_type.items())},
            "report": self.report.as_dict(),
        }


@dataclass
class Framed:
    """Whole AIS messages of one batch: armoured payloads, fill bits, line numbers, receiver times (s or NaN)."""

    payloads: list[bytes] = field(default_factory=list)
    fills: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    # Single-sentence messages without tag block, found without a Python loop: payload offsets into ``buffer``.
    buffer: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))
    fast_starts: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fast_lengths: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fast_fills: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fast_lines: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.payloads) + len(self.fast_starts)

    def combined(
        self,
    ) -> tuple[
        npt.NDArray[np.uint8],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
    ]:
        """Every message in line order: (buffer, payload starts, lengths, fill bits, line numbers, receiver times)."""
        slow = b"".join(self.payloads)
        buffer = np.concatenate([self.buffer, np.frombuffer(slow, dtype=np.uint8)])
        slow_lengths = np.fromiter((len(p) for p in self.payloads), dtype=np.int64, count=len(self.payloads))
        slow_starts = len(self.buffer) + np.concatenate([[0], np.cumsum(slow_lengths)[:-1]]).astype(np.int64)
        starts = np.concatenate([self.fast_starts, slow_starts[: len(self.payloads)]])
        lengths = np.concatenate([self.fast_lengths, slow_lengths])
        fills = np.concatenate([self.fast_fills, np.asarray(self.fills, dtype=np.int64)])
        lines = np.concatenate([self.fast_lines, np.asarray(self.lines, dtype=np.int64)])
        times = np.concatenate([np.full(len(self.fast_starts), np.nan), np.asarray(self.times, dtype=np.float64)])
        order = np.argsort(lines, kind="stable")
        return buffer, starts[order], lengths[order], fills[order], lines[order], times[order]


@dataclass
class _Partial:
    total: int
    parts: list[bytes]
    first_line: int
    lines: list[int]
    time: float


class FragmentAssembler:
    """Reassembles multi-sentence messages keyed on (sequence id, channel); orphans expire so memory stays bounded."""

    def __init__(self, *, max_pending: int = 256, max_age_lines: int = 500) -> None:
        self.max_pending = max_pending
        self.max_age_lines = max_age_lines
        self.pending: dict[tuple[bytes, bytes], _Partial] = {}

    def add(
        self,
        *,
        total: int,
        number: int,
        seq: bytes,
        channel: bytes,
        payload: bytes,
        fill: int,
        line: int,
        time: float,
        counts: IngestCounts,
        out: Framed,
    ) -> None:
        key = (seq, channel)
        partial = self.pending.get(key)
        if number == 1:
            if partial is not None:
                self._orphan(key, counts)
            self.pending[key] = _Partial(total, [payload], line, [line], time)
            self._expire(line, counts)
            return
        if partial is None or partial.total != total or len(partial.parts) + 1 != number:
            counts.reject("orphan fragment", line)
            if partial is not None:
                self._orphan(key, counts)
            return
        partial.parts.append(payload)
        partial.lines.append(line)
        if number == total:
            del self.pending[key]
            out.payloads.append(b"".join(partial.parts))
            out.fills.append(fill)
            out.lines.append(partial.first_line)
            out.times.append(partial.time)

    def _orphan(self, key: tuple[bytes, bytes], counts: IngestCounts) -> None:
        partial = self.pending.pop(key)
        for line in partial.lines:
            counts.reject("orphan fragment", line)

    def _expire(self, line: int, counts: IngestCounts) -> None:
        while self.pending:
            key, oldest = next(iter(self.pending.items()))
            if len(self.pending) <= self.max_pending and line - oldest.first_line <= self.max_age_lines:
                break
            self._orphan(key, counts)

    def state(self) -> list[dict[str, object]]:
        """The messages waiting for their next sentence, as JSON, so a resumed ingest completes them."""
        return [
            {
                "seq": seq.decode("latin-1"),
                "channel": channel.decode("latin-1"),
                "total": p.total,
                "parts": [part.decode("latin-1") for part in p.parts],
                "first_line": p.first_line,
                "lines": p.lines,
                "time": None if math.isnan(p.time) else p.time,
            }
            for (seq, channel), p in self.pending.items()
        ]

    def restore(self, state: list[dict[str, Any]]) -> None:
        for item in state:
            key = (str(item["seq"]).encode("latin-1"), str(item["channel"]).encode("latin-1"))
            parts = [str(part).encode("latin-1") for part in item["parts"]]
            when = float("nan") if item["time"] is None else float(item["time"])
            lines = [int(n) for n in item["lines"]]
            self.pending[key] = _Partial(int(item["total"]), parts, int(item["first_line"]), lines, when)

    def flush(self, counts: IngestCounts) -> None:
        """End of input: whatever is still pending is an orphan."""
        for key in list(self.pending):
            self._orphan(key, counts)


@dataclass
class _Scan:
    ok: npt.NDArray[np.bool_]
    fast: npt.NDArray[np.bool_]
    buffer: npt.NDArray[np.uint8]
    payload_starts: npt.NDArray[np.int64]
    payload_lengths: npt.NDArray[np.int64]
    fills: npt.NDArray[np.int64]


_FAST_PREFIXES = (b"!AIVDM,1,1,", b"!AIVDO,1,1,")


def _scan(lines: list[bytes]) -> _Scan:
    """Checksums of every line at once, and which lines are plain single-sentence messages (the fast path)."""
    empty = np.zeros(0, dtype=np.int64)
    if not lines:
        return _Scan(
            np.zeros(0, dtype=np.bool_), np.zeros(0, dtype=np.bool_), np.zeros(0, np.uint8), empty, empty, empty
        )
    data = b"\n".join(lines) + b"\n" * 16
    buf = np.frombuffer(data, dtype=np.uint8)
    size = len(buf)
    lengths = np.fromiter((len(x) for x in lines), dtype=np.int64, count=len(lines))
    starts = np.zeros(len(lines), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    ends = starts + lengths
    stars = np.flatnonzero(buf == 42)
    k = np.searchsorted(stars, ends) - 1
    star = np.where(k >= 0, stars[np.clip(k, 0, None)] if len(stars) else -1, -1)
    has_star = (star >= starts) & (star + 2 < ends)
    slashes = np.flatnonzero(buf == 92)
    j = np.searchsorted(slashes, star) - 1
    slash = np.where(j >= 0, slashes[np.clip(j, 0, None)] if len(slashes) else -1, -1)
    begin = np.where(slash >= starts, slash + 1, starts)  # the '!' of the sentence
    acc = np.bitwise_xor.accumulate(buf)
    safe_star = np.clip(star, 1, size - 1)
    safe_begin = np.clip(begin, 0, size - 1)
    computed = acc[safe_star - 1] ^ acc[safe_begin]
    hi = _HEX[buf[np.clip(star + 1, 0, size - 1)]]
    lo = _HEX[buf[np.clip(star + 2, 0, size - 1)]]
    given = (hi.astype(np.int64) << 4) | lo
    valid = has_star & (hi != 255) & (lo != 255) & (safe_star - 1 > safe_begin)
    ok = np.asarray(valid & (computed.astype(np.int64) == given), dtype=np.bool_)
    # fast path: "!AIVDM,1,1,<seq>,<channel>,<payload>,<fill>*hh" starting the line, checksum good
    head = buf[np.clip(starts[:, None] + np.arange(11), 0, size - 1)]
    prefix = np.zeros(len(lines), dtype=np.bool_)
    for text in _FAST_PREFIXES:
        prefix |= (head == np.frombuffer(text, dtype=np.uint8)).all(axis=1)
    fast = ok & prefix & (lengths >= 11)
    commas = np.flatnonzero(buf == 44)
    first = np.searchsorted(commas, starts)
    c4 = commas[np.clip(first + 4, 0, len(commas) - 1)] if len(commas) else starts
    c5 = commas[np.clip(first + 5, 0, len(commas) - 1)] if len(commas) else starts
    fill = buf[np.clip(c5 + 1, 0, size - 1)].astype(np.int64) - 48
    fast &= (first + 5 < len(commas)) & (c5 + 2 == star) & (fill >= 0) & (fill <= 5) & (c5 - c4 > 1)
    return _Scan(ok, fast, buf, c4 + 1, c5 - c4 - 1, fill)


def checksums_ok(lines: list[bytes]) -> npt.NDArray[np.bool_]:
    """Per line: the sentence after any tag block ends in ``*hh`` and hh is the XOR of the bytes between."""
    return _scan(lines).ok


def _tag_time(tag: bytes) -> float:
    """The ``c:`` field of a tag block (UNIX seconds, or milliseconds when that large), NaN if none."""
    body = tag.split(b"*", 1)[0]
    for item in body.split(b","):
        if item[:2] == b"c:":
            try:
                value = float(item[2:])
            except ValueError:
                return float("nan")
            return value / 1000.0 if value > 1e11 else value
    return float("nan")


def _trailing_time(rest: bytes) -> float:
    """USCG/libais receivers append ``,r<station>,<epoch>`` after the checksum: the first 10-digit number."""
    for item in rest.split(b",")[1:]:
        if len(item) == 10 and item.isdigit():
            return float(item)
    return float("nan")


_NAN = float("nan")


def frame_lines(  # noqa: PLR0915 - one loop that accounts for every kind of line
    lines: list[bytes],
    *,
    first_line: int,
    assembler: FragmentAssembler,
    counts: IngestCounts,
) -> Framed:
    """Frame a batch of lines (numbered from ``first_line``) into whole messages; count everything else."""
    scan = _scan(lines)
    ok = scan.ok.tolist()
    fast = scan.fast
    fast_index = np.flatnonzero(fast)
    out = Framed(
        buffer=scan.buffer,
        fast_starts=scan.payload_starts[fast_index],
        fast_lengths=scan.payload_lengths[fast_index],
        fast_fills=scan.fills[fast_index],
        fast_lines=fast_index + first_line,
    )
    counts.sentences += len(fast_index)
    append_payload, append_fill = out.payloads.append, out.fills.append
    append_line, append_time = out.lines.append, out.times.append
    counts.lines += len(lines)
    skipped = 0
    for index in np.flatnonzero(~fast).tolist():
        raw = lines[index]
        line_no = first_line + index
        sentence = raw.rstrip(b"\r")
        time = _NAN
        if not sentence:
            skipped += 1
            continue
        head = sentence[0]
        if head == 92:  # "\" NMEA 4 tag block
            close = sentence.find(b"\\", 1)
            if close < 0:
                counts.reject("unterminated tag block", line_no)
                continue
            time = _tag_time(sentence[1:close])
            sentence = sentence[close + 1 :]
            head = sentence[0] if sentence else 0
        if head != 33 or sentence[3:6] not in (b"VDM", b"VDO"):  # "!"
            if b"VDM," in sentence or b"VDO," in sentence:
                counts.reject("malformed sentence", line_no)
            else:
                skipped += 1
            continue
        counts.sentences += 1
        if not ok[index]:
            counts.reject("checksum", line_no)
            continue
        parts = sentence.split(b",", 6)
        if len(parts) < 7:
            counts.reject("truncated sentence", line_no)
            continue
        tail = parts[6]
        fill_char = tail[0] if tail else 0
        if not 48 <= fill_char <= 53:
            counts.reject("bad fill bits", line_no)
            continue
        if len(tail) > 4 and math.isnan(time):
            time = _trailing_time(tail[4:])
        count_field, number_field = parts[1], parts[2]
        if count_field == b"1" and number_field == b"1":
            payload = parts[5]
            if not payload:
                counts.reject("empty payload", line_no)
                continue
            append_payload(payload)
            append_fill(fill_char - 48)
            append_line(line_no)
            append_time(time)
            continue
        if not (count_field.isdigit() and number_field.isdigit()):
            counts.reject("bad fragment numbers", line_no)
            continue
        total, number = int(count_field), int(number_field)
        if not 1 <= number <= total <= 9:
            counts.reject("bad fragment numbers", line_no)
            continue
        assembler.add(
            total=total,
            number=number,
            seq=parts[3],
            channel=parts[4],
            payload=parts[5],
            fill=fill_char - 48,
            line=line_no,
            time=time,
            counts=counts,
            out=out,
        )
    counts.skipped += skipped
    return out
